"""tokenizer.json both ways: HF's own ``tokenizers`` must give tiktoken's ids, and reading
the file back must give the same Encoding; what cannot be represented is refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from hf_support import NAMED, encoding, texts, tiktoken_twin
from tokenizers import Tokenizer

import hf_bpe
from hf_bpe.vocab_files import bytes_to_unicode
from hf_bpe.errors import PatternError, VocabularyError
from hf_bpe.patterns import PATTERNS
from hf_bpe.hf_pattern import hf_pattern
from hf_bpe.hf_vocab import derive_merges, token_bytes, token_str
from hf_bpe.tokenizer_json import (
    encoding_to_tokenizer_json,
    hf_files,
    load_tokenizer_json,
    parse_tokenizer_json,
    save_tokenizer_json,
)
from hf_bpe.tokenizer_json_load import _overlapping, load_gpt2_files

ALL = (*NAMED, "trained")


@pytest.fixture(scope="module")
def docs() -> list[str]:
    return texts(120_000)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name in ALL:
        path = tmp_path_factory.mktemp(name) / "tokenizer.json"
        save_tokenizer_json(encoding(name), path)
        out[name] = path
    return out


@pytest.mark.parametrize("name", ALL)
def test_hf_tokenizers_gives_tiktoken_ids(name: str, exported: dict[str, Path], docs: list[str]) -> None:
    enc = encoding(name)
    oracle = tiktoken_twin(enc)
    hf = Tokenizer.from_file(str(exported[name]))
    for doc in docs:
        expected = oracle.encode(doc, allowed_special="all")
        assert hf.encode(doc, add_special_tokens=False).ids == expected, doc[:200]
        assert hf.decode(expected, skip_special_tokens=False) == oracle.decode(expected)
    # Special-token text is split out at the encoding's own ids (gaps in cl100k included).
    for text, tid in enc._special_tokens.items():
        assert hf.encode(f"a{text}b", add_special_tokens=False).ids == oracle.encode(
            f"a{text}b", allowed_special="all"
        )
        assert hf.token_to_id(text) == tid


@pytest.mark.parametrize("name", ALL)
def test_load_tokenizer_json_round_trip(name: str, exported: dict[str, Path], docs: list[str]) -> None:
    enc = encoding(name)
    back = load_tokenizer_json(exported[name])
    assert isinstance(back, hf_bpe.Encoding)
    assert back._mergeable_ranks == enc._mergeable_ranks
    assert back._special_tokens == enc._special_tokens
    assert back._pat_str == enc._pat_str  # the named pattern, not its Oniguruma rewrite
    for doc in docs[::3]:
        assert back.encode(doc, allowed_special="all") == enc.encode(doc, allowed_special="all")
    # A folder holding tokenizer.json loads too.
    assert load_tokenizer_json(exported[name].parent)._mergeable_ranks == enc._mergeable_ranks


@pytest.mark.parametrize("name", ALL)
def test_files_with_the_implied_merges_are_read_by_one_comparison(
    name: str, exported: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose merges are the ones its ids imply (every file hf_bpe writes, in both
    of HF's forms of a merge) is read by comparing all its merges at once; that must give
    what the full check, merge by merge, gives."""
    from hf_bpe import tokenizer_json_load

    listed = json.loads(exported[name].read_text(encoding="utf-8"))
    older = json.loads(exported[name].read_text(encoding="utf-8"))
    older["model"]["merges"] = [" ".join(pair) for pair in older["model"]["merges"]]
    for data in (listed, older):
        model = data["model"]
        added = {entry["content"]: entry["id"] for entry in data["added_tokens"]}
        assert tokenizer_json_load._ranks_if_merges_implied(model["vocab"], added, model["merges"], True) is not None
        quick = parse_tokenizer_json(data)
        with monkeypatch.context() as patched:
            patched.setattr(tokenizer_json_load, "_ranks_if_merges_implied", lambda *args: None)
            assert parse_tokenizer_json(data) == quick
        assert quick.mergeable_ranks == encoding(name)._mergeable_ranks
        assert quick.special_tokens == encoding(name)._special_tokens


def test_gpt2_vocab_json_and_merges_txt(docs: list[str], tiktoken_encoding: Any) -> None:
    """GPT-2's data-gym encoder.json / vocab.bpe are exactly HF's vocab.json / merges.txt."""
    import realdata

    encoder_json, vocab_bpe = realdata.gpt2_data_gym()
    enc = load_gpt2_files(encoder_json, vocab_bpe, name="gpt2")
    gpt2 = tiktoken_encoding("gpt2")
    assert enc._mergeable_ranks == gpt2._mergeable_ranks
    assert enc._special_tokens == {"<|endoftext|>": 50256}
    for doc in docs[::4]:
        assert enc.encode(doc, allowed_special="all") == gpt2.encode(doc, allowed_special="all")


def test_gpt2_folder_through_load_tokenizer_json(tmp_path: Path) -> None:
    import realdata

    encoder_json, vocab_bpe = realdata.gpt2_data_gym()
    (tmp_path / "vocab.json").write_bytes(encoder_json.read_bytes())
    (tmp_path / "merges.txt").write_bytes(vocab_bpe.read_bytes())
    enc = load_tokenizer_json(tmp_path)
    assert enc.encode("hello world") == [31373, 995]


def test_a_merges_txt_cut_short_or_written_on_windows(tmp_path: Path) -> None:
    # Cut short, the merges left GPT-2's later tokens unmade, and each became a special
    # token ("world" then held the special token 'rl'): now refused, naming both files.
    import realdata

    encoder_json, vocab_bpe = realdata.gpt2_data_gym()
    lines = vocab_bpe.read_text(encoding="utf-8").splitlines()
    (tmp_path / "vocab.json").write_bytes(encoder_json.read_bytes())
    for kept in (lines[: len(lines) // 2], lines[:1], lines[:-1]):
        (tmp_path / "merges.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
        with pytest.raises(VocabularyError, match=r"vocab.json: \d+ of its tokens are made by no merge of .*merges.txt .*cut short"):
            load_tokenizer_json(tmp_path)
    # Windows line ends and a byte order mark, as tokenizers and tiktoken read them.
    (tmp_path / "merges.txt").write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    (tmp_path / "vocab.json").write_text("\ufeff" + encoder_json.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_tokenizer_json(tmp_path)._mergeable_ranks == load_gpt2_files(encoder_json, vocab_bpe)._mergeable_ranks
    # Special tokens that look like one still come from vocab.json alone (RoBERTa's <s>, [PAD]).
    vocab = json.loads(encoder_json.read_text(encoding="utf-8"))
    (tmp_path / "vocab.json").write_text(json.dumps({**vocab, "<s>": 50257, "[PAD]": 50258}), encoding="utf-8")
    assert load_tokenizer_json(tmp_path)._special_tokens == {"<|endoftext|>": 50256, "<s>": 50257, "[PAD]": 50258}


def test_file_system_errors_stay_os_errors(tmp_path: Path) -> None:
    # (Permission errors cannot be made here, as root: a folder where a file belongs is one too.)
    folder = tmp_path / "tok"
    hf_bpe.save_encoding(encoding("cl100k_base"), folder)
    for name, load in (("vocab.tiktoken", hf_bpe.load_encoding), ("tokenizer.json", load_tokenizer_json)):
        (folder / name).unlink()
        (folder / name).mkdir()
        with pytest.raises(IsADirectoryError):
            load(folder)


def test_gpt2_tokenizer_json_as_hf_writes_it(docs: list[str], tiktoken_encoding: Any, tmp_path: Path) -> None:
    """GPT-2's own HF layout: a lone ByteLevel pre-tokenizer (its built-in regex), merges
    as "a b" strings, ignore_merges off, <|endoftext|> in the vocab and as added token."""
    import realdata
    from tokenizers import AddedToken, decoders, models, pre_tokenizers, processors

    encoder_json, vocab_bpe = realdata.gpt2_data_gym()
    hf = Tokenizer(models.BPE.from_file(str(encoder_json), str(vocab_bpe)))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.post_processor = processors.ByteLevel(trim_offsets=False)
    hf.decoder = decoders.ByteLevel()
    hf.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=False)])
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    enc = load_tokenizer_json(path)
    gpt2 = tiktoken_encoding("gpt2")
    assert enc._mergeable_ranks == gpt2._mergeable_ranks
    assert enc._special_tokens == {"<|endoftext|>": 50256}
    for doc in docs[::3]:
        expected = gpt2.encode(doc, allowed_special="all")
        assert enc.encode(doc, allowed_special="all") == expected
        assert hf.encode(doc).ids == expected
    hf.post_processor = processors.ByteLevel(trim_offsets=True)  # offsets without spaces
    hf.save(str(path))
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="trims spaces off offsets"):
        assert load_tokenizer_json(path)._mergeable_ranks == gpt2._mergeable_ranks
    hf.post_processor = processors.Sequence([processors.ByteLevel(trim_offsets=True)])  # as Llama 3's files
    hf.save(str(path))
    with pytest.warns(hf_bpe.TokenizerJsonWarning) as caught:  # (a match= would let the other one through)
        load_tokenizer_json(path)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2 and "the post_processor (Sequence) is not kept" in messages[0], messages
    assert "trims spaces off offsets" in messages[1]


