"""Encodings that put text in Unicode's NFC (or NFKC) form before splitting it, as the
``NFC`` normalizer of a ``tokenizer.json`` does (Qwen's; ``NFKC``: Xenova/claude-tokenizer's):
the ids must be HF tokenizers' own, for text in any form, with special tokens found in the
text as given."""

from __future__ import annotations

import copy
import functools
import json
import pickle
import random
import unicodedata
from pathlib import Path

import pytest
from hf_support import encoding, texts
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

import hf_bpe
from hf_bpe.errors import VocabFileError
from hf_bpe.patterns import QWEN2_PATTERN
from hf_bpe.vocab_files import bytes_to_unicode

#: Characters whose NFC form differs from the text's (compositions, reordered marks,
#: Hangul jamo, singletons such as the Kelvin sign), beside the special token they may
#: touch.
EDGES = [
    "cafe\u0301 au lait",
    "e\u0301\u0323a a\u0323\u0301 \u1100\u1161\u11a8 ok",
    "\u212a\u2126\u212b \u0958 \u1e9b\u0323",
    "<|endoftext|>\u0301 x\u0301<|endoftext|>e\u0301",
    "<|endof\u212aext|> <|endoftext|>",
    "\u0301\u0301 \u0323",
    "cafe\u0301 \U00011938 \U00011935\U00011930",  # Dives Akuru's O: tokenizers neither makes nor unmakes it
    "",
]


@functools.cache
def _normalizing(name: str, form: str = "NFC") -> hf_bpe.Encoding:
    enc = encoding(name)
    return hf_bpe.Encoding(
        f"{name}-{form.lower()}", pat_str=enc.pat_str, mergeable_ranks=dict(enc.mergeable_ranks),
        special_tokens=dict(enc.special_tokens), normalization=form,
    )


def _documents() -> list[str]:
    docs = texts(max_bytes=60_000)
    # the same text decomposed (as macOS file names and some editors write it) and
    # compatibility-decomposed, then the edge strings (forms mixed in one text)
    return docs + [unicodedata.normalize("NFD", d) for d in docs] + [unicodedata.normalize("NFKD", d) for d in docs[::4]] + EDGES


@pytest.fixture(scope="module")
def documents() -> list[str]:
    return _documents()


@pytest.mark.parametrize(("name", "form"), [("cl100k_base", "NFC"), ("o200k_base", "NFC"), ("cl100k_base", "NFKC")])
def test_a_saved_tokenizer_json_normalizes_as_hf_tokenizers_does(name: str, form: str, documents: list[str], tmp_path: Path) -> None:
    enc = _normalizing(name, form)
    assert enc.normalization == form
    path = tmp_path / "tokenizer.json"
    hf_bpe.save_tokenizer_json(enc, path)
    assert json.loads(path.read_text(encoding="utf-8"))["normalizer"] == {"type": form}
    theirs = Tokenizer.from_file(str(path))
    expected = [theirs.encode(d, add_special_tokens=False).ids for d in documents]
    assert [enc.encode(d, allowed_special="all") for d in documents] == expected
    assert enc.encode_batch(documents, allowed_special="all", num_proc=2) == expected
    plain = [d.replace("<|endoftext|>", "") for d in documents]
    ordinary = [theirs.encode(d, add_special_tokens=False).ids for d in plain]
    assert enc.encode_ordinary_batch(plain) == ordinary
    assert [enc.count_tokens(d) for d in plain] == [len(ids) for ids in ordinary]
    assert [enc.decode(ids) for ids in expected] == [theirs.decode(ids, skip_special_tokens=False) for ids in expected]
    back = hf_bpe.load_tokenizer_json(path)
    assert back.normalization == form
    assert [back.encode(d, allowed_special="all") for d in documents[::5]] == expected[::5]
    # Without normalization the decomposed text has other ids: the test can fail.
    plain_enc = encoding(name)
    assert [plain_enc.encode(d, allowed_special="all") for d in documents] != expected


