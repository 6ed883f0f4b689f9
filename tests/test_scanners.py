"""The compiled scanners cut text exactly as the regex patterns they stand in for.

Proof by exhaustion: every string of length 1..k over one representative character of
each class the patterns tell apart is split by the scanner and by ``regex`` (with
tiktoken's Unicode classes, see ``hf_bpe.char_classes``), and the pieces must be equal.

* CI (default): every string of length 1..3 over all representatives (40 characters,
  the contraction letters in both cases included), for every known pattern spelling.
* Full run (documented; compiled, 1 to 3 minutes per spelling)::

      HF_BPE_EXHAUSTIVE=1 pytest -q tests/test_scanners.py -k exhaustive

  adds every string of length 4 over all representatives and of length 5 over the
  core ones (27 characters: 14 million strings per pattern).

Plus hypothesis on longer strings, the real corpora, and the character table against
tiktoken's classes on every code point.
"""

from __future__ import annotations

import itertools
import os

import pytest
import realdata
import regex
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

import hf_bpe
from hf_bpe import char_table, pattern_syntax, patterns, scanners
from hf_bpe.char_classes import tiktoken_class_members
from hf_bpe.pieces import Splitter

#: One character per class the patterns tell apart (by case, width of UTF-8, ...).
CORE = [
    "a",  # Ll, ASCII
    "A",  # Lu, ASCII
    "s",  # contraction letter ('s)
    "l",  # contraction letter ('ll)
    "e",  # contraction letter ('ve, 're)
    "'",  # apostrophe
    " ",  # the space of `` ?``
    "\t",  # other white space, ASCII
    "\n",
    "\r",
    "1",  # Nd, ASCII
    "!",  # punctuation, ASCII
    "/",  # o200k lets it trail punctuation
    "\u00e9",  # é: Ll, 2 bytes
    "\u01c5",  # ǅ: Lt
    "\u02b0",  # ʰ: Lm
    "\u4e2d",  # 中: Lo, 3 bytes
    "\u0301",  # combining acute: M
    "\u0663",  # Arabic-Indic three: Nd, not ASCII
    "\u00bd",  # ½: No
    "\u00a0",  # no-break space: \s, 2 bytes
    "\u3000",  # ideographic space: \s, 3 bytes
    "\uff0c",  # fullwidth comma: punctuation, 3 bytes
    "\U0001f642",  # 🙂: symbol, 4 bytes
    "\U00010400",  # 𐐀: Lu, 4 bytes
    "\u017f",  # ſ: Ll that folds to s ('ſ is a contraction for (?i:...))
    "\x00",  # a control character
]
#: The other contraction letters, both cases (contractions are at most 3 characters).
EXTRA = list("tdmrvSLETDMRV")
ALL = CORE + EXTRA

#: (family, pattern) for every spelling a scanner stands in for: the named patterns (but
#: DeepSeek-V3's, which the compiled matcher splits), their plain (non-possessive)
#: canonical forms, and GPT-2's original spelling.
SPELLINGS = sorted(
    {(pattern_syntax.family_of(p), p) for p in patterns.PATTERNS.values() if pattern_syntax.family_of(p) != scanners.NONE}
    | {(family, p) for p, family in pattern_syntax.known_spellings().items()}
)


def scanner_pieces(family: int, text: str) -> list[str]:
    data = text.encode("utf-8")
    ends: list[int] = []
    scanners.scan(family, data, ends)
    return [data[a:b].decode("utf-8") for a, b in zip([0, *ends], ends)]


def check_all(family: int, pattern: str, texts: object) -> int:
    oracle = Splitter(pattern, use_scanner=False)
    assert oracle.family == scanners.NONE
    checked = 0
    for text in texts:  # type: ignore[attr-defined]
        assert scanner_pieces(family, text) == oracle.split(text), (pattern, text)
        checked += 1
    return checked


def strings(alphabet: list[str], length: int) -> object:
    return ("".join(chars) for chars in itertools.product(alphabet, repeat=length))


