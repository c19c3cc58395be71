# A thin front for Meson + Ninja.  `make run` and `make test` install
# missing Debian packages themselves when run as root.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz

.PHONY: all build run test unit interop asan fuzz fuzz-campaign fuzz-smoke bench clean deps-build deps-test

all: build

deps-build:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps-build $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	scripts/run.sh

# Every test: unit (cmocka), interop (smbclient, impacket, smbtorture),
# then both again under ASan+UBSan, then a fuzz smoke run.
test: deps-test build
	scripts/test.sh

unit: build
	meson test -C $(BUILD) --print-errorlogs

interop: build
	tests/interop/run.sh $(BUILD)

asan:
	@[ -f $(ASAN_BUILD)/build.ninja ] || meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
	ninja -C $(ASAN_BUILD)

fuzz:
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=disabled
	ninja -C $(FUZZ_BUILD)
	tests/fuzz/run.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-300}

# Long campaigns in CPU time per target (FUZZ_CPU seconds, default 1800),
# corpora kept in FUZZ_WORK between campaigns.
fuzz-campaign:
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=disabled
	ninja -C $(FUZZ_BUILD)
	CPUSECS=$${FUZZ_CPU:-1800} tests/fuzz/campaign.sh $(FUZZ_BUILD) $${FUZZ_WORK:-fuzz-work}

fuzz-smoke:
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=disabled
	ninja -C $(FUZZ_BUILD)
	tests/fuzz/run.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-10}

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# Benchmarks: daxsmbd vs Samba vs the floor, on tmpfs and on the disk
# (bench/README.md).  BENCH_SECONDS=N per test (default 3).
bench: build
	bench/run.sh
