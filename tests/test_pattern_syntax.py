"""Custom split patterns mean what they mean to tiktoken (its engine is Rust's fancy-regex;
hf_bpe's is Python's ``regex``): ids equal tiktoken's where both engines accept a pattern."""

from __future__ import annotations

import pytest
import tiktoken

import hf_bpe


def ranks_for(text: str) -> dict[bytes, int]:
    """The 256 bytes and every 2 to 4 bytes of ``text``: the ids show where pieces end."""
    ranks = {bytes([i]): i for i in range(256)}
    data = text.encode("utf-8")
    for size in range(2, 5):
        for start in range(len(data) - size + 1):
            ranks.setdefault(data[start : start + size], len(ranks))
    return ranks


def both(pattern: str, text: str) -> tuple[list[int], list[int]]:
    ranks = ranks_for(text)
    ours = hf_bpe.Encoding("p", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    theirs = tiktoken.Encoding("p", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    return ours.encode_ordinary(text), theirs.encode_ordinary(text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [(r"a*", "bab aab"), (r"a{,2}|.", "aaa"), (r"\s*|\S", "a  b\n"), (r"(a)?|b", "abba"), (r"\b", "ab cd")],
)
def test_empty_matches_are_no_pieces(pattern: str, text: str) -> None:
    # tiktoken skips an empty match right after a match and panics on any other (its
    # byte_pair_encode slices an empty piece); hf_bpe skips them all: no ids, not None.
    import regex

    ranks = ranks_for(text)
    whole = tiktoken.Encoding("whole", pat_str=r"(?s).+", mergeable_ranks=ranks, special_tokens={})
    pieces = [m.group() for m in regex.finditer(pattern, text) if m.group()]
    expected = [i for piece in pieces for i in whole.encode_ordinary(piece)]
    ours = hf_bpe.Encoding("p", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    assert ours.encode_ordinary(text) == expected
    assert ours.encode(text) == expected and ours.count_tokens(text) == len(expected)
    try:
        theirs = tiktoken.Encoding("p", pat_str=pattern, mergeable_ranks=ranks, special_tokens={}).encode_ordinary(text)
    except BaseException as err:  # pyo3's PanicException is a BaseException
        assert type(err).__name__ == "PanicException"
    else:
        assert theirs == expected
