# The two commands a new user needs:
#   make run   - install what is missing, build, start the REST service
#   make test  - install what is missing, build, run every test
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build run demo test test-asan fuzz bench bench-serve clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts `tributary serve` on the embedded store (prints a key and examples).
run: build
	./scripts/serve.sh $(BUILD_DIR)/tributary

# The command-line demo: import, export, round trip.
demo: build
	./scripts/demo.sh $(BUILD_DIR)/tributary

test: build
	./tests/peers/install.sh
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTRIBUTARY_SANITIZE=ON -DTRIBUTARY_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	./tests/peers/install.sh
	cd build-asan && ctest --output-on-failure -j $(JOBS)

# libFuzzer targets, each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
fuzz: deps
	./scripts/fuzz.sh $(FUZZ_SECONDS)

bench: build
	./bench/run.sh

bench-serve: build
	./bench/serve.sh

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz
