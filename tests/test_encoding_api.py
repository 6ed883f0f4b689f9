"""The rest of tiktoken's API, compared with tiktoken; and hf_bpe's additions."""

from __future__ import annotations

import copy
import pickle
import re
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import realdata
import tiktoken

import hf_bpe

NAMES = ["cl100k_base", "o200k_base", "r50k_base", "p50k_edit", "o200k_harmony", "gpt2"]
SAMPLE = "Héllo wörld! It's 2026; naïve café — 中文, 한국어, मराठी 🙂\n\n  def f(x):\n\treturn x**2\n"


@pytest.mark.parametrize("name", NAMES)
def test_vocabulary_properties_match(name: str) -> None:
    ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
    assert ours.name == theirs.name
    assert ours.n_vocab == theirs.n_vocab
    assert ours.max_token_value == theirs.max_token_value
    assert ours.eot_token == theirs.eot_token
    assert ours.special_tokens_set == theirs.special_tokens_set
    assert ours._special_token_values == theirs._special_token_values  # read by code written for tiktoken
    bare = hf_bpe.Encoding("bare", pat_str=ours.pat_str, mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    with pytest.raises(hf_bpe.UnknownTokenError, match="has no"):  # a KeyError, as in tiktoken
        bare.eot_token
    assert ours.token_byte_values() == theirs.token_byte_values()
    for token in sorted(theirs.special_tokens_set):
        tid = theirs.encode_single_token(token)
        assert ours.encode_single_token(token) == tid
        assert ours.is_special_token(tid) and not ours.is_special_token(0)
        assert ours.is_special_token(np.int64(tid))  # (tiktoken: AssertionError)
    with pytest.raises(TypeError):  # was False: a text is no id (tiktoken: AssertionError)
        ours.is_special_token("<|endoftext|>")


@pytest.mark.parametrize("name", NAMES)
def test_single_tokens_and_decoding_match(name: str) -> None:
    ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
    ids = theirs.encode(SAMPLE)
    assert ours.encode(SAMPLE) == ids
    assert ours.decode(ids) == theirs.decode(ids) == SAMPLE
    assert ours.decode_bytes(ids) == theirs.decode_bytes(ids)
    assert ours.decode_tokens_bytes(ids) == theirs.decode_tokens_bytes(ids)
    assert ours.decode_with_offsets(ids) == theirs.decode_with_offsets(ids)
    for tid in ids[:20]:
        assert ours.decode_single_token_bytes(tid) == theirs.decode_single_token_bytes(tid)
    for token in (b"hello", "hello", b" the", b"\xe4\xb8"):
        try:
            expected = theirs.encode_single_token(token)
        except KeyError:
            with pytest.raises(KeyError) as info:
                ours.encode_single_token(token)
            assert info.value.token == token
        else:
            assert ours.encode_single_token(token) == expected
    # Invalid UTF-8 is replaced, or raises with errors="strict".
    lead_byte = theirs.encode_single_token(b"\xe4")
    broken = ids[:1] + [lead_byte]
    assert ours.decode(broken) == theirs.decode(broken)
    with pytest.raises(UnicodeDecodeError):
        ours.decode([lead_byte], errors="strict")


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_harmony"])
def test_the_inner_core_bpe_some_libraries_call_answers_as_tiktokens(name: str) -> None:
    """Code written for tiktoken calls ``enc._core_bpe`` directly (sglang's Kimi tokenizer,
    ``enc._core_bpe.encode_ordinary(text)``): an AttributeError before."""
    ours, theirs = hf_bpe.get_encoding(name)._core_bpe, tiktoken.get_encoding(name)._core_bpe
    texts = [SAMPLE, "hi <|endoftext|> <|endofprompt|>", ""] + realdata.documents("multilingual", max_bytes=20_000)
    specials = [set(), {"<|endoftext|>"}, {"<|endoftext|>", "<|endofprompt|>", "not a special token"}]
    for text in texts:
        assert ours.encode_ordinary(text) == theirs.encode_ordinary(text)
        for allowed in specials:  # special text not allowed is ordinary text, never refused
            ids = theirs.encode(text, allowed)
            assert ours.encode(text, allowed) == ids
            assert np.frombuffer(ours.encode_to_tiktoken_buffer(text, allowed), dtype=np.uint32).tolist() == ids
        assert ours.decode_bytes(theirs.encode_ordinary(text)) == text.encode()
        data = text.encode()[:-1]
        assert ours._encode_bytes(data) == theirs._encode_bytes(data)
    for piece in [b"hello", b" world", "中文".encode(), b"\xff\xfe", b"<|endoftext|>"]:
        assert ours.encode_single_piece(piece) == theirs.encode_single_piece(piece)
    assert ours.encode_single_token(b"<|endoftext|>") == theirs.encode_single_token(b"<|endoftext|>")
    assert ours.encode_single_token(b" world") == theirs.encode_single_token(b" world")
    assert ours.decode_single_token_bytes(1917) == theirs.decode_single_token_bytes(1917)
    stable, completions = ours.encode_with_unstable("hello fanta", set())
    assert stable == theirs.encode_with_unstable("hello fanta", set())[0]
    assert sorted(completions) == sorted(theirs.encode_with_unstable("hello fanta", set())[1])
    assert ours.token_byte_values() == theirs.token_byte_values()
    for call in (lambda core: core.decode_bytes([2**31 - 1]), lambda core: core.encode_single_token(b"no such token")):
        with pytest.raises(KeyError):
            call(theirs)
        with pytest.raises(KeyError):
            call(ours)


def test_batches_and_numpy() -> None:
    ours, theirs = hf_bpe.get_encoding("o200k_base"), tiktoken.get_encoding("o200k_base")
    docs = realdata.documents("mixed", doc_bytes=512, max_bytes=1_000_000) + ["", "<|endoftext|>"]
    assert ours.encode_batch(docs, allowed_special="all") == theirs.encode_batch(docs, allowed_special="all")
    assert ours.encode_batch(docs[:-1]) == theirs.encode_batch(docs[:-1])  # the defaults (no special text)
    assert ours.encode_batch(docs, disallowed_special=()) == theirs.encode_batch(docs, disallowed_special=())
    assert ours.encode_ordinary_batch(docs) == theirs.encode_ordinary_batch(docs)
    batch = theirs.encode_ordinary_batch(docs)
    assert ours.decode_batch(batch) == theirs.decode_batch(batch)
    assert ours.decode_bytes_batch(batch) == theirs.decode_bytes_batch(batch)
    array = ours.encode_to_numpy(SAMPLE)
    assert array.dtype == np.uint32 and array.tolist() == theirs.encode(SAMPLE)
    assert array.flags.writeable is theirs.encode_to_numpy(SAMPLE).flags.writeable is False  # (a view of a buffer)
    for doc in docs[::20]:  # real text, with and without its special token
        for options in ({}, {"allowed_special": "all"}) if "<|" in doc else ({},):
            assert np.array_equal(ours.encode_to_numpy(doc, **options), theirs.encode_to_numpy(doc, **options))
    with_special = docs[5] + "<|endoftext|>" + docs[6]
    assert ours.encode_to_numpy(with_special, allowed_special="all").tolist() == theirs.encode(with_special, allowed_special="all")
    for encode_batch in (ours.encode_batch, ours.encode_ordinary_batch):  # a TypeError, as tiktoken's
        with pytest.raises(hf_bpe.TextTypeError, match="item 1 of the batch is an int, not a str: 5"):
            encode_batch(["a", 5])  # type: ignore[list-item]
        with pytest.raises(hf_bpe.TextTypeError, match="item 0 of the batch is a bytes, not a str: b'a'"):
            encode_batch([b"a"])  # type: ignore[list-item]
    # One typed error for a text that is not a str, compiled or not (uncompiled,
    # encode_ordinary(b"...") was an AttributeError; compiled, regex's or mypyc's TypeErrors).
    encoders = (ours.encode_ordinary, ours.encode, ours.count_tokens, ours.encode_with_unstable,
                ours.encode_to_numpy, lambda text: ours.split_by_tokens(text, 4), ours._encode_only_native_bpe)
    for not_text, hint in ((b"hello", r" \(decode it first"), (5, ""), (None, "")):
        for encode in encoders:
            with pytest.raises(hf_bpe.TextTypeError, match=f"expected a str to encode, got {type(not_text).__name__}{hint}"):
                encode(not_text)  # type: ignore[arg-type]
            with pytest.raises(TypeError):
                theirs.encode(not_text)  # type: ignore[arg-type]


def test_file_functions_take_tiktokens_argument_names(tmp_path: Path) -> None:
    import hashlib

    import tiktoken.load

    source = realdata.vocab_file("r50k_base")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    for load in (hf_bpe.load_tiktoken_bpe, tiktoken.load.load_tiktoken_bpe):
        ranks = load(tiktoken_bpe_file=str(source), expected_hash=digest)
        assert ranks == hf_bpe.load_tiktoken_bpe(source)
    hf_bpe.dump_tiktoken_bpe(bpe_ranks=ranks, tiktoken_bpe_file=str(tmp_path / "r50k.tiktoken"))  # (tiktoken's needs blobfile)
    assert (tmp_path / "r50k.tiktoken").read_bytes() == source.read_bytes()


def test_numpy_integers_generators_and_argument_types_as_tiktoken() -> None:
    ours, theirs = hf_bpe.get_encoding("cl100k_base"), tiktoken.get_encoding("cl100k_base")
    ids = theirs.encode(SAMPLE)
    numpy_ints = list(np.array(ids))  # np.int64 items in a list: common after argmax
    assert ours.decode(numpy_ints) == theirs.decode(numpy_ints)
    assert ours.decode_bytes(numpy_ints) == theirs.decode_bytes(numpy_ints)
    assert ours.decode_tokens_bytes(numpy_ints) == theirs.decode_tokens_bytes(numpy_ints)
    assert ours.decode_with_offsets(numpy_ints) == theirs.decode_with_offsets(numpy_ints)
    assert ours.decode_batch([numpy_ints]) == theirs.decode_batch([numpy_ints])
    # tiktoken takes sequences only; ours reads a one-pass iterable once, for every method
    for method in ("decode", "decode_bytes", "decode_tokens_bytes", "decode_with_offsets"):
        expected = getattr(theirs, method)(ids)
        for once in (iter(ids), (i for i in ids), iter(numpy_ints), tuple(ids), np.array(ids)):
            assert getattr(ours, method)(once) == expected, (method, type(once))
    assert ours.decode_single_token_bytes(np.int64(ids[0])) == theirs.decode_single_token_bytes(np.int64(ids[0]))
    stream = ours.stream_decoder()
    assert stream.feed(numpy_ints[0]) + stream.feed_many(numpy_ints[1:]) + stream.flush() == theirs.decode(ids)
    with pytest.raises(TypeError, match="'str' object cannot be interpreted as an integer"):
        ours.decode([ids[0], "x"])  # type: ignore[list-item]
    mask = np.array([True, True, False])  # an attention mask by mistake: decoded as ids 1, 1, 0 (from QA)
    for method in ("decode", "decode_bytes", "decode_tokens_bytes", "decode_with_offsets"):
        with pytest.raises(TypeError):
            getattr(theirs, method)(mask)
        with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
            getattr(ours, method)(mask)
    with pytest.raises(TypeError):
        ours.stream_decoder().feed_many(mask)
    texts = ["hello", "world", SAMPLE]
    assert ours.encode_batch(t for t in texts) == theirs.encode_batch(t for t in texts)
    assert ours.encode_ordinary_batch(iter(texts)) == theirs.encode_ordinary_batch(iter(texts))
    for not_text in (1, [104, 105], 3.0, None):
        for method in ("encode_single_token", "_encode_single_piece"):
            with pytest.raises(TypeError):
                getattr(theirs, method)(not_text)
            with pytest.raises(TypeError):
                getattr(ours, method)(not_text)


def test_special_ids_far_above_the_ranks() -> None:
    bytes_only = {bytes([i]): i for i in range(256)}
    specials = {"<|eot|>": 256, "<|far|>": 50_000_000, "\ufffd\ufffd": 300}
    ours = hf_bpe.Encoding("far", pat_str=r"\S+|\s+", mergeable_ranks=bytes_only, special_tokens=specials)
    theirs = tiktoken.Encoding("far", pat_str=r"\S+|\s+", mergeable_ranks=bytes_only, special_tokens=specials)
    text = "a<|far|> b<|eot|>"
    ids = theirs.encode(text, allowed_special="all")
    assert ours.encode(text, allowed_special="all") == ids and 50_000_000 in ids
    assert ours.decode(ids) == theirs.decode(ids) and ours.decode_tokens_bytes(ids) == theirs.decode_tokens_bytes(ids)
    assert ours.decode_single_token_bytes(50_000_000) == b"<|far|>"
    assert len(ours._decoder.table) == 301  # not 50 million slots
    for bad in (257, 49_999_999, 50_000_001):
        with pytest.raises(hf_bpe.UnknownTokenError):
            ours.decode([bad])
    with pytest.raises(hf_bpe.UnknownTokenError):  # the bytes are not UTF-8: no special token is meant
        ours.encode_single_token(b"\xff\xfe")
    with pytest.raises(hf_bpe.VocabularyError, match="below 2\\*\\*31"):
        hf_bpe.Encoding("huge", pat_str=".", mergeable_ranks=bytes_only, special_tokens={"<|x|>": 1 << 40})


def test_ranks_far_apart() -> None:
    # A vocabulary that kept some ids of a larger one: the tables follow the number of
    # tokens, not the largest id (which may be 2**31 - 1).
    ranks = {bytes([i]): i for i in range(256)} | {b"ab": 50_000_000, b"abab": 49_000_000}
    specials = {"<|x|>": 40_000_000, "<|y|>": 300}
    ours = hf_bpe.Encoding("far", pat_str=r"\w+|\s+|\S", mergeable_ranks=ranks, special_tokens=specials)
    theirs = tiktoken.Encoding("far", pat_str=r"\w+|\s+|\S", mergeable_ranks=ranks, special_tokens=specials)
    text = "ababab <|x|> ab<|y|>a"
    ids = theirs.encode(text, allowed_special="all")
    assert ours.encode(text, allowed_special="all") == ids and 49_000_000 in ids
    assert ours.decode(ids) == text and ours.decode_tokens_bytes(ids) == theirs.decode_tokens_bytes(ids)
    assert ours.n_vocab == theirs.n_vocab == 50_000_001
    assert len(ours._decoder.table) == 301  # not 50 million slots
    with pytest.raises(hf_bpe.UnknownTokenError):
        ours.decode([49_000_001])


def test_disallowed_special_text_raises_like_tiktoken() -> None:
    enc = hf_bpe.get_encoding("cl100k_base")
    text = "say <|endoftext|> now"
    with pytest.raises(ValueError, match="<\\|endoftext\\|>") as info:
        enc.encode(text)
    assert isinstance(info.value, hf_bpe.DisallowedSpecialTokenError)
    assert info.value.token == "<|endoftext|>"  # which one, for a caller that reports it
    again = pickle.loads(pickle.dumps(info.value))
    assert (type(again), again.token, str(again)) == (type(info.value), "<|endoftext|>", str(info.value))
    for error in (hf_bpe.DisallowedSpecialTokenError, hf_bpe.UnknownTokenError, hf_bpe.TokenIdOverflowError):
        assert str(error()) == "" and error().token is None and error("a", "b").args == ("a", "b")  # as built-ins
    assert "allowed_special" in str(info.value) and "disallowed_special=()" in str(info.value)
    with pytest.raises(hf_bpe.DisallowedSpecialTokenError):
        enc.encode(text, allowed_special={"<|fim_prefix|>"})
    with pytest.raises(hf_bpe.DisallowedSpecialTokenError):
        enc.count_tokens(text)
    # Only the listed specials are checked; None lists none, as in tiktoken.
    assert enc.encode(text, disallowed_special={"<|fim_prefix|>"}) == enc.encode_ordinary(text)
    twin = tiktoken.get_encoding("cl100k_base")
    assert enc.encode(text, disallowed_special=None) == twin.encode(text, disallowed_special=None) == enc.encode_ordinary(text)
    assert enc.encode(text, allowed_special={"<|endoftext|>"})[1:3] == [220, 100257]


def test_special_tokens_given_as_one_string_are_refused() -> None:
    """allowed_special/disallowed_special take "all" or a collection: any other string
    would mean its characters (tiktoken raises an unrelated TypeError for allowed_special,
    and for disallowed_special refuses text holding one of the characters)."""
    enc = hf_bpe.get_encoding("cl100k_base")
    text = "a <|endoftext|> b"
    for name, call in _calls_with_specials(enc, text).items():
        for argument in ("allowed_special", "disallowed_special"):
            for value in ("<|endoftext|>", "All", "none", "")[: 4 if argument == "allowed_special" else 3]:
                with pytest.raises(TypeError, match=f"{argument} takes \"all\" or a collection") as info:
                    call(**{argument: value})
                assert repr(value) in str(info.value), name
        # tiktoken reads disallowed_special="" as false: none disallowed (allowed_special="" raises there).
        assert call(disallowed_special="") == call(disallowed_special=()), name
        # What the strings were meant as works: a set, "all", and None (none disallowed).
        allowed = call(allowed_special={"<|endoftext|>"})
        assert allowed == call(allowed_special="all") == call(allowed_special=["<|endoftext|>"]), name
        assert call(disallowed_special=None) == call(disallowed_special=()), name
    assert enc.encode(text, allowed_special={"<|endoftext|>"}) == [64, 220, 100257, 293]
    assert enc.encode_batch([text], disallowed_special=None) == [enc.encode_ordinary(text)]


def _calls_with_specials(enc: hf_bpe.Encoding, text: str) -> dict[str, Callable[..., Any]]:
    """Each method that takes allowed_special and disallowed_special, called on ``text``."""
    return {
        "encode": lambda **kw: enc.encode(text, **kw),
        "encode_batch": lambda **kw: enc.encode_batch([text], **kw),
        "count_tokens": lambda **kw: enc.count_tokens(text, **kw),
        "encode_to_numpy": lambda **kw: enc.encode_to_numpy(text, **kw).tolist(),
        "encode_with_unstable": lambda **kw: enc.encode_with_unstable(text, **kw),
    }


def test_special_tokens_given_as_ids_or_bytes_are_refused() -> None:
    """An id or bytes among the texts was passed over: ``allowed_special={100257}`` allowed
    nothing, so with ``disallowed_special=()`` the token's text came out as plain text
    (tiktoken raises a TypeError)."""
    enc = hf_bpe.get_encoding("cl100k_base")
    text = "a <|endoftext|> b"
    for name, call in _calls_with_specials(enc, text).items():
        for kw, shown in [
            ({"allowed_special": {100257}, "disallowed_special": ()}, "allowed_special takes special tokens' texts (str), not an int: 100257"),
            ({"allowed_special": [b"<|endoftext|>"]}, "allowed_special takes special tokens' texts (str), not a bytes: b'<|endoftext|>'"),
            ({"disallowed_special": {"<|fim_prefix|>", 5}}, "disallowed_special takes special tokens' texts (str), not an int: 5"),
        ]:
            with pytest.raises(hf_bpe.TextTypeError) as info:
                call(**kw)
            assert str(info.value) == shown and isinstance(info.value, TypeError), name
        # Texts that are no special token of this encoding are still taken, as by tiktoken.
        assert call(allowed_special={"<|endoftext|>", "<|nosuch|>"}) == call(allowed_special={"<|endoftext|>"}), name
    # A batch shared with a worker is refused before any item is encoded: no item is named
    # (the worker raised it, with the note "raised for item 0 of the batch").
    with pytest.raises(hf_bpe.TextTypeError) as info:
        enc.encode_batch([text * 30_000] * 2, allowed_special={100257}, num_proc=2)
    assert not getattr(info.value, "__notes__", None)
    twin = tiktoken.get_encoding("cl100k_base")
    with pytest.raises(TypeError):
        twin.encode(text, allowed_special={100257}, disallowed_special=())


def test_a_special_token_that_disallowed_special_lists_is_refused_with_the_right_advice() -> None:
    """Allowing it does not help (tiktoken refuses it too): the message said to allow it."""
    enc = hf_bpe.get_encoding("cl100k_base")
    text = "a <|endoftext|> b"
    for allowed in ("all", {"<|endoftext|>"}, ()):
        with pytest.raises(hf_bpe.DisallowedSpecialTokenError) as info:
            enc.encode(text, allowed_special=allowed, disallowed_special={"<|endoftext|>"})
        assert str(info.value) == (
            "the text contains the special token '<|endoftext|>', which disallowed_special lists. To encode "
            "it, leave it out of disallowed_special: then it is the special token if allowed_special has "
            "it (or is 'all'), else plain text."
        )
        with pytest.raises(ValueError):
            tiktoken.get_encoding("cl100k_base").encode(text, allowed_special=allowed, disallowed_special={"<|endoftext|>"})


@pytest.mark.parametrize("bad", [-1, -(2**40), 100256, 100261, 10**9, 2**32 - 1, 2**32, 10**30])
def test_unknown_ids_raise_what_tiktoken_raises(bad: int) -> None:
    """An UnknownTokenError that is also what tiktoken raises for the id: a KeyError, or
    an OverflowError for an id outside 32-bit unsigned integers."""
    enc, twin = hf_bpe.get_encoding("cl100k_base"), tiktoken.get_encoding("cl100k_base")
    overflows = bad < 0 or bad >= 2**32
    theirs = OverflowError if overflows else KeyError
    with pytest.raises(theirs):
        twin.decode_single_token_bytes(bad)
    for call in (lambda: enc.decode([1, bad]), lambda: enc.decode_bytes([bad]), lambda: enc.decode_single_token_bytes(bad)):
        with pytest.raises(theirs) as info:
            call()
        assert isinstance(info.value, hf_bpe.UnknownTokenError) and isinstance(info.value, KeyError)
        assert isinstance(info.value, hf_bpe.TokenIdOverflowError) is overflows
        assert str(bad) in str(info.value) and info.value.token == bad


def test_an_id_no_vocabulary_has_is_named_before_an_unknown_one_as_in_tiktoken() -> None:
    """tiktoken converts the whole list to 32-bit ids before decoding: one out of range
    anywhere is its OverflowError, even after an id that is merely unknown."""
    enc, twin = hf_bpe.get_encoding("cl100k_base"), tiktoken.get_encoding("cl100k_base")
    for ids in ([10**6, -1], [100256, 2**32], [15339, 100261, 5, -(2**40)]):
        for ours, theirs in ((enc.decode, twin.decode), (enc.decode_bytes, twin.decode_bytes)):
            with pytest.raises(OverflowError):
                theirs(ids)
            with pytest.raises(hf_bpe.TokenIdOverflowError, match=f"invalid token id {ids[-1]}") as info:
                ours(ids)
            assert info.value.token == ids[-1]
    with pytest.raises(hf_bpe.UnknownTokenError, match="invalid token id 100261") as info:
        enc.decode([15339, 100261, 100262])  # none out of range: the first unknown one
    assert not isinstance(info.value, OverflowError)


def test_a_float_id_is_a_type_error_wherever_it_is() -> None:
    """As in tiktoken; uncompiled, a float outside the vocabulary compared with its size and
    was an UnknownTokenError (5e7 found a special at 50,000,000 in the dict of far ids)."""
    enc, twin = hf_bpe.get_encoding("gpt2"), tiktoken.get_encoding("gpt2")
    far = hf_bpe.Encoding("far", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)},
                          special_tokens={"<far>": 50_000_000})
    assert far.decode([50_000_000]) == "<far>"
    for ids in ([1e20], [60000.0], [99999, 1.5], [5.0], np.array([200000.0])):
        with pytest.raises(TypeError):
            twin.decode(ids)
        for call in (enc.decode, enc.decode_bytes, enc.decode_with_offsets, far.decode):
            with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
                call(ids)
    for call in (far.decode, far.decode_single_token_bytes):
        with pytest.raises(TypeError):
            call([5e7] if call is far.decode else 5e7)  # type: ignore[operator]


