"""The installed wheel, from a fresh virtualenv (scripts/test_wheel.sh copies this file, the seed examples
and examples/aot to a temporary folder and runs it there with the virtualenv's python): kred and its
extension come from the wheel, never from the source tree; nothing of LLVM or MLIR is loaded; the
console tools run; the AOT runtime is found by CMake's find_package(kernelred) and by pkg-config.
(The seed examples run from the same folder, in test/python/test_seeds.py.)
"""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import kred

HERE = os.path.dirname(os.path.abspath(__file__))
COPY = os.path.abspath(os.path.join(HERE, "..", ".."))  # the temporary copy (examples/, test/)
SOURCE_TREE = os.environ.get("KRED_SOURCE_TREE", "")  # the checkout the wheel was built from
LLVM_NAMES = ("libLLVM", "libMLIR", "libclang", "llvm-22", "libz3")


def _env(tmp_path):
    env = dict(os.environ)
    env["KRED_CACHE_DIR"] = str(tmp_path / "cache")
    env["KRED_PLOT_DIR"] = str(tmp_path)
    return env


def test_kred_comes_from_the_wheel():
    from kred import _C

    for module in (kred, _C):
        assert os.path.realpath(module.__file__).startswith(os.path.realpath(sys.prefix) + os.sep), module.__file__
    if SOURCE_TREE:
        for entry in sys.path:
            entry = os.path.realpath(entry or ".")
            for src in ("python", "build/python"):
                assert entry != os.path.realpath(os.path.join(SOURCE_TREE, src)), sys.path


def test_extension_needs_no_llvm():
    from kred import _C

    ldd = subprocess.run(["ldd", _C.__file__], capture_output=True, text=True, check=True).stdout
    assert "not found" not in ldd, ldd
    for name in LLVM_NAMES:
        assert name not in ldd, ldd
    for tool in ("kred-compile", "kred-opt"):
        ldd = subprocess.run(
            ["ldd", os.path.join(os.path.dirname(kred.__file__), "bin", tool)], capture_output=True, text=True
        ).stdout
        for name in LLVM_NAMES:
            assert name not in ldd, (tool, ldd)


def test_first_reduction_loads_no_llvm(tmp_path):
    """A process that compiles and runs a kernel maps no LLVM library (the JIT is inside kred._C)."""
    script = textwrap.dedent(
        """
        import numpy as np
        from kred.numpy import Genred
        g = Genred("Exp(-SqDist(x, y)) * b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"], reduction_op="Sum", axis=1)
        x, y, b = np.random.rand(7, 3), np.random.rand(11, 3), np.random.rand(11, 1)
        out = g(x, y, b)
        want = (np.exp(-((x[:, None] - y[None]) ** 2).sum(-1)) @ b)
        assert np.allclose(out, want, rtol=1e-10, atol=0), (out, want)
        print("".join(open("/proc/self/maps").readlines()))
        """
    )
    maps = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=_env(tmp_path), check=True
    ).stdout
    for name in LLVM_NAMES:
        assert name not in maps, name


def test_console_tools(tmp_path):
    bindir = os.path.dirname(sys.executable)
    mlir = tmp_path / "seed.mlir"
    subprocess.run(
        [os.path.join(bindir, "kred-compile"), "--formula", "Square(p-a)*Exp(x+y)", "--var", "x=Vi(1)",
         "--var", "y=Vj(1)", "--var", "a=Vj(1)", "--var", "p=Pm(1)", "--reduction", "LogSumExp",
         "--name", "seed", "-o", str(mlir)],
        check=True,
    )  # fmt: skip
    assert "kernelred.reduce @seed" in mlir.read_text()
    out = subprocess.run(
        [os.path.join(bindir, "kred-opt"), str(mlir), "--kred-to-llvm-cpu=vector-bits=256"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for fn in ("@seed_run", "@seed_merge", "@seed_finalize"):
        assert "llvm.func " + fn in out


def test_runtime_paths():
    prefix = kred.get_cmake_prefix()
    assert os.path.isfile(os.path.join(kred.get_cmake_dir(), "kernelredConfig.cmake"))
    assert os.path.isfile(os.path.join(prefix, "include", "kernelred", "kred_runtime.h"))
    assert os.path.isfile(os.path.join(prefix, "lib", "libkred_runtime.so"))
    if shutil.which("pkg-config"):
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
        flags = subprocess.run(
            ["pkg-config", "--cflags", "--libs", "kernelred"], capture_output=True, text=True, env=env, check=True
        ).stdout
        paths = {os.path.normpath(f[2:]) for f in flags.split() if f[:2] in ("-I", "-L")}
        assert paths == {os.path.join(prefix, "include", "kernelred"), os.path.join(prefix, "lib")}, flags
        assert "-lkred_runtime" in flags.split(), flags


@pytest.mark.skipif(not shutil.which("cmake") or not shutil.which("c++"), reason="needs cmake and a C++ compiler")
def test_aot_library_with_find_package(tmp_path):
    """examples/aot against the wheel: kred-compile --spec (which runs a C compiler to link the library)
    and the example's own CMakeLists with find_package(kernelred) from the pip install."""
    gen = tmp_path / "gen"
    gen.mkdir()
    subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "kred-compile"), "--spec",
         os.path.join(COPY, "examples", "aot", "kernels.yaml"), "-o", str(gen / "libmykernels.so"),
         "--header", str(gen / "mykernels.h")],
        check=True, env=_env(tmp_path),
    )  # fmt: skip
    build = tmp_path / "build"
    subprocess.run(
        ["cmake", "-S", os.path.join(COPY, "examples", "aot"), "-B", str(build),
         "-DCMAKE_PREFIX_PATH=" + kred.get_cmake_prefix(), "-DKERNELS_DIR=" + str(gen)],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(["cmake", "--build", str(build)], check=True, capture_output=True)
    out = subprocess.run([str(build / "aot_example")], capture_output=True, text=True, check=True).stdout
    assert "aot_example: OK" in out, out
