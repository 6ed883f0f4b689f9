"""Unfinished text, compared with tiktoken: ``encode_with_unstable`` (stable ids and the
set of completions), ``_encode_bytes`` on bytes cut anywhere (mid-character too), and
``_encode_single_piece`` / ``_encode_only_native_bpe``."""

from __future__ import annotations

import random

import pytest
import realdata
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

import hf_bpe

NAMES = ["r50k_base", "cl100k_base", "o200k_base"]


def unstable_pair(name: str, text: str, **specials: object) -> tuple[object, object]:
    ours = hf_bpe.get_encoding(name).encode_with_unstable(text, **specials)  # type: ignore[arg-type]
    theirs = tiktoken.get_encoding(name).encode_with_unstable(text, **specials)  # type: ignore[arg-type]
    return (ours[0], set(map(tuple, ours[1]))), (theirs[0], set(map(tuple, theirs[1])))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "text",
    ["hello fanta", "hello", "", " ", "a\n", "x\n \n", "hi\n \n ", "  \n\t ", "def f(x):\n    ", "naïv", "中文", "123", "it's", "hello 🙂",
     # long last pieces: completions are long, their ends found from the back
     "hello" + " " * 40, "a" + "\n" * 25 + "  ", "x = 1" + "\t" * 30],
)
def test_encode_with_unstable_equals_tiktoken(name: str, text: str) -> None:
    ours, theirs = unstable_pair(name, text)
    assert ours == theirs


def test_completions_continue_the_text() -> None:
    enc = hf_bpe.get_encoding("cl100k_base")
    stable, completions = enc.encode_with_unstable("hello fanta")
    assert enc.decode(stable) == "hello" and len(completions) > 100
    assert completions == sorted(completions)
    assert all(enc.decode_bytes(stable + seq).startswith(b"hello fanta") for seq in completions)


def test_encode_with_unstable_specials() -> None:
    assert unstable_pair("cl100k_base", "hi<|endoftext|>", allowed_special="all")[0] == ([6151, 100257], set())
    ours, theirs = unstable_pair("cl100k_base", "<|endoftext|> wor", allowed_special="all")
    assert ours == theirs and ours[1]
    with pytest.raises(hf_bpe.DisallowedSpecialTokenError):
        hf_bpe.get_encoding("cl100k_base").encode_with_unstable("x<|endoftext|>")
    ours, theirs = unstable_pair("cl100k_base", "x<|endoftext|>", disallowed_special=())
    assert ours == theirs


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab é中\n\t'sS0 ")), max_size=8)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4)
)
def test_encode_with_unstable_equals_tiktoken_on_arbitrary_text(text: str) -> None:
    for name in NAMES:
        ours, theirs = unstable_pair(name, text)
        assert ours == theirs, (name, text)


def test_encode_with_unstable_on_cut_real_text() -> None:
    rng = random.Random(7)
    for kind in ("english", "multilingual", "code"):
        doc = realdata.documents(kind, doc_bytes=4096, max_bytes=20_000)[2]
        for _ in range(4):
            text = doc[: rng.randrange(1, 200)]
            for name in ("cl100k_base", "o200k_base"):
                ours, theirs = unstable_pair(name, text)
                assert ours == theirs, (name, text)


@pytest.mark.parametrize("name", NAMES)
def test_encode_bytes_cut_anywhere_equals_tiktoken(name: str) -> None:
    ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
    rng = random.Random(3)
    invalid = 0
    for kind in ("english", "multilingual", "code"):
        for doc in realdata.documents(kind, doc_bytes=4096, max_bytes=40_000)[:8]:
            data = doc.encode()
            for _ in range(25):
                cut = data[: rng.randrange(0, len(data) + 1)]
                invalid += not _valid(cut)
                assert ours._encode_bytes(cut) == theirs._encode_bytes(cut), cut[-20:]
    assert invalid > 50  # many cuts fall inside a character
    assert ours._encode_bytes(text=b"hi \xe4") == theirs._encode_bytes(text=b"hi \xe4")  # tiktoken's keyword
    for not_bytes in (5, "hi"):  # an int was bytes(5): five NULs encoded
        with pytest.raises(TypeError):
            theirs._encode_bytes(not_bytes)
        with pytest.raises(TypeError, match="expected bytes, got"):
            ours._encode_bytes(not_bytes)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=24) | st.text(max_size=8).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_encode_bytes_equals_tiktoken_on_arbitrary_bytes(data: bytes) -> None:
    for name in NAMES:
        assert hf_bpe.get_encoding(name)._encode_bytes(data) == tiktoken.get_encoding(name)._encode_bytes(data)


@pytest.mark.parametrize("name", NAMES)
def test_single_piece_and_native_bpe_equal_tiktoken(name: str) -> None:
    ours, theirs = hf_bpe.get_encoding(name), tiktoken.get_encoding(name)
    text = "".join(realdata.documents("mixed", doc_bytes=4096, max_bytes=30_000)[:3])
    assert ours._encode_only_native_bpe(text) == theirs._encode_only_native_bpe(text) == ours.encode_ordinary(text)
    for piece in ["hello", " world", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "中文字符", b"\xe4\xb8", b"\xff"]:
        assert ours._encode_single_piece(piece) == theirs._encode_single_piece(piece)
    assert ours._encode_single_piece(b"") == []  # tiktoken panics here


def _valid(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