def test_decode_tokens_of_every_length_and_edge_byte() -> None:
    # Tokens of up to 7 bytes decode from one machine word each (length in the top
    # byte), longer ones from their bytes: NUL and 0xFF bytes in every place, lengths
    # around the edge, and a short and a long special token.
    ranks = {bytes([i]): i for i in range(256)}
    extra = [b"\x00\x00", b"\xff" * 7, b"\x00" * 7, b"a\x00b\xffc\x00\xff", b"\xff" * 8, b"12345678", b"x" * 40]
    ranks |= {token: 256 + k for k, token in enumerate(extra)}
    specials = {"<s>": 300, "<|a longer special|>": 301}
    enc = hf_bpe.Encoding("edges", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens=specials)
    by_id = {rank: token for token, rank in ranks.items()} | {301: b"<|a longer special|>", 300: b"<s>"}
    ids = [*range(256), *range(256, 256 + len(extra)), 300, 301, 262, 0, 255, 258]
    assert enc.decode_bytes(ids) == b"".join(by_id[i] for i in ids)
    assert enc.decode_bytes([]) == b""
    for bad in (263, 299, 302, -1):
        with pytest.raises(hf_bpe.UnknownTokenError):
            enc.decode_bytes([0, bad])
    assert enc.decode(tuple(ids)) == enc.decode(iter(ids)) == enc.decode_bytes(ids).decode("utf-8", "replace")
    for unordered in ({97, 98, 99}, {97: 0, 98: 1}):  # a set decoded in whatever order it held
        with pytest.raises(TypeError, match="sequence"):
            enc.decode(unordered)  # type: ignore[arg-type]


