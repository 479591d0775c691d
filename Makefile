# kernelred — top-level commands.
#   make        build (configures on first use)
#   make demo   set up, build and run the main job (the LogSumExp seed example)
#   make test   set up, build and run every test suite; ends with a count line
#   make wheel  the self-contained wheel (static MLIR/LLVM, manylinux) in dist/: `pip install dist/kred-*.whl`
#   make bench  run the benchmarks of bench/ (and rewrite the GPU static model section of bench/RESULTS.md)
#   make sanitize  ASan+UBSan build (build-asan/) and tests under it

BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
export CUDA_HOME ?= /usr/local/cuda

.PHONY: all build setup configure test demo docs bench clean sanitize wheel

all: build

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -G Ninja -S . -B $(BUILD) \
	  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
	  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
	  -DCMAKE_BUILD_TYPE=Release -DLLVM_ENABLE_LLD=ON \
	  -DPython3_EXECUTABLE=$(CURDIR)/.venv/bin/python $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: configure
	ninja -C $(BUILD) -j $(JOBS)

docs: build
	cp $(BUILD)/docs/Dialects/KernelredDialect.md docs/dialect.md

test: setup build
	@scripts/run_tests.sh $(BUILD)

demo: setup build
	@scripts/demo.sh $(BUILD)

sanitize: setup
	@scripts/sanitize.sh

# pip wheel . compiles everything again with static MLIR and LLVM into
# build-pip/ (its own build, incremental after the first); auditwheel then
# tags it manylinux and grafts the system libraries it needs.
wheel: setup
	rm -rf dist/raw
	CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) .venv/bin/python -m pip wheel . --no-build-isolation --no-deps -w dist/raw
	PATH=$(CURDIR)/.venv/bin:$$PATH .venv/bin/python -m auditwheel repair -w dist dist/raw/kred-*.whl

bench: setup build
	.venv/bin/python bench/run.py --gpu-static-md bench/RESULTS.md

clean:
	rm -rf $(BUILD)
