"""Property tests: arbitrary Unicode, whitespace, digits, contractions, specials."""

from __future__ import annotations

import functools
import random

import pytest
import tiktoken
from tiktoken._educational import bpe_encode  # tiktoken's reference merging, no shortcut
from hypothesis import given, settings
from hypothesis import strategies as st

import hf_bpe
from hf_bpe.piece_merge import SEGMENT, MergeTables, _spanned, merge_with
from hf_bpe.token_table import PAD
from hf_bpe.piece_encoder import PieceEncoder

NAMES = ["r50k_base", "cl100k_base", "o200k_base"]

# Characters that exercise the split patterns' corners.
TRICKY = list(" \t\n\r\x0b\x0c\u00a0\u2028\u3000'’sStTmMdDrReEvVlL0123456789٣१२/\\.,!?-_()[]{}\"#@$%^&*~`|<>")
FRAGMENTS = ["'s", "'S", "'ll", "'LL", "'ve", "'re", "'d", "'m", "'t", "   ", "\n\n", "\r\n", " \n ", "  x", "123456", "ｱｲｳ", "中文字", "한국어", "مرحبا", "नमस्ते", "🙂", "👩‍👩‍👧", "e\u0301", "ǅ", "ABCdef", "\x00", "\u200b"]

text_strategy = st.lists(
    st.one_of(
        st.text(min_size=1, max_size=8),
        st.sampled_from(TRICKY),
        st.sampled_from(FRAGMENTS),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=4),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=text_strategy)
def test_ids_equal_tiktoken_on_arbitrary_text(text: str) -> None:
    for name in NAMES:
        assert hf_bpe.get_encoding(name).encode_ordinary(text) == tiktoken.get_encoding(name).encode_ordinary(text)


@settings(max_examples=200, deadline=None)
@given(text=text_strategy)
def test_decode_inverts_encode(text: str) -> None:
    for name in NAMES:
        enc = hf_bpe.get_encoding(name)
        assert enc.decode(enc.encode(text, disallowed_special=())) == text
        assert enc.decode_bytes(enc.encode_ordinary(text)) == text.encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(text=text_strategy, cut=st.tuples(st.integers(0, 60), st.integers(0, 60)))
def test_decode_with_offsets_as_tiktoken(text: str, cut: tuple[int, int]) -> None:
    # Any run of a text's ids, including runs that start or end inside a character (r50k
    # spells most non-Latin characters with several tokens): the same text and offsets,
    # or the same UnicodeDecodeError.
    for name in NAMES:
        ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
        ids = theirs.encode_ordinary(text)[min(cut) : max(cut)]
        try:
            expected = theirs.decode_with_offsets(ids)
        except UnicodeDecodeError:
            with pytest.raises(UnicodeDecodeError):
                ours.decode_with_offsets(ids)
        else:
            assert ours.decode_with_offsets(ids) == expected


def _spans_read_slowly(lengths: list[int], text: str) -> list[tuple[int, int]]:
    """The characters each token covers, from each character's bytes as encoding reads it
    (a surrogate pair is one character of 4 bytes, a lone surrogate U+FFFD's 3)."""
    chars: list[tuple[int, int, int]] = []  # (index in text, index past it, bytes)
    k = 0
    while k < len(text):
        pair = "\ud800" <= text[k] < "\udc00" and k + 1 < len(text) and "\udc00" <= text[k + 1] < "\ue000"
        size = 4 if pair else 3 if "\ud800" <= text[k] < "\ue000" else len(text[k].encode())
        chars.append((k, k + 1 + pair, size))
        k += 1 + pair
    byte_to_char = [c for c, (_, _, size) in enumerate(chars) for _ in range(size)]
    spans, pos = [], 0
    for length in lengths:
        first, last = byte_to_char[pos], byte_to_char[pos + length - 1]
        spans.append((chars[first][0], chars[last][1]))
        pos += length
    return spans


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.one_of(text_strategy, st.sampled_from(["\ud83d", "\ude00", "\ud83d\ude00", "\udfff"])), max_size=6).map("".join))
def test_the_characters_each_token_covers(text: str) -> None:
    # (what offsets in the Hugging Face front and decode_with_offsets are made from)
    for name in NAMES:
        enc = hf_bpe.get_encoding(name)
        ids = enc.encode_ordinary(text)
        expected = _spans_read_slowly([len(enc.decode_single_token_bytes(i)) for i in ids], text)
        assert enc._decoder.char_spans(ids, text, 0) == expected
        assert enc._decoder.char_spans(ids, text, 5) == [(a + 5, b + 5) for a, b in expected]