def test_every_named_pattern_has_a_scanner() -> None:
    expected = {
        "gpt2": scanners.R50K,
        "r50k_base": scanners.R50K,
        "p50k_base": scanners.R50K,
        "p50k_edit": scanners.R50K,
        "cl100k_base": scanners.CL100K,
        "o200k_base": scanners.O200K,
        "o200k_harmony": scanners.O200K,
        "rustbpe": scanners.RUSTBPE,
        "gpt4": scanners.RUSTBPE,
        "nanochat": scanners.NANOCHAT,
        "llama3": scanners.RUSTBPE,
        "qwen2": scanners.QWEN2,
        "qwen3.5": scanners.QWEN35,
        "tekken": scanners.TEKKEN,
    }
    for name, family in expected.items():
        assert pattern_syntax.family_of(patterns.get_pattern(name)) == family, name
        assert Splitter(patterns.get_pattern(name)).family == family


@pytest.mark.parametrize(
    ("pattern", "family"),
    [
        (patterns.LLAMA3_PATTERN, scanners.RUSTBPE),
        (patterns.QWEN2_PATTERN, scanners.QWEN2),
        (patterns.QWEN35_PATTERN, scanners.QWEN35),
        (patterns.TEKKEN_PATTERN, scanners.TEKKEN),
    ],
)
def test_hugging_face_spellings_have_scanners_and_split_as_tiktoken(pattern: str, family: int) -> None:
    # The split patterns of Llama 3's, Qwen2's, Qwen3.5's and Mistral's (Tekken) tokenizer.json files
    # (hf_bpe reads them as they are spelled there) get a scanner: the same ids as
    # tiktoken with that pattern.
    assert Splitter(pattern).family == family
    cl100k = hf_bpe.get_encoding("cl100k_base")
    ours = hf_bpe.Encoding("hf", pat_str=pattern, mergeable_ranks=dict(cl100k.mergeable_ranks), special_tokens={})
    theirs = tiktoken.Encoding("hf", pat_str=pattern, mergeable_ranks=dict(cl100k.mergeable_ranks), special_tokens={})
    for kind in ("english", "multilingual", "code"):
        for doc in realdata.documents(kind, max_bytes=300_000):
            assert ours.encode_ordinary(doc) == theirs.encode_ordinary(doc)


def test_selection_is_by_meaning_not_spelling() -> None:
    plain = patterns.CL100K_PATTERN.replace("++", "+").replace("?+", "?").replace("*+", "*").replace("{1,3}+", "{1,3}")
    assert plain != patterns.CL100K_PATTERN
    assert pattern_syntax.family_of(plain) == scanners.CL100K
    gpt2_original = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
    assert pattern_syntax.family_of(gpt2_original) == scanners.R50K


@pytest.mark.parametrize(
    "pattern",
    [
        patterns.CL100K_PATTERN.replace(r"\p{N}{1,3}+", r"\p{N}"),  # single digits
        patterns.CL100K_PATTERN.replace("(?i:", "(?:"),  # case-sensitive contractions
        patterns.O200K_PATTERN.replace(r"[\r\n/]*", r"[\r\n]*"),
        patterns.R50K_PATTERN + "|x",
        r"\w+|\s+",
        r"( ?\p{L}+)",
        patterns.CL100K_PATTERN.replace(r"[^\r\n\p{L}\p{N}]?+", r"[^\r\n\p{L}\p{N}]*+"),
    ],
)
def test_other_patterns_fall_back_to_regex(pattern: str) -> None:
    assert pattern_syntax.family_of(pattern) == scanners.NONE
    assert Splitter(pattern).family == scanners.NONE


def test_canonical_leaves_escapes_and_classes_alone() -> None:
    assert pattern_syntax.canonical(r"\p{L}++") == r"\p{L}+"
    assert pattern_syntax.canonical(r"[+]+") == r"[+]+"
    assert pattern_syntax.canonical(r"\++") == r"\++"
    assert pattern_syntax.canonical(r"\p{N}{1,3}+") == r"\p{N}{1,3}"


