# Charon's front door. `make run` boots the kernel, `make test` runs every suite.
BUILD    ?= build
COVBUILD ?= build-coverage
KERNEL   := $(BUILD)/charon.elf
INITRD   := $(BUILD)/initramfs.cpio
SUITES   ?= unit libfuzzer kernel guest-native user-native guest fuzz tty shell bench
# `make run INIT_ARGS="/tests/runner /tests/bin"`: init's arguments (the
# kernel passes the words after "--"); empty starts /bin/sh on the console
# as its controlling terminal (init -t).
INIT_ARGS ?=
# `make bench MODE=tcg`: plain TCG instead of -icount (docs/performance.md);
# BENCH_ARGS: more tools/bench.py options, e.g. "--runs 5" or metric filters.
MODE ?= icount
BENCH_ARGS ?=

.PHONY: all deps configure build kernel initramfs run debug test guest-test fuzz bench coverage clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD)

# Only the kernel image: `make run` must not wait for the unit tests to build.
kernel: configure
	cmake --build $(BUILD) --target charon.elf

# user/ programs, the guest tests and their runner, packed by tools/mkinitramfs.py.
initramfs: | deps
	$(MAKE) -s -C user -j2 BUILD=$(abspath $(BUILD))
	$(MAKE) -s -C tests/guest -j2 BUILD=$(abspath $(BUILD))
	$(MAKE) -s -C tests/fuzz BUILD=$(abspath $(BUILD))
	$(MAKE) -s -C tests/tty -j2 BUILD=$(abspath $(BUILD))
	tools/mkinitramfs.py --build $(BUILD) -o $(INITRD)

run: kernel initramfs
	INITRD=$(INITRD) tools/qemu.sh run $(KERNEL) $(if $(INIT_ARGS),-- $(INIT_ARGS))

debug: kernel initramfs
	INITRD=$(INITRD) tools/qemu.sh debug $(KERNEL) $(if $(INIT_ARGS),-- $(INIT_ARGS))

test: build
	tools/run-tests.sh $(SUITES)

# The guest suite inside Charon, or only the tests whose name contains T.
guest-test: build
	tools/suites/guest.sh $(T)

# The syscall fuzzer inside Charon (docs/robustness.md): `make fuzz SECONDS=600
# SEED=7`; FUZZ_ARGS passes more fuzzer options (e.g. "-e 12 -n 1 -v").
SECONDS ?= 60
SEED    ?= 1
fuzz: kernel
	BUILD=$(BUILD) FUZZ_SECONDS=$(SECONDS) FUZZ_SEED=$(SEED) FUZZ_VERBOSE=1 tools/suites/fuzz.sh

# The same benchmark program booted on Debian's Linux and on Charon in the
# same QEMU: a table, BUILD/bench/results-MODE.json and bench-MODE.png.
bench: kernel
	@tools/install-deps.sh bench
	$(MAKE) -s -C user -j2 BUILD=$(abspath $(BUILD))
	$(MAKE) -s -C bench BUILD=$(abspath $(BUILD))
	/usr/bin/python3 tools/bench.py --build $(BUILD) --mode $(MODE) $(BENCH_ARGS)

coverage: deps
	cmake -S . -B $(COVBUILD) -G Ninja -DCHARON_BUILD_KERNEL=OFF -DCHARON_COVERAGE=ON
	cmake --build $(COVBUILD)
	@# Report coverage even when a test fails, then fail with ctest's status.
	ctest --test-dir $(COVBUILD) -j"$$(nproc)" --output-on-failure; status=$$?; \
	gcovr -r . --filter kernel/proc/ --object-directory $(COVBUILD) --print-summary; exit $$status

clean:
	rm -rf $(BUILD) $(COVBUILD)
