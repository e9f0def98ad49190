#!/usr/bin/env python3
"""Reference encodings of SmolLM2's byte-level BPE tokenizer from Hugging Face.

    scripts/reference/bpe_fixtures.py [GGUF] [--out FILE] [--tokenizer-dir DIR]

Builds Hugging Face's tokenizer for SmolLM2-135M-Instruct from its GGUF file
(default: the Q4_1 file that `scripts/fetch-model --decoder` puts in the
cache) with `AutoTokenizer.from_pretrained(dir, gguf_file=name)`: the
vocabulary, merges, special tokens and chat template all come from the
file's `tokenizer.*` metadata, so no network is needed.

transformers' GGUF converter gives any `gpt2` tokenizer of a Llama-family
file a plain `ByteLevel` pre-tokenizer; it does not read
`tokenizer.ggml.pre`. SmolLM2's own tokenizer.json (and llama.cpp's
`smollm` pre-tokenizer, which the file names) first splits each digit off:
`Sequence[Digits(individual_digits=True), ByteLevel]`. The script puts that
step back, as the published tokenizer.json has it, and checks that it
changes the encoding of digit runs, so the fixture is the published
tokenizer's and not the converter's.

It writes:
- Tests/TransformerModelsTests/Fixtures/smollm2_tokenizer.json: for every
  text, its ids and token strings (as `convert_ids_to_tokens` spells them,
  in GPT-2's byte alphabet); byte strings that are not UTF-8 with the
  offset of the first bad byte; what the pre-tokenizer alone cuts each
  text into; and `apply_chat_template(messages,
  add_generation_prompt=True)` of several conversations, as text and ids.
- Tests/TransformerModelsTests/Fixtures/smollm2-tokenizer/: the same
  tokenizer saved by `save_pretrained` (tokenizer.json,
  tokenizer_config.json, and chat_template.jinja where transformers writes
  one), for the tests of the tokenizer.json reader, which run without the
  GGUF file. tokenizer.json is 1.8 MB written on one line.

Python environment: scripts/make-venv --torch (transformers, gguf). The
script re-runs itself with ${VENV:-.venv}/bin/python when the current
interpreter lacks them.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import transformers
    from tokenizers import pre_tokenizers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import bytes_to_unicode
except ImportError:
    venv = os.path.realpath(os.environ.get("VENV", os.path.join(ROOT, ".venv")))
    venv_python = os.path.join(venv, "bin", "python")
    if os.path.exists(venv_python) and os.path.realpath(sys.prefix) != venv:
        os.execv(venv_python, [venv_python] + sys.argv)
    raise

CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "attentionkit")
DEFAULT_GGUF = os.path.join(CACHE, "SmolLM2-135M-Instruct.Q4_1.gguf")
FIXTURES = os.path.join(ROOT, "Tests", "TransformerModelsTests", "Fixtures")
DEFAULT_OUT = os.path.join(FIXTURES, "smollm2_tokenizer.json")
DEFAULT_TOKENIZER_DIR = os.path.join(FIXTURES, "smollm2-tokenizer")

NFD_CAFE = unicodedata.normalize("NFD", "café naïve résumé Ångström")


def texts():
    """(name, text) pairs; names are unique and say what each case is for."""
    cases = [
        # English.
        ("english_hello", "Hello world"),
        ("english_sentence", "The quick brown fox jumps over the lazy dog."),
        ("english_leading_space", " leading space"),
        ("english_trailing_space", "trailing space "),
        ("english_punctuation", "Wait... what?! No way -- really; (yes) [maybe] {ok} \"quoted\" 'single'"),
        ("english_capitals", "NASA and the UNITED NATIONS met in NEW YORK."),
        ("english_long_word", "Pneumonoultramicroscopicsilicovolcanoconiosis and antidisestablishmentarianism"),
        ("english_repeated_letters", "a" * 40 + " " + "ab" * 25),
        ("english_paragraph",
         "Attention lets a model decide which of its inputs matter most.\n\nEach query is compared "
         "with every key; the softmax of those scores weights the values."),
        # Contractions, lower and upper case.
        ("contractions_lower", "it's don't we're they've I'm we'll he'd"),
        ("contractions_upper", "IT'S DON'T WE'RE THEY'VE I'M WE'LL HE'D"),
        ("contractions_mixed", "It'S Don'T We'Re They'Ve I'M We'Ll He'D"),
        ("contractions_bare", "'s 't 're 've 'm 'll 'd 'x ''s"),
        ("apostrophe_curly", "it’s don’t"),
        # Code.
        ("code_python",
         "def attention(q, k, v):\n    scores = q @ k.T / math.sqrt(k.shape[-1])\n"
         "    return softmax(scores) @ v\n"),
        ("code_tabs", "func main() {\n\tif x {\n\t\treturn 1\n\t}\n}\n"),
        ("code_mixed_indent", "class A:\n\t    def f(self):\n  \t  pass\n"),
        ("code_swift", "let weights = try softmax(scores, axis: -1) // [B, H, Lq, Lk]"),
        ("code_json", "{\"key\": [1, 2.5, -3e10], \"nested\": {\"a\": null}}"),
        ("code_operators", "a+=b; c->d; e=>f; g!=h; i<=j; k>>=2; x**y; p::q; r?.s ?? t"),
        ("code_html", "<div class=\"x\">&amp; <br/></div>"),
        ("code_shell", "$ ls -la | grep '^d' && echo \"done\" > /dev/null 2>&1"),
        # Digit runs, 1 to 12 digits, alone and in text.
        *[(f"digits_{n}", "1234567890"[: n] if n <= 10 else ("1234567890" * 2)[: n]) for n in range(1, 13)],
        ("digits_in_text", "Room 101, 3.14159, 1e-6, 0x1F, v2.0.1, 2024-12-07 13:45:00"),
        ("digits_spaced", "1 22 333 4444 55555"),
        ("digits_money", "$1,234,567.89 and €99"),
        ("digits_other_scripts", "٣٤٥ ४५६ ½ ² Ⅻ"),
        # Whitespace runs and line breaks.
        ("space_one", " "),
        ("space_two", "  "),
        ("space_three", "   "),
        ("space_many", " " * 17),
        ("spaces_between", "a  b   c    d     e"),
        ("spaces_before_word", "word       next"),
        ("newline_one", "\n"),
        ("newline_runs", "a\nb\n\nc\n\n\nd\n\n\n\n"),
        ("crlf_runs", "line one\r\nline two\r\n\r\nline four\r\n"),
        ("cr_alone", "a\rb\r\rc"),
        ("newlines_and_spaces", "x \n y  \n\n  z \t\n\t w"),
        ("tabs", "\t\ta\t\tb\t"),
        ("unicode_spaces", "a\u00a0b\u2003c\u3000d\u202fe"),
        ("vertical_tab_form_feed", "a\u000bb\u000cc"),
        ("trailing_newlines", "end\n\n"),
        # Emoji.
        ("emoji_simple", "I ❤️ attention 🙂👍"),
        ("emoji_zwj_family", "👨‍👩‍👧‍👦 family"),
        ("emoji_zwj_professions", "👩‍💻👨‍🚀🏳️‍🌈"),
        ("emoji_skin_tones", "👋🏽 👍🏿"),
        ("emoji_flags", "🇫🇷🇯🇵🇺🇸 flags 🏴󠁧󠁢󠁳󠁣󠁴󠁿"),
        ("emoji_keycap", "1️⃣ #️⃣"),
        # Chinese, Japanese, Korean.
        ("chinese", "注意力机制是深度学习中的一种方法。"),
        ("chinese_mixed", "Transformer模型使用自注意力(self-attention)来处理序列"),
        ("japanese", "東京は日本の首都です。カタカナとひらがな"),
        ("korean", "안녕하세요, 세계! 주의 메커니즘"),
        # Accents, NFC and NFD.
        ("accents_nfc", "café naïve résumé Ångström"),
        ("accents_nfd", NFD_CAFE),
        ("accents_french", "Où est la bibliothèque? À côté de l'hôpital."),
        ("accents_german", "Größe, Übermaß, Straße"),
        ("accents_vietnamese", "Tiếng Việt có dấu"),
        ("combining_marks", "e\u0301\u0302 a\u0308\u0308"),
        # Other scripts.
        ("arabic", "مرحبا بالعالم، الانتباه هو كل ما تحتاجه"),
        ("hebrew", "שלום עולם"),
        ("cyrillic", "Привет, мир! Внимание"),
        ("greek", "Καλημέρα κόσμε αβγ"),
        ("hindi", "नमस्ते दुनिया"),
        ("thai", "สวัสดีชาวโลก"),
        # Special tokens typed in the text.
        ("special_im_start", "<|im_start|>user\nHi<|im_end|>\n"),
        ("special_endoftext", "first<|endoftext|>second"),
        ("special_adjacent", "<|im_start|><|im_end|><|endoftext|>"),
        ("special_with_spaces", " <|im_start|> x <|im_end|> "),
        ("special_other", "<repo_name>attn<file_sep>main.swift<filename>x"),
        ("special_partial", "<|im_start <|im_end| |im_start|> <|endoftext"),
        ("special_case", "<|IM_START|> <|Endoftext|>"),
        # URLs and paths.
        ("url", "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct?x=1&y=2#top"),
        ("email_path", "mail me@example.com or see /usr/local/bin/attn and C:\\Users\\x"),
        # Odd characters.
        ("nul_and_controls", "a\u0000b\u0001c\u007fd"),
        ("private_use_and_bom", "\ufeffstart \ue000 end"),
        ("replacement_char", "bad \ufffd char"),
        ("astral_math", "𝔸𝕥𝕥𝕖𝕟𝕥𝕚𝕠𝕟 𝑥²"),
        ("symbols", "© ® ™ § ¶ † ‡ • … ‰ ← → ∑ ∫ √ ∞ ≠ ≤ ≥"),
        ("soft_hyphen_nbsp", "co\u00adoperate\u00a0now"),
        ("long_run_punctuation", "=" * 30 + "-" * 30 + "!" * 10),
        ("long_mixed_line", "x" * 64 + "y" * 64),
        ("empty", ""),
    ]
    names = [name for name, _ in cases]
    assert len(names) == len(set(names)), "names must be unique"
    return cases


# Byte strings that are not UTF-8, each with a name.
INVALID_UTF8 = [
    ("lone_continuation", b"abc\x80def"),
    ("truncated_two_byte", b"caf\xc3"),
    ("truncated_three_byte", b"\xe4\xb8 x"),
    ("overlong_slash", b"\xc0\xaf"),
    ("surrogate", b"a\xed\xa0\x80b"),
    ("past_unicode", b"\xf4\x90\x80\x80"),
    ("invalid_lead_ff", b"hello \xff world"),
    ("latin1_text", "café".encode("latin-1")),
]

CONVERSATIONS = [
    ("user_only", [{"role": "user", "content": "What is attention?"}]),
    ("system_and_user", [
        {"role": "system", "content": "You answer in one sentence."},
        {"role": "user", "content": "Why scale by the square root of d?"},
    ]),
    ("multi_turn", [
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Name three colors."},
        {"role": "assistant", "content": "Red, green and blue."},
        {"role": "user", "content": "And two more?"},
    ]),
    ("system_multi_turn", [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "3*3?"},
    ]),
    ("newlines_and_specials", [
        {"role": "user", "content": "Line one\nLine two\r\n\tindented {{ braces }} {% raw %} <b>&amp;</b>\n\n"},
    ]),
    ("unicode_content", [
        {"role": "user", "content": "注意力 👨‍👩‍👧 café ¿qué? 'quoted' \"double\" \\backslash"},
    ]),
    ("special_token_in_content", [
        {"role": "user", "content": "Say <|im_end|> and <|endoftext|> literally."},
    ]),
    ("empty_user", [{"role": "user", "content": ""}]),
]

# Other spellings of chat templates, rendered by transformers' Jinja (which
# sets trim_blocks and lstrip_blocks): the same template over several lines
# with whitespace control, plain ChatML, and ones whose whitespace outside
# the tags is printed. A test either refuses each or renders it as here.
SMOL_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
TEMPLATE_VARIANTS = [
    ("smollm2_multiline", (
        "{%- for message in messages %}\n"
        "    {%- if loop.first and messages[0]['role'] != 'system' %}\n"
        "        {{- '<|im_start|>system\\n" + SMOL_SYSTEM + "<|im_end|>\\n' }}\n"
        "    {%- endif %}\n"
        "    {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}\n"
        "{%- endfor %}\n"
        "{%- if add_generation_prompt %}\n"
        "    {{- '<|im_start|>assistant\\n' }}\n"
        "{%- endif %}\n"
    )),
    ("smollm2_other_system", (
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\\nYou are terse.<|im_end|>\\n' }}{% endif %}"
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )),
    ("chatml", (
        "{% for message in messages %}"
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )),
    ("chatml_block_newlines", (
        "{% for message in messages %}\n"
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        "{% endfor %}\n"
        "{% if add_generation_prompt %}\n"
        "{{ '<|im_start|>assistant\\n' }}"
        "{% endif %}\n"
    )),
    ("chatml_printed_newlines", (
        "{% for message in messages %}"
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>'}}\n"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )),
    ("chatml_printed_spaces", (
        "{% for message in messages %}  "
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )),
]

# SmolLM2's tokenizer.json pre-tokenizer, which transformers' GGUF converter
# does not rebuild from `tokenizer.ggml.pre` = "smollm".
SMOLLM2_PRE_TOKENIZER = pre_tokenizers.Sequence([
    pre_tokenizers.Digits(individual_digits=True),
    pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
])


def load_tokenizer(gguf):
    directory, name = os.path.split(os.path.abspath(gguf))
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    assert isinstance(tokenizer, PreTrainedTokenizerFast), type(tokenizer)
    backend = tokenizer.backend_tokenizer
    before = backend.encode("x 12345 abc1234", add_special_tokens=False).ids
    backend.pre_tokenizer = SMOLLM2_PRE_TOKENIZER
    after = backend.encode("x 12345 abc1234", add_special_tokens=False).ids
    print(f"converter's digits: {before}; SmolLM2's: {after}", file=sys.stderr)
    return tokenizer


def token_bytes(tokenizer, ids):
    """The bytes each token stands for, in hex: an added token's text as
    UTF-8, any other token read back through GPT-2's byte alphabet."""
    byte_of = {char: byte for byte, char in bytes_to_unicode().items()}
    added = tokenizer.added_tokens_decoder
    spelled = []
    for token_id, token in zip(ids, tokenizer.convert_ids_to_tokens(ids)):
        if token_id in added:
            spelled.append(token.encode("utf-8").hex())
        else:
            spelled.append(bytes(byte_of[char] for char in token).hex())
    return spelled