def test_switch_off_with_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from hf_bpe.piece_counter import PieceCounter

    monkeypatch.setenv("HF_BPE_NO_SCANNERS", "1")
    assert Splitter(patterns.O200K_PATTERN).family == scanners.NONE
    assert PieceCounter(patterns.O200K_PATTERN).family == scanners.NONE  # training too
    monkeypatch.delenv("HF_BPE_NO_SCANNERS")
    assert Splitter(patterns.O200K_PATTERN).family == scanners.O200K
    assert PieceCounter(patterns.O200K_PATTERN).family == scanners.O200K


@pytest.mark.parametrize(("family", "pattern"), SPELLINGS)
def test_all_strings_up_to_length_3(family: int, pattern: str) -> None:
    total = sum(check_all(family, pattern, strings(ALL, k)) for k in (1, 2, 3))
    assert total == sum(len(ALL) ** k for k in (1, 2, 3))


@pytest.mark.skipif(os.environ.get("HF_BPE_EXHAUSTIVE") != "1", reason="full proof: set HF_BPE_EXHAUSTIVE=1")
@pytest.mark.parametrize(("family", "pattern"), SPELLINGS)
def test_exhaustive_length_4_all_and_5_core(family: int, pattern: str) -> None:
    assert check_all(family, pattern, strings(ALL, 4)) == len(ALL) ** 4
    assert check_all(family, pattern, strings(CORE, 5)) == len(CORE) ** 5


TRICKY = st.sampled_from(ALL + ["'s", "'LL", "'ve", "\r\n", "  ", "123", "e\u0301", "ǅa", "AB", "ab"])


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.one_of(TRICKY, st.text(min_size=1, max_size=3)), max_size=25))
def test_longer_random_strings(parts: list[str]) -> None:
    text = "".join(parts)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates are repaired before scanning
        return
    for family, pattern in SPELLINGS:
        check_all(family, pattern, [text])


@pytest.mark.parametrize("kind", ["english", "multilingual", "code"])
def test_real_text(kind: str) -> None:
    docs = realdata.documents(kind, doc_bytes=4096, max_bytes=400_000)
    for family, pattern in SPELLINGS:
        assert check_all(family, pattern, docs) == len(docs)
        # Splitter.split (used by the trainer) returns the same str pieces.
        fast, slow = Splitter(pattern), Splitter(pattern, use_scanner=False)
        assert fast.family == family
        assert all(fast.split(d) == slow.split(d) for d in docs[:50])


def test_split_with_lone_surrogates_uses_regex() -> None:
    text = "ab\ud800 cd"
    assert Splitter(patterns.O200K_PATTERN).split(text) == Splitter(patterns.O200K_PATTERN, use_scanner=False).split(text)


ALL_POINTS = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]


def test_character_table_is_tiktokens_classes() -> None:
    members = {cls: tiktoken_class_members(cls) for cls in ("Lu", "Lt", "Ll", "Lm", "Lo", "M", "N", "L")}
    assert members["L"] == members["Lu"] | members["Lt"] | members["Ll"] | members["Lm"] | members["Lo"]
    byte_ranks = {bytes([i]): i for i in range(256)}
    space = tiktoken.Encoding("s", pat_str=r"\s", mergeable_ranks=byte_ranks, special_tokens={})
    text = "".join(map(chr, ALL_POINTS))
    spaces = {ord(ch) for ch in space.decode(space.encode_ordinary(text))}
    assert spaces == set(char_table.WHITE_SPACE)
    expected_by_class = [
        (char_table.UPPER, members["Lu"] | members["Lt"]),
        (char_table.LOWER, members["Ll"]),
        (char_table.BOTH, members["Lm"] | members["Lo"]),
        (char_table.MARK, members["M"]),
        (char_table.DIGIT, members["N"]),
    ]
    special = {0x0A: char_table.NEWLINE, 0x0D: char_table.NEWLINE, 0x20: char_table.BLANK, 0x27: char_table.APOS, 0x2F: char_table.SLASH}
    for point in ALL_POINTS:
        got = char_table.category(chr(point))
        if point in special:
            assert got == special[point]
        elif point in spaces:
            assert got == char_table.SPACE, hex(point)
        else:
            want = [cat for cat, pts in expected_by_class if point in pts]
            assert len(want) <= 1, hex(point)
            assert got == (want[0] if want else char_table.OTHER), hex(point)


