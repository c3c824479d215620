# The two commands a new user needs (README): `make demo` and `make check`.
# Both install missing Debian packages, configure and build first.
BUILD ?= build
MESON_TEST_ARGS ?= --print-errorlogs

.PHONY: all deps build demo check bench clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	./scripts/demo.sh $(BUILD)

check: build
	meson test -C $(BUILD) $(MESON_TEST_ARGS)

bench: build
	meson test -C $(BUILD) --benchmark --verbose

clean:
	rm -rf $(BUILD)
