"""The sharding context of kred.torch reductions (set by ``kred.distributed.sharded``).

``current`` holds the active ``kred.distributed`` layout, or None: every
kred.torch reduction (Genred, LazyTensor reductions, and the reductions of
their derivatives) called while one is active runs on sharded variables.
Kept apart from kred.distributed so that kred.torch does not import it.
"""

import contextvars

current = contextvars.ContextVar("kred_sharding", default=None)