def test_regex_and_scanner_agree_where_regex_unicode_is_newer() -> None:
    """Characters the installed regex classifies differently from tiktoken: the scanner
    follows tiktoken, as the regex splitter does through its stand-ins."""
    from hf_bpe.char_classes import stand_ins

    table = stand_ins()
    sample = sorted(table)[:: max(1, len(table) // 300)] if table else [0x0378, 0x1F8FF]
    for family, pattern in SPELLINGS:
        texts = [f"a{chr(p)}b {chr(p)}1'{chr(p)}\n" for p in sample]
        check_all(family, pattern, texts)
    assert regex.match(r"\p{L}", "a")


@pytest.mark.parametrize(
    ("pattern", "old", "new"),
    [
        (patterns.R50K_PATTERN, r"\s+(?!\S)", r"\s++(?!\S)"),
        (patterns.GPT2_ORIGINAL_PATTERN, r"\s+(?!\S)", r"\s++(?!\S)"),
        (patterns.CL100K_PATTERN, r"\s*[\r\n]", r"\s*+[\r\n]"),
        (patterns.CL100K_PATTERN, r"\s+(?!\S)", r"\s++(?!\S)"),
        (patterns.RUSTBPE_PATTERN, r"\s+(?!\S)", r"\s++(?!\S)"),
        (patterns.NANOCHAT_PATTERN, r"\s*[\r\n]", r"\s*+[\r\n]"),
        (patterns.O200K_PATTERN, r"\s*[\r\n]+", r"\s*+[\r\n]+"),
        (patterns.O200K_PATTERN, r"\p{M}]*[", r"\p{M}]*+["),
        (patterns.O200K_PATTERN, r"[^\r\n\p{L}\p{N}]?[", r"[^\r\n\p{L}\p{N}]?+["),
    ],
)
def test_a_possessive_mark_that_changes_the_split_gets_no_scanner(pattern: str, old: str, new: str) -> None:
    # Possessive marks were all dropped before a pattern was looked up: \s++(?!\S) never
    # matches before a word, yet got the scanner of \s+(?!\S) (wrong ids, wrong merges).
    changed = pattern.replace(old, new, 1)
    assert changed != pattern and pattern_syntax.family_of(changed) == scanners.NONE
    ranks = tiktoken.get_encoding("cl100k_base")._mergeable_ranks
    ours = hf_bpe.Encoding("p", pat_str=changed, mergeable_ranks=ranks, special_tokens={})
    theirs = tiktoken.Encoding("p", pat_str=changed, mergeable_ranks=ranks, special_tokens={})
    for text in ["def f(x):\n    return x\n", "Hello\n\nworld", "中Z ʰA", "x  \n\n  y", *realdata.documents("code", doc_bytes=2048, max_bytes=40_000)]:
        assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)


def test_the_possessive_marks_of_a_named_pattern_may_be_dropped_one_by_one() -> None:
    # Where a named pattern has a possessive mark, the mark never changes the split: each
    # spelling between the possessive and the plain one keeps the scanner.
    for name in ("r50k_base", "cl100k_base", "rustbpe", "nanochat"):
        pattern = patterns.PATTERNS[name]
        family = pattern_syntax.family_of(pattern)
        # a possessive mark: a "+" whose removal leaves the canonical (plain) pattern as it was
        marks = [k for k, ch in enumerate(pattern) if ch == "+" and pattern_syntax.canonical(pattern[:k] + pattern[k + 1 :]) == pattern_syntax.canonical(pattern)]
        assert marks, name
        for k in marks:
            assert pattern_syntax.family_of(pattern[:k] + pattern[k + 1 :]) == family, (name, k)