def test_pickles_by_name_for_named_and_by_value_otherwise() -> None:
    named = hf_bpe.get_encoding("o200k_base")
    data = pickle.dumps(named)
    assert len(data) < 200
    assert pickle.loads(data) is named  # the per-process instance
    ranks = {bytes([i]): i for i in range(256)} | {b"ab": 256}
    custom = hf_bpe.Encoding("custom", pat_str=r"\w+|\W+", mergeable_ranks=ranks, special_tokens={"<s>": 257})
    custom.encode("abab ab" * 100)  # fill the piece cache: it must not be pickled
    clone = pickle.loads(pickle.dumps(custom))
    assert clone is not custom and clone.name == "custom"
    assert clone.encode("abab <s>", allowed_special="all") == [256, 256, 32, 257]
    assert pickle.dumps(clone) == pickle.dumps(hf_bpe.Encoding("custom", pat_str=r"\w+|\W+", mergeable_ranks=ranks, special_tokens={"<s>": 257}))
    # The ranks go as one bytes object: datasets hashes a map's tokenizer with dill, whose
    # pickler (Python code) took 0.3 s item by item over Llama 3's 128,000 ranks (0.02 s so).
    import dill

    state = custom.__reduce__()[1]
    assert [type(part) for part in state[:4]] == [str, str, bytes, dict] and pickle.loads(state[2]) == ranks
    assert dill.loads(dill.dumps(custom)).encode("abab <s>", allowed_special="all") == [256, 256, 32, 257]


