#!/usr/bin/env python3
"""Tiny random Hugging Face decoders, and what transformers computes with them.

    scripts/reference/hf_decoder_fixtures.py [--out-dir DIR]

For each of the families llama, qwen2 and gpt2 this builds a model with
random weights (2 layers, hidden width 64, 4 query heads; 2 key/value heads
for llama and qwen2), big enough in scale that attention is far from
uniform (initializer_range 0.2; every norm weight and bias, Qwen2's
query/key/value biases among them, drawn at random too), and a byte-level
BPE tokenizer trained here on a few sentences. It saves each as a Hugging
Face folder in float32 under Tests/TransformerModelsTests/Fixtures/hf-<family>/
(config.json, model.safetensors, tokenizer.json, tokenizer_config.json),
loads it back from the folder, runs it with eager attention and
output_attentions=True, and writes hf-<family>.json beside it:

- prompts: the tokenizer's ids and tokens for a few texts, the logits of
  every position at fixed probe ids, every position's argmax, and every
  layer's and head's attention (layers and heads from 1);
- generations: greedy (do_sample=False) 10 tokens after two prompts, with
  the generated text;
- chat: the ChatML prompt apply_chat_template renders, for the family
  whose tokenizer_config.json has a chat template (qwen2).

The llama folder keeps its own output layer (tie_word_embeddings false) and
a tokenizer that puts a BOS token first; qwen2 and gpt2 tie theirs to the
embedding. Python environment: scripts/make-venv --torch; the script re-runs
itself with ${VENV:-.venv}/bin/python when the current interpreter lacks them.
"""
import argparse
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import numpy as np
    import torch
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast
except ImportError:
    venv = os.path.realpath(os.environ.get("VENV", os.path.join(ROOT, ".venv")))
    venv_python = os.path.join(venv, "bin", "python")
    if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != venv:
        os.execv(venv_python, [venv_python] + sys.argv)
    raise

DEFAULT_OUT_DIR = os.path.join(ROOT, "Tests", "TransformerModelsTests", "Fixtures")

# The tokenizer learns its merges from these.
TRAINING_TEXTS = [
    "The cat sat on the mat, and the dog sat on the log.",
    "Attention is a way for a model to decide which of its inputs matter most.",
    "Queries are matched against keys; the weights pool the values.",
    "The lighthouse keeper climbed the stairs every evening at the same hour.",
    "Hello there! How are you today? I am fine, thank you.",
    "Once upon a time, in a small village by the sea, there lived a carpenter.",
]
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<s>"]
VOCABULARY_SIZE = 320

PROMPTS = {
    "one": "Hello",
    "sentence": "The cat sat on the mat.",
    "longer": "Attention decides which inputs matter; queries meet keys, and weights pool values.",
}
GENERATION_PROMPTS = {"cat": "The cat sat", "village": "Once upon a time"}

# Plain ChatML, as ChatTemplate recognises it.
CHATML = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def rounded(values, digits=7):
    return [float(f"{float(v):.{digits}g}") for v in values]


def train_tokenizer():
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCABULARY_SIZE,
        min_frequency=1,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(TRAINING_TEXTS, trainer=trainer)
    return tokenizer


def family_tokenizer(base, family):
    tokenizer = Tokenizer.from_str(base.to_str())
    options = {"eos_token": "<|endoftext|>"}
    if family == "llama":
        bos = "<s>"
        tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", special_tokens=[(bos, tokenizer.token_to_id(bos))]
        )
        options["bos_token"] = bos
    if family == "qwen2":
        options["eos_token"] = "<|im_end|>"
        options["pad_token"] = "<|endoftext|>"
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, **options)
    if family == "qwen2":
        fast.chat_template = CHATML
    return fast


def family_config(family, vocabulary, eos_id):
    common = dict(vocab_size=vocabulary, initializer_range=0.2, eos_token_id=eos_id, bos_token_id=eos_id)
    if family == "llama":
        return transformers.LlamaConfig(
            hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=1000.0,
            tie_word_embeddings=False, **common,
        )
    if family == "qwen2":
        return transformers.Qwen2Config(
            hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-6, rope_theta=10000.0,
            tie_word_embeddings=True, use_sliding_window=False, **common,
        )
    return transformers.GPT2Config(
        n_embd=64, n_inner=128, n_layer=2, n_head=4, n_positions=64, layer_norm_epsilon=1e-5,
        activation_function="gelu_new", **common,
    )


