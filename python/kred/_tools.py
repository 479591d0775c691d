"""The console tools of the wheel: ``kred-compile`` and ``kred-opt``.

The wheel installs the executables in ``kred/bin`` (linked statically with
MLIR and LLVM, like kred._C) and these entry points, which run them with the
same arguments. In a source checkout they are in ``build/bin`` instead.

Also the paths of what the wheel ships for ahead-of-time kernel libraries
(libkred_runtime.so, its header, CMake config and pkg-config file):
``cmake -DCMAKE_PREFIX_PATH=$(python -c "import kred; print(kred.get_cmake_prefix())")``
makes ``find_package(kernelred)`` find them.
"""

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def get_cmake_prefix():
    """The install prefix of the AOT runtime in this installation (a CMake prefix: lib/, include/)."""
    return _PACKAGE_DIR


def get_cmake_dir():
    """The folder of kernelredConfig.cmake (CMake's ``kernelred_DIR``)."""
    return os.path.join(_PACKAGE_DIR, "lib", "cmake", "kernelred")


def get_include():
    """The folder to add to the include path for ``#include <kred_runtime.h>``."""
    return os.path.join(_PACKAGE_DIR, "include", "kernelred")


def get_library_dir():
    """The folder of libkred_runtime.so (and of the pkg-config file, in its pkgconfig/)."""
    return os.path.join(_PACKAGE_DIR, "lib")


def _run(tool):
    path = os.path.join(_PACKAGE_DIR, "bin", tool)
    if not os.access(path, os.X_OK):
        sys.stderr.write(
            f"{tool}: not installed with this kred ({path} is missing); the wheel ships it, "
            "a source checkout builds it into build/bin\n"
        )
        sys.exit(127)
    os.execv(path, [tool] + sys.argv[1:])


def kred_compile():
    """Entry point of ``kred-compile``."""
    _run("kred-compile")


def kred_opt():
    """Entry point of ``kred-opt``."""
    _run("kred-opt")
