# -*- Python -*-
# lit configuration of the kernelred test suite.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "kernelred"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kred_obj_root, "test")

# Every FileCheck run checks that captured variables stay in their block.
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.kred_tools_dir, append_path=True)

tools = ["kred-opt", "kred-compile", "kred-parse-fuzzer", "kred-ir-fuzzer"]
llvm_config.add_tool_substitutions(
    [ToolSubst(t, unresolved="ignore") for t in tools], [config.kred_tools_dir]
)
config.substitutions.append(("%kred_src_root", config.kred_src_root))
config.substitutions.append(("%kred_lib_dir", config.kred_lib_dir))

# Features: ptxas (CUDA toolkit present) and a usable GPU with its driver.
cuda_home = os.environ.get("CUDA_HOME", config.cuda_home or "/usr/local/cuda")
if os.path.exists(os.path.join(cuda_home, "bin", "ptxas")):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", os.path.join(cuda_home, "bin", "ptxas")))
if os.path.exists("/dev/nvidia0") or os.environ.get("KRED_HAS_GPU") == "1":
    config.available_features.add("gpu")
# A sanitized build (make sanitize): programs the tests build against its
# runtime (the AOT examples) need the sanitizer runtime too.
config.host_cxx_flags = ""
if getattr(config, "kred_sanitize", "OFF") in ("ON", "1", "TRUE", "YES"):
    flags = "-fsanitize=address,undefined"
    config.environment["CXXFLAGS"] = flags  # CMake-built examples
    config.environment["LDFLAGS"] = flags
    config.host_cxx_flags = flags  # %host_cxxflags: direct compiles
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if name in os.environ:
            config.environment[name] = os.environ[name]

# The sanitized runtime tests (built by clang builds, test/unit/CMakeLists.txt).
if os.path.exists(os.path.join(config.kred_tools_dir, "kred-runtime-tests-asan")):
    config.available_features.add("runtime-asan")
