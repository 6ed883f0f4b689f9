"""hf_bpe's ids equal tiktoken's on many MB of real text, in several scripts and code."""

from __future__ import annotations

import random
from typing import Any

import pytest
import realdata
import tiktoken
from conftest import CONFORMANCE

import hf_bpe
from hf_bpe.patterns import CL100K_PATTERN, GPT2_ORIGINAL_PATTERN, R50K_PATTERN

NAMES = ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"]
#: Bytes of each kind per encoding: 11 MB in all.
BUDGET = {"english": 4_000_000, "multilingual": 4_000_000, "code": 3_000_000}


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    docs: list[str] = []
    for kind, budget in BUDGET.items():
        docs.extend(realdata.documents(kind, doc_bytes=4096, max_bytes=budget))
    return docs


def first_mismatch(ours: Any, theirs: Any, docs: list[str]) -> tuple[int, str] | None:
    for i, doc in enumerate(docs):
        if ours.encode_ordinary(doc) != theirs.encode_ordinary(doc):
            return i, doc
    return None


@pytest.mark.parametrize("name", NAMES)
def test_real_text_ids_equal_tiktoken(name: str, corpus: list[str]) -> None:
    ours = hf_bpe.get_encoding(name)
    theirs = tiktoken.get_encoding(name)
    expected = theirs.encode_ordinary_batch(corpus, num_threads=2)
    got = ours.encode_ordinary_batch(corpus)
    assert len(got) == len(expected) == len(corpus)
    bad = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b]
    assert not bad, f"{len(bad)} of {len(corpus)} docs differ; first: {corpus[bad[0]][:200]!r}"
    CONFORMANCE[("real text", name)] = (len(corpus), sum(len(d.encode()) for d in corpus))


@pytest.mark.parametrize("name", ["gpt2", "p50k_edit", "o200k_harmony"])
def test_named_variants_on_real_text(name: str) -> None:
    docs = realdata.documents("mixed", max_bytes=600_000)
    ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
    assert first_mismatch(ours, theirs, docs) is None
    CONFORMANCE[("real text", name)] = (len(docs), sum(len(d.encode()) for d in docs))


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base", "r50k_base"])
def test_special_tokens_spliced_into_real_text(name: str) -> None:
    ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
    specials = sorted(theirs.special_tokens_set)
    rng = random.Random(7)
    docs = realdata.documents("mixed", doc_bytes=1024, max_bytes=300_000)
    for doc in docs:
        cut = rng.randrange(len(doc) + 1)
        text = doc[:cut] + rng.choice(specials) + doc[cut:] + rng.choice(specials)
        assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
        assert ours.encode(text, disallowed_special=()) == theirs.encode(text, disallowed_special=())
        one = {specials[0]}
        assert ours.encode(text, allowed_special=one, disallowed_special=()) == theirs.encode(
            text, allowed_special=one, disallowed_special=()
        )


KIMI_PATTERN = "|".join([
    r"[\p{Han}]+",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]+[\p{Ll}\p{Lm}\p{Lo}\p{M}&&[^\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"\p{N}{1,3}", r" ?[^\s\p{L}\p{N}]+[\r\n]*", r"\s*[\r\n]+", r"\s+(?!\S)", r"\s+",
])
OTHER_VOCABS = {
    # GPT-2's original pattern (no possessive quantifiers, no \s++$) on GPT-2's ranks.
    "gpt2-original-pattern": ("r50k_base", GPT2_ORIGINAL_PATTERN),
    # Single digits and case-sensitive contractions on cl100k's ranks.
    "cl100k-single-digits": ("cl100k_base", CL100K_PATTERN.replace(r"\p{N}{1,3}+", r"\p{N}").replace("(?i:", "(?:")),
    # Words only, with a capturing group: text between matches is skipped.
    "r50k-words-only": ("r50k_base", r"( ?\p{L}+)"),
    "r50k-pattern-on-o200k-ranks": ("o200k_base", R50K_PATTERN),
    # Kimi's pattern (tiktoken-based tokenizers of Moonshot's models): letters but Han, by
    # class intersection (&&).
    "kimi-pattern-on-cl100k-ranks": ("cl100k_base", KIMI_PATTERN),
}


@pytest.mark.parametrize("label", sorted(OTHER_VOCABS))
def test_vocabularies_that_are_not_openai_encodings(label: str) -> None:
    """Nothing is special-cased to the named encodings: any ranks + any pattern agree."""
    source, pattern = OTHER_VOCABS[label]
    ranks = hf_bpe.load_tiktoken_bpe(realdata.vocab_file(source))
    specials = {"<|doc|>": max(ranks.values()) + 1}
    ours = hf_bpe.Encoding(label, pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
    theirs = tiktoken.Encoding(label, pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
    docs = realdata.documents("mixed", max_bytes=1_000_000)
    assert first_mismatch(ours, theirs, docs) is None
    CONFORMANCE[("other vocab", label)] = (len(docs), sum(len(d.encode()) for d in docs))


@pytest.mark.parametrize("text", ["x" * 60_000, "\u4e2d" * 20_000, "ab" * 30_000, " " * 40_000, "1" * 40_000])
def test_long_pieces_without_split_points(text: str) -> None:
    """Long pieces take the heap path, and those of more than 4 KB are merged in segments
    where they can be cut; ids still equal tiktoken's. (How the time grows with the length
    is the benchmark's to show: examples/bench_encode.py, the worst case.)"""
    for name in ("cl100k_base", "o200k_base"):
        assert hf_bpe.get_encoding(name).encode_ordinary(text) == tiktoken.get_encoding(name).encode_ordinary(text)


def test_gpt2_golden_cases_of_another_implementation() -> None:
    cases = realdata.golden_cases()
    assert len(cases) > 100
    checked = 0
    for case in cases:
        enc = hf_bpe.get_encoding(case.encoding)
        assert enc.encode(case.text, disallowed_special=()) == list(case.tokens), case
        checked += 1
    CONFORMANCE[("golden cases", "all")] = (checked, sum(len(c.text.encode()) for c in cases))
