# The README's two commands: `make demo` and `make test`. Both install what they need.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

FUZZ_SECONDS ?= 15

.PHONY: deps configure build demo test test-all bench accuracy bands screenshots asan fuzz format clean

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

demo: build
	./$(BUILD)/tokenfab train --model llama-3.1-405b --system dgx-h100 --gpus 16384 \
	  --tp 8 --pp 16 --vpp 2 --cp 1 --mbs 1 --zero 1 --pp-first-layers 7 --pp-last-layers 7 \
	  --recompute selective --gbs 2048 --seq 8192 --tokens 15.6T

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE slow

test-all: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

accuracy: build
	# Exit 1 (a suite misses its targets) still writes the page; other failures stop make.
	./$(BUILD)/tokenfab validate --format markdown > docs/accuracy.md || [ $$? -eq 1 ]

# The error bands (data/trust/bands.yaml, docs/trust.md) from the validation residuals; a test
# fails when the stored file differs from a regeneration.
bands: build
	./$(BUILD)/tokenfab validate --write-bands

# The README's pictures (docs/img/), drawn by headless chromium from --html pages.
screenshots: build
	node scripts/screenshots.mjs ./$(BUILD)/tokenfab docs/img

bench: build
	./$(BUILD)/bench/tokenfab_bench

asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTOKENFAB_SANITIZE=ON \
	  -DTOKENFAB_BUILD_BENCHMARKS=OFF -DTOKENFAB_BUILD_PYTHON=OFF >/dev/null
	@cmake --build build-asan -j$(JOBS)
	# The MPI sweep is left out: Open MPI's runtime leaks by design and trips LeakSanitizer. The
	# browser tests are too (they check pages and the UI, which `make test` covers), and the Python
	# module is not built there (an ASan library cannot load into a plain python3). So are the
	# "suite" tests that replay whole validation suites (tests/CMakeLists.txt): the same code paths
	# run under ASan in the unit and golden tests, and a replay takes tens of minutes in Debug.
	# A test that runs past 10 minutes fails rather than holding CI.
	cd build-asan && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --output-on-failure -j$(JOBS) --timeout 600 -LE 'slow|suite|mpi|browser|python'

# libFuzzer targets for every loader and flag parser (fuzz/), built with clang, ASan and UBSan in
# their own folder, each run FUZZ_SECONDS (about 4-5 min in all on 2 cores, build included).
fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DTOKENFAB_FUZZ=ON -DTOKENFAB_BUILD_TESTS=OFF -DTOKENFAB_BUILD_BENCHMARKS=OFF \
	  -DTOKENFAB_WITH_MPI=OFF -DTOKENFAB_BUILD_PYTHON=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-fuzz -j$(JOBS)
	BUILD=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/run-fuzzers.sh

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-fuzz