def test_a_file_hf_tokenizers_wrote_loads_with_its_normalizer(documents: list[str], tmp_path: Path) -> None:
    folder = _qwen_like_folder(tmp_path / "qwen")  # (merges listed, not ignored, as in Qwen's)
    theirs = Tokenizer.from_file(str(folder / "tokenizer.json"))
    ours = hf_bpe.load_tokenizer_json(folder)
    assert ours.normalization == "NFC" and ours.pat_str == QWEN2_PATTERN
    for doc in documents:
        assert ours.encode(doc, allowed_special="all") == theirs.encode(doc, add_special_tokens=False).ids, doc[:80]
    # In a Sequence of normalizers that do nothing else, too; any other is refused.
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    data["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Sequence", "normalizers": []}, {"type": "NFC"}]}
    assert hf_bpe.tokenizer_json.parse_tokenizer_json(data).normalization == "NFC"
    data["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "NFKC"}]}
    assert hf_bpe.tokenizer_json.parse_tokenizer_json(data).normalization == "NFKC"
    for other in ({"type": "NFD"}, {"type": "NFKD"}, {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]}):
        data["normalizer"] = other
        with pytest.raises(hf_bpe.VocabularyError, match="normalizer"):
            hf_bpe.tokenizer_json.parse_tokenizer_json(data)


#: Characters that NFC composes, reorders, decomposes or maps to others (and plain ones).
_MARKS = [
    "e", "E", "a", "u", "o", "\u0301", "\u0323", "\u0308", "\u0302", "\u031b", "\u0345", "\u0340", "\u0344", "\u1100", "\u1161",
    "\u11a8", "\uac00", "\u212a", "\u2126", " ", "\n", "1", "\u00e9", "\u01d8", "\u1ec7", "\u0390", "\u0958", "\u093c", "\u0915",
    "\u0f73", "\u0f71", "\u0f72", "\U0001d15e", "'s", "\u0627", "\u0654", "\u3099", "\u304b", "\u0cc6", "\u0cd5", "\u0b47",
    "\u0b3e", "\u05d9", "\u05b4", "\ufb1d",
    # marks newer than tokenizers' tables, and Dives Akuru's O (see hf_bpe.normalization)
    "\u0c3c", "\u1dfa", "\u0899", "\U00016ff0", "\u0d3b", "\U00011935", "\U00011930",
]
#: ... and characters that NFKC maps to others: ligatures, circled and full-width forms,
#: fractions, a square word, a character whose mapping holds marks; those whose mapping
#: tokenizers' tables lack (the square Reiwa, a superscript letter, a segmented digit).
_COMPATIBLE = [
    "\ufb01", "\u2460", "\u00bd", "\uff21", "\u3300", "\u1e9b", "\u0385", "\u1fee", "\u2100", "\ufdfa", "\u00a8",
    "\u32ff", "\U00010784", "\U0001fbf5",
]
_PLACES = {"NFC": _MARKS, "NFKC": _MARKS + _COMPATIBLE}


def _hf_tokenizers_places(text: str, form: str) -> list[tuple[str, tuple[int, int]]]:
    """Each character of ``tokenizers``' ``form`` (NFC, NFKC) of ``text``, with the span of
    the text it stands for."""
    from tokenizers import PreTokenizedString

    pretokenized = PreTokenizedString(text)
    pretokenized.normalize(lambda n: n.nfc() if form == "NFC" else n.nfkc())
    pretokenized.split(lambda _, n: n.split(Regex(r"[\s\S]"), "isolated"))  # a piece a character
    return [(s, span) for s, span, _ in pretokenized.get_splits(offset_referential="original", offset_type="char")]


@pytest.mark.parametrize("form", ["NFC", "NFKC"])
def test_the_characters_each_normalized_character_stands_for_are_hf_tokenizers(form: str) -> None:
    from hf_bpe.normalization import normalize, normalize_with_spans

    rng = random.Random(20261206)
    for _ in range(20_000):
        text = "".join(rng.choice(_PLACES[form]) for _ in range(rng.randint(1, 9)))
        normalized, spans = normalize_with_spans(text, form)
        assert normalized == normalize(text, form)
        assert list(zip(normalized, spans)) == _hf_tokenizers_places(text, form), text