class _Subclass(hf_bpe.Encoding):
    def shout(self, text: str) -> list[int]:
        return self.encode(text.upper())


def test_a_subclass_stays_itself_through_pickle_and_copy() -> None:
    import copy

    ranks = {bytes([i]): i for i in range(256)}
    enc = _Subclass("sub", pat_str=r"\w+|\W+", mergeable_ranks=ranks, special_tokens={})
    for clone in (pickle.loads(pickle.dumps(enc)), copy.copy(enc), copy.deepcopy(enc)):
        assert type(clone) is _Subclass and clone.shout("ab") == [65, 66]


class _TakesKeywords(hf_bpe.Encoding):
    """A subclass as code written for tiktoken writes one (adding its own setup)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)


class _TakesTiktokensArguments(hf_bpe.Encoding):
    """tiktoken 0.14's arguments, without explicit_n_vocab (which tiktoken does not pickle)."""

    def __init__(self, name: str, *, pat_str: str, mergeable_ranks: dict[bytes, int], special_tokens: dict[str, int]) -> None:
        super().__init__(name, pat_str=pat_str, mergeable_ranks=mergeable_ranks, special_tokens=special_tokens)


def _chat_ids(enc: hf_bpe.Encoding) -> list[int]:
    return enc.encode("<|im_start|>hi there", allowed_special="all")


