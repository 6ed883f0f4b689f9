"""The token table answers what the vocabulary dict would: every token found, every
non-token refused (its filter only skips work), long tokens sent back to the dict, and
spans packed correctly wherever they lie in a buffer (up to its last byte)."""

from __future__ import annotations

import itertools

import pytest
import realdata
from hypothesis import given, settings
from hypothesis import strategies as st

import hf_bpe
from hf_bpe.piece_merge import MergeTables
from hf_bpe.token_table import MAYBE_LONG, PAD, SHORT, TokenTable, pack, pack_long

NAMES = ["cl100k_base", "o200k_base"]


@pytest.mark.parametrize("name", NAMES)
def test_every_token_is_found(name: str) -> None:
    ranks = hf_bpe.get_encoding(name)._mergeable_ranks
    table = TokenTable(ranks)
    long_tokens = 0
    for token, rank in ranks.items():
        if len(token) <= SHORT:
            assert table.get(*pack(token + PAD, 0, len(token))) == rank, token
        else:
            long_tokens += 1
            assert table.get(*pack_long(token + PAD, 0, len(token))) == MAYBE_LONG, token
    assert long_tokens > 100  # the long-token keys are exercised


@pytest.mark.parametrize("name", NAMES)
def test_every_span_of_real_text_ranks_as_the_dict_says(name: str) -> None:
    ranks = hf_bpe.get_encoding(name)._mergeable_ranks
    tables = MergeTables(ranks)
    found = {"short": 0, "long": 0, "none": 0}
    for kind in ("english", "multilingual", "code"):
        # Unpadded: spans that end near the buffer's end pack the slow way.
        data = realdata.documents(kind, doc_bytes=4096, max_bytes=8192)[0].encode()[:2500]
        for start, size in itertools.product(range(len(data)), range(1, 41)):
            end = min(start + size, len(data))
            expected = ranks.get(data[start:end], -1)
            assert tables.rank(data, start, end) == expected, (data[start:end], expected)
            found["none" if expected < 0 else "short" if end - start <= SHORT else "long"] += 1
    assert min(found.values()) > 0, found


# A vocabulary over two letters with long tokens whose first 15 bytes agree (one key in
# the table for many tokens), some longer than 127 bytes (their key's length saturates).
SMALL_RANKS = {bytes([i]): i for i in range(256)}
for _size in range(2, 5):
    for _letters in itertools.product(b"ab", repeat=_size):
        SMALL_RANKS.setdefault(bytes(_letters), len(SMALL_RANKS))
for _size in (14, 15, 16, 17, 30, 126, 127, 128, 129, 200):
    SMALL_RANKS[b"a" * _size] = len(SMALL_RANKS)
    SMALL_RANKS[b"a" * (_size - 1) + b"b"] = len(SMALL_RANKS)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(min_size=1, max_size=300).map(lambda b: bytes(b"ab"[x & 1] for x in b)), cut=st.data())
def test_spans_rank_as_the_dict_says_with_long_tokens(data: bytes, cut: st.DataObject) -> None:
    data = data + b"a" * cut.draw(st.integers(0, 260))
    tables = MergeTables(SMALL_RANKS)
    for _ in range(20):
        start = cut.draw(st.integers(0, len(data) - 1))
        end = cut.draw(st.integers(start + 1, len(data)))
        assert tables.rank(data, start, end) == SMALL_RANKS.get(data[start:end], -1)


@pytest.mark.parametrize("offset", [0, (1 << 24) - 300, 1 << 24, (1 << 40) + 5])
def test_narrow_and_wide_slots_answer_alike(offset: int) -> None:
    # Tokens of up to 12 bytes keep their rank inside the key's slot, if every rank fits
    # in 24 bits; otherwise every token takes a wide slot. Lengths 11 to 14 straddle the
    # line, ranks around 2 ** 24 the rank field's width.
    import random

    rng = random.Random(offset)
    ranks = {bytes([i]): offset + i for i in range(256)}
    for size in (2, 7, 8, 11, 12, 13, 14, 15, 16, 20):
        for _ in range(200):
            ranks.setdefault(bytes(rng.choices(b"abcd\x00\xff", k=size)), offset + len(ranks))
    table = TokenTable(ranks)
    for token, rank in ranks.items():
        key = pack(token + PAD, 0, len(token)) if len(token) <= SHORT else pack_long(token + PAD, 0, len(token))
        assert table.get(*key) == (rank if len(token) <= SHORT else MAYBE_LONG), (token, rank)
    for _ in range(5000):  # non-tokens, some a byte away from a token
        size = rng.choice((2, 7, 8, 11, 12, 13, 15))
        data = bytes(rng.choices(b"abcd\x00\xff", k=size))
        assert table.get(*pack(data + PAD, 0, size)) == ranks.get(data, -1), data