@pytest.mark.parametrize("form", ["NFC", "NFKC"])
def test_every_character_that_normalizing_may_touch_has_hf_tokenizers_places(form: str) -> None:
    """Every code point that is a mark or has a decomposition (canonical; for NFKC any),
    after a text that normalizing changes (so that the places are worked out, not taken as
    they are): Dives Akuru's vowel sign O, whose decomposition tokenizers' tables lack,
    came out decomposed, and HfBpeTokenizer's call with offsets raised for a text with it."""
    from hf_bpe.normalization import normalize, normalize_with_spans

    untouched = ("", "<") if form == "NFC" else ("",)
    touched = [
        chr(c) for c in range(0x110000)
        if not 0xD800 <= c <= 0xDFFF
        and (unicodedata.combining(chr(c)) or unicodedata.decomposition(chr(c))[:1] not in untouched)
    ]
    for i in range(0, len(touched), 512):
        chunk = touched[i : i + 512]
        text = "e\u0301 " + " ".join(chunk)
        normalized, spans = normalize_with_spans(text, form)
        assert normalized == normalize(text, form)
        assert list(zip(normalized, spans)) == _hf_tokenizers_places(text, form), (hex(ord(chunk[0])), hex(ord(chunk[-1])))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_MARKS, "<|endoftext|>"]), max_size=12).map("".join))
def test_any_mix_of_marks_and_specials_gets_hf_tokenizers_ids(text: str) -> None:
    enc = _normalizing("o200k_base")
    theirs = _hf_of(enc)
    assert enc.encode(text, allowed_special="all") == theirs.encode(text, add_special_tokens=False).ids


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_MARKS, *_COMPATIBLE, "<|endoftext|>", "<|endof\uff54ext|>"]), max_size=12).map("".join))
def test_any_mix_of_marks_compatibility_characters_and_specials_gets_hf_tokenizers_nfkc_ids(text: str) -> None:
    enc = _normalizing("cl100k_base", "NFKC")
    theirs = _hf_of(enc)
    assert enc.encode(text, allowed_special="all") == theirs.encode(text, add_special_tokens=False).ids


_HF: dict[str, Tokenizer] = {}


def _hf_of(enc: hf_bpe.Encoding) -> Tokenizer:
    if enc.name not in _HF:
        _HF[enc.name] = Tokenizer.from_str(json.dumps(hf_bpe.tokenizer_json.encoding_to_tokenizer_json(enc)))
    return _HF[enc.name]


def test_special_tokens_are_found_in_the_text_as_given() -> None:
    # The Kelvin sign's NFC form is K: "<|\u212a|>" normalizes to the special token's text,
    # which HF tokenizers (finding special tokens before normalizing) encodes as text.
    ranks = dict(encoding("cl100k_base").mergeable_ranks)
    enc = hf_bpe.Encoding("k", pat_str=QWEN2_PATTERN, mergeable_ranks=ranks, special_tokens={"<|K|>": 100300}, normalization="NFC")
    theirs = _hf_of(enc)
    for text in ["<|\u212a|>", "a<|K|>\u0301b", "<|K|><|\u212a|>"]:
        assert enc.encode(text, allowed_special="all") == theirs.encode(text, add_special_tokens=False).ids
    assert 100300 not in enc.encode("<|\u212a|>", allowed_special="all")


@pytest.mark.parametrize("form", ["NFC", "NFKC"])
def test_normalization_is_kept_by_pickles_copies_and_folders(form: str, tmp_path: Path) -> None:
    enc = _normalizing("cl100k_base", form)
    text = "cafe\u0301 \u212a \ufb01"
    for other in (pickle.loads(pickle.dumps(enc)), copy.deepcopy(enc)):
        assert other.normalization == form and other.encode(text) == enc.encode(text)
    hf_bpe.save_encoding(enc, tmp_path / "saved")
    meta = json.loads((tmp_path / "saved" / "encoding.json").read_text(encoding="utf-8"))
    assert (meta["version"], meta["normalization"]) == (2, form)  # an earlier hf_bpe refuses version 2
    back = hf_bpe.load_encoding(tmp_path / "saved")
    assert back.normalization == form and back.encode(text) == enc.encode(text) != encoding("cl100k_base").encode(text)
    assert (form == "NFKC") == (enc.encode(text) != _normalizing("cl100k_base").encode(text))  # the ligature fi
    for version, normalization in ((1, form), (2, None), (2, "NFD"), (2, "NFKD")):
        meta.update(version=version, normalization=normalization)
        (tmp_path / "saved" / "encoding.json").write_text(json.dumps(meta), encoding="utf-8")
        with pytest.raises(VocabFileError, match="normalization"):
            hf_bpe.load_encoding(tmp_path / "saved")
    with pytest.raises(ValueError, match="normalization must be None, 'NFC' or 'NFKC'"):
        hf_bpe.Encoding("x", pat_str=enc.pat_str, mergeable_ranks=dict(enc.mergeable_ranks), special_tokens={}, normalization="NFD")
    with pytest.raises(NotImplementedError, match="encode_with_unstable is not available yet for an encoding that normalizes"):
        enc.encode_with_unstable("cafe")
    # Its ids cut at the last piece of the text as given, not of the normalized text: a
    # token spanned two pieces ("ab cafe\u0301" + b"\xff"), which BPE never makes.
    for given in (b"ab cafe\xcc\x81\xff", b"ab caf\xc3\xa9"):
        with pytest.raises(NotImplementedError, match="_encode_bytes is not available yet for an encoding that normalizes"):
            enc._encode_bytes(given)
        with pytest.raises(NotImplementedError, match="_encode_bytes is not available yet"):
            enc._core_bpe._encode_bytes(given)
    assert "".join(enc.split_by_tokens(text, 2)) == unicodedata.normalize(form, text)


