SWIFT ?= swift
BUILD_FLAGS ?= -c release
OUT ?= out/demo

.PHONY: all deps build demo test bench reference clean format

all: build

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --product attn

demo: build
	$(SWIFT) run $(BUILD_FLAGS) attn demo --out $(OUT)
	@echo "figures in $(OUT)/"

test: deps
	$(SWIFT) build $(BUILD_FLAGS) --product attn
	ATTN_BIN=$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/attn $(SWIFT) test

bench: build
	bench/heatmap-vs-matplotlib

reference:
	$$(scripts/make-venv --torch) scripts/reference/show_heatmaps.py demo out/reference
	@echo "matplotlib figures in out/reference/"

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build out
