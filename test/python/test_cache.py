"""The compile cache seen from Python: the in-process memo, and several processes
compiling the same formula at once into one on-disk cache directory."""

import os
import textwrap
import uuid

import numpy as np

import kred.numpy as kn
from helpers import python_env, run_children
from kred.common import cache

CHILD = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    from kred.numpy import Genred
    from kred.common import cache
    formula = sys.argv[1]
    x = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    y = np.arange(15, dtype=np.float32).reshape(5, 3) / 10
    t = time.perf_counter()
    g = Genred(formula, ["x = Vi(3)", "y = Vj(3)"], reduction_op="Sum", axis=1)
    out = g(x, y)
    ms = (time.perf_counter() - t) * 1e3
    k = cache.get_kernel(formula, ["x = Vi(3)", "y = Vj(3)"], "Sum", 1, "float32")
    print(json.dumps({"out": out.ravel().tolist(), "ms": ms, "source": k.info.get("source")}))
    """
)


def run_kernel_children(n, formula, cache_dir):
    return run_children(CHILD, [formula], n, python_env(KRED_CACHE_DIR=str(cache_dir)))


def test_concurrent_processes_share_the_disk_cache(tmp_path):
    # a formula no other test compiles, so every process starts cold
    c = 1 + (uuid.uuid4().int % 1000) / 1000
    formula = f"Exp(-SqDist(x,y)*IntCst(2))*Sum(x*y) + IntCst({int(c * 1000)})"
    x = np.arange(12, dtype=np.float64).reshape(4, 3) / 10
    y = np.arange(15, dtype=np.float64).reshape(5, 3) / 10
    d2 = ((x[:, None] - y[None]) ** 2).sum(-1)
    want = (np.exp(-2 * d2) * (x[:, None] * y[None]).sum(-1) + int(c * 1000)).sum(1)
    first = run_kernel_children(4, formula, tmp_path)
    for r in first:
        np.testing.assert_allclose(r["out"], want, rtol=1e-5)
    # nothing half-written is left behind, and a new process loads from disk
    leftovers = [f for _, _, files in os.walk(tmp_path) for f in files if ".tmp" in f]
    assert not leftovers, leftovers
    again = run_kernel_children(1, formula, tmp_path)[0]
    np.testing.assert_allclose(again["out"], want, rtol=1e-5)
    assert again["source"] == "disk"


def test_in_process_memo_returns_the_same_kernel():
    a = ["x = Vi(3)", "y = Vj(3)"]
    k1 = cache.get_kernel("SqDist(x,y)", a, "Sum", 1, "float32")
    k2 = cache.get_kernel("SqDist(x,y)", list(a), "Sum", 1, "float32")
    assert k1 is k2
    k3 = cache.get_kernel("SqDist(x,y)", a, "Sum", 0, "float32")
    assert k3 is not k1
    before = cache.stats()["hits"]
    kn.Genred("SqDist(x,y)", a, axis=1)(np.ones((2, 3), np.float32), np.ones((3, 3), np.float32))
    assert cache.stats()["hits"] == before + 1
