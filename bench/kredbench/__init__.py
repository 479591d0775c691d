"""kredbench: the benchmarks of bench/run.py (kred vs pykeops vs dense torch)."""