def test_a_subclass_with_its_own_init_unpickles_as_tiktokens_does() -> None:
    """From QA: tiktoken makes an unpickled subclass with its four arguments by keyword;
    hf_bpe passed the name by position and always explicit_n_vocab, so a subclass taking
    ``**kwargs`` or tiktoken's arguments could not be unpickled (TypeError), and a
    multiprocessing.Pool given one waited for ever (its worker died reading the task)."""
    import multiprocessing

    base = hf_bpe.get_encoding("cl100k_base")
    specials = {**base._special_tokens, "<|im_start|>": 100264}
    for cls in (_TakesKeywords, _TakesTiktokensArguments):
        enc = cls(name="cl100k_im", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks, special_tokens=specials)
        back = pickle.loads(pickle.dumps(enc))
        assert type(back) is cls and _chat_ids(back) == _chat_ids(enc) == [100264, 6151, 1070]
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            assert pool.map_async(_chat_ids, [enc]).get(timeout=120) == [[100264, 6151, 1070]]
    # Set options still go to Encoding's own __init__ (a subclass taking keywords passes them on).
    enc = _TakesKeywords(name="n", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)},
                         special_tokens={}, explicit_n_vocab=256, normalization="NFC")
    back = pickle.loads(pickle.dumps(enc))
    assert (back._explicit_n_vocab, back.normalization) == (256, "NFC") and back.encode("e\u0301") == [195, 169]


def _with_bos(base: type[Any]) -> type[Any]:
    class WithBos(base):  # type: ignore[misc,valid-type]
        """A subclass that puts id 256 first, in both encode methods (as a user's may)."""

        def encode(self, text: str, **kwargs: Any) -> list[int]:
            return [256, *super().encode(text, **kwargs)]

        def encode_ordinary(self, text: str) -> list[int]:
            return [256, *super().encode_ordinary(text)]

    return WithBos


def test_a_subclass_overriding_encode_gets_tiktokens_ids_from_each_method() -> None:
    """From QA: hf_bpe's encode called the subclass's encode_ordinary (two bos ids where
    tiktoken gives one), encode_to_numpy and encode_with_unstable its encode; tiktoken's
    methods call its core, its batch methods the subclass's method."""
    import tiktoken

    ranks = {bytes([i]): i for i in range(256)} | {b"ab": 257, b" ab": 258}
    made = [
        _with_bos(lib.Encoding)("bos", pat_str=r" ?\w+|\s+|[^\w\s]+", mergeable_ranks=ranks, special_tokens={"<s>": 256})
        for lib in (tiktoken, hf_bpe)
    ]
    text = "ab ab, ab"
    calls: list[Callable[[Any], Any]] = [
        lambda e: e.encode(text), lambda e: e.encode_ordinary(text), lambda e: e.encode(text + "<s>", allowed_special="all"),
        lambda e: e.encode_to_numpy(text).tolist(), lambda e: e.encode_batch([text, "ab"]),
        lambda e: e.encode_ordinary_batch([text]), lambda e: e.encode_with_unstable("ab a")[0],
        lambda e: e._encode_bytes(b"ab \xc3"),
    ]
    for call in calls:
        assert call(made[1]) == call(made[0])
    assert made[1].encode(text) == [256, 257, 258, 44, 258]
    # The workers of a batch get the subclass too (a pickle keeps it): the same ids there.
    long = " ".join([text] * 60)  # (a batch large enough for the processes: see hf_bpe.parallel)
    assert made[1].encode_batch([long] * 600, num_proc=2) == [made[0].encode(long)] * 600
    assert made[1].split_by_tokens(text, 2) == ["ab ab", ", ab"]  # the text's own tokens


def test_count_tokens_equals_len_of_encode() -> None:
    enc = hf_bpe.get_encoding("o200k_base")
    for doc in realdata.documents("mixed", max_bytes=200_000):
        assert enc.count_tokens(doc) == len(enc.encode(doc))
    text = "a <|endoftext|> b <|endofprompt|>"
    assert enc.count_tokens(text, allowed_special="all") == len(enc.encode(text, allowed_special="all")) == 6
    # Long texts are counted a few thousand ids at a time, by the scanner or by regex.
    whole = "".join(realdata.documents("mixed", max_bytes=200_000)) + "\ud800 tail"
    custom = hf_bpe.Encoding("custom", pat_str=r"\w+|\s+|[^\w\s]+", mergeable_ranks=enc._mergeable_ranks, special_tokens={})
    for e in (enc, custom):
        assert e.count_tokens(whole) == len(e.encode(whole)) > 40_000


def test_stream_decoder_emits_only_whole_characters() -> None:
    enc = hf_bpe.get_encoding("cl100k_base")
    for doc in realdata.documents("multilingual", doc_bytes=2048, max_bytes=100_000):
        decoder = enc.stream_decoder()
        pieces = [decoder.feed(t) for t in enc.encode(doc)]
        assert all("\ufffd" not in p for p in pieces)
        assert "".join(pieces) + decoder.flush() == doc
    decoder = enc.stream_decoder()
    smile = enc.encode("🙂")
    assert len(smile) > 1
    assert [decoder.feed(t) for t in smile] == [""] * (len(smile) - 1) + ["🙂"]
    decoder = enc.stream_decoder()
    assert decoder.feed(smile[0]) == "" and decoder.flush() == "\ufffd"
    assert enc.stream_decoder().feed_many(smile) == "🙂"


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy, lambda d: pickle.loads(pickle.dumps(d))], ids=["copy", "deepcopy", "pickle"])
def test_a_copied_stream_decoder_goes_on_from_where_the_original_was(duplicate: Callable[[Any], Any]) -> None:
    # It could not be pickled or deep-copied, and copy.copy shared the pending bytes.
    enc = hf_bpe.get_encoding("cl100k_base")
    ids = enc.encode("é🙂 x")
    decoder = enc.stream_decoder(errors="strict")
    head = decoder.feed_many(ids[:2])  # "é" and the first byte(s) of "🙂"
    assert head == "é"
    twin = duplicate(decoder)
    assert twin is not decoder
    assert head + twin.feed_many(ids[2:]) + twin.flush() == "é🙂 x"
    assert decoder.feed(ids[2]) == "🙂"  # the original's pending bytes are its own
    decoder.feed_many(enc.encode("🙂")[:1])
    with pytest.raises(UnicodeDecodeError):  # the errors policy is copied too
        duplicate(decoder).flush()