@functools.cache
def valid_ids(name: str) -> list[int]:
    """Every id of a tiktoken encoding (ranks and special tokens; gaps left out)."""
    enc = tiktoken.get_encoding(name)
    return sorted([*enc._mergeable_ranks.values(), *enc._special_tokens.values()])  # type: ignore[attr-defined]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_ids_decode_as_tiktoken(data: st.DataObject) -> None:
    # Any valid ids, not only those encoding gives: tokens of every length (1 to 7 bytes
    # are decoded from words, longer ones from bytes objects) and special tokens.
    for name in ("cl100k_base", "o200k_base"):
        ids = data.draw(st.lists(st.sampled_from(valid_ids(name)), max_size=60))
        assert hf_bpe.get_encoding(name).decode_bytes(ids) == tiktoken.get_encoding(name).decode_bytes(ids)


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(st.one_of(text_strategy, st.sampled_from(["<|endoftext|>", "<|fim_prefix|>", "<|endofprompt|>", "<|endoftext", "<|"])), max_size=8)
)
def test_special_token_placements(parts: list[str]) -> None:
    text = "".join(parts)
    for name in ("cl100k_base", "o200k_base"):
        ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
        assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
        assert ours.count_tokens(text, allowed_special="all") == len(theirs.encode(text, allowed_special="all"))
        try:
            expected = theirs.encode(text)
        except ValueError:
            try:
                ours.encode(text)
            except hf_bpe.DisallowedSpecialTokenError:
                pass
            else:
                raise AssertionError("hf_bpe accepted disallowed special-token text")
        else:
            assert ours.encode(text) == expected


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=12), prefix=text_strategy)
def test_lone_surrogates_as_tiktoken(text: str, prefix: str) -> None:
    full = prefix + text
    for name in ("cl100k_base", "o200k_base"):
        assert hf_bpe.get_encoding(name).encode(full) == tiktoken.get_encoding(name).encode(full)
        assert hf_bpe.get_encoding(name).encode_ordinary(full) == tiktoken.get_encoding(name).encode_ordinary(full)


