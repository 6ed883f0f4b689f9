"""The compiled matcher splits as the regex does, for patterns without a scanner.

The oracle is ``Splitter(pattern, use_scanner=False)`` (``regex``, with tiktoken's reading
of the pattern and tiktoken's Unicode classes), and tiktoken itself on real text. The
matcher is compared on every string of length 1..3 over the scanners' representative
characters, on random patterns of its subset (hypothesis), and on the real corpora.
"""

from __future__ import annotations

import itertools
import os
import pickle

import pytest
import realdata
import regex
import tiktoken
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_scanners import ALL, SPELLINGS, strings

import hf_bpe
from hf_bpe.char_classes import _tiktoken_flags
from hf_bpe.char_table import WHITE_SPACE
from hf_bpe.pattern_matcher import Program, match_into
from hf_bpe.pattern_program import program_for
from hf_bpe import patterns
from hf_bpe.pieces import Splitter, _PieceSink

#: Seed-Coder's split as reported (Qwen2's without ``[\r\n]*`` after punctuation): a
#: GPT-style pattern no scanner stands in for.
SEED_LIKE = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+|\s*[\r\n]+|\s+(?!\S)|\s+"""

#: Patterns that use each construct of the subset, over the representative characters.
FEATURES = [
    SEED_LIKE,
    r"(?:se|s){1,2}e|(?:es|s)+|[a-e]{2,3}+|s(?=l)|\p{Lu}\p{Ll}*|(?!\s)\S|\s+$|\s",
    r"(?i:[sd]|ll|t)e?|(?i:'S)|.|\n",
    r"\x{4e2d}+|[\u00e9-\u01c5]+|\P{L}{2}|[^\p{N}\s]++(?:'|\p{M})*|\p{N}{1,3}",
    r"(?:\p{L}\p{M}*)+|(?:(?!\p{N})\S)+|\p{N}(?=\p{N}{2})|\p{N}+|\s+(?!\S)|\s",
    r"a(?:s|l)*+s|[^\r\n\p{L}\p{N}]?+\p{Lt}|\p{Lm}|\p{Cn}|\p{Lo}+|[\t ]+|(?:\r?\n)+|.",
    r"(?:a|as|ase){2}|(s|e)(?:l{1,2}|d)?+|(?=\p{Ll}{2})\p{L}+|\p{L}|[\]\-^!]+|\S|\s",
    r"[^\s\p{L}\p{N}]+[\r\n/]*|\p{Lu}*\p{Ll}+|\p{Lu}+\p{Ll}*|\p{N}{1,3}|\s*[\r\n]+|\s+(?!\S)|\s+",
]


def matcher_pieces(program: Program, text: str) -> list[str]:
    sink = _PieceSink()
    match_into(program, text.encode("utf-8"), sink)
    return sink.pieces


def check(pattern: str, texts: object) -> int:
    program = program_for(pattern)
    assert program is not None, pattern
    oracle = Splitter(pattern, use_scanner=False)
    checked = 0
    for text in texts:  # type: ignore[attr-defined]
        assert matcher_pieces(program, text) == oracle.split(text), (pattern, text)
        checked += 1
    return checked


@pytest.mark.parametrize("pattern", FEATURES)
def test_every_short_string_splits_as_the_regex(pattern: str) -> None:
    assert sum(check(pattern, strings(ALL, n)) for n in (1, 2, 3)) == 40 + 40**2 + 40**3


@pytest.mark.parametrize("pattern", sorted({p for _, p in SPELLINGS}))
def test_the_scanners_patterns_split_alike_through_the_matcher(pattern: str) -> None:
    assert check(pattern, strings(ALL, 2)) == 40**2
    assert check(pattern, itertools.islice(strings(ALL, 3), 0, None, 7)) == len(range(0, 40**3, 7))


@pytest.mark.parametrize("kind", ["english", "multilingual", "code"])
def test_real_text_splits_as_the_regex(kind: str) -> None:
    docs = realdata.documents(kind, doc_bytes=4096, max_bytes=150_000)
    for pattern in FEATURES:
        check(pattern, docs)


def test_ids_equal_tiktoken_with_a_pattern_without_a_scanner() -> None:
    ranks = hf_bpe.get_encoding("cl100k_base")._mergeable_ranks
    theirs = tiktoken.Encoding("seed", pat_str=SEED_LIKE, mergeable_ranks=ranks, special_tokens={})
    ours = hf_bpe.Encoding("seed", pat_str=SEED_LIKE, mergeable_ranks=ranks, special_tokens={})
    assert ours._splitter.family == 0 and ours._splitter.program is not None
    for kind in ("english", "multilingual", "code"):
        docs = realdata.documents(kind, doc_bytes=4096, max_bytes=300_000)
        assert [ours.encode_ordinary(d) for d in docs] == [theirs.encode_ordinary(d) for d in docs]
        assert ours.encode_ordinary_batch(docs) == theirs.encode_ordinary_batch(docs)


@pytest.mark.parametrize("name", ["L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "N", "Cn"])
def test_each_class_holds_tiktokens_code_points(name: str) -> None:
    for pattern, negated in ((rf"\p{{{name}}}", False), (rf"[^\p{{{name}}}]", True)):
        program = program_for(pattern)
        assert program is not None
        expected = _tiktoken_flags(name)
        if negated:
            expected = expected.translate(bytes([1, 0]) + bytes(254))
        assert class_flags(program, 0) == expected, pattern


def tiktoken_members(cls: str) -> bytearray:
    """One byte per code point: 1 if tiktoken's engine matches it with ``cls`` (``\\w``, ``\\p{Han}``)."""
    enc = tiktoken.Encoding("p", pat_str=cls, mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    every = "".join(chr(point) for point in range(0x110000) if not 0xD800 <= point < 0xE000)
    flags = bytearray(0x110000)
    for ch in enc.decode(enc.encode_ordinary(every)):
        flags[ord(ch)] = 1
    return flags


def _named_properties() -> list[str]:
    """General categories and scripts beyond the base classes: every category's short
    name, every tenth other name, and a few spellings (all of them, a few minutes:
    ``HF_BPE_EXHAUSTIVE=1``)."""
    from hf_bpe.pattern_properties import CATEGORIES, SCRIPTS, read_otherwise

    short = sorted(c for c in CATEGORIES if len(c) <= 2 and c != "l&")
    others = sorted(name for name in (CATEGORIES | SCRIPTS) - set(short) if name not in ("l&", "surrogate"))
    if os.environ.get("HF_BPE_EXHAUSTIVE") != "1":
        others = others[::10]
    spellings = ["gc=P", "General_Category=Math_Symbol", "sc=Han", "Script=Cyrillic", "IsGreek", "Zyyy", "Common", "Inherited"]
    return [name for name in short + others + spellings if not read_otherwise(name)]


def test_named_categories_and_scripts_hold_tiktokens_code_points() -> None:
    """Categories, scripts and ``\\w`` come from ``regex`` for the code points tiktoken's
    Unicode has, and are those of an unassigned code point for the others: the same as
    tiktoken for every code point, in ``\\p{..}``, ``\\P{..}`` and classes (``\\d`` is
    ``\\p{Nd}``)."""
    differ = []
    for name in _named_properties() + ["d", "w"]:
        if name in ("d", "w"):
            expected = tiktoken_members(rf"\{name}")
            spelled = (rf"\{name}", rf"\{name.upper()}", rf"[\{name.upper()}]")
        else:
            expected = tiktoken_members(rf"\p{{{name}}}")
            spelled = (rf"\p{{{name}}}", rf"\P{{{name}}}", rf"[\P{{{name}}}]")
        for number, pattern in enumerate((*spelled, rf"[^{spelled[0]}]")):
            program = program_for(pattern)
            if program is None:
                if name.lower() in ("c", "other", "any", "cn", "unassigned") and "[" in pattern:
                    continue  # (a negated set of the unassigned base and ranges: left to regex)
                differ.append(pattern)
                continue
            want = expected if number == 0 else expected.translate(bytes([1, 0]) + bytes(254))
            got = class_flags(program, 0)
            want[0xD800:0xE000] = got[0xD800:0xE000] = bytes(0x800)  # (surrogates: never in a text's UTF-8)
            if got != want:
                differ.append(pattern)
    assert differ == []


def test_patterns_of_categories_and_scripts_split_as_tiktoken() -> None:
    """DeepSeek's word and punctuation split (the last of its sequence of splits), one
    that keeps Han text and some scripts' words apart, and the word split of HF's
    ``Whitespace`` pre-tokenizer, on real text, through the matcher."""
    ranks = hf_bpe.get_encoding("cl100k_base")._mergeable_ranks
    for pattern in (
        r"[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+|\p{N}{1,3}",
        r"\p{Han}+|[^\r\n\p{L}\p{N}]?[\p{Latin}\p{Cyrillic}\p{Greek}]+|\p{L}+|\d{1,3}| ?[^\s\p{L}\d]+[\r\n]*|\s+(?!\S)|\s+",
        r"\w+|[^\w\s]+|\s+",
    ):
        theirs = tiktoken.Encoding("p", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
        ours = hf_bpe.Encoding("p", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
        assert ours._splitter.program is not None, pattern
        for kind in ("english", "multilingual", "code"):
            docs = realdata.documents(kind, doc_bytes=4096, max_bytes=200_000)
            assert [ours.encode_ordinary(d) for d in docs] == [theirs.encode_ordinary(d) for d in docs], (pattern, kind)


def test_white_space_and_dot_hold_tiktokens_code_points() -> None:
    program = program_for(r"\s|.")
    assert program is not None
    space = bytearray(0x110000)
    for point in WHITE_SPACE:
        space[point] = 1
    assert class_flags(program, 0) == space
    dot = bytearray(b"\x01") * 0x110000
    dot[0x0A] = 0
    assert class_flags(program, 1) == dot


def class_flags(program: Program, bit: int) -> bytearray:
    """One byte per code point: 1 if the program's class ``bit`` holds it."""
    rows = program.rows
    index = program.index
    flat = b"".join(rows[(index[2 * b] | index[2 * b + 1] << 8) << 8 :][:256] for b in range(0x1100))
    table = bytes((program.masks[k] >> bit) & 1 if k < len(program.masks) else 0 for k in range(256))
    return bytearray(flat.translate(table))


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bx|\s",  # \b: not in the subset
        r"\<a|\s",  # the start of a word to tiktoken, not "<"
        r"a+?|\s",  # lazy
        r"(?<=a)b|\s",  # lookbehind
        r"^a|\s",
        r"a*|\s",  # matches the empty string
        r"(?:a?)+b|\s",  # a loop that need not move
        r"(?i:\p{L})|\s",  # case folding of a property
        r"(?i:é)|\s",
        r"[\w--\d]|\s",  # set operations, nested classes
        r"[a[b]]|\s",
        r"\p{Alphabetic}+|\s",  # a property that is neither a category nor a script
        r"\p{scx=Greek}+|\s",
        r"[\P{C}a]|\s",  # (unassigned code points of some ranges only: no union of sets)
        r"\p{^Greek}|\s",  # a negation inside the braces
        r"(?i)a|\s",
        r"\Z|a",
        r"(?:a+)+$|.",  # a loop of choices with something after it (exponential backtracking)
        r"(?:a|aa)+b|\s+|.",
        r"(?:\p{L}+\s?){2,5}x|.",
    ],
)
def test_patterns_outside_the_subset_are_left_to_regex(pattern: str) -> None:
    assert program_for(pattern) is None
    try:
        splitter = Splitter(pattern)
    except hf_bpe.PatternError:
        return
    assert splitter.program is None


def test_a_loop_of_choices_that_ends_the_match_stays_with_the_matcher() -> None:
    """(?:a+)+$ took 11 s on 28 letters and a "!" in the matcher, four times as long for two
    letters more: it is left to regex. Where the match ends right after such a loop, or
    the loop is possessive, the first way round is the match, so the matcher keeps it."""
    for pattern in (r"(?:a+)+|.", r"(?:a+)++$|.", r"(?:\r?\n)+|\s+|[^\r\n]+", r"x(?:ab|a)*|."):
        assert program_for(pattern) is not None, pattern
    text = "a" * 5000 + "!\n\r\n xaba" + "ab" * 3000 + "!"
    for pattern in (r"(?:a+)+|.", r"(?:a+)++$|.", r"(?:\r?\n)+|\s+|[^\r\n]+", r"x(?:ab|a)*|."):
        assert Splitter(pattern).split(text) == Splitter(pattern, use_scanner=False).split(text), pattern
    # regex itself takes minutes on 5000 letters there (a quadratic number of ways round at each start)
    assert program_for(r"(?:a+)+$|.") is None
    short = "a" * 28 + "!\n" + "a" * 5
    assert Splitter(r"(?:a+)+$|.").split(short) == [*short[:29], "aaaaa"]  # "." takes no \n


def test_patterns_too_large_for_the_matcher_are_left_to_regex() -> None:
    many_classes = "|".join(chr(0x4E00 + i) for i in range(70)) + r"|\s"
    long_code = r"(?:(?:\p{L}\p{N}\s){100}){100}|\s"
    for pattern in (many_classes, long_code):
        assert program_for(pattern) is None
        assert Splitter(pattern).split("\u4e00 a1 ") == Splitter(pattern, use_scanner=False).split("\u4e00 a1 ")
    assert program_for(r"(?:\p{L}\p{N}\s){10}|\s") is not None


def test_splitters_choose_scanner_then_matcher_then_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Splitter(patterns.CL100K_PATTERN).program is None  # its scanner splits
    splitter = Splitter(SEED_LIKE)
    assert splitter.family == 0 and splitter.program is not None
    again = pickle.loads(pickle.dumps(splitter))
    assert again.program is not None and again.split("It's 42 ok") == ["It", "'s", " ", "4", "2", " ok"]
    assert Splitter(SEED_LIKE, use_scanner=False).program is None
    monkeypatch.setenv("HF_BPE_NO_SCANNERS", "1")
    assert Splitter(SEED_LIKE).program is None


def test_lone_surrogates_and_skipped_text_split_as_the_regex() -> None:
    splitter = Splitter(r"\p{L}+|\p{N}")
    assert splitter.program is not None
    for text in ["ab \ud800 12", "!!ab??3", ""]:
        assert splitter.split(text) == Splitter(r"\p{L}+|\p{N}", use_scanner=False).split(text)
    enc = hf_bpe.Encoding("letters", pat_str=r"\p{L}+|\p{N}", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    assert enc.encode_ordinary("ab, 12") == [97, 98, 49, 50]


_ATOMS = [
    "a", "s", "e", "'", " ", r"\n", r"\p{L}", r"\p{Lu}", r"\p{Ll}", r"\p{N}", r"\p{M}", r"\s", r"\S",
    r"[^\s\p{L}]", r"[a-e]", ".", r"\P{L}", r"(?i:s)", r"(?i:[sd]e)", r"[\r\n/]", r"\x{4e2d}",
    r"\p{P}", r"\p{S}", r"\d", r"\D", r"\p{Han}", r"\P{Han}", r"[\p{P}\p{S}]", r"[^\d\s]", r"[\P{L}a]",
    r"[\P{Po}\d]", r"\p{sc=Latin}", r"\pP", r"\w", r"\W", r"[\w']", r"[^\w\s]",
]  # fmt: skip
#: The texts of the random patterns: the scanners' characters and a few symbols (Sm, Sc)
#: and a Han character that is no Lo (々: Lm).
_TEXT = ALL + ["+", "\u20ac", "\u3005"]
_QUANTIFIERS = ["", "", "?", "*", "+", "{1,2}", "{2}", "++", "?+", "*+", "{0,2}+"]


@st.composite
def _patterns(draw: st.DrawFn, depth: int = 0) -> str:
    def item() -> str:
        kind = draw(st.integers(0, 5 if depth < 2 else 0))
        if kind <= 2:
            atom = draw(st.sampled_from(_ATOMS))
        else:
            inner = draw(_patterns(depth + 1))
            atom = draw(st.sampled_from(["(?:{})", "({})", "(?={})", "(?!{})"])).format(inner)
            if atom.startswith("(?=") or atom.startswith("(?!"):
                return atom
        return atom + draw(st.sampled_from(_QUANTIFIERS))

    def branch() -> str:  # ends with a character or more, so that it cannot match ""
        items = [item() for _ in range(draw(st.integers(0, 2)))]
        last = draw(st.sampled_from(_ATOMS)) + draw(st.sampled_from(["", "+", "{1,2}", "++"]))
        return "".join(items) + last

    branches = [branch() for _ in range(draw(st.integers(1, 3)))]
    if depth == 0 and draw(st.booleans()):
        branches.append(draw(st.sampled_from([r"\s+(?!\S)|\s", r"\S|\s", r"\s+$|\s"])))
    return "|".join(branches)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(_patterns(), st.lists(st.text(alphabet=_TEXT, max_size=10), min_size=1, max_size=5))
def test_random_patterns_of_the_subset_split_as_the_regex(pattern: str, texts: list[str]) -> None:
    program = program_for(pattern)
    assume(program is not None)
    try:
        regex.compile(pattern)
    except regex.error:
        assume(False)
    try:
        oracle = Splitter(pattern, use_scanner=False)
    except hf_bpe.PatternError:  # ([\P{L}a] with (?i) elsewhere: refused, see test_pattern_syntax.py)
        assume(False)
    for text in texts:
        assert matcher_pieces(program, text) == oracle.split(text), (pattern, text)  # type: ignore[arg-type]
