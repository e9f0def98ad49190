#!/usr/bin/env python3
"""GGUF files of the tiny random llama and qwen2 decoders, laid out as llama.cpp's converter lays them out.

    scripts/reference/gguf_decoder_fixtures.py [--fixtures DIR]

Reads the folders Tests/TransformerModelsTests/Fixtures/hf-llama and hf-qwen2
(made by hf_decoder_fixtures.py) and writes gguf-llama.gguf and
gguf-qwen2.gguf beside them with the gguf package's GGUFWriter:

- every tensor in float32 under GGUF's names (token_embd, blk.N.attn_q, ...,
  output_norm, and output when the folder does not tie it);
- llama: the rows of Q and K permuted within each head so that rotary pairs
  are neighbouring features (GGUF's layout for that architecture);
  qwen2: Q and K as they are (GGUF qwen2 files rotate halves), with the
  query, key and value biases;
- the metadata llama.cpp reads for the architecture, and the tokenizer as
  tokenizer.ggml.* (model gpt2, pre-tokenizer gpt2: the folders' byte-level
  regex), with BOS added for llama and the chat template for qwen2.

Then transformers loads each file back (gguf_file=) and its logits on the
fixture prompts must equal the folder's to 1e-5, so the file holds the
model the hf-<family>.json fixtures were computed with. The Swift tests run
the GGUF files against those fixtures.

Python environment: scripts/make-venv --torch (torch, transformers, gguf); the
script re-runs itself with ${VENV:-.venv}/bin/python when the current
interpreter lacks them.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import gguf
    import numpy as np
    import torch
    from safetensors.numpy import load_file
    from transformers import AutoModelForCausalLM
except ImportError:
    venv = os.path.realpath(os.environ.get("VENV", os.path.join(ROOT, ".venv")))
    venv_python = os.path.join(venv, "bin", "python")
    if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != venv:
        os.execv(venv_python, [venv_python] + sys.argv)
    raise

DEFAULT_FIXTURES = os.path.join(ROOT, "Tests", "TransformerModelsTests", "Fixtures")

# Hugging Face's layer tensor names and GGUF's, without the ".weight" / ".bias" ending.
LAYER_NAMES = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def pair_rotary_features(weight, heads):
    """Rows [head][half][i] -> [head][i][half]: feature i and i + d/2 of a head become 2i and 2i + 1."""
    rows, columns = weight.shape
    return weight.reshape(heads, 2, rows // heads // 2, columns).swapaxes(1, 2).reshape(rows, columns)


def gguf_name(name):
    if name == "model.embed_tokens.weight":
        return "token_embd.weight"
    if name == "model.norm.weight":
        return "output_norm.weight"
    if name == "lm_head.weight":
        return "output.weight"
    parts = name.split(".")
    assert parts[0] == "model" and parts[1] == "layers", name
    stem, ending = ".".join(parts[3:-1]), parts[-1]
    return f"blk.{parts[2]}.{LAYER_NAMES[stem]}.{ending}"


def write(family, fixtures):
    folder = os.path.join(fixtures, f"hf-{family}")
    with open(os.path.join(folder, "config.json")) as handle:
        config = json.load(handle)
    with open(os.path.join(folder, "tokenizer.json")) as handle:
        tokenizer = json.load(handle)
    with open(os.path.join(folder, "tokenizer_config.json")) as handle:
        tokenizer_config = json.load(handle)
    tensors = load_file(os.path.join(folder, "model.safetensors"))
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]

    path = os.path.join(fixtures, f"gguf-{family}.gguf")
    writer = gguf.GGUFWriter(path, family)
    writer.add_name(f"tiny random {family}")
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_rope_dimension_count(config["hidden_size"] // heads)
    writer.add_rope_freq_base(float(config.get("rope_parameters", {}).get("rope_theta", config.get("rope_theta"))))
    writer.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))
    writer.add_vocab_size(config["vocab_size"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    # The vocabulary by id; added tokens are control tokens (3), the rest normal (1).
    vocabulary = dict(tokenizer["model"]["vocab"])
    for added in tokenizer["added_tokens"]:
        vocabulary[added["content"]] = added["id"]
    tokens = [None] * config["vocab_size"]
    for token, index in vocabulary.items():
        tokens[index] = token
    assert all(token is not None for token in tokens), "the vocabulary leaves ids out"
    special = {added["content"] for added in tokenizer["added_tokens"] if added["special"]}
    merges = [m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt2")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if token in special else 1 for token in tokens])
    writer.add_token_merges(merges)
    def token_id(key):
        token = tokenizer_config.get(key)
        return vocabulary[token] if token is not None else None
    if token_id("bos_token") is not None:
        writer.add_bos_token_id(token_id("bos_token"))
    writer.add_eos_token_id(token_id("eos_token"))
    if token_id("pad_token") is not None:
        writer.add_pad_token_id(token_id("pad_token"))
    post = tokenizer.get("post_processor") or {}
    writer.add_add_bos_token(post.get("type") == "TemplateProcessing")
    if tokenizer_config.get("chat_template"):
        writer.add_chat_template(tokenizer_config["chat_template"])

    for name in sorted(tensors):
        weight = tensors[name].astype(np.float32)
        if family == "llama" and name.endswith(("q_proj.weight", "k_proj.weight")):
            weight = pair_rotary_features(weight, heads if "q_proj" in name else kv_heads)
        writer.add_tensor(gguf_name(name), np.ascontiguousarray(weight))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def check(family, fixtures, path):
    """transformers reads the GGUF file back as the model the fixtures were computed with."""
    with open(os.path.join(fixtures, f"hf-{family}.json")) as handle:
        fixture = json.load(handle)
    folder = AutoModelForCausalLM.from_pretrained(
        os.path.join(fixtures, f"hf-{family}"), attn_implementation="eager", dtype=torch.float32).eval()
    converted = AutoModelForCausalLM.from_pretrained(
        fixtures, gguf_file=os.path.basename(path), attn_implementation="eager", dtype=torch.float32).eval()
    worst = 0.0
    for prompt in fixture["prompts"]:
        ids = torch.tensor([prompt["ids"]])
        with torch.no_grad():
            worst = max(worst, float((folder(ids).logits - converted(ids).logits).abs().max()))
    assert worst <= 1e-5, f"{path}: transformers reads logits {worst} away from the folder's"
    print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes; transformers reads it back "
          f"within {worst:.2g} of the folder's logits")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", default=DEFAULT_FIXTURES)
    args = parser.parse_args()
    torch.set_num_threads(2)
    for family in ["llama", "qwen2"]:
        check(family, args.fixtures, write(family, args.fixtures))


if __name__ == "__main__":
    main()