def test_split_by_tokens() -> None:
    enc = hf_bpe.get_encoding("o200k_base")
    doc = realdata.documents("multilingual", doc_bytes=4096, max_bytes=4096)[0]
    chunks = enc.split_by_tokens(doc, 50)
    assert "".join(chunks) == doc and len(chunks) > 1
    assert sum(enc.count_tokens(c) for c in chunks) >= enc.count_tokens(doc)
    assert all(enc.count_tokens(c) <= 60 for c in chunks)
    assert enc.split_by_tokens("", 5) == []
    with pytest.raises(ValueError, match="max_tokens"):
        enc.split_by_tokens("x", 0)
    with pytest.raises(TypeError):  # not cut at 1.5 tokens, nor at 1
        enc.split_by_tokens("one two", 1.5)  # type: ignore[arg-type]
    assert enc.split_by_tokens("one two", np.int64(1)) == ["one", " two"]
    with pytest.raises(ValueError, match="tokens 0 to 3 of the text must stay in one chunk .each but the last ends inside a character.: 4 tokens, more than max_tokens=2"):
        hf_bpe.Encoding("bytes", pat_str=".", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={}).split_by_tokens("🙂", 2)
    # gpt2's b"\xb6\xe6" holds the end of 恶 and the start of 树: five tokens, no cut
    # between them (the message said "a single character needs more than 4 tokens")
    gpt2 = hf_bpe.get_encoding("gpt2")
    with pytest.raises(ValueError, match="tokens 1 to 5 of the text must stay in one chunk .*: 5 tokens, more than max_tokens=4"):
        gpt2.split_by_tokens("a恶树", 4)
    assert gpt2.split_by_tokens("a恶树", 5) == ["a", "恶树"]
    with pytest.raises(TypeError, match="not a bool"):
        enc.split_by_tokens("one two", True)  # was 1


def test_a_strict_stream_decoder_goes_on_after_bytes_that_are_no_utf8() -> None:
    """A half character followed by a whole one raised, as it should with errors="strict",
    but the half stayed pending: every later id raised too, ``flush`` as well."""
    enc = hf_bpe.get_encoding("cl100k_base")
    half, _ = enc.encode("🙂")
    decoder = enc.stream_decoder(errors="strict")
    assert decoder.feed(half) == ""
    with pytest.raises(UnicodeDecodeError):
        decoder.feed(enc.encode("hello")[0])
    assert "".join(decoder.feed(t) for t in enc.encode(" world 🙂")) == " world 🙂"
    assert decoder.feed(half) == ""
    with pytest.raises(UnicodeDecodeError):
        decoder.flush()
    assert decoder.feed_many(enc.encode("ok")) == "ok" and decoder.flush() == ""


def test_stream_decoder_arguments_are_checked_when_made() -> None:
    enc = hf_bpe.get_encoding("o200k_base")
    for errors in (None, 5, b"replace"):  # None was "strict", the others failed at the first feed
        with pytest.raises(TypeError, match="errors must be a str"):
            enc.stream_decoder(errors=errors)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="StreamDecoder takes an Encoding, not str"):
        hf_bpe.StreamDecoder("o200k_base")  # type: ignore[arg-type]


def test_batches_log_their_timing_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    enc = hf_bpe.get_encoding("o200k_base")
    with caplog.at_level(logging.DEBUG, logger="hf_bpe"):
        ids = enc.encode_ordinary_batch(["hello world", "again"])
        enc.decode_batch(ids)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("o200k_base.encode_ordinary: 2 items, 16 chars or ids") for m in messages), messages
    assert any(m.startswith("o200k_base.decode: 2 items, 3 chars or ids") for m in messages), messages