@pytest.mark.parametrize("form", ["NFC", "NFKC"])
def test_hf_bpe_and_hf_tokenizers_agree_on_every_code_point_and_pair_of_marks(form: str) -> None:
    # hf_bpe normalizes with Python's unicodedata, except where tokenizers' older tables
    # differ (see hf_bpe.normalization). Each code point alone; each second character of a
    # composition after every letter, number, symbol and character that a composition
    # starts or ends with; every pair of marks after a letter.
    from hf_bpe.normalization import _NEWER, normalize

    theirs = normalizers.NFC() if form == "NFC" else normalizers.NFKC()
    newer = _NEWER[form]
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for i in range(0, len(chars), 4096):
        text = "|".join(chars[i : i + 4096])
        assert normalize(text, form) == theirs.normalize_str(text)
    firsts, seconds = set(), set()
    for c in chars:
        parts = unicodedata.decomposition(c).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            firsts.add(chr(int(parts[0], 16)))
            seconds.add(chr(int(parts[1], 16)))
    # (Dives Akuru's O, the one composition tokenizers' tables lack, is checked at the end)
    bases = [c for c in chars if (unicodedata.category(c)[0] in "LNS" or c in firsts or c in seconds) and not newer.match(c)]
    for second in sorted(seconds - {"\U00011930"}):
        text = "|".join(b + second for b in bases)
        assert normalize(text, form) == theirs.normalize_str(text), hex(ord(second))
    marks = [c for c in chars if unicodedata.combining(c)]
    older = [m for m in marks if not newer.match(m)]
    for first in marks:
        # (the pairs of marks tokenizers' tables know, in one text; those with a newer
        # mark, which hf_bpe normalizes itself, one text each for the newer ones)
        pairs = older if not newer.match(first) else marks
        text = "|".join("a" + first + m + "\u0301" for m in pairs)
        assert normalize(text, form) == theirs.normalize_str(text), hex(ord(first))
    for late in (m for m in marks if newer.match(m)):
        text = "|".join("a" + m + late + "\u0301" for m in older)
        assert normalize(text, form) == theirs.normalize_str(text), hex(ord(late))
    assert normalize("\U00011935\U00011930", form) == theirs.normalize_str("\U00011935\U00011930") != unicodedata.normalize(form, "\U00011935\U00011930")
    if form == "NFKC":  # a compatibility mapping tokenizers' tables lack
        assert normalize("\u32ff", form) == theirs.normalize_str("\u32ff") == "\u32ff" != unicodedata.normalize(form, "\u32ff")


