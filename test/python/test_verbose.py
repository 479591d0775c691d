"""kred.set_verbose / KRED_VERBOSE: a line per compiled kernel, nothing by default."""

import os
import subprocess
import sys

import numpy as np
import pytest

import kred

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = """
import numpy as np
from kred.numpy import Genred
g = Genred("Exp(-SqDist(x,y)*RatCst(123,1000))", ["x=Vi(2)", "y=Vj(2)"], axis=1)
print("result", float(g(np.ones((3, 2)), np.zeros((4, 2))).sum()))
"""


def _child(tmp_path, **env):
    e = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "python")] + sys.path),
             KRED_CACHE_DIR=str(tmp_path / "kc"))
    e.pop("KRED_VERBOSE", None)
    e.pop("PYKEOPS_VERBOSE", None)
    e.update(env)
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=e, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


def test_silent_by_default_and_with_kred_verbose(tmp_path):
    want = np.exp(-2 * 0.123) * 12
    out, err = _child(tmp_path)
    assert len(out.splitlines()) == 1 and out.startswith("result "), out
    assert abs(float(out.split()[-1]) - want) < 1e-5 * want
    assert err == ""
    out, err = _child(tmp_path, KRED_VERBOSE="1")
    lines = [l for l in out.splitlines() if l.startswith("[kred]")]
    assert len(lines) == 1, out
    # the second process found the kernel in the disk cache written by the first
    assert "loaded from the disk cache" in lines[0] and "Exp(-SqDist(x,y)*RatCst(123,1000))" in lines[0]
    assert "float64" in lines[0] and "cpu " in lines[0] and lines[0].endswith(" ms")
    out, _ = _child(tmp_path, KRED_VERBOSE="0")
    assert "[kred]" not in out


def test_set_verbose_logs_each_compilation(capfd):
    from kred.common import cache as memo
    from kred.numpy import Genred

    old = kred.verbose
    x, y = np.random.rand(3, 2), np.random.rand(5, 2)
    try:
        kred.set_verbose(False)
        memo.clear()
        Genred("SqDist(x,y)*RatCst(1,4)", ["x=Vi(2)", "y=Vj(2)"], axis=0)(x, y)
        assert "[kred]" not in capfd.readouterr().out
        kred.set_verbose(True)
        memo.clear()
        Genred("SqDist(x,y)*RatCst(1,4)", ["x=Vi(2)", "y=Vj(2)"], reduction_op="Min", axis=0)(x, y)
        out = capfd.readouterr().out
        (line,) = [l for l in out.splitlines() if l.startswith("[kred]")]
        assert "Min reduction over axis 0 of 'SqDist(x,y)*RatCst(1,4)'" in line
        assert "x=Vi(2), y=Vj(2)" in line and "float64" in line and "cpu " in line
        # a memo hit compiles nothing and prints nothing
        Genred("SqDist(x,y)*RatCst(1,4)", ["x=Vi(2)", "y=Vj(2)"], reduction_op="Min", axis=0)(x, y)
        assert "[kred]" not in capfd.readouterr().out
    finally:
        kred.set_verbose(old)


def test_default_is_off():
    code = "import kred; print(kred.verbose)"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    env.pop("KRED_VERBOSE", None)
    env.pop("PYKEOPS_VERBOSE", None)
    run = lambda **e: subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: E731
                                     env=dict(env, **e)).stdout.strip()
    assert run() == "False"
    assert run(KRED_VERBOSE="1") == "True"
    assert run(PYKEOPS_VERBOSE="1") == "True"
    assert run(KRED_VERBOSE="0", PYKEOPS_VERBOSE="1") == "False"
