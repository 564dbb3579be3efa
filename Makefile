# Charon's front door. `make run` boots the kernel, `make test` runs every suite.
BUILD    ?= build
COVBUILD ?= build-coverage
KERNEL   := $(BUILD)/charon.elf
SUITES   ?= unit kernel guest-native

.PHONY: all deps configure build run debug test coverage clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD)

run: build
	tools/qemu.sh run $(KERNEL)

debug: build
	tools/qemu.sh debug $(KERNEL)

test: build
	tools/run-tests.sh $(SUITES)

coverage: deps
	cmake -S . -B $(COVBUILD) -G Ninja -DCHARON_BUILD_KERNEL=OFF -DCHARON_COVERAGE=ON
	cmake --build $(COVBUILD)
	ctest --test-dir $(COVBUILD) -j"$$(nproc)" --output-on-failure
	gcovr -r . --filter kernel/proc/ --object-directory $(COVBUILD) --print-summary

clean:
	rm -rf $(BUILD) $(COVBUILD)
