"""``Encoding._core_bpe``: tiktoken's inner object, for code that calls past the Encoding.

tiktoken's ``Encoding`` keeps its Rust ``CoreBPE`` in ``_core_bpe``, and some libraries
call it directly (``enc._core_bpe.encode_ordinary(text)``, ``enc._core_bpe
.encode_single_piece(b"...")``). :class:`CoreBPE` gives such code the same methods, each
one the Encoding's own; nothing is encoded twice or another way. As tiktoken's, it takes
``allowed_special`` as a set of texts and never refuses special-token text: what is not
allowed is encoded as ordinary text.

    >>> import hf_bpe
    >>> core = hf_bpe.get_encoding("cl100k_base")._core_bpe
    >>> core.encode("hi <|endoftext|>", {"<|endoftext|>"}), core.encode("hi <|endoftext|>", set())
    ([6151, 220, 100257], [6151, 83739, 8862, 728, 428, 91, 29])
    >>> core.encode_single_piece(b"hello"), core.decode_bytes([15339, 1917])
    ([15339], b'hello world')
"""

from __future__ import annotations

import array
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .encoding import Encoding


class CoreBPE:
    """The methods of tiktoken's ``CoreBPE`` over an :class:`~hf_bpe.Encoding`."""

    __slots__ = ("_encoding",)

    def __init__(self, encoding: Encoding) -> None:
        self._encoding = encoding

    def __repr__(self) -> str:
        return f"<CoreBPE of {self._encoding!r}>"

    def encode(self, text: str, allowed_special: Collection[str]) -> list[int]:
        """The ids of ``text``, the texts in ``allowed_special`` as special tokens."""
        return self._encoding.encode(text, allowed_special=allowed_special, disallowed_special=())

    def encode_ordinary(self, text: str) -> list[int]:
        """The ids of ``text``, special-token text as ordinary text."""
        return self._encoding.encode_ordinary(text)

    def encode_to_tiktoken_buffer(self, text: str, allowed_special: Collection[str]) -> array.array[int]:
        """:meth:`encode` as a buffer of 32-bit ids (``numpy.frombuffer(b, dtype=numpy.uint32)``)."""
        return array.array("I", self.encode(text, allowed_special))

    def encode_with_unstable(self, text: str, allowed_special: Collection[str]) -> tuple[list[int], list[list[int]]]:
        """:meth:`~hf_bpe.Encoding.encode_with_unstable` without refusing special-token text."""
        return self._encoding.encode_with_unstable(text, allowed_special=allowed_special, disallowed_special=())

    def encode_single_token(self, piece: bytes) -> int:
        """The id of bytes that are one token, mergeable or special; ``KeyError`` otherwise."""
        return self._encoding.encode_single_token(piece)

    def encode_single_piece(self, piece: bytes) -> list[int]:
        """The ids of one piece, not split."""
        return self._encoding._encode_single_piece(piece)

    def _encode_bytes(self, data: bytes) -> list[int]:
        """The ids of bytes that may not be valid UTF-8."""
        return self._encoding._encode_bytes(data)

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes of ``tokens``."""
        return self._encoding.decode_bytes(tokens)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one id."""
        return self._encoding.decode_single_token_bytes(token)

    def token_byte_values(self) -> list[bytes]:
        """The bytes of every mergeable token, sorted."""
        return self._encoding.token_byte_values()
