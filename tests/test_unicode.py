"""Every code point is classified as tiktoken classifies it, whatever regex is installed."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import tiktoken
from conftest import CONFORMANCE

import hf_bpe
from hf_bpe.char_classes import CLASSES, stand_ins, tiktoken_class_members

BYTE_RANKS = {bytes([i]): i for i in range(256)}
ALL_CODE_POINTS = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


@pytest.mark.parametrize(
    "pattern",
    [rf"\p{{{c}}}" for c in CLASSES]
    + [r"\s", r"[^\s\p{L}\p{N}]", r"[^\r\n\p{L}\p{N}]", r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]", r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]"]
    # Classes the stand-ins were not chosen for: they agree too (the stand-in of a
    # character tiktoken does not know is a code point nobody knows).
    + [r"\p{Cc}", r"[\p{So}\p{P}]", r"\p{Assigned}", r"\w"],
)
def test_each_character_class_matches_tiktoken_on_every_code_point(pattern: str) -> None:
    # With a pattern that is one class, tiktoken keeps exactly the characters of that class.
    ours = hf_bpe.Encoding("class", pat_str=pattern, mergeable_ranks=BYTE_RANKS, special_tokens={})
    theirs = tiktoken.Encoding("class", pat_str=pattern, mergeable_ranks=BYTE_RANKS, special_tokens={})
    assert ours.encode_ordinary(ALL_CODE_POINTS) == theirs.encode_ordinary(ALL_CODE_POINTS)


@pytest.mark.parametrize("pattern", [r"\p{L}", r"\p{M}", r"\p{N}", r"\p{Cc}", r"[\p{So}\p{P}]", r"\p{Assigned}", r"\w"])
def test_each_class_split_by_regex_matches_tiktoken_on_every_code_point(pattern: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The patterns above are split by the compiled matcher; these by regex with its
    # stand-ins, as any pattern outside the matcher's subset is.
    monkeypatch.setenv("HF_BPE_NO_SCANNERS", "1")
    ours = hf_bpe.Encoding("class", pat_str=pattern, mergeable_ranks=BYTE_RANKS, special_tokens={})
    assert ours._splitter.program is None
    theirs = tiktoken.Encoding("class", pat_str=pattern, mergeable_ranks=BYTE_RANKS, special_tokens={})
    assert ours.encode_ordinary(ALL_CODE_POINTS) == theirs.encode_ordinary(ALL_CODE_POINTS)


def test_tables_are_tiktokens_classes() -> None:
    for cls in CLASSES:
        enc = tiktoken.Encoding(cls, pat_str=rf"\p{{{cls}}}", mergeable_ranks=BYTE_RANKS, special_tokens={})
        members = {ord(ch) for ch in enc.decode(enc.encode_ordinary(ALL_CODE_POINTS))}
        assert members == tiktoken_class_members(cls), cls


def test_stand_ins_keep_length_and_are_not_themselves_replaced() -> None:
    table = stand_ins()
    for stand_in in table.values():
        assert len(stand_in) == 1 and ord(stand_in) not in table and ord(stand_in) >= 0x80


#: The planes that hold characters in some Unicode version; 4-13 hold none yet and 15-16
#: are private use in all: every code point of those is alike to both tokenizers' classes.
CHARACTER_PLANES = [0, 1, 2, 3, 14]


def code_points_in_context(planes: Iterable[int] = range(17), every: int = 1) -> Iterator[tuple[int, str]]:
    """Each code point of ``planes`` next to letters, digits, spaces, apostrophes and
    itself, 4,096 code points a text (of every ``every``-th such text only): (the first
    one, the text); 25 MB for all planes."""
    points = [c for plane in planes for c in range(plane << 16, (plane + 1) << 16) if not 0xD800 <= c < 0xE000]
    for start in range(0, len(points), 4096 * every):
        yield points[start], "".join(f"{ch}a{ch}1 {ch}'s{ch}A\n" for ch in map(chr, points[start : start + 4096]))


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base", "r50k_base"])
def test_every_code_point_in_context_with_the_real_patterns(name: str) -> None:
    """Every code point of the planes that hold characters, and every eighth block of
    4,096 of the others (all of them with ``HF_BPE_EXHAUSTIVE=1``: 2.5 times as long)."""
    ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
    others = [plane for plane in range(17) if plane not in CHARACTER_PLANES]
    every = 1 if os.environ.get("HF_BPE_EXHAUSTIVE") == "1" else 8
    points = checked = 0
    for first, text in itertools.chain(code_points_in_context(CHARACTER_PLANES), code_points_in_context(others, every)):
        assert ours.encode_ordinary(text) == theirs.encode_ordinary(text), hex(first)
        points += len(text) // 11  # (each code point with its 10 neighbours)
        checked += len(text.encode())
    CONFORMANCE[("code points", name)] = (points, checked)


@pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")
@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base", "r50k_base"])
def test_the_stock_tokenizer_of_a_saved_folder_matches_tiktoken_on_every_code_point(name: str, tmp_path: Path) -> None:
    """HF tokenizers splits with its own regex engine (Oniguruma) and its own Unicode
    tables: the saved tokenizer.json must give tiktoken's ids all the same, for every code
    point of the planes that hold characters (0-3 and 14; 4-13 hold none in any Unicode
    version yet, and 15-16 are private use in all: 4 s an encoding instead of 13). Both
    builds write the same file."""
    from tokenizers import Tokenizer

    hf_bpe.save_encoding(hf_bpe.get_encoding(name), tmp_path / name)
    stock, theirs = Tokenizer.from_file(str(tmp_path / name / "tokenizer.json")), tiktoken.get_encoding(name)
    for first, text in code_points_in_context(planes=CHARACTER_PLANES):
        assert stock.encode(text, add_special_tokens=False).ids == theirs.encode_ordinary(text), hex(first)


def test_stand_ins_are_found_once_however_many_threads_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from hf_bpe import char_classes

    found = []
    find = char_classes._find_stand_ins

    def counted() -> dict[int, str]:
        found.append(1)
        return find()

    monkeypatch.setattr(char_classes, "_table", None)
    monkeypatch.setattr(char_classes, "_find_stand_ins", counted)
    barrier = threading.Barrier(4)
    tables: list[dict[int, str]] = []

    def ask() -> None:
        barrier.wait()
        tables.append(char_classes.stand_ins())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 1 and len(tables) == 4 and all(t is tables[0] for t in tables)