def _qwen_like_folder(folder: Path) -> Path:
    """A folder as Qwen2's on the Hub: tokenizer.json (NFC, Split with Qwen2's regex,
    ByteLevel; chat tokens special with normalized=False) written by HF tokenizers itself,
    and tokenizer_config.json."""
    from tokenizers import AddedToken

    from hf_bpe.hf_vocab import derive_merges

    cl100k = encoding("cl100k_base")
    spell = bytes_to_unicode()
    vocab = {"".join(spell[b] for b in token): rank for token, rank in cl100k.mergeable_ranks.items()}
    merges = [("".join(spell[b] for b in a), "".join(spell[b] for b in b2)) for a, b2 in derive_merges(cl100k.mergeable_ranks)]
    theirs = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    theirs.normalizer = normalizers.NFC()
    theirs.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    theirs.decoder = decoders.ByteLevel()
    theirs.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in ("<|endoftext|>", "<|im_start|>", "<|im_end|>")])
    folder.mkdir()
    theirs.save(str(folder / "tokenizer.json"))
    config = {"tokenizer_class": "Qwen2Tokenizer", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "bos_token": None,
              "add_prefix_space": False, "clean_up_tokenization_spaces": False, "model_max_length": 131072}
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_a_qwen_like_folder_through_transformers(documents: list[str], tmp_path: Path) -> None:
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    folder = _qwen_like_folder(tmp_path / "qwen")
    tok = hf_bpe.HfBpeTokenizer.from_pretrained(folder)
    stock = PreTrainedTokenizerFast.from_pretrained(folder)
    assert tok.encoding.normalization == "NFC"
    chat = [f"<|im_start|>user\n{d[:300]}<|im_end|>" for d in documents[::9]]
    assert tok(documents)["input_ids"] == stock(documents)["input_ids"]
    assert tok(chat)["input_ids"] == stock(chat)["input_ids"]
    assert [tok.tokenize(d) for d in chat] == [stock.tokenize(d) for d in chat]
    # Offsets are in the text as given, as the stock tokenizer's alignments make them
    ours, theirs = tok(documents, return_offsets_mapping=True), stock(documents, return_offsets_mapping=True)
    assert ours["offset_mapping"] == theirs["offset_mapping"]
    assert [ours.word_ids(i) for i in range(len(documents))] == [theirs.word_ids(i) for i in range(len(documents))]
    rng = random.Random(6)
    for text in [*EDGES, *("".join(rng.choice(_MARKS) for _ in range(rng.randint(1, 10))) for _ in range(300))]:
        assert tok(text, return_offsets_mapping=True)["offset_mapping"] == stock(text, return_offsets_mapping=True)["offset_mapping"], text
    # Added tokens: a normalized one is found in the normalized text, as tokenizers finds it
    for t in (tok, stock):
        # (the last found as "\u00e9x y", in any text; "\u00e9x" alone is written in GPT-2's
        # byte alphabet, which would leave the saved folder without tokenizer.json)
        t.add_tokens(["foo", "\u30ac\u30ae", "e\u0301x y"])
    added = ["cafe\u0301 foo\u0301 x foo", "\u30ab\u3099\u30ad\u3099<|im_end|>cafe\u0301", "fo\u0301o foo \u30ac\u30ae", *chat[:20]]
    assert tok(added)["input_ids"] == stock(added)["input_ids"]
    assert tok.batch_encode({"text": added}, allowed_special="all")["input_ids"] == stock(added)["input_ids"]
    # ... and so are its tokens, offsets and words (in the text as given)
    mixed = [*added, "an \u00e9x y", *(rng.choice(["foo", "fo\u0301o", "\u30ab\u3099\u30ad\u3099", "<|im_end|>", " ", "\u00e9x y", "e\u0301x y"]).join(
        "".join(rng.choice(_MARKS) for _ in range(rng.randint(0, 6))) for _ in range(3)) for _ in range(300))]
    assert [tok.tokenize(t) for t in mixed] == [stock.tokenize(t) for t in mixed]
    ours, theirs = tok(mixed, return_offsets_mapping=True), stock(mixed, return_offsets_mapping=True)
    assert ours["input_ids"] == theirs["input_ids"]
    assert ours["offset_mapping"] == theirs["offset_mapping"]
    assert [ours.word_ids(i) for i in range(len(mixed))] == [theirs.word_ids(i) for i in range(len(mixed))]
    # Saved: stock transformers reads the normalizer; AutoTokenizer gives hf_bpe's again
    tok.save_pretrained(tmp_path / "saved")
    again = PreTrainedTokenizerFast.from_pretrained(tmp_path / "saved")
    assert again(added)["input_ids"] == stock(added)["input_ids"]
    auto = AutoTokenizer.from_pretrained(tmp_path / "saved")
    assert isinstance(auto, hf_bpe.HfBpeTokenizer) and auto(added)["input_ids"] == stock(added)["input_ids"]
    # Training a new one counts the texts in NFC form and keeps the normalizer
    new = tok.train_new_from_iterator(["cafe\u0301 e\u0301te\u0301 de\u0301ja\u0300 "] * 50, 265)  # (the 3 added tokens count)
    assert new.encoding.normalization == "NFC"
    merged = [t for t in new.encoding.mergeable_ranks if len(t) > 1]
    assert "\u00e9".encode() in merged and not any("\u0301".encode() in t for t in merged)


