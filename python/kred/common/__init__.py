"""Framework-independent parts of kred: parsing, compile cache, Genred core, LazyTensor, solver."""