def test_merges_are_derived_from_ranks() -> None:
    enc = encoding("r50k_base")
    merges = derive_merges(enc._mergeable_ranks)
    assert len(merges) == 50_000  # GPT-2's 50,000 merges, every token reachable
    ranks = enc._mergeable_ranks
    assert all(ranks[a + b] > max(ranks[a], ranks[b]) for a, b in merges)
    assert [ranks[a + b] for a, b in merges] == sorted(ranks[a + b] for a, b in merges)


def test_token_ranked_below_its_parts_is_merged_as_tiktoken_does() -> None:
    # "abc" ranks below "ab": tiktoken still forms it from "ab" + "c" (ranks are looked up
    # by bytes), so its merge comes first in the list although "ab" is made later.
    ranks = {bytes([i]): i for i in range(256)}
    ranks.update({b"abc": 256, b"ab": 257, b"bc": 258})
    enc = hf_bpe.Encoding("odd", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
    data = encoding_to_tokenizer_json(enc)
    assert data["model"]["merges"] == [["ab", "c"], ["a", "b"], ["b", "c"]]
    hf = Tokenizer.from_str(json.dumps(data))
    oracle = tiktoken_twin(enc)
    for text in ["abc", "abcabc", "xabc", "abcd", "ab bc abc", "bcabca"]:
        assert hf.encode(text).ids == oracle.encode(text), text


def test_unreachable_token_gets_no_merge_and_still_matches_tiktoken() -> None:
    # "abcd" can never be formed by merging ("bc" wins first, then nothing joins), but a
    # whole piece "abcd" is that token in both.
    ranks = {bytes([i]): i for i in range(256)}
    ranks.update({b"abcd": 256, b"bc": 257, b"ab": 258})
    enc = hf_bpe.Encoding("unreachable", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
    data = encoding_to_tokenizer_json(enc)
    assert data["model"]["merges"] == [["b", "c"], ["a", "b"]]
    hf = Tokenizer.from_str(json.dumps(data))
    oracle = tiktoken_twin(enc)
    for text in ["abcd", "abcdabcd", "xabcd", "abc abcd ab"]:
        assert hf.encode(text).ids == oracle.encode(text), text


def _last_merge(token: bytes, ranks: Mapping[bytes, int]) -> tuple[bytes, bytes] | None:
    """BPE ``token``'s own bytes as tiktoken does (lowest-rank pair first, leftmost on
    ties, no whole-piece shortcut); return the merge that produced the whole token, or
    None when the merging gets stuck before reaching it: the reference for what
    :func:`derive_merges` computes with the compiled core."""
    parts = [token[i : i + 1] for i in range(len(token))]
    last: tuple[bytes, bytes] | None = None
    while len(parts) > 1:
        best = -1
        best_at = -1
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (best_at < 0 or r < best):
                best = r
                best_at = i
        if best_at < 0:
            return None
        last = (parts[best_at], parts[best_at + 1])
        parts[best_at : best_at + 2] = [last[0] + last[1]]
    return last


@pytest.mark.parametrize("seed", range(40))
def test_random_vocabularies_in_any_rank_order_match_tiktoken(seed: int) -> None:
    """Random tokens over a tiny alphabet, ranked in random order (parts often ranked
    after the tokens they form): HF with the derived merges still gives tiktoken's ids."""
    import random

    rng = random.Random(seed)
    tokens = {"".join(rng.choice("abc") for _ in range(rng.randint(2, 6))).encode() for _ in range(rng.randint(3, 25))}
    ranks = {bytes([i]): i for i in range(256)}
    order = sorted(tokens)
    rng.shuffle(order)
    ranks.update({tok: 256 + i for i, tok in enumerate(order)})
    enc = hf_bpe.Encoding("random", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
    reference = [_last_merge(t, ranks) for t in sorted(ranks, key=ranks.__getitem__) if len(t) > 1]
    assert derive_merges(ranks) == [m for m in reference if m is not None]
    hf = Tokenizer.from_str(json.dumps(encoding_to_tokenizer_json(enc)))
    oracle = tiktoken_twin(enc)
    for _ in range(200):
        text = "".join(rng.choice("abc ") for _ in range(rng.randint(1, 30)))
        assert hf.encode(text).ids == oracle.encode(text), (text, order)


def test_long_tokens_get_their_merges_too() -> None:
    """Tokens of up to 80 bytes, each two earlier ones joined (as training makes them),
    some ranked before their parts: the derived merges of tokens longer than the short
    merge's limit (24 bytes: they take the heap) are the reference's as well."""
    import random

    long_merges = 0
    for seed in range(20):
        rng = random.Random(seed)
        made = [b"a", b"b", b"c"]
        while len(made) < 120:
            token = rng.choice(made) + rng.choice(made)
            if token not in made and len(token) <= 80:
                made.append(token)
        order = made[3:]
        for _ in range(rng.randint(0, 20)):
            i, j = rng.randrange(len(order)), rng.randrange(len(order))
            order[i], order[j] = order[j], order[i]
        ranks = {bytes([i]): i for i in range(256)}
        ranks.update({tok: 256 + i for i, tok in enumerate(order)})
        reference = [_last_merge(t, ranks) for t in sorted(ranks, key=ranks.__getitem__) if len(t) > 1]
        merges = derive_merges(ranks)
        assert merges == [m for m in reference if m is not None], seed
        long_merges += sum(1 for a, b in merges if len(a + b) > 24)
        enc = hf_bpe.Encoding("long", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
        hf = Tokenizer.from_str(json.dumps(encoding_to_tokenizer_json(enc)))
        oracle = tiktoken_twin(enc)
        for _ in range(50):
            text = " ".join(b"".join(rng.choice(made) for _ in range(rng.randint(1, 4))).decode() for _ in range(3))
            assert hf.encode(text).ids == oracle.encode(text), (seed, text)
    assert long_merges > 100  # 178 with these seeds


def test_token_spelling_round_trip() -> None:
    for b in range(256):
        assert token_bytes(token_str(bytes([b]))) == bytes([b])
    assert token_str(b" \n") == "ĠĊ"
    with pytest.raises(VocabularyError):
        token_bytes("\x00")
    with pytest.raises(ValueError):  # VocabularyError is a ValueError
        token_bytes("€")


# ------------------------------------------------------------------ patterns


def test_possessive_interval_is_rewritten() -> None:
    assert hf_pattern(r"\p{N}{1,3}+|\s+") == r"\p{N}{1,3}|\s+"
    assert hf_pattern(r"\p{N}{1,3}+x|\s") == r"(?>\p{N}{1,3})x|\s"
    assert hf_pattern(r"(?:\d{2}+)|\s") == r"(?:(?>\d{2}))|\s"
    assert hf_pattern(PATTERNS["o200k_base"]) == PATTERNS["o200k_base"]
    assert r"\p{N}{1,3}+" not in hf_pattern(PATTERNS["cl100k_base"])


@pytest.mark.parametrize("name", ["r50k_base", "cl100k_base"])
def test_files_saved_with_the_end_of_text_spelled_dollar_still_read_as_the_named_pattern(
    name: str, exported: dict[str, Path], tmp_path: Path
) -> None:
    """Files saved before ``\\s++$`` was written ``\\s++(?![\\s\\S])`` (for readers that drop
    possessive marks: see test_tokenizers_js.py) hold ``$``: the named pattern still."""
    data = json.loads(exported[name].read_text(encoding="utf-8"))
    split = data["pre_tokenizer"]["pretokenizers"][0]["pattern"]
    assert r"\s++(?![\s\S])" in split["Regex"] and "$" not in split["Regex"]
    split["Regex"] = split["Regex"].replace(r"\s++(?![\s\S])", r"\s++$")
    (tmp_path / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    assert load_tokenizer_json(tmp_path / "tokenizer.json")._pat_str == PATTERNS[name]
    # A pattern of the user's own spelled either way reads as its tiktoken spelling.
    custom = r" ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s*+$|\s+(?!\S)|\s"
    enc = hf_bpe.Encoding("custom", pat_str=custom, mergeable_ranks={bytes([b]): b for b in range(256)}, special_tokens={})
    save_tokenizer_json(enc, tmp_path / "custom.json")
    assert r"\s*+(?![\s\S])" in (tmp_path / "custom.json").read_text(encoding="utf-8").replace("\\\\", "\\")
    assert load_tokenizer_json(tmp_path / "custom.json")._pat_str == custom


def test_atomic_rewrite_keeps_tiktoken_semantics() -> None:
    ranks = {bytes([i]): i for i in range(256)}
    enc = hf_bpe.Encoding("x", pat_str=r"\d{1,3}+1|\d|\s+|\S", mergeable_ranks=ranks, special_tokens={})
    hf = Tokenizer.from_str(json.dumps(encoding_to_tokenizer_json(enc)))
    for text in ["12341", "1111", "99", "12 341 1"]:
        assert hf.encode(text).ids == tiktoken_twin(enc).encode(text), text


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\w+|\s+|\S",  # ^ is a line anchor in Oniguruma
        r"\w+$|\s+|\S",  # so is $
        r"\w+\Z|\s+|\S",
        r"\bx|\s+|\S",
        r"(?P<w>\w+)|\s+|\S",
        r"(?m:\w+)|\s+|\S",  # (?m) is dotall in Oniguruma
        r"(?i)\w+|\s+|\S",
        r"[[:alpha:]]+|\s+|\S",
        r"[a-z&&[^aeiou]]+|\s+|\S",
        r"\w{,3}|\s+|\S",
        r"\w+|\s+|\S|(",
        r"\1|\s+|\S",
    ],
)
def test_patterns_oniguruma_reads_differently_are_refused(pattern: str) -> None:
    ranks = {bytes([i]): i for i in range(256)}
    enc = hf_bpe.Encoding("x", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={})
    enc._pat_str = pattern  # the export must refuse it whatever the core accepted
    with pytest.raises(PatternError):
        encoding_to_tokenizer_json(enc)


def test_zero_width_joiners_are_probed() -> None:
    # \w holds U+200C/U+200D for tiktoken, not for Oniguruma: Persian words differ.
    ranks = {bytes([i]): i for i in range(256)}
    enc = hf_bpe.Encoding("x", pat_str=r"[\w']+|[^\w\s]+|\s+", mergeable_ranks=ranks, special_tokens={})
    with pytest.raises(PatternError, match="Oniguruma splits"):
        encoding_to_tokenizer_json(enc)


@pytest.mark.parametrize(
    ("extra", "error", "said"),
    [
        ({1.5: {"content": "<x>"}}, TypeError, "an id must be an int, not 1.5"),  # was written as id 1, over the byte token 1
        ({-1: {"content": "<x>"}}, hf_bpe.VocabularyOverflowError, "id -1 is not between 0 and"),
        ({2**32: {"content": "<x>"}}, hf_bpe.VocabularyOverflowError, "id 4294967296 is not between 0 and"),
        ({True: {"content": "<x>"}}, TypeError, "an id must be an int, not True"),
        ({300: {"content": None}}, hf_bpe.VocabularyError, "the content of id 300 must be a non-empty str, not None"),  # was "None"
        ({300: {"content": ""}}, hf_bpe.VocabularyError, "the content of id 300 must be a non-empty str"),
        ({300: {"content": "<\ud800>"}}, hf_bpe.SpecialTokenTextError, "added token '<\\\\ud800>' has a lone surrogate"),
        ({300: "<x>"}, TypeError, "the fields of id 300 must be a mapping"),  # AttributeError before
        ([(300, {"content": "<x>"})], TypeError, "extra_added_tokens must be a mapping"),
    ],
)
def test_extra_added_tokens_are_checked_before_anything_is_written(tmp_path: Path, extra: Any, error: type, said: str) -> None:
    enc = hf_bpe.Encoding("tiny", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    with pytest.raises(error, match=said):
        hf_bpe.save_tokenizer_json(enc, tmp_path / "tokenizer.json", extra_added_tokens=extra)
    assert list(tmp_path.iterdir()) == []
    written = hf_bpe.save_tokenizer_json(enc, tmp_path / "tokenizer.json", extra_added_tokens={np.int64(300): {"content": "<x>"}})
    assert [(t["id"], t["content"]) for t in json.loads(written.read_text(encoding="utf-8"))["added_tokens"]] == [(300, "<x>")]


def test_specials_sharing_an_id_get_no_tokenizer_json(tmp_path: Path) -> None:
    # tiktoken's o200k_harmony has <|endofprompt|> and <|reserved_200018|> at 200018;
    # tokenizer.json would keep one of them and encode the other as text.
    enc = encoding("o200k_harmony")
    with pytest.raises(VocabularyError, match="share id 200018"):
        encoding_to_tokenizer_json(enc)
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="share id 200018"):
        hf_bpe.save_encoding(enc, tmp_path)
    assert not (tmp_path / "tokenizer.json").exists()
    assert hf_bpe.load_encoding(tmp_path).encode("<|endofprompt|>", allowed_special="all") == [200018]


def test_overlapping_added_tokens_get_no_tokenizer_json(tmp_path: Path) -> None:
    # In "q«zz»", tokenizers finds the special "«zz»" first; HfBpeTokenizer (like
    # transformers' Python tokenizers) takes the longest match from the left: "q«z".
    from hf_bpe.hf_tokenizer import HfBpeTokenizer

    tok = HfBpeTokenizer.from_encoding(encoding("cl100k_base"))
    tok.add_special_tokens({"additional_special_tokens": ["«zz»"]})
    tok.add_tokens(["q«z"])
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="overlap"):
        tok.save_pretrained(tmp_path)
    assert not (tmp_path / "tokenizer.json").exists()


def test_a_post_processor_that_is_dropped_is_said(tmp_path: Path) -> None:
    data = _small_json()
    data["post_processor"] = {"type": "TemplateProcessing", "single": [], "pair": [], "special_tokens": {}}
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="TemplateProcessing"):
        parse_tokenizer_json(data)


def test_case_folding_difference_is_caught_by_probes() -> None:
    # Oniguruma's (?i:st) also matches the ligature "ﬆ"; tiktoken's does not.
    ranks = {bytes([i]): i for i in range(256)}
    enc = hf_bpe.Encoding("x", pat_str=r"(?i:st)a|\s+|\S", mergeable_ranks=ranks, special_tokens={})
    with pytest.raises(PatternError, match="Oniguruma splits"):
        encoding_to_tokenizer_json(enc)


def test_pattern_that_leaves_text_unmatched_is_refused() -> None:
    ranks = {bytes([i]): i for i in range(256)}
    enc = hf_bpe.Encoding("x", pat_str=r"\w+", mergeable_ranks=ranks, special_tokens={})
    with pytest.raises(PatternError, match="unmatched.*catch-all"):
        encoding_to_tokenizer_json(enc)
    # a catch-all, but after an empty match of [a-z]* tiktoken skips the next character
    enc = hf_bpe.Encoding("x", pat_str=r"[a-z]*|\s|\S", mergeable_ranks=ranks, special_tokens={})
    with pytest.raises(PatternError, match="unmatched.*at least one character"):
        encoding_to_tokenizer_json(enc)


@pytest.mark.parametrize("name", sorted(set(PATTERNS)))
def test_every_named_pattern_exports(name: str) -> None:
    from hf_bpe.hf_pattern import checked_hf_pre_tokenizer, hf_pre_tokenizer

    assert checked_hf_pre_tokenizer(PATTERNS[name]) == hf_pre_tokenizer(PATTERNS[name])  # Oniguruma splits alike


# ------------------------------------------------------------------ refusing imports


def _small_json() -> dict[str, Any]:
    ranks = {bytes([i]): i for i in range(256)}
    ranks.update({b"ab": 256, b"abc": 257})
    enc = hf_bpe.Encoding("small", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={"<|e|>": 258})
    return encoding_to_tokenizer_json(enc)


def test_small_json_parses() -> None:
    parts = parse_tokenizer_json(_small_json())
    assert parts.special_tokens == {"<|e|>": 258}
    assert parts.mergeable_ranks[b"abc"] == 257
    data = _small_json()
    data["model"].update(byte_fallback=None, ignore_merges=None)  # tokenizers reads null as false there
    assert parse_tokenizer_json(data).mergeable_ranks == parts.mergeable_ranks


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(normalizer={"type": "NFKD"}), "normalizer"),  # (NFC and NFKC are read: see test_normalization.py)
        (lambda d: d.update(normalizer={"type": "Sequence", "normalizers": [{"type": "Lowercase"}]}), "normalizer"),
        # Removed without invert drops the matches; Isolated with invert keeps the gaps only
        (lambda d: d["pre_tokenizer"]["pretokenizers"][0].update(behavior="Removed"), "Split behavior 'Removed' \\(invert=False\\)"),
        (lambda d: d["pre_tokenizer"]["pretokenizers"][0].update(invert=True), "Split behavior 'Isolated' \\(invert=True\\)"),
        (lambda d: d["pre_tokenizer"]["pretokenizers"][0].update(behavior="MergedWithNext"), "Split behavior 'MergedWithNext'"),
        (lambda d: d["model"].update(unk_token="<unk>"), "unk"),
        (lambda d: d["model"].update(type="WordPiece"), "model type"),
        # BERT's: named for its model (it was named for its normalizer, refused too)
        (lambda d: (d["model"].update(type="WordPiece"), d.update(normalizer={"type": "BertNormalizer"})), "model type 'WordPiece'"),
        (lambda d: d["model"].update(byte_fallback=True), "byte_fallback"),
        (lambda d: d["model"].update(continuing_subword_prefix="##"), "continuing_subword_prefix"),
        (lambda d: d["pre_tokenizer"]["pretokenizers"].insert(0, {"type": "Digits", "individual_digits": True}), "stages"),
        (lambda d: d["pre_tokenizer"]["pretokenizers"][1].update(add_prefix_space=True), "prefix space"),
        (lambda d: d.update(pre_tokenizer={"type": "Whitespace"}), "Whitespace"),
        (lambda d: d["model"]["merges"].reverse(), "merge"),
        (lambda d: d["model"]["merges"].pop(), "merges"),
        (lambda d: d["model"]["vocab"].update({"\x00": 999}), "alphabet"),
        (lambda d: d["model"]["vocab"].pop("z"), "single bytes"),
        (lambda d: d["added_tokens"][0].update(lstrip=True), "lstrip"),
        # tokenizers' default for a missing use_regex is true: it would split again
        (lambda d: d["pre_tokenizer"]["pretokenizers"][1].pop("use_regex"), "splits again"),
        (lambda d: d["added_tokens"].append({**d["added_tokens"][0], "content": "<|f|>"}), "share id 258"),
        (lambda d: d["added_tokens"].append({**d["added_tokens"][0], "id": 259, "content": "x<|e", "normalized": True,
                                              "special": False}), "overlap"),
        (lambda d: d["model"]["merges"].append(["a", "b", "c"]), "a merge of 3 parts"),
        (lambda d: d["model"]["merges"].append("a b c"), "a merge of 3 parts"),
        (lambda d: d["model"].pop("merges"), "the BPE model has no merges"),
        (lambda d: d["model"]["vocab"].update(abc="257"), "gives token 'abc' the id '257', not an integer"),
        # an id json reads as a float, a string or a negative number is no id (a float id
        # loaded, and came out in the ids as 258.0)
        (lambda d: d["added_tokens"][0].update(id=258.0), "the added token '<|e|>' has the id 258.0, not an integer"),
        (lambda d: d["added_tokens"][0].update(id="258"), "the added token '<|e|>' has the id '258', not an integer"),
        (lambda d: d["added_tokens"][0].update(id=True), "has the id True, not an integer"),
        (lambda d: d["model"]["vocab"].update(abc=-1), "gives token 'abc' the id -1, not an integer of 0 or more"),
        # an id an Encoding cannot take (2**63 overflowed in the compiled merge tables)
        (lambda d: d["model"]["vocab"].update(abc=2**31), r"rank of b'abc' is 2147483648; ranks must be below 2\*\*31"),
        (lambda d: d["model"]["vocab"].update(abc=2**63), r"rank of b'abc' is 9223372036854775808; ranks must be below"),
        (lambda d: d["model"]["vocab"].update(abc=2**70), r"rank of b'abc' is \d+; ranks must be below 2\*\*31"),
        (lambda d: d["added_tokens"].append(["<|f|>", 259]), "an added token that is not"),
        (lambda d: d["model"]["merges"].insert(0, "a zz"), "merge #0 joins 'a' and 'zz', but the vocab has no token 'zz'"),
        # a special token as a merge's part: was "the file lists 3 merges for 2 merged tokens (several splits...)"
        (lambda d: d["model"]["merges"].append("<|e|> a"), r"merge #2 joins '<\|e\|>' and 'a', but '<\|e\|>' is a special"),
        # tokenizers refuses a setting that is not true or false; hf_bpe read it as truthy
        (lambda d: d["model"].update(ignore_merges=1), "'ignore_merges' must be true or false, not 1"),
        (lambda d: d["pre_tokenizer"]["pretokenizers"][0].update(invert=""), "'invert' must be true or false, not \"\""),
        (lambda d: d["pre_tokenizer"]["pretokenizers"][1].update(use_regex=0), "'use_regex' must be true or false, not 0"),
        (lambda d: d["added_tokens"][0].update(normalized=None), "'normalized' must be true or false, not null"),
        (lambda d: d["model"].update(byte_fallback=0), "'byte_fallback' must be true or false, not 0"),
    ],
)
def test_unrepresentable_files_are_refused(edit: Any, message: str) -> None:
    data = _small_json()
    edit(data)
    with pytest.raises(VocabularyError, match=message):
        parse_tokenizer_json(data)