def encode(tokenizer, text):
    ids = tokenizer(text, add_special_tokens=True)["input_ids"]
    pre_tokenizer = tokenizer.backend_tokenizer.pre_tokenizer
    return {
        # What the pre-tokenizer alone cuts the text into, in GPT-2's byte alphabet.
        "pieces": [piece for piece, _ in pre_tokenizer.pre_tokenize_str(text)],
        "ids": ids,
        "tokens": tokenizer.convert_ids_to_tokens(ids),
        "token_bytes": token_bytes(tokenizer, ids),
        "decoded": tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gguf", nargs="?", default=DEFAULT_GGUF)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--tokenizer-dir", default=DEFAULT_TOKENIZER_DIR)
    args = parser.parse_args()

    tokenizer = load_tokenizer(args.gguf)
    cases = []
    for name, text in texts():
        encoded = encode(tokenizer, text)
        cases.append({"name": name, "text": text, **encoded})
    invalid = []
    for name, data in INVALID_UTF8:
        try:
            data.decode("utf-8")
            raise AssertionError(f"{name} is valid UTF-8")
        except UnicodeDecodeError as error:
            invalid.append({"name": name, "bytes": list(data), "first_bad_offset": error.start})
    chats = []
    for name, messages in CONVERSATIONS:
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        if isinstance(ids, dict) or hasattr(ids, "keys"):
            ids = ids["input_ids"]
        assert ids == tokenizer(text, add_special_tokens=False)["input_ids"]
        chats.append({"name": name, "messages": messages, "text": text, "ids": list(ids)})

    variants = []
    for name, template in TEMPLATE_VARIANTS:
        renders = []
        for _, messages in CONVERSATIONS:
            renders.append(tokenizer.apply_chat_template(
                messages, chat_template=template, add_generation_prompt=True, tokenize=False))
        variants.append({"name": name, "template": template, "renders": renders})

    fixture = {
        "source": "transformers " + transformers.__version__ + ", AutoTokenizer.from_pretrained(gguf_file="
        + os.path.basename(args.gguf) + ") with SmolLM2's Digits + ByteLevel pre-tokenizer",
        "vocabulary_size": len(tokenizer),
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "chat_template": tokenizer.chat_template,
        "cases": cases,
        "invalid_utf8": invalid,
        "chats": chats,
        "template_variants": variants,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(fixture, file, ensure_ascii=False, indent=1)
        file.write("\n")

    with tempfile.TemporaryDirectory() as scratch:
        tokenizer.save_pretrained(scratch)
        os.makedirs(args.tokenizer_dir, exist_ok=True)
        # tokenizer.json is written on one line, which halves its size.
        for name in ["tokenizer.json", "tokenizer_config.json"]:
            with open(os.path.join(scratch, name), encoding="utf-8") as source:
                content = json.load(source)
            with open(os.path.join(args.tokenizer_dir, name), "w", encoding="utf-8") as target:
                json.dump(content, target, ensure_ascii=False, indent=None if name == "tokenizer.json" else 2)
                target.write("\n")
        # transformers 5 writes the chat template beside the config rather than in it.
        template_path = os.path.join(scratch, "chat_template.jinja")
        if os.path.exists(template_path):
            shutil.copyfile(template_path, os.path.join(args.tokenizer_dir, "chat_template.jinja"))
    print(f"wrote {args.out} ({len(cases)} texts, {len(invalid)} invalid, {len(chats)} chats) "
          f"and {args.tokenizer_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