def test_the_command_line_normalizes_and_says_so(tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = _qwen_like_folder(tmp_path / "qwen")
    text = "cafe\u0301 au lait <|im_end|>\u212a\n"
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "hf_bpe", *args], capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert result.returncode == 0, result.stderr
        return result

    ids = [int(i) for i in run("encode", "-t", str(folder), "--specials", "allow", "t.txt").stdout.split()]
    assert ids == Tokenizer.from_file(str(folder / "tokenizer.json")).encode(text).ids
    assert json.loads(run("info", str(folder), "--json").stdout)["normalization"] == "NFC"
    assert "normalization:   NFC" in run("info", str(folder)).stdout
    converted = run("convert", str(folder), str(tmp_path / "ranks.tiktoken"))
    assert "does not hold the tokenizer's NFC normalizer" in converted.stderr


def test_tokens_of_an_added_token_the_normalizer_changes_are_as_the_stock_fast_tokenizers(tmp_path: Path) -> None:
    """From QA: ``tokens()`` gave such a token's text as added ("\u212bx", the ANGSTROM
    SIGN), where the stock fast tokenizer and hf_bpe's own ``tokenize()`` give the form it
    is found in ("\u00c5x"); ``convert_ids_to_tokens`` keeps the text as added, as
    transformers' Python tokenizers do (documented)."""
    from transformers import AddedToken, PreTrainedTokenizerFast

    enc = _normalizing("cl100k_base")
    hf_bpe.save_tokenizer_json(enc, tmp_path / "tokenizer.json")
    tok = hf_bpe.HfBpeTokenizer.from_encoding(enc)
    stock = PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "tokenizer.json"))
    for each in (tok, stock):
        each.add_tokens([AddedToken("\u212bx", normalized=True)])
    text = "\u212bx and \u00c5x, \u212bx"
    ours, theirs = tok(text), stock(text)
    assert ours["input_ids"] == theirs["input_ids"]
    assert ours.tokens() == theirs.tokens() == tok.tokenize(text) and ours.tokens()[0] == "\u00c5x"
    assert tok.convert_ids_to_tokens(ours["input_ids"])[0] == "\u212bx"
    # Words too (from QA: each word's tokens were converted back to ids, and "\u00c5x",
    # the form found, read as the vocabulary's tokens or None), with where each id comes from.
    words = ["\u212bx", "and", "y\u00c5x"]
    for kwargs in ({}, {"return_offsets_mapping": True}):
        ours, theirs = tok(words, is_split_into_words=True, **kwargs), stock(words, is_split_into_words=True, **kwargs)
        assert dict(ours) == dict(theirs) and ours.word_ids() == theirs.word_ids() == [0, 1, 2, 2]
    tok.pad_token = stock.pad_token = "<|endoftext|>"
    pairs = tok([words, ["\u00c5x"]], [["b"], []], is_split_into_words=True, padding=True)
    assert dict(pairs) == dict(stock([words, ["\u00c5x"]], [["b"], []], is_split_into_words=True, padding=True))


def test_what_is_not_available_with_normalized_and_stripping_added_tokens_says_so() -> None:
    """formats.md said the ids of such text were given: every way of encoding it raises."""
    from transformers import AddedToken

    tok = hf_bpe.HfBpeTokenizer.from_encoding(_normalizing("cl100k_base"))
    tok.add_tokens([AddedToken("caf\u00e9", normalized=True), AddedToken("<st>", lstrip=True)])
    text = unicodedata.normalize("NFD", "a caf\u00e9 <st> b")
    for call in (lambda: tok(text), lambda: tok.tokenize(text), lambda: tok.batch_encode({"text": [text]}, allowed_special="all")):
        with pytest.raises(NotImplementedError, match="cannot be tokenized yet \\(nor encoded\\)"):
            call()
    assert tok(unicodedata.normalize("NFC", text))["input_ids"] == tok.convert_tokens_to_ids(tok.tokenize(unicodedata.normalize("NFC", text)))
    # A normalized=True token whose own text the normalizer changes: every text raises, and
    # the message says why (from QA: it named the text, which the normalizer leaves as it is).
    tok.add_tokens([AddedToken("\u212bx", normalized=True)])  # ANGSTROM SIGN, NFC: Å
    with pytest.raises(NotImplementedError, match="an added token with normalized=True has text that the normalizer changes"):
        tok("hello world")
