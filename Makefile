# Thin wrapper over CMake.  `make demo` and `make test` install what is
# missing first (scripts/install-deps.sh is idempotent).
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all build deps demo test test-fast test-asan fuzz bench clean

all: build

deps:
	@scripts/install-deps.sh

build:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: the FNO example through the interpreter.
demo: deps build
	@scripts/demo.sh $(BUILD)/bin/pdec

# The whole suite, then once more under AddressSanitizer + UBSan.
test: deps
	@$(MAKE) --no-print-directory test-fast
	@$(MAKE) --no-print-directory test-asan

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan:
	@cmake -S . -B $(ASAN_BUILD) -DPDEC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan-opencl.supp:print_suppressions=0 \
		ctest --output-on-failure -j $(JOBS)

# pdec's compiled C against PyTorch (installed into bench/.venv), side by side.
bench: deps build
	@bench/bench.sh $(BUILD)/bin/pdec

fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