def test_split_pattern_oniguruma_cannot_run_identically_is_refused_on_import() -> None:
    data = _small_json()
    data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = r"\w+$|\s+|\S"
    with pytest.raises(PatternError):
        parse_tokenizer_json(data)


def test_missing_or_wrong_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(VocabularyError, match="no such file or folder"):
        load_tokenizer_json(tmp_path / "nope.json")
    with pytest.raises(VocabularyError, match="no tokenizer.json"):
        load_tokenizer_json(tmp_path)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(VocabularyError, match="cannot read"):
        load_tokenizer_json(tmp_path / "broken.json")
    (tmp_path / "vocab.json").write_text('{"a": 0}', encoding="utf-8")  # GPT-2's vocab.json, given as a file
    with pytest.raises(VocabularyError, match="pass its folder"):
        load_tokenizer_json(tmp_path / "vocab.json")
    with pytest.raises(hf_bpe.VocabFileError, match="no such folder"):
        hf_bpe.load_encoding(tmp_path / "nope")
    tiny = hf_bpe.Encoding("tiny", pat_str=r"\s+|\S+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={"<s>": 256})
    hf_bpe.save_tokenizer_json(tiny, tmp_path / "good.json")
    (tmp_path / "from_the_hub").mkdir()  # tokenizer.json alone: load_encoding points to its reader
    hf_bpe.save_tokenizer_json(tiny, tmp_path / "from_the_hub" / "tokenizer.json")
    with pytest.raises(hf_bpe.VocabFileError, match=r"no encoding.json; not an hf_bpe folder \(it has a tokenizer.json: hf_bpe.load_tokenizer_json"):
        hf_bpe.load_encoding(tmp_path / "from_the_hub")
    edits = (
        (lambda d: d["model"].update(vocab=list(d["model"]["vocab"])), "malformed tokenizer.json"),
        (lambda d: d["added_tokens"][0].pop("id"), "the added token '<s>' has the id None, not an integer"),
        (lambda d: d.update(decoder="ByteLevel"), "malformed tokenizer.json"),
    )
    for edit, message in edits:
        data = json.loads((tmp_path / "good.json").read_text(encoding="utf-8"))
        edit(data)
        (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(VocabularyError, match=message):
            load_tokenizer_json(tmp_path / "bad.json")
        with pytest.raises(VocabularyError, match=message):  # was a bare TypeError/...
            parse_tokenizer_json(data)
    with pytest.raises(VocabularyError, match="malformed tokenizer.json"):  # was AttributeError
        parse_tokenizer_json({"normalizer": "NFC", "model": {}})
    # A pattern hf_bpe cannot reproduce is a PatternError from both (load said VocabularyError)
    data = json.loads((tmp_path / "good.json").read_text(encoding="utf-8"))
    split = json.dumps(data["pre_tokenizer"]).replace(json.dumps(r"\s+|\S+")[1:-1], r"\\w+$|\\s+|\\S")
    assert split != json.dumps(data["pre_tokenizer"])
    data["pre_tokenizer"] = json.loads(split)
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    for call in (lambda: parse_tokenizer_json(data), lambda: load_tokenizer_json(tmp_path / "bad.json")):
        with pytest.raises(hf_bpe.PatternError, match="before every newline"):
            call()
    with pytest.raises(hf_bpe.PatternError, match="bad.json: "):  # load names the file
        load_tokenizer_json(tmp_path / "bad.json")


def _stock_stages(name: str) -> Any:
    """The pre-tokenizer stages of a model's tokenizer.json, made by tokenizers itself:
    DeepSeek-V3's three Splits in a row, StarCoder's Digits then GPT-2's ByteLevel."""
    from tokenizers import Regex, pre_tokenizers

    from hf_bpe.patterns import DEEPSEEK_V3_SPLITS

    if name == "deepseek_v3":
        splits = [pre_tokenizers.Split(Regex(r), behavior="isolated") for r in DEEPSEEK_V3_SPLITS]
        return pre_tokenizers.Sequence([*splits, pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])


def _pieces_agree(name: str) -> Callable[[str], None]:
    """An assertion that hf_bpe's one regex for the named pattern cuts a text as the model's
    pre-tokenizer stages do (tokenizers itself; pieces in GPT-2's byte alphabet)."""
    from hf_bpe.pieces import Splitter

    theirs = _stock_stages(name)
    ours = Splitter(PATTERNS[name])
    spell = bytes_to_unicode()

    def same(text: str) -> None:
        mine = ["".join(spell[b] for b in piece.encode()) for piece in ours.split(text)]
        assert mine == [piece for piece, _ in theirs.pre_tokenize_str(text)], text[:200]

    return same


STAGED = ("deepseek_v3", "starcoder")


@pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")
@pytest.mark.parametrize("name", STAGED)
def test_a_pattern_of_several_stages_cuts_every_code_point_as_they_do(name: str) -> None:
    # Each code point in contexts that tell its class (letter, mark, digit, CJK, punctuation
    # or symbol, space, other) by the pieces around it: every one of the planes that hold
    # characters, and of the others (unassigned or private use, alike to both) every
    # eighth block of 2,048 (all with HF_BPE_EXHAUSTIVE=1: tokenizers takes 5 s a context).
    from test_unicode import CHARACTER_PLANES

    same = _pieces_agree(name)
    every = 1 if os.environ.get("HF_BPE_EXHAUSTIVE") == "1" else 8
    blocks = [
        [chr(c) for c in range(start, start + 2048) if not 0xD800 <= c <= 0xDFFF]
        for start in range(0, 0x110000, 2048)
        if start >> 16 in CHARACTER_PLANES or (start // 2048) % every == 0
    ]
    for context in ("a{}b", " {} ", "\u4e2d{}\u4e2d" if name == "deepseek_v3" else "{}{}"):
        for block in blocks:
            same("|".join(context.replace("{}", c) for c in block))


@pytest.mark.parametrize("name", STAGED)
def test_a_pattern_of_several_stages_reads_and_writes_them(name: str, docs: list[str], tmp_path: Path) -> None:
    # DeepSeek-V3's tokenizer.json cuts text with three Splits in a row, StarCoder's (and
    # SmolLM's) with Digits then GPT-2's ByteLevel; hf_bpe's one regex for each gives the
    # same pieces (real text, random mixes; every code point above). A file with those
    # stages reads as the named pattern, and saving writes the stages again.
    import random
    import unicodedata

    from hf_bpe.hf_vocab import derive_merges

    same = _pieces_agree(name)
    for text in docs + [unicodedata.normalize("NFD", d) for d in docs[::9]]:
        same(text)
    rng = random.Random(8)
    pool = [*"aZ 1\n\r\t.,!'\"-_$stdmlvre", "\u0663", "\uff12", "\u00bd", "\U00011de0", "\U00016ff4", "\u3040", "\u3099",
            "\u309b", "\u30a0", "\u30fb", "\u30fc", "\u304b", "\u30ab", "\u4e2d", "\u9fa6", "\u00a0", "\u2028", "\x00", "\u200b",
            "\ue000", "\u0301", "\u00e9", "\U0001f600", "\u3000", "\u3005", "\u3007", "\u2019"]
    for _ in range(20_000):
        same("".join(rng.choice(pool) for _ in range(rng.randint(1, 10))))
    # A file as tokenizers writes one with those stages (cl100k's ranks) reads as the pattern
    cl100k = hf_bpe.get_encoding("cl100k_base")
    spell = bytes_to_unicode()
    vocab = {"".join(spell[b] for b in token): rank for token, rank in cl100k.mergeable_ranks.items()}
    merges = [("".join(spell[b] for b in a), "".join(spell[b] for b in b2)) for a, b2 in derive_merges(cl100k.mergeable_ranks)]
    from tokenizers import decoders, models

    stock = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    stock.pre_tokenizer = _stock_stages(name)
    stock.decoder = decoders.ByteLevel()
    stock.save(str(tmp_path / "tokenizer.json"))
    loaded = load_tokenizer_json(tmp_path / "tokenizer.json")
    assert loaded._pat_str == PATTERNS[name]
    expected = [e.ids for e in stock.encode_batch(docs, add_special_tokens=False)]
    assert loaded.encode_ordinary_batch(docs) == expected
    # Saved by hf_bpe: those stages again, which stock tokenizers reads with the same ids
    save_tokenizer_json(loaded, tmp_path / "saved.json")
    data = json.loads((tmp_path / "saved.json").read_text(encoding="utf-8"))
    assert data["pre_tokenizer"] == json.loads(stock.to_str())["pre_tokenizer"]
    assert [e.ids for e in Tokenizer.from_file(str(tmp_path / "saved.json")).encode_batch(docs, add_special_tokens=False)] == expected
    # One Split with the pattern's regex (hf_bpe writes the stages, but the file is as
    # good) reads as the pattern too (it was "a malformed tokenizer.json" for starcoder)
    from hf_bpe.hf_pattern import BYTE_LEVEL_STAGE

    one_split = {"type": "Split", "pattern": {"Regex": hf_pattern(PATTERNS[name])}, "behavior": "Isolated", "invert": False}
    (tmp_path / "one_split.json").write_text(
        json.dumps({**data, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [one_split, BYTE_LEVEL_STAGE]}}), encoding="utf-8"
    )
    assert [e.ids for e in Tokenizer.from_file(str(tmp_path / "one_split.json")).encode_batch(docs, add_special_tokens=False)] == expected
    from_one_split = load_tokenizer_json(tmp_path / "one_split.json")
    assert from_one_split._pat_str == PATTERNS[name] and from_one_split.encode_ordinary_batch(docs) == expected
    # Stages hf_bpe does not know are refused, saying so
    data["pre_tokenizer"]["pretokenizers"][0] = {"type": "Split", "pattern": {"Regex": "[a-z]+"}, "behavior": "Isolated", "invert": False}
    data["pre_tokenizer"]["pretokenizers"].insert(0, {"type": "Digits", "individual_digits": False})
    (tmp_path / "saved.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(VocabularyError, match="expected \\[Split, ByteLevel\\], or the stages of a pattern hf_bpe names"):
        load_tokenizer_json(tmp_path / "saved.json")


def _converted(ranks: Mapping[bytes, int], pattern: str, folder: Path) -> Path:
    """``tokenizer.json`` as transformers' TikTokenConverter writes it (Llama 3's kind):
    every split of every token a merge, in the order of the tokens' ids."""
    from transformers.convert_slow_tokenizer import TikTokenConverter

    hf_bpe.dump_tiktoken_bpe(dict(ranks), folder / "ranks.tiktoken")
    TikTokenConverter(str(folder / "ranks.tiktoken"), pattern=pattern).converted().save(str(folder / "tokenizer.json"))
    (folder / "ranks.tiktoken").unlink()
    return folder / "tokenizer.json"


@pytest.mark.parametrize(
    "name",
    [
        "cl100k_base",
        # (most of its time is transformers' converter, the same in both runs)
        pytest.param("o200k_base", marks=pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")),
    ],
)
def test_files_of_transformers_tiktoken_converter_load_with_tokenizers_ids(tmp_path: Path, docs: list[str], name: str) -> None:
    # Several merges per token ("abc" from "ab"+"c" and from "a"+"bc"): tokenizers would
    # choose the one listed first where tiktoken takes the leftmost pair, but the two
    # never differ (tokenizer_json_load._lists_every_split says why): such a file is the
    # plain Encoding, with tokenizers' own ids. (Refused before, as Llama 3's file was.)
    enc = hf_bpe.get_encoding(name)
    path = _converted(enc._mergeable_ranks, hf_pattern(enc._pat_str), tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["model"]["merges"]) > 1.4 * (len(enc._mergeable_ranks) - 256)  # several splits per token
    loaded = load_tokenizer_json(path)
    assert loaded._mergeable_ranks == enc._mergeable_ranks and loaded._pat_str == enc._pat_str
    stock = Tokenizer.from_file(str(path))
    expected = [e.ids for e in stock.encode_batch(docs, add_special_tokens=False)]
    assert loaded.encode_ordinary_batch(docs) == expected
    # The folder through transformers; saved again (one merge per token), the same ids.
    from transformers import PreTrainedTokenizerFast

    tok = hf_bpe.HfBpeTokenizer.from_pretrained(tmp_path)
    assert tok(docs)["input_ids"] == expected
    tok.save_pretrained(tmp_path / "saved")
    assert PreTrainedTokenizerFast.from_pretrained(tmp_path / "saved")(docs)["input_ids"] == expected


def test_the_split_tokenizers_chooses_never_differs_from_tiktokens(tmp_path: Path) -> None:
    # The argument of _lists_every_split, tried with tokenizers itself where the choice
    # would show if it could: small vocabularies over three letters whose ids are in no
    # order (a token often ranked above a part of it, parts that split a token in several
    # ways), every text of up to seven letters and random longer ones.
    import itertools
    import random

    rng = random.Random(5)
    letters = "abc"
    words = ["".join(p) for n in range(1, 8) for p in itertools.product(letters, repeat=n)]
    words += ["".join(rng.choice(letters) for _ in range(rng.randint(8, 40))) for _ in range(2000)]
    for trial in range(12):
        tokens = {"".join(p).encode() for p in itertools.product(letters, repeat=2)}
        while len(tokens) < 30:
            tokens.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 6))).encode())
        order = sorted(tokens)
        rng.shuffle(order)
        ranks = {bytes([i]): i for i in range(256)} | {token: 256 + i for i, token in enumerate(order)}
        folder = tmp_path / str(trial)
        folder.mkdir()
        path = _converted(ranks, r"\S+|\s+", folder)
        loaded = load_tokenizer_json(path)
        stock = Tokenizer.from_file(str(path))
        assert loaded.encode_ordinary_batch(words) == [e.ids for e in stock.encode_batch(words, add_special_tokens=False)]