@pytest.mark.parametrize("table_bits", [3, 14])
def test_piece_table_is_exact_under_evictions_and_threads(table_bits: int) -> None:
    # A piece table of 8 slots evicts all the time, one of up to 2 ** 14 grows while
    # the threads use it; four threads share it (with a tiny switch interval, the
    # uncompiled build switches threads inside its reads and writes): the ids must
    # still be tiktoken's.
    from hf_bpe.piece_encoder import PieceEncoder

    theirs, ours = tiktoken.get_encoding("o200k_base"), hf_bpe.get_encoding("o200k_base")
    docs = realdata.documents("mixed", doc_bytes=1024, max_bytes=200_000)
    expected = [theirs.encode_ordinary(doc) for doc in docs]
    shared = PieceEncoder(ours._mergeable_ranks, table_bits=table_bits)
    failures: list[int] = []

    def work(offset: int) -> None:
        for k in range(offset, offset + len(docs)):
            i = k % len(docs)
            out: list[int] = []
            shared.encode_text(ours._splitter, docs[i], out)
            if out != expected[i]:
                failures.append(i)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(n * len(docs) // 4,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    assert shared._table.bits == table_bits  # grown (from 2 ** 10 slots) to the largest
    with pytest.raises(ValueError, match="table_bits"):
        PieceEncoder(ours._mergeable_ranks, table_bits=0)


def test_the_piece_table_grows_with_use_and_keeps_what_it_holds() -> None:
    # An Encoding that encodes little holds a small table (it held 6 MB whatever its use);
    # growing keeps the remembered pieces.
    from hf_bpe.piece_encoder import _KEY_BITS, MANY, START_BITS, TABLE_BITS, WAYS, PieceEncoder

    theirs, ours = tiktoken.get_encoding("cl100k_base"), hf_bpe.get_encoding("cl100k_base")
    encoder = PieceEncoder(ours._mergeable_ranks)
    assert encoder._table.bits == START_BITS and len(encoder._table.ids) == 1 << START_BITS
    encoder.encode_text(ours._splitter, "hello world: antidisestablishmentarianism, zxqv", [])
    small = encoder._table
    held = {(small.keys[2 * k], small.keys[2 * k + 1]): small.ids_at(k) for k in range(len(small.ids)) if small.keys[2 * k + 1]}
    # A key says whether its piece has several ids (MANY: in the pool) or one; both kinds are held here.
    assert {len(ids) > 1 for ids in held.values()} == {True, False}
    assert all(bool(high & MANY) == (len(ids) > 1) for (_, high), ids in held.items())
    bigger = small.rebuilt(START_BITS + 2)
    assert {(bigger.keys[2 * k], bigger.keys[2 * k + 1]): bigger.ids_at(k) for k in range(len(bigger.ids)) if bigger.keys[2 * k + 1]} == held
    assert len(bigger.pool) == bigger.pooled == sum(len(ids) for ids in held.values() if len(ids) > 1)
    for low, high in held:  # each in the set its key (without MANY) hashes to, where lookups go
        first = bigger.set_of(low, high & _KEY_BITS)
        assert any(bigger.keys[2 * k] == low and bigger.keys[2 * k + 1] == high for k in range(first, first + WAYS))
    docs = realdata.documents("multilingual", doc_bytes=4096, max_bytes=1_000_000)
    for doc in docs:
        out: list[int] = []
        encoder.encode_text(ours._splitter, doc, out)
        assert out == theirs.encode_ordinary(doc)
    assert START_BITS < encoder._table.bits <= TABLE_BITS
    encoder.clear_cache()
    assert encoder._table.bits == START_BITS


def test_the_pool_of_merged_ids_is_bounded_and_new_pieces_make_no_collections() -> None:
    # The ids of pieces of several tokens lie in the piece table's pool, which only grows
    # until the table is rebuilt: with a table of 16 slots evicting all the time, the
    # pool stays within its bound and holds what the table's pieces use, and the ids
    # stay tiktoken's. Compiled, a new piece makes no object the garbage collector
    # tracks (a tuple per merged piece made a collection every 700 new pieces).
    import gc

    from hf_bpe.piece_encoder import MANY, PieceEncoder

    theirs, ours = tiktoken.get_encoding("o200k_base"), hf_bpe.get_encoding("o200k_base")
    docs = realdata.documents("multilingual", doc_bytes=4096, max_bytes=400_000)
    small = PieceEncoder(ours._mergeable_ranks, table_bits=4)
    for doc in docs:
        out: list[int] = []
        small.encode_text(ours._splitter, doc, out)
        assert out == theirs.encode_ordinary(doc)
        table = small._table
        live = sum(table.spans[k] & 15 for k in range(len(table.ids)) if table.keys[2 * k + 1] & MANY)
        assert table.pooled == live and len(table.pool) <= 2 * live + len(table.ids)
    if not hf_bpe.COMPILED:
        return
    encoder = PieceEncoder(ours._mergeable_ranks)
    encoder.encode_text(ours._splitter, "warm up", [])
    out = []
    gc.collect()
    gc.disable()
    try:
        for doc in docs:
            encoder.encode_text(ours._splitter, doc, out)
        made = len(gc.get_objects(generation=0))  # the objects the collector tracks made since, still alive
    finally:
        gc.enable()
    merged = sum(1 for k in range(len(encoder._table.ids)) if encoder._table.keys[2 * k + 1] & MANY)
    # The piece table (with its two lists) and what is made once (such as the index of
    # the long tokens), nothing per merged piece, nor per piece longer than a table key.
    assert merged > 5_000 and len(encoder._long.spans) > 1_000 and made <= 10


def test_the_cache_of_long_pieces_is_bounded_in_bytes() -> None:
    # DNA-like documents are one long piece each: remembering their ids grew without bound.
    import random

    from hf_bpe.piece_encoder import LONG_CACHE_BYTES, LONG_PIECE_BYTES, PieceEncoder

    theirs, ours = tiktoken.get_encoding("o200k_base"), hf_bpe.get_encoding("o200k_base")
    # A budget of 1 MB (the default is 16) runs out after about 85 pieces of 1,000 bytes.
    budget = 1 << 20
    assert PieceEncoder(ours._mergeable_ranks).long_cache_bytes == LONG_CACHE_BYTES
    encoder = PieceEncoder(ours._mergeable_ranks, long_cache_bytes=budget)
    rng = random.Random(5)
    held = []
    for size, count in ((8000, 5), (1000, 150), (1000, 150)):
        for k in range(count):
            piece = "".join(rng.choices("ACGT", k=size))
            out: list[int] = []
            encoder.encode_text(ours._splitter, piece, out)
            if k % 10 == 0:
                assert out == theirs.encode_ordinary(piece)
        cache = encoder._long
        assert all(len(p) <= LONG_PIECE_BYTES for p in cache.spans)  # the 8000-byte pieces: none
        ids = sum(len(cache.ids_of(p) or ()) for p in cache.spans)
        held.append(len(cache.spans))
        assert cache.size == sum(map(len, cache.spans)) + 100 * len(cache.spans) + 40 * ids
        assert cache.size <= budget and len(cache.pool) == ids
    assert held[0] == 0 and 0 < held[2] < 300  # emptied once the budget ran out
    assert pickle.loads(pickle.dumps(encoder)).long_cache_bytes == budget
    # An entry larger than the whole budget is not remembered and leaves the others be.
    nothing = PieceEncoder(ours._mergeable_ranks, long_cache_bytes=0)
    small = PieceEncoder(ours._mergeable_ranks, long_cache_bytes=40_000)
    for size in (1000, 4000):  # entries of about 22 KB and 87 KB
        piece = "".join(rng.choices("ACGT", k=size))
        for encoder in (nothing, small):
            out = []
            encoder.encode_text(ours._splitter, piece, out)
            assert out == theirs.encode_ordinary(piece)
    assert not nothing._long.spans and len(small._long.spans) == 1 and len(next(iter(small._long.spans))) == 1000
    with pytest.raises(ValueError, match="long_cache_bytes"):
        PieceEncoder(ours._mergeable_ranks, long_cache_bytes=-1)


def test_many_special_tokens_are_found_longest_first() -> None:
    # Sets of 8 or more specials are found by one regex whose branches share prefixes.
    import random

    import regex

    from hf_bpe.encoding import special_regex

    specials = {f"<|t{i}|>": 256 + i for i in range(40)}
    specials |= {"<|t1|>x": 400, "<|t": 401, "ab": 402, "abc": 403, "abd": 404, "é": 405, "a|b": 406, "[": 407}
    # Tokens of more than 256 characters share their prefixes as the others do (they were
    # a flat list before the branches, each tried wherever one's prefix stood: thousands
    # of them made encode 30 times as slow as tokens one character shorter).
    long = {"<|t1|>" + "x" * 300: 408, "<|t1|>" + "x" * 299 + "y": 409, "[" * 400: 410}
    specials |= long
    enc = hf_bpe.Encoding("many", pat_str=r"\w+|\s+|[^\w\s]+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens=specials)
    pattern = special_regex(frozenset(specials)).pattern
    assert pattern.count("(?:") > 1 and pattern.count("x") == 300 and pattern.count(re.escape("<|t")) == 1
    many_long = frozenset(f"<|tool {i:04d}|>" + "-" * 300 for i in range(1000))
    assert special_regex(many_long).pattern.count(re.escape("<|tool ")) == 1
    flat = regex.compile("|".join(regex.escape(t) for t in sorted(specials, key=lambda t: (-len(t), t))))
    pieces = [*specials, "<|", "|>", "<|t1", "a", "b", "x", " ", "ab", "<|t39|", "[[", "x" * 299, "[" * 399]
    rnd = random.Random(5)
    for _ in range(300):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        expected: list[int] = []
        start = 0
        for match in flat.finditer(text):
            expected += enc.encode_ordinary(text[start : match.start()]) + [specials[match.group()]]
            start = match.end()
        expected += enc.encode_ordinary(text[start:])
        assert enc.encode(text, allowed_special="all") == expected, text
        if expected != enc.encode_ordinary(text):
            with pytest.raises(hf_bpe.DisallowedSpecialTokenError):
                enc.encode(text)
    # Tokens extending each other deeper than the branches nest (a flat list below that)
    deep = {"q" * k: 500 + k for k in range(1, 701)}
    enc = hf_bpe.Encoding("deep", pat_str=r"\w+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens=deep)
    assert enc.encode("q" * 1500 + " " + "q" * 7, allowed_special="all") == [1200, 1200, 600, 32, 507]
    harmony, theirs = hf_bpe.get_encoding("o200k_harmony"), tiktoken.get_encoding("o200k_harmony")
    names = sorted(harmony.special_tokens_set)
    text = " ".join(rnd.choice(names)[: rnd.choice([None, -1, 5])] + "word" for _ in range(3000))
    assert harmony.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")


def test_subsets_of_allowed_specials_each_call_as_tiktoken() -> None:
    # The specials not allowed are kept for the last 32 sets asked: more sets than that,
    # each asked twice, and every call gives tiktoken's ids or its refusal.
    import random

    ours, theirs = hf_bpe.get_encoding("o200k_harmony"), tiktoken.get_encoding("o200k_harmony")
    names = sorted(ours.special_tokens_set)
    rnd = random.Random(3)
    subsets = [frozenset(rnd.sample(names, rnd.randint(1, 4))) for _ in range(40)]
    for allowed in subsets + subsets[::-1]:
        text = "x " + " y ".join(rnd.sample(sorted(allowed), len(allowed))) + " z"
        assert ours.encode(text, allowed_special=allowed) == theirs.encode(text, allowed_special=allowed)
        refused = next(name for name in names if name not in allowed)
        for lib in (ours, theirs):
            with pytest.raises(ValueError, match=re.escape(refused)):
                lib.encode(text + refused, allowed_special=allowed)


def test_clear_cache_gives_back_the_remembered_pieces() -> None:
    from hf_bpe.piece_encoder import START_BITS

    theirs = tiktoken.get_encoding("o200k_base")
    enc = hf_bpe.Encoding("o200k", pat_str=theirs._pat_str, mergeable_ranks=theirs._mergeable_ranks, special_tokens={})
    text = "".join(realdata.documents("multilingual", doc_bytes=4096, max_bytes=2_000_000))
    ids = enc.encode_ordinary(text)
    assert enc._pieces._table.bits > START_BITS and enc._pieces._long.spans  # grown: tens of MB
    enc.clear_cache()
    assert enc._pieces._table.bits == START_BITS and not enc._pieces._long.spans
    assert enc.encode_ordinary(text) == ids == theirs.encode_ordinary(text)


def test_a_split_pattern_that_is_no_str_is_the_same_typed_error_in_both_builds() -> None:
    """The compiled build raised mypyc's bare TypeError ("str object expected; got None")
    from inside the splitter, the uncompiled one a PatternError (a ValueError)."""
    for bad in (None, 123, rb"\S+"):
        with pytest.raises(hf_bpe.PatternTypeError, match="pat_str is a split pattern, a str, not ") as caught:
            hf_bpe.Encoding("x", pat_str=bad, mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})  # type: ignore[arg-type]
        assert isinstance(caught.value, TypeError) and isinstance(caught.value, hf_bpe.HfBpeError)


def test_an_id_that_is_no_integer_is_one_error_not_two_chained() -> None:
    """decode([15339, 1.0]) showed the compiled decoder's TypeError, then "During handling of
    the above exception, another exception occurred", then the one meant."""
    enc = hf_bpe.get_encoding("cl100k_base")
    for ids in ([15339, 1.0], "hello", ["1"]):
        with pytest.raises(TypeError) as caught:
            enc.decode(ids)  # type: ignore[arg-type]
        assert caught.value.__context__ is None, repr(caught.value.__context__)


def test_a_stream_decoder_shows_what_it_holds() -> None:
    enc = hf_bpe.get_encoding("cl100k_base")
    decoder = enc.stream_decoder()
    assert repr(decoder) == "<StreamDecoder of 'cl100k_base': 0 bytes pending>"
    decoder.feed(enc.encode("🙂")[0])  # (b"\xf0\x9f" of its four bytes)
    assert repr(decoder) == "<StreamDecoder of 'cl100k_base': 2 bytes pending>"
    decoder.feed(enc.encode("🙂")[1])
    assert repr(decoder) == "<StreamDecoder of 'cl100k_base': 0 bytes pending>"


def test_whispers_multilingual_vocabulary_with_its_empty_token_is_tiktokens(tmp_path: Path) -> None:
    """From QA: Whisper's multilingual.tiktoken ends in an empty token ("=" at 50256),
    which tiktoken keeps (no text encodes to it; its id decodes to nothing); hf_bpe refused
    the file (not base64) and the ranks (a VocabularyError), so Whisper's own tokenizer
    code with hf_bpe for tiktoken failed for every multilingual model."""
    import tiktoken.load
    from transformers import PreTrainedTokenizerFast

    from hf_bpe.hf_tokenizer import HfBpeTokenizer

    path = realdata.whisper_multilingual_vocab()
    ranks = hf_bpe.load_tiktoken_bpe(str(path))
    assert ranks == tiktoken.load.load_tiktoken_bpe(str(path)) and ranks[b""] == 50256
    specials = {"<|endoftext|>": 50257, "<|startoftranscript|>": 50258, "<|en|>": 50259}
    pattern = hf_bpe.get_encoding("gpt2")._pat_str
    theirs = tiktoken.Encoding("multilingual", pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
    ours = hf_bpe.Encoding("multilingual", pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
    docs = realdata.documents("multilingual", max_bytes=400_000) + realdata.documents("english", max_bytes=100_000)
    assert ours.encode_batch(docs, allowed_special="all") == theirs.encode_batch(docs, allowed_special="all")
    for e in (ours, theirs):
        assert (e.n_vocab, e.decode_single_token_bytes(50256), e.encode_single_token(b"")) == (50260, b"", 50256)
        assert e.decode([40, 50256, 50257]) == "I<|endoftext|>" and e.decode_tokens_bytes([50256, 40]) == [b"", b"I"]
    assert sorted(ours.token_byte_values()) == sorted(theirs.token_byte_values())
    assert ours._encode_single_piece(b"") == theirs._encode_single_piece(b"") == [50256]
    assert pickle.loads(pickle.dumps(ours)).encode(docs[0]) == theirs.encode(docs[0])
    # tiktoken gives the empty token's id for each empty match of a pattern (where the
    # last match did not end): hf_bpe, which finds no piece there, refuses the pair.
    for empty_matching in (r"[a-z]*", r"\p{L}*|\d+|\s+|[^\s\p{L}\d]+", r"\b|\w+"):
        theirs_empty = tiktoken.Encoding("e", pat_str=empty_matching, mergeable_ranks=ranks, special_tokens={})
        assert 50256 in theirs_empty.encode("ab 12")
        with pytest.raises(hf_bpe.VocabularyError, match="can match the empty string"):
            hf_bpe.Encoding("e", pat_str=empty_matching, mergeable_ranks=ranks, special_tokens={})
    without = {token: rank for token, rank in ranks.items() if token}
    assert hf_bpe.Encoding("e", pat_str=r"[a-z]*", mergeable_ranks=without, special_tokens={}).encode("ab 12") == [ranks[b"ab"]]
    # Written as Whisper writes it ("="), read back by tiktoken; saved and loaded as a folder.
    hf_bpe.dump_tiktoken_bpe(ranks, tmp_path / "m.tiktoken")
    assert (tmp_path / "m.tiktoken").read_bytes() == path.read_bytes()
    assert tiktoken.load.load_tiktoken_bpe(str(tmp_path / "m.tiktoken")) == ranks
    hf_bpe.save_encoding(ours, tmp_path / "enc")
    assert hf_bpe.load_encoding(tmp_path / "enc").encode(docs[1]) == theirs.encode(docs[1])
    # A transformers folder: its tokenizer.json keeps the empty token ("" at 50256), and the
    # stock fast tokenizer gives tiktoken's ids.
    HfBpeTokenizer.from_encoding(ours).save_pretrained(tmp_path / "tok")
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path / "tok")
    assert stock.convert_tokens_to_ids("") == 50256 and stock.decode([40, 50256]) == "I"
    for doc in docs[:20]:
        assert stock(doc)["input_ids"] == theirs.encode(doc)
    assert hf_bpe.load_tokenizer_json(tmp_path / "tok" / "tokenizer.json")._mergeable_ranks == ranks