def randomize_vectors(model, seed):
    """Norm weights near 1 and biases near 0, but not equal to them: a forward pass that
    skipped one would fail the comparison."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.dim() != 1:
                continue
            noise = torch.randn(parameter.shape, generator=generator) * 0.2
            is_norm_weight = name.endswith(".weight")
            parameter.copy_(noise + (1.0 if is_norm_weight else 0.0))


def build(family, base, out_dir, seed):
    folder = os.path.join(out_dir, f"hf-{family}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    tokenizer = family_tokenizer(base, family)
    config = family_config(family, len(tokenizer), tokenizer.eos_token_id)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager", dtype=torch.float32)
    randomize_vectors(model, seed + 1)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    for extra in ["generation_config.json", "special_tokens_map.json"]:
        path = os.path.join(folder, extra)
        if os.path.exists(path):
            os.remove(path)

    # What is measured is what the folder holds.
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32)
    model.eval()
    vocabulary = model.config.vocab_size
    probe_ids = sorted(np.random.default_rng(seed).choice(vocabulary, size=48, replace=False).tolist())

    prompts = []
    for name, text in PROMPTS.items():
        ids = tokenizer(text)["input_ids"]
        with torch.no_grad():
            output = model(torch.tensor([ids]), output_attentions=True)
        logits = output.logits[0].double().numpy()
        attentions = np.stack([a[0].double().numpy() for a in output.attentions])  # [N, H, L, L]
        spread = float(attentions.max(axis=-1)[..., 1:].mean()) if len(ids) > 1 else 1.0
        prompts.append(
            {
                "name": name,
                "text": text,
                "ids": ids,
                "tokens": tokenizer.convert_ids_to_tokens(ids),
                "logits_at_probe_ids": [rounded(row[probe_ids]) for row in logits],
                "argmax": [int(row.argmax()) for row in logits],
                "attentions": rounded(attentions.ravel()),
                "mean_row_max": spread,
            }
        )

    generations = []
    for name, text in GENERATION_PROMPTS.items():
        ids = tokenizer(text)["input_ids"]
        with torch.no_grad():
            out = model.generate(
                torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                max_new_tokens=10,
                do_sample=False,
                eos_token_id=None,
                pad_token_id=tokenizer.eos_token_id,
            )
        generated = out[0][len(ids):].tolist()
        generations.append(
            {
                "name": name,
                "text": text,
                "prompt_ids": ids,
                "generated_ids": generated,
                "generated_text": tokenizer.decode(generated),
            }
        )

    fixture = {
        "source": "transformers %s, torch %s, eager attention, float32, random weights (seed %d)"
        % (transformers.__version__, torch.__version__, seed),
        "model_type": family,
        "layers": model.config.num_hidden_layers,
        "heads": model.config.num_attention_heads,
        "vocabulary": vocabulary,
        "probe_ids": probe_ids,
        "prompts": prompts,
        "generations": generations,
    }
    if tokenizer.chat_template:
        messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}]
        fixture["chat"] = {
            "system": "Be brief.",
            "user": "Hi there",
            "rendered": tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False),
        }
    with open(os.path.join(out_dir, f"hf-{family}.json"), "w") as handle:
        json.dump(fixture, handle, separators=(",", ":"))
        handle.write("\n")
    sizes = {name: os.path.getsize(os.path.join(folder, name)) for name in sorted(os.listdir(folder))}
    print(f"hf-{family}: {sizes}; mean row max of attention {[round(p['mean_row_max'], 3) for p in prompts]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR)
    args = parser.parse_args()
    torch.set_num_threads(2)
    base = train_tokenizer()
    for seed, family in enumerate(["llama", "qwen2", "gpt2"], start=1):
        build(family, base, args.out_dir, seed * 100)


if __name__ == "__main__":
    main()
