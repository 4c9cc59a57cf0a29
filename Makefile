# switchboard: top-level entry points. CMake does the building; this file installs what is
# missing, then builds, tests, benchmarks and runs the demo.
#   make deps   install the Debian packages the build and tests need (as root), else print the line
#   make        build build/switchboard (and the simulators and tests)
#   make test   deps + build + unit tests + sanitizer build + end-to-end tests with real MCP clients
#   make demo   deps + build + the main job against the embedded defaults
#   make bench  side-by-side benchmarks (bench/), figures printed as ratios

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

DEB_PACKAGES := build-essential cmake pkg-config git ca-certificates \
  libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 \
  libpcap-dev libssl-dev libcmocka-dev valgrind clang libclang-rt-14-dev \
  sip-tester tshark sngrep tcpdump iproute2 wrk procps jq

.PHONY: all build deps test unit asan e2e fuzz-replay fuzz demo bench clean

all: build

deps:
	@tools/deps.sh $(DEB_PACKAGES)

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

unit: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSB_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS) -L unit

fuzz-replay: build
	@cd $(BUILD) && ctest --output-on-failure -L fuzz

# Each libFuzzer target runs briefly from its corpus (FUZZ_SECONDS each); findings fail the run.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 15
fuzz:
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSB_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@tools/fuzz.sh $(FUZZ_BUILD)/fuzzers $(FUZZ_SECONDS)

e2e: build
	@tests/e2e/setup.sh
	@cd $(BUILD) && ctest --output-on-failure -L e2e

test: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory e2e

demo: deps build
	@tests/e2e/setup.sh
	@tools/demo.sh

bench: deps build
	@tests/e2e/setup.sh
	@bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