@pytest.mark.parametrize("pattern", [r"\p{L}+|\p{So}", r"( ?\p{L}+)|\p{So}"])
@pytest.mark.parametrize("text", ["a\ud800b", "\udfff b", "ab \ud83d"])
def test_lone_surrogate_that_no_piece_holds_is_repaired_as_tiktoken(pattern: str, text: str) -> None:
    # tiktoken replaces a lone surrogate by U+FFFD before splitting, so a pattern that
    # skips it in the text may match its replacement (\p{So}): it gets the ids of U+FFFD.
    ranks = hf_bpe.get_encoding("cl100k_base").mergeable_ranks
    ours = hf_bpe.Encoding("skips", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    theirs = tiktoken.Encoding("skips", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)
    assert ours.encode(text) == theirs.encode(text)
    assert ours.count_tokens(text) == len(theirs.encode(text))


@settings(max_examples=100, deadline=None)
@given(text=text_strategy, max_tokens=st.integers(min_value=4, max_value=12))
def test_split_by_tokens_covers_the_text(text: str, max_tokens: int) -> None:
    enc = hf_bpe.get_encoding("o200k_base")
    chunks = enc.split_by_tokens(text, max_tokens)
    assert "".join(chunks) == text
    ids = enc.encode_ordinary(text)
    # Chunk boundaries are token boundaries of the whole text.
    position = 0
    for chunk in chunks:
        nbytes = len(chunk.encode())
        taken = 0
        size = 0
        while size < nbytes:
            size += len(enc.decode_single_token_bytes(ids[position + taken]))
            taken += 1
        assert size == nbytes and 1 <= taken <= max_tokens
        position += taken
    assert position == len(ids)


# Long pieces (over 24 bytes: the heap algorithm) from a few repeated characters, where
# many candidate merges share ranks and go stale: as tiktoken merges a single piece.
ALPHABETS = ["ab", "aaaab", "abc", "中文字", "ab中", "0123", "=-", "\u00e9\u00e8e", "  \t", "xyzw"]


@functools.cache
def _merge_tables(name: str) -> MergeTables:
    """One MergeTables per encoding (building its token table is the slow part uncompiled)."""
    return MergeTables(hf_bpe.get_encoding(name)._mergeable_ranks)


@settings(max_examples=300, deadline=None)
@given(alphabet=st.sampled_from(ALPHABETS), data=st.data())
def test_long_pieces_merge_as_tiktoken(alphabet: str, data: st.DataObject) -> None:
    piece = data.draw(st.text(alphabet=alphabet, min_size=17, max_size=400)).encode()
    for name in NAMES:
        theirs = tiktoken.get_encoding(name)._encode_single_piece(piece)
        ours = hf_bpe.get_encoding(name)
        assert ours._encode_single_piece(piece) == theirs
        if piece not in ours._mergeable_ranks:  # else tiktoken's answer is the shortcut's
            assert merge_with(piece, _merge_tables(name)) == theirs


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_merging_with_arbitrary_rank_orders_as_tiktoken(data: st.DataObject) -> None:
    # Small vocabularies whose ranks need not grow with the tokens' lengths (a merge may
    # make a join of lower rank than the merge itself), pieces short (rescans) and long
    # (the heap): the same ids as tiktoken's merging of a single piece.
    alphabet = data.draw(st.sampled_from(["ab", "abc", "abcd"]))
    words = st.text(alphabet=alphabet, min_size=2, max_size=6).map(str.encode)
    extra = data.draw(st.lists(words, min_size=1, max_size=40, unique=True))
    order = data.draw(st.permutations(range(len(extra))))
    ranks = {bytes([i]): i for i in range(256)} | {token: 256 + k for token, k in zip(extra, order)}
    theirs = tiktoken.Encoding("arbitrary", pat_str=r"\S+", mergeable_ranks=ranks, special_tokens={})
    tables = MergeTables(ranks)
    short = data.draw(st.text(alphabet=alphabet, min_size=2, max_size=24)).encode()
    # A short piece may be a token that merging never reaches: merging alone is compared
    # with tiktoken's reference merging, the whole-piece shortcut with its encoder.
    assert merge_with(short, tables) == bpe_encode(ranks, short, visualise=None)
    assert PieceEncoder(ranks, table_bits=4).encode_bytes(short) == theirs._encode_single_piece(short)
    long = data.draw(st.text(alphabet=alphabet, min_size=25, max_size=300)).encode()  # not a token
    assert merge_with(long, tables) == theirs._encode_single_piece(long)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_merging_in_segments_as_tiktoken(data: st.DataObject) -> None:
    # A long piece is cut where no token occurs across the cut. Vocabularies grown by
    # joining random pairs of tokens (so that long tokens, of more than 15 bytes, are
    # reachable), ranks in creation or arbitrary order, pieces made of tokens (so that
    # long ones occur), segments of a few bytes (so that cuts are tried everywhere).
    alphabet = data.draw(st.sampled_from(["ab", "abc", "abcd"])).encode()
    tokens = [bytes([c]) for c in alphabet]
    for _ in range(data.draw(st.integers(1, 60))):
        joined = data.draw(st.sampled_from(tokens)) + data.draw(st.sampled_from(tokens))
        if joined not in tokens:
            tokens.append(joined)
    extra = tokens[len(alphabet):]
    order = data.draw(st.one_of(st.just(list(range(len(extra)))), st.permutations(range(len(extra)))))
    ranks = {bytes([i]): i for i in range(256)} | {token: 256 + k for token, k in zip(extra, order)}
    piece = b"".join(data.draw(st.lists(st.sampled_from(tokens), min_size=1, max_size=40)))
    segment = data.draw(st.integers(1, 40))
    tables = MergeTables(ranks)
    if piece in ranks:
        expected = bpe_encode(ranks, piece, visualise=None)
    else:
        theirs = tiktoken.Encoding("grown", pat_str=r"\S+", mergeable_ranks=ranks, special_tokens={})
        expected = theirs._encode_single_piece(piece)
    assert merge_with(piece, tables, segment) == expected


def test_a_cut_is_never_made_inside_a_long_token() -> None:
    # "abcdefghij" and "klmnopqrst" are built byte by byte and joined into one token of
    # 20 bytes: no token of up to 15 bytes spans the position between them, only the
    # long one, which a cut there would split.
    left, right = b"abcdefghij", b"klmnopqrst"
    ranks = {bytes([i]): i for i in range(256)}
    for word in (left, right):
        for k in range(2, len(word) + 1):
            ranks[word[:k]] = len(ranks)
    ranks[left + right] = len(ranks)
    piece = (left + right) * 8
    tables = MergeTables(ranks)
    for segment in (8, 10, 12, 30):
        assert merge_with(piece, tables, segment) == [ranks[left + right]] * 8


def test_a_crafted_vocabulary_cannot_make_the_look_for_a_cut_slow() -> None:
    # One token of 5,000 bytes and 2,000 tokens sharing their first 15 bytes: each look for
    # a cut in a run of "a" compared every one of them at every position within the long
    # token's length (seconds per look, over a minute per MB). A look now gives up past
    # CUT_LOOK_STEPS steps and counts the position as spanned: never wrong, as no cut is made.
    ranks = {bytes([i]): i for i in range(256)}
    ranks[b"Z" * 5000] = len(ranks)
    for x in range(98, 256):
        for y in range(98, 111):
            ranks[b"a" * 15 + bytes([x, y])] = len(ranks)
    tables = MergeTables(ranks)
    piece = b"a" * 20_000
    assert _spanned(piece + PAD, len(piece), SEGMENT, tables) is True  # gave up (no token spans it)
    theirs = tiktoken.Encoding("crafted", pat_str=r"\S+", mergeable_ranks=ranks, special_tokens={})
    assert merge_with(piece, tables) == theirs._encode_single_piece(piece) == [97] * len(piece)


def test_very_long_pieces_of_real_vocabularies_as_tiktoken() -> None:
    # Pieces of more than SEGMENT bytes are cut where no token spans the cut: random
    # CJK, Hangul, Cyrillic and lowercase Latin without a space, with the real ranks.
    rng = random.Random(5)
    texts = [
        "".join(chr(rng.randrange(lo, hi)) for _ in range(size))
        for lo, hi, size in [(0x4E00, 0x9FA6, 3000), (0xAC00, 0xD7A4, 3000), (0x430, 0x450, 5000), (0x61, 0x7B, 9000)]
    ]
    for name in NAMES:
        theirs = tiktoken.get_encoding(name)
        for text in texts:
            piece = text.encode()
            assert len(piece) > SEGMENT
            assert merge_with(piece, _merge_tables(name)) == theirs._encode_single_piece(piece)
            assert hf_bpe.get_encoding(name).encode_ordinary(text) == theirs.encode_ordinary(text)