def test_merge_lists_with_several_splits_of_a_token_but_not_all_are_refused(tmp_path: Path) -> None:
    ranks = {bytes([i]): i for i in range(256)} | {b"ab": 256, b"bc": 257, b"abc": 258, b"abcab": 259}
    path = _converted(ranks, r"\S+|\s+", tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    merges = data["model"]["merges"]
    assert [tuple(m) for m in merges] == [("a", "b"), ("b", "c"), ("a", "bc"), ("ab", "c"), ("abc", "ab")]
    assert load_tokenizer_json(path).encode_ordinary("abcab abc") == Tokenizer.from_file(str(path)).encode("abcab abc").ids
    for changed, message in (
        # a split left out: tokenizers would not make "abc" of "ab" "c" as tiktoken does
        (merges[:3] + merges[4:], "merge #2 is"),
        (merges[:2] + merges[3:] + merges[2:3], "several splits of some tokens but not every split"),  # out of order
        (merges + merges[2:3], "several splits of some tokens but not every split"),  # listed twice
    ):
        data["model"]["merges"] = changed
        path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(VocabularyError, match=message):
            load_tokenizer_json(path)


def test_a_token_no_split_makes_needs_ignore_merges_in_a_list_of_every_split(tmp_path: Path) -> None:
    # "xyz" has no split into two tokens: tokenizers makes it only with ignore_merges (a
    # whole word in the vocab is its token), as tiktoken does; without, it is refused.
    ranks = {bytes([i]): i for i in range(256)} | {t: 256 + i for i, t in enumerate([b"ab", b"bc", b"cd", b"abc", b"bcd", b"xyz"])}
    path = _converted(ranks, r"\S+|\s+", tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["model"]["merges"]) == 7  # abc and bcd two ways each
    words = ["xyz", "abcd", "xyzabc", "bcdxyz", "abc xyz"]
    for ignore in (True, False):
        data["model"]["ignore_merges"] = ignore
        path.write_text(json.dumps(data), encoding="utf-8")
        if ignore:
            stock = Tokenizer.from_file(str(path))
            assert load_tokenizer_json(path).encode_ordinary_batch(words) == [e.ids for e in stock.encode_batch(words)]
        else:
            with pytest.raises(VocabularyError, match="some multi-byte tokens cannot be formed by any merge"):
                load_tokenizer_json(path)


def test_an_added_text_on_the_id_of_a_byte_token_spelled_like_it_is_refused(tmp_path: Path) -> None:
    tiny = hf_bpe.Encoding("tiny", pat_str=r"\s+|\S+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    hf_bpe.save_tokenizer_json(tiny, tmp_path / "tokenizer.json")
    data = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
    data["added_tokens"] = [{"id": 0xE9, "content": "é", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": False}]
    (tmp_path / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(VocabularyError, match="whose bytes are b'\\\\xe9', not that text"):
        load_tokenizer_json(tmp_path / "tokenizer.json")


BARE = """
import sys, warnings
sys.modules["tokenizers"] = None  # the bare install: no HF tokenizers to check a pattern with
import hf_bpe
ranks = {bytes([i]): i for i in range(256)}
for name, pattern in (("named", hf_bpe.patterns.RUSTBPE_PATTERN), ("custom", r"\\p{L}+|\\s+|\\S")):
    enc = hf_bpe.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = hf_bpe.save_encoding(enc, name)
    print(name, sorted(f.name for f in files), [str(w.message) for w in caught])
"""


def test_without_hf_tokenizers_only_named_patterns_get_a_tokenizer_json(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", BARE], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    named, custom = out.stdout.splitlines()
    assert "tokenizer.json" in named and "[]" in named, out.stderr
    assert "tokenizer.json" not in custom.split("]")[0] and "pip install 'hf_bpe[hf]'" in custom, out.stdout


@pytest.mark.parametrize(
    ("merges", "message"),
    [
        ("a b\nab c\n", None),
        ("a zz\n", "merge #0 joins 'a' and 'zz', but the vocab has no token 'zz'"),
        ("ab c\na b\n", r"merge #0 is \(b'ab', b'c'\) but the ids imply \(b'a', b'b'\)"),
        ("a b\nab c\n<|endoftext|> a\n", "merge #2 joins '<|endoftext|>' and 'a', but '<|endoftext|>' is a special"),
    ],
)
def test_a_gpt2_pair_s_merges_must_be_the_ones_its_ids_imply(tmp_path: Path, merges: str, message: str | None) -> None:
    vocab = {bytes_to_unicode()[i]: i for i in range(256)} | {"ab": 256, "abc": 257, "<|endoftext|>": 258}
    (tmp_path / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (tmp_path / "merges.txt").write_text("#version: 0.2\n" + merges, encoding="utf-8")
    if message is None:
        assert load_tokenizer_json(tmp_path).encode("abc abd") == [257, 32, 256, 100]
    else:
        with pytest.raises(VocabularyError, match=message):
            load_tokenizer_json(tmp_path)


def test_a_gpt2_pair_of_another_tokenizer_class_is_refused(tmp_path: Path) -> None:
    # vocab.json + merges.txt hold no pattern: a Qwen2 pair split with GPT-2's gave other ids.
    (tmp_path / "vocab.json").write_text(json.dumps({bytes_to_unicode()[i]: i for i in range(256)}), encoding="utf-8")
    (tmp_path / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    assert load_tokenizer_json(tmp_path).n_vocab == 256
    (tmp_path / "tokenizer_config.json").write_text('{"tokenizer_class": "Qwen2Tokenizer"}', encoding="utf-8")
    with pytest.raises(VocabularyError, match="Qwen2Tokenizer, whose split pattern is not GPT-2's"):
        load_tokenizer_json(tmp_path)


# ------------------------------------------------------------------ the folder files


def test_hf_files_are_what_save_encoding_writes(tmp_path: Path) -> None:
    enc = encoding("cl100k_base")
    files = hf_files(enc)
    assert set(files) == {"tokenizer.json", "tokenizer_config.json"}
    config = json.loads(files["tokenizer_config.json"])
    assert config["tokenizer_class"] == "HfBpeTokenizer"
    assert "auto_map" not in config
    assert config["eos_token"] == "<|endoftext|>"
    hf_bpe.save_encoding(enc, tmp_path)
    for name, text in files.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text


def test_an_encoding_saved_again_derives_its_merges_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The merges of a tokenizer.json are derived on the first save and kept with the
    Encoding (a checkpoint each epoch saves the tokenizer again), which changes neither
    its pickle nor its datasets fingerprint; the same vocabulary in another encoding (a
    tiktoken Encoding, one loaded back) finds them kept too."""
    import pickle

    import tiktoken
    from datasets.fingerprint import Hasher

    derived = _counting_derivations(monkeypatch, tmp_path / "cache")
    ranks = {**{bytes([i]): i for i in range(256)}, b"ab": 256, b"abc": 257, b" ab": 258}
    enc = hf_bpe.Encoding("kept", pat_str=r" ?\S+|\s+", mergeable_ranks=ranks, special_tokens={"<|e|>": 259})
    tok = hf_bpe.HfBpeTokenizer.from_encoding(enc)
    before = (pickle.dumps(enc), Hasher.hash(enc), Hasher.hash(tok))
    for folder in ("first", "second"):
        hf_bpe.save_encoding(enc, tmp_path / folder)
        tok.save_pretrained(tmp_path / folder / "tok")
    assert len(derived) == 1
    assert (pickle.dumps(enc), Hasher.hash(enc), Hasher.hash(tok)) == before
    for path in (tmp_path / "first").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "second" / path.relative_to(tmp_path / "first")).read_bytes()
    assert json.loads((tmp_path / "second" / "tokenizer.json").read_text())["model"]["merges"] == [
        ["a", "b"], ["ab", "c"], ["Ġ", "ab"]
    ]
    # the same vocabulary in another encoding (tiktoken's), loaded back, saved again: kept
    twin = tiktoken.Encoding("kept", pat_str=enc._pat_str, mergeable_ranks=ranks, special_tokens={"<|e|>": 259})
    hf_bpe.save_tokenizer_json(twin, tmp_path / "a.json")
    hf_bpe.save_tokenizer_json(hf_bpe.load_tokenizer_json(tmp_path / "a.json"), tmp_path / "b.json")
    assert len(derived) == 1
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def _counting_derivations(monkeypatch: pytest.MonkeyPatch, cache: Path) -> list[int]:
    """Merges derived from here on, one entry per vocabulary (its number of tokens), with
    ``cache`` as the hf_bpe cache and nothing kept in this process yet."""
    import hf_bpe.piece_merge
    from hf_bpe import hf_vocab

    monkeypatch.setenv("HF_BPE_CACHE_DIR", str(cache))
    monkeypatch.setattr(hf_vocab, "_KEPT_MERGES", {})
    derived: list[int] = []
    last_merges = hf_bpe.piece_merge.last_merges
    monkeypatch.setattr(hf_bpe.piece_merge, "last_merges", lambda tokens, tables: derived.append(len(tokens)) or last_merges(tokens, tables))
    return derived


def _a_vocabulary(k: int) -> dict[bytes, int]:
    """A small vocabulary no other test (or run) makes: its merges are ab, bc, ab+c, ke."""
    mark = b"kept-%d-" % k + os.urandom(8).hex().encode()
    return {**{bytes([i]): i for i in range(256)}, b"ab": 256, b"bc": 257, b"abc": 258, mark[:2]: 259, mark: 300}


def test_the_merges_of_the_last_few_vocabularies_are_kept_and_only_theirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading a tokenizer.json derives its merges (to check the file's), and saving what
    it made would again: the last four vocabularies' merges are kept in the process, by
    a digest of their tokens and ranks, so the same tokens in another order of ranks are
    another vocabulary."""
    from hf_bpe.hf_vocab import merge_parts

    derived = _counting_derivations(monkeypatch, tmp_path)
    first = _a_vocabulary(1)
    second = {**first, b"bc": 256, b"ab": 257}  # the same tokens, two ranks swapped
    assert merge_parts(first) == [97, 98, 98, 99, 256, 99, 107, 101] and len(derived) == 1
    assert merge_parts(dict(first)) == merge_parts(first) and len(derived) == 1
    assert merge_parts(second) == [98, 99, 97, 98, 97, 256, 107, 101] and len(derived) == 2
    for k in range(2, 5):
        merge_parts(_a_vocabulary(k))
    assert len(derived) == 5
    shutil.rmtree(tmp_path / "merges")  # (what later processes would find)
    assert merge_parts(second)[:6] == [98, 99, 97, 98, 97, 256] and len(derived) == 5  # among the last four used
    assert merge_parts(first)[:6] == [97, 98, 98, 99, 256, 99] and len(derived) == 6  # not: derived again


def test_merges_are_kept_in_the_cache_for_later_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's merges/ folder keeps the merges of the last 16 vocabularies used (as
    parsed/ keeps ranks: behind a digest, so a damaged copy is derived over); a new
    process finds them there (o200k_base: 0.2 s compiled, 4.6 s uncompiled, each time)."""
    from hf_bpe.hf_vocab import merge_parts

    derived = _counting_derivations(monkeypatch, tmp_path)
    folder = tmp_path / "merges"
    vocabularies, copies = [_a_vocabulary(k) for k in range(18)], []
    for vocabulary in vocabularies[:16]:
        before = set(folder.glob("*")) if folder.exists() else set()
        merge_parts(vocabulary)
        (copy,) = set(folder.glob("*")) - before
        copies.append(copy)
    assert len(derived) == 16 and oct(folder.stat().st_mode & 0o777) == "0o700"
    for age, copy in enumerate(copies):  # the first made is the least recently used
        os.utime(copy, (1e9 + age, 1e9 + age))
    # A later process (here: a new start) reads them; reading one makes it the last used.
    monkeypatch.setattr("hf_bpe.hf_vocab._KEPT_MERGES", {})
    assert merge_parts(vocabularies[0])[:6] == [97, 98, 98, 99, 256, 99] and len(derived) == 16
    before = set(folder.glob("*"))
    merge_parts(vocabularies[16])
    made = set(folder.glob("*")) - before
    assert len(derived) == 17 and len(made) == 1
    assert set(folder.glob("*")) == {copies[0], *copies[2:], *made}  # the least recently used went
    # A damaged copy is derived over and written again whole.
    good = copies[5].read_bytes()
    copies[5].write_bytes(good[:-9] + bytes([good[-9] ^ 1]) + good[-8:])
    monkeypatch.setattr("hf_bpe.hf_vocab._KEPT_MERGES", {})
    assert merge_parts(vocabularies[5])[:6] == [97, 98, 98, 99, 256, 99] and len(derived) == 18
    assert copies[5].read_bytes() == good
    # A real later process, whose merging would fail: it reads the copy.
    script = (
        "import ast, sys, hf_bpe.piece_merge as m\n"
        "from hf_bpe.hf_vocab import merge_parts\n"
        "m.last_merges = None\n"
        "print(merge_parts(ast.literal_eval(sys.stdin.read())))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], input=repr(vocabularies[7]), capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout == f"{merge_parts(vocabularies[7])}\n"
    # A cache that cannot be written (here a file, not a folder) only costs the speed.
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("HF_BPE_CACHE_DIR", str(tmp_path / "file"))
    assert merge_parts(vocabularies[17])[:6] == [97, 98, 98, 99, 256, 99] and len(derived) == 19


@pytest.mark.parametrize("name", ["LLAMA3_PATTERN", "QWEN2_PATTERN", "QWEN35_PATTERN", "TEKKEN_PATTERN"])
def test_files_of_llama3_qwen_and_mistral_get_a_scanner_and_their_ids(tmp_path: Path, name: str) -> None:
    # A tokenizer.json as Llama 3's, Qwen2's, Qwen3.5's and Mistral's are built (Split with
    # their regex, then ByteLevel without its own regex), written by HF tokenizers itself.
    from tokenizers import Regex, decoders, models, pre_tokenizers

    from hf_bpe import patterns, scanners
    from hf_bpe.hf_vocab import derive_merges

    pattern = getattr(patterns, name)
    cl100k = hf_bpe.get_encoding("cl100k_base")
    spell = bytes_to_unicode()
    vocab = {"".join(spell[b] for b in token): rank for token, rank in cl100k.mergeable_ranks.items()}
    merges = [("".join(spell[b] for b in a), "".join(spell[b] for b in b2)) for a, b2 in derive_merges(cl100k.mergeable_ranks)]
    theirs = Tokenizer(models.BPE(vocab=vocab, merges=merges, ignore_merges=True))
    theirs.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(pattern), behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    theirs.decoder = decoders.ByteLevel()
    theirs.save(str(tmp_path / "tokenizer.json"))
    ours = hf_bpe.load_tokenizer_json(tmp_path)
    assert ours.pat_str == pattern
    family = {"LLAMA3_PATTERN": scanners.RUSTBPE, "QWEN2_PATTERN": scanners.QWEN2,
              "QWEN35_PATTERN": scanners.QWEN35, "TEKKEN_PATTERN": scanners.TEKKEN}
    assert ours._splitter.family == family[name]
    for text in texts(max_bytes=40_000):
        assert ours.encode_ordinary(text) == theirs.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_files_whose_split_drops_unmatched_text_load(name: str, exported: dict[str, Path], docs: list[str], tmp_path: Path) -> None:
    # Xenova/gpt-4o's and Xenova/gpt-4's files (made for transformers.js) split with behavior
    # Removed and invert: the regex's matches are the pieces, the text between them is
    # dropped (tiktoken's own rule); DeepSeek-V3's has a normalizer that is an empty
    # Sequence. Both were refused.
    data = json.loads(exported[name].read_text(encoding="utf-8"))
    split, byte_level = data["pre_tokenizer"]["pretokenizers"]
    split.update(behavior="Removed", invert=True)
    byte_level.update(trim_offsets=True)
    data["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "Sequence", "normalizers": []}]}
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    enc = encoding(name)
    ours = load_tokenizer_json(path)
    assert (ours._pat_str, ours._mergeable_ranks, ours._special_tokens) == (enc._pat_str, enc._mergeable_ranks, enc._special_tokens)
    theirs = Tokenizer.from_file(str(path))
    for doc in docs[::2]:
        expected = enc.encode(doc, allowed_special="all")
        assert ours.encode(doc, allowed_special="all") == expected
        assert theirs.encode(doc, add_special_tokens=False).ids == expected
    # The folder as the Hub has it, through transformers
    from transformers import PreTrainedTokenizerFast

    (tmp_path / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "GPT2Tokenizer", "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
         "unk_token": "<|endoftext|>", "add_prefix_space": False, "clean_up_tokenization_spaces": False}
    ), encoding="utf-8")
    tok = hf_bpe.HfBpeTokenizer.from_pretrained(tmp_path)
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    assert tok(docs[:20])["input_ids"] == stock(docs[:20])["input_ids"]


def _trained_file(tmp_path: Path, pattern: str) -> Path:
    """A small tokenizer.json trained by HF tokenizers itself: Split with ``pattern``, then
    ByteLevel without its own regex, and an added special token."""
    from tokenizers import Regex, decoders, models, pre_tokenizers, trainers

    theirs = Tokenizer(models.BPE())
    theirs.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(pattern), behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    theirs.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    theirs.train_from_iterator(["hello world, hello there"] * 10, trainer)
    theirs.add_special_tokens(["<|endoftext|>"])
    path = tmp_path / "tokenizer.json"
    theirs.save(str(path))
    return path


def test_a_pattern_that_leaves_a_character_it_names_unmatched_is_refused(tmp_path: Path) -> None:
    # [^\x{2603}]+ matches everything but the snowman, which no fixed probe held: the file
    # loaded, and encoding dropped the snowman (tiktoken's rule) where HF keeps it.
    path = _trained_file(tmp_path, r"[^\x{2603}]+")
    with pytest.raises(hf_bpe.PatternError, match="leaves '\u2603' partly unmatched"):
        hf_bpe.load_tokenizer_json(path)
    loaded = hf_bpe.load_tokenizer_json(_trained_file(tmp_path, r"[^\x{2603}]+|\x{2603}"))
    text = "hi \u2603 there"
    assert loaded.encode_ordinary(text) == Tokenizer.from_file(str(path)).encode(text, add_special_tokens=False).ids


def test_a_pattern_spelling_a_code_point_as_rust_does_is_written(tmp_path: Path) -> None:
    # \u{1F600} (Rust's spelling, which tiktoken takes) was "malformed" to the writer, and
    # the folder was saved without tokenizer.json: Oniguruma spells it \x{1F600}.
    import tiktoken

    enc = hf_bpe.get_encoding("cl100k_base")
    pattern = r"\u{1F600}+|\u{e9}|\S+|\s+"
    ours = hf_bpe.Encoding("rust-escapes", pat_str=pattern, mergeable_ranks=enc._mergeable_ranks, special_tokens={})
    theirs = tiktoken.Encoding("rust-escapes", pat_str=pattern, mergeable_ranks=enc._mergeable_ranks, special_tokens={})
    text = "caf\u00e9 \U0001F600\U0001F600x and \u00e9t\u00e9"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no TokenizerJsonWarning: the file is written
        hf_bpe.save_encoding(ours, tmp_path / "tok")
    stock = Tokenizer.from_file(str(tmp_path / "tok" / "tokenizer.json"))
    assert stock.encode(text, add_special_tokens=False).ids == ours.encode(text) == theirs.encode(text)
    assert r"\x{1F600}" in json.dumps(json.loads((tmp_path / "tok" / "tokenizer.json").read_text(encoding="utf-8"))["pre_tokenizer"])
    with pytest.raises(hf_bpe.PatternError, match=r"malformed \\u\{...\} at offset 0"):
        hf_pattern(r"\u{12G}|\S+|\s+")


def test_a_split_that_drops_unmatched_text_need_not_match_it_all(tmp_path: Path) -> None:
    # \p{L}+ leaves spaces, digits and punctuation unmatched: a Split of behavior Isolated
    # keeps them as pieces (refused: tiktoken drops them), one of behavior Removed with
    # invert drops them, as tiktoken does.
    path = _trained_file(tmp_path, r"\p{L}+")
    with pytest.raises(hf_bpe.PatternError, match="partly unmatched"):
        hf_bpe.load_tokenizer_json(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["pre_tokenizer"]["pretokenizers"][0].update(behavior="Removed", invert=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = hf_bpe.load_tokenizer_json(path)
    theirs = Tokenizer.from_file(str(path))
    for text in ["hello world, hello there!", "a  b\n\nc 12 \u2713 \u00e9t\u00e9"]:
        assert loaded.decode(loaded.encode_ordinary(text)) == "".join(regex.findall(r"\p{L}+", text))
    for text in ["hello world, hello there!", "a  b\n\nc 12 \u2713 \u00e9t\u00e9", *texts(max_bytes=20_000)]:
        assert loaded.encode(text, allowed_special="all") == theirs.encode(text, add_special_tokens=False).ids
    # Oniguruma must still split as tiktoken does (its (?i:st) also matches the ligature ﬆ)
    data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = r"(?i:st)a"
    with pytest.raises(hf_bpe.PatternError, match="Oniguruma splits"):
        parse_tokenizer_json(data)


def test_a_split_regex_copied_from_a_tiktoken_pattern_is_refused_for_reading(tmp_path: Path) -> None:
    """cl100k_base's pattern as a Split regex: Oniguruma reads its \\p{N}{1,3}+ as a repeated
    interval ("1234567" one piece). The error said the pattern "cannot be exported", to a
    user reading a file."""
    path = _trained_file(tmp_path, PATTERNS["cl100k_base"])
    with pytest.raises(hf_bpe.PatternError, match=r"Oniguruma splits .* so no tiktoken pattern gives this tokenizer.json's pieces") as info:
        hf_bpe.load_tokenizer_json(path)
    assert "exported" not in str(info.value)


def test_an_added_token_the_file_numbers_otherwise_than_tokenizers_is_refused(tmp_path: Path) -> None:
    # tokenizers numbers an added token that is not in the vocab itself (after the vocab),
    # whatever id the file gives it: hf_bpe read the file's id, and gave other ids.
    path = _trained_file(tmp_path, r"\S+|\s+")
    data = json.loads(path.read_text(encoding="utf-8"))
    (entry,) = data["added_tokens"]
    assert entry["content"] == "<|endoftext|>" and entry["content"] not in data["model"]["vocab"]
    assert hf_bpe.load_tokenizer_json(path).encode("hello<|endoftext|>", allowed_special="all")[-1] == entry["id"]
    entry["id"] += 700
    path.write_text(json.dumps(data), encoding="utf-8")
    hf_id = Tokenizer.from_file(str(path)).encode("hello<|endoftext|>", add_special_tokens=False).ids[-1]
    assert hf_id == entry["id"] - 700
    with pytest.raises(hf_bpe.VocabularyError, match=f"has id {entry['id']} in the file, but tokenizers numbers it {hf_id}"):
        hf_bpe.load_tokenizer_json(path)


def test_truncation_and_padding_in_the_file_are_not_kept_and_say_so(tmp_path: Path) -> None:
    # They were dropped in silence: HF's ids of a long text were cut, hf_bpe's not.
    theirs = Tokenizer.from_file(str(_trained_file(tmp_path, r"\S+|\s+")))
    theirs.enable_truncation(4)
    theirs.enable_padding(length=6)
    theirs.save(str(tmp_path / "tokenizer.json"))
    with pytest.warns(hf_bpe.TokenizerJsonWarning) as caught:  # (a match= would let the other one through)
        ours = hf_bpe.load_tokenizer_json(tmp_path / "tokenizer.json")
    assert sorted(str(w.message).split(": ")[1] for w in caught) == ["the file's padding is not kept", "the file's truncation is not kept"]
    assert len(ours.encode_ordinary("hello world, hello there, hello")) > 4


def _overlap_brute(a: str, b: str) -> bool:
    return a in b or b in a or any(a.endswith(b[:k]) or b.endswith(a[:k]) for k in range(1, min(len(a), len(b))))


_TOKENS = st.lists(st.one_of(st.text("ab<|>\x00", min_size=1, max_size=6), st.text("ab", min_size=60, max_size=70)), max_size=5)


@settings(max_examples=300, deadline=None)
@given(_TOKENS, _TOKENS)
def test_overlapping_added_tokens_are_found_as_comparing_every_pair_finds_them(first: list[str], after: list[str]) -> None:
    # (tokens of over 64 characters are compared pair by pair, shorter ones through tables)
    found = _overlapping(first, after)
    assert (found is not None) == any(_overlap_brute(a, b) for a in first for b in after)
    if found is not None:
        assert found[0] in first and found[1] in after and _overlap_brute(*found)
