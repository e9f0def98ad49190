#!/usr/bin/env python3
"""Reference facts about the Llama-family decoder from Hugging Face transformers.

    scripts/reference/llama_fixtures.py [GGUF] [--out FILE]

Loads the GGUF file (default: the SmolLM2-135M-Instruct Q4_1 file that
`scripts/fetch-model --decoder` puts in the cache) with transformers'
`gguf_file=` loading, which dequantizes every tensor to float32 and undoes
GGUF's permutation of the query and key projections, and runs it with eager
attention and output_attentions=True. It writes one JSON fixture for
Tests/TransformerModelsTests (default
Tests/TransformerModelsTests/Fixtures/smollm2_reference.json):

- prompts of 1, 7 and 27 tokens: their ids, the logits of every position at
  64 fixed vocabulary ids, each position's argmax and its logit, and
  attention maps of a few (layer, head) pairs;
- a 512-token text, teacher-forced: the argmax next token at every
  position, the last position's logits at the 64 ids, and the last query's
  attention row of three heads;
- greedy generation of 32 tokens (do_sample=False) for the README's prompts,
  plain and through the chat template, with each written token's near ties
  (the tokens whose logit is within NEAR_TIE of the best, teacher-forced).

Layers and heads in the fixture count from 1, as every figure does. The
tokens come from transformers' tokenizer for the same file, so the Swift
tests of the forward pass do not depend on our tokenizer.

Python environment: scripts/make-venv --torch (torch, transformers, gguf),
plus accelerate, which transformers needs to read a GGUF file. The script
re-runs itself with ${VENV:-.venv}/bin/python when the current interpreter
lacks them.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
except ImportError:
    venv = os.path.realpath(os.environ.get("VENV", os.path.join(ROOT, ".venv")))
    venv_python = os.path.join(venv, "bin", "python")
    if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != venv:
        os.execv(venv_python, [venv_python] + sys.argv)
    raise

CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "attentionkit")
DEFAULT_GGUF = os.path.join(CACHE, "SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_OUT = os.path.join(ROOT, "Tests", "TransformerModelsTests", "Fixtures", "smollm2_reference.json")

SHORT_TEXTS = {
    "one": "Hello",
    "seven": "The cat sat on the mat.",
    "sentence": "Attention is a way for a model to decide which of its inputs matter most "
    "for the output it is about to produce, right now.",
}

# A text of at least 512 tokens, written for this fixture.
LONG_TEXT = " ".join(
    [
        "The lighthouse keeper climbed the spiral stairs every evening at the same hour, counting the steps",
        "as his father had taught him: one hundred and twelve, no more and no fewer. At the top he wiped the",
        "salt from the great lens, trimmed the wick, and struck the match that would send the beam across",
        "the water to the ships that passed in the dark. He kept a logbook on the table by the window, and in",
        "it he wrote the weather, the wind, the names of the vessels he could read through his telescope, and",
        "sometimes a line about the birds that rested on the railing before flying on toward the south.",
        "In the spring of the year the storms came late, the supply boat did not arrive for three weeks, and",
        "he learned to bake bread from the last of the flour and to catch fish from the rocks below the tower.",
        "His neighbour on the mainland, a carpenter named Elsa, sent letters with the fishermen: she wrote",
        "about the village, the new school that was being built near the harbour, the price of timber, and",
        "the argument between the baker and the mayor about the clock in the square, which had been running",
        "seven minutes slow since the winter. He answered each letter carefully, describing the colour of the",
        "sea at dawn, the way the fog rolled in from the west like a slow grey wall, and the sound of the bell",
        "buoy that rang when the waves were high. When the supply boat finally came, it brought coffee, oil",
        "for the lamp, a box of books, and a small wooden model of the lighthouse that Elsa had carved for him,",
        "with every window cut out and a tiny brass lamp at the top. He placed it on the table beside the",
        "logbook, and that night, when he lit the great lamp, he lit a candle inside the little one as well,",
        "so that two lights shone from the tower: one for the ships, and one for the village across the bay.",
        "Years later, when the light was automated and the keeper moved to the mainland, the children of the",
        "village would ask him what he had done alone in the tower for so long, and he would tell them that he",
        "had never really been alone at all, because every evening someone on the shore had been watching for",
        "his light, and every evening he had been watching for theirs. The model still stands in the window of",
        "the school, and on the longest night of the year the teacher lights a candle inside it, and the",
        "children count the steps of the little stairs, one hundred and twelve, no more and no fewer, while the",
        "old man listens and smiles and corrects them when they skip a number, as his father once corrected",
        "him on the real stairs, long ago, when the lamp was still lit by hand and the ships still looked for",
        "it through the rain. The keeper's logbook, with its careful columns of wind and weather and names,",
        "was given to the museum in the harbour town, where visitors can read the entries of that late spring,",
        "the three weeks without the boat, the bread and the fish and the letters, and the single line he",
        "wrote on the night the little lighthouse arrived: two lights tonight.",
    ]
)

README_PROMPTS = [
    {"name": "translate_chat", "text": "Translate into French: The cat is sleeping on the mat.", "chat": True},
    {"name": "capital_plain", "text": "The capital of France is", "chat": False},
]

HEAD_PAIRS = [(1, 1), (1, 9), (2, 4), (8, 2), (15, 5), (22, 7), (30, 3), (30, 9)]
LAST_ROW_PAIRS = [(1, 1), (15, 5), (30, 9)]


# Logits within this much of a step's best count as a near tie: 8-bit
# activations (llama.cpp's scheme) move a logit by up to 1.9 on these
# prompts, so a tie this close may fall either way. The fixture lists the
# ties so that a failing test tells one from a real difference.
NEAR_TIE = 3.0


def rounded(values, digits=7):
    return [float(f"{float(v):.{digits}g}") for v in values]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gguf", nargs="?", default=DEFAULT_GGUF)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(2)
    folder, name = os.path.split(os.path.abspath(args.gguf))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=name, attn_implementation="eager", dtype=torch.float32
    )
    model.eval()
    vocabulary = model.config.vocab_size
    probe_ids = sorted(np.random.default_rng(11).choice(vocabulary, size=64, replace=False).tolist())

    def run(ids):
        with torch.no_grad():
            output = model(torch.tensor([ids]), output_attentions=True)
        return output.logits[0].double().numpy(), [a[0].double().numpy() for a in output.attentions]

    prompts = []
    for key, text in SHORT_TEXTS.items():
        ids = tokenizer(text)["input_ids"]
        if key == "one":
            ids = ids[:1]
        logits, attentions = run(ids)
        prompts.append(
            {
                "name": key,
                "ids": ids,
                "logits_at_probe_ids": [rounded(row[probe_ids]) for row in logits],
                "argmax": [int(row.argmax()) for row in logits],
                "max_logit": rounded(row.max() for row in logits),
                "maps": [
                    {"layer": layer, "head": head, "weights": rounded(attentions[layer - 1][head - 1].ravel())}
                    for layer, head in HEAD_PAIRS
                ],
            }
        )

    long_ids = tokenizer(LONG_TEXT)["input_ids"][:512]
    assert len(long_ids) == 512, len(long_ids)
    logits, attentions = run(long_ids)
    long_run = {
        "ids": long_ids,
        "argmax": [int(row.argmax()) for row in logits],
        "last_logits_at_probe_ids": rounded(logits[-1][probe_ids]),
        "last_rows": [
            {"layer": layer, "head": head, "weights": rounded(attentions[layer - 1][head - 1][-1])}
            for layer, head in LAST_ROW_PAIRS
        ],
    }

    generations = []
    for prompt in README_PROMPTS:
        if prompt["chat"]:
            rendered = tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt["text"]}], add_generation_prompt=True, tokenize=False
            )
        else:
            rendered = prompt["text"]
        ids = tokenizer(rendered)["input_ids"]
        with torch.no_grad():
            # The mask is given: left to infer it, generate() would mask every
            # token equal to the padding id, which is <|im_end|> here.
            out = model.generate(
                torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                max_new_tokens=32,
                do_sample=False,
                eos_token_id=None,
                pad_token_id=2,
            )
        generated = out[0][len(ids):].tolist()
        # Teacher-forced over the whole text: at each written token, the
        # tokens whose logit comes within NEAR_TIE of the best one (best
        # first, at most 8), so that a test can tell a near tie, which a
        # quantized model may break the other way, from a real difference.
        logits, _ = run(ids + generated)
        near = []
        for row in logits[len(ids) - 1 : len(ids) - 1 + len(generated)]:
            order = np.argsort(-row, kind="stable")[:8]
            kept = [int(t) for t in order if row[t] >= row[order[0]] - NEAR_TIE]
            near.append({"ids": kept, "logits": rounded(row[kept])})
        generations.append(
            {
                "name": prompt["name"],
                "text": prompt["text"],
                "chat": prompt["chat"],
                "rendered": rendered,
                "prompt_ids": ids,
                "generated_ids": generated,
                "generated_text": tokenizer.decode(generated),
                "near_ties": near,
            }
        )

    fixture = {
        "source": "transformers %s, torch %s, eager attention, float32, from %s"
        % (__import__("transformers").__version__, torch.__version__, name),
        "probe_ids": probe_ids,
        "prompts": prompts,
        "long": long_run,
        "generations": generations,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as sink:
        json.dump(fixture, sink, separators=(",", ":"))
        sink.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
