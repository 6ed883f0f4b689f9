"""ids → bytes: look each id up and write its bytes out.

Compiled by mypyc::

    >>> from hf_bpe.decode import Decoder
    >>> d = Decoder({b"h": 0, b"i": 1, b"hi": 2}, {"<|end|>": 3})
    >>> d.decode_bytes([2, 0, 3])
    b'hih<|end|>'

Most tokens are at most 7 bytes long. Each such token is kept as one machine word (its
bytes little-endian, its length in the top byte), so decoding writes the word and moves
back over the bytes it does not need: no pointer to follow to a ``bytes`` object per id.
"""

from __future__ import annotations

from operator import index
from typing import Final, Optional

from librt.strings import BytesWriter, write_i64_le
from librt.vecs import vec
from mypy_extensions import i64

from .errors import UnknownTokenError, unknown_id_error
from .token_table import PAD, pack

#: Tokens of up to this many bytes are kept as words (see the module's docstring).
WORD_BYTES: Final = 7
#: Ids below twice the number of tokens plus this many are in the tables; higher ones in a dict.
FAR_IDS: Final = 1 << 16


def _unknown(token: int, tokens: Optional[list[int]] = None) -> UnknownTokenError:
    """The error for ``token``; with ``tokens`` (all the ids asked for), an id among them
    that no vocabulary can have comes first, as tiktoken converts the whole list first.
    Compiled, a float among the ids is a TypeError before this is called; uncompiled, the
    ``index`` calls raise it (a float compares with sizes, and 5e4 == 50000 in a dict)."""
    token = index(token)
    if tokens is not None:
        for other in tokens:
            other = index(other)
            if other < 0 or other >= 1 << 32:
                token = other
                break
    return unknown_id_error(token)  # (of 2**32 or more, also an OverflowError, as tiktoken raises)


class Decoder:
    """Maps ids to token bytes for mergeable and special tokens alike."""

    def __init__(self, ranks: dict[bytes, int], special_tokens: dict[str, int]) -> None:
        # Ids far above the vocabulary's size (a special at 50 million over 50,000 ranks,
        # a rank kept from a larger vocabulary) are kept in a dict, so that the tables
        # stay the vocabulary's size, whatever the ids.
        dense_limit = 2 * (len(ranks) + len(special_tokens)) + FAR_IDS
        size = 0
        far: dict[int, bytes] = {}
        for token, rank in ranks.items():
            if rank < dense_limit:
                size = max(size, rank + 1)
            else:
                far[rank] = token
        for text, rank in special_tokens.items():
            if rank < dense_limit:
                size = max(size, rank + 1)
            elif rank not in far:  # specials sharing an id: the first decodes it
                far[rank] = text.encode("utf-8")
        table: list[Optional[bytes]] = [None] * size
        for token, rank in ranks.items():
            if rank < size:
                table[rank] = token
        for text, rank in special_tokens.items():
            if rank < size and table[rank] is None:  # specials sharing an id: the first decodes it
                table[rank] = text.encode("utf-8")
        self.table: Final[list[Optional[bytes]]] = table
        self._far: Final[dict[int, bytes]] = far
        # words[id]: the token as a word, or 0 (longer, or no such id: see table).
        words = vec[i64]([0] * size)
        for rank in range(size):
            data = table[rank]
            if data is not None and 0 < len(data) <= WORD_BYTES:
                # Packed as the token table keys it: for up to 7 bytes, the bytes
                # little-endian in low and the length alone in high (its top byte).
                low, high = pack(data + PAD, 0, len(data))
                words[rank] = low | high
        self._words: Final[vec[i64]] = words

    def token_bytes(self, token: int) -> bytes:
        """The bytes of one id; :class:`UnknownTokenError` if there is no such id."""
        if 0 <= token < len(self.table):
            data = self.table[token]
            if data is not None:
                return data
        far = self._far.get(index(token))
        if far is None:
            raise _unknown(token)
        return far

    def decode_bytes(self, tokens: list[int]) -> bytes:
        """The bytes of all ids, concatenated."""
        words = self._words
        table = self.table
        size: int = len(words)  # an int: an id of any size compares (as i64 one would not)
        out = BytesWriter()
        for token in tokens:
            if token < 0 or token >= size:
                far = self._far.get(index(token))
                if far is None:
                    raise _unknown(token, tokens)
                out.write(far)
                continue
            t: i64 = token
            word: i64 = words[t]
            if word != 0:
                # Write all 8 bytes, then keep only the token's (its length is on top).
                write_i64_le(out, word)
                out.truncate(len(out) - 8 + (word >> 56))
            else:
                data = table[t]
                if data is None:
                    raise _unknown(token, tokens)
                out.write(data)
        return out.getvalue()

    def tokens_bytes(self, tokens: list[int]) -> list[bytes]:
        """The bytes of each id, as a list."""
        return [self.token_bytes(t) for t in tokens]

    def char_spans(self, tokens: list[int], text: str, base: i64 = 0) -> list[tuple[int, int]]:
        """The characters of ``text`` each id covers, ``(start, end)`` plus ``base``, for
        ``tokens``, the ids of ``text``: a token that holds part of a character covers all
        of it (both halves of a surrogate pair, which encoding joins; a lone surrogate is
        U+FFFD's three bytes, as encoding makes it).

            >>> d = Decoder({**{bytes([b]): b for b in range(256)}, b"h\\xc3": 256}, {})
            >>> d.char_spans([256, 0xA9, 0x69], "h\\xe9i", 10)  # "hé" split inside é
            [(10, 12), (11, 12), (12, 13)]
        """
        spans: list[tuple[int, int]] = []
        pos: i64 = base
        if text.isascii():  # a byte is a character
            for token in tokens:
                end: i64 = pos + self._length(token)
                spans.append((pos, end))
                pos = end
            return spans
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # surrogates: a pair is one character of 4 bytes
            return self._spans_by_character(tokens, text, base)
        size: i64 = len(data)
        pos = 0
        starts: i64 = 0  # characters starting before byte pos
        for token in tokens:
            end = min(pos + self._length(token), size)
            first: i64 = starts - 1 if pos < size and (data[pos] & 0xC0) == 0x80 else starts
            while pos < end:
                if (data[pos] & 0xC0) != 0x80:  # a character's first byte
                    starts += 1
                pos += 1
            spans.append((base + first, base + starts))
        return spans

    def _length(self, token: int) -> i64:
        """How many bytes ``token`` has (:class:`UnknownTokenError` if there is no such id)."""
        if 0 <= token < len(self._words):
            word: i64 = self._words[token]
            if word != 0:
                return word >> 56
        return len(self.token_bytes(token))

    def _spans_by_character(self, tokens: list[int], text: str, base: i64) -> list[tuple[int, int]]:
        """:meth:`char_spans` of a text with surrogates, read a character at a time."""
        spans: list[tuple[int, int]] = []
        n: i64 = len(text)
        k: i64 = 0  # the character holding byte ``pos``: at index k, from byte kpos
        kpos: i64 = 0
        pos: i64 = 0
        for token in tokens:
            end: i64 = pos + self._length(token)
            width, size = _char_at(text, k, n)
            while kpos + size <= pos:
                kpos += size
                k += width
                width, size = _char_at(text, k, n)
            j, jpos = k, kpos  # the character holding the token's last byte
            while jpos + size < end:
                jpos += size
                j += width
                width, size = _char_at(text, j, n)
            spans.append((base + k, base + j + width))
            pos = end
        return spans


def _char_at(text: str, k: i64, n: i64) -> tuple[i64, i64]:
    """The character at index ``k`` of ``text`` as encoding reads it: (its length in
    ``str`` positions, its UTF-8 bytes); past the end (0, 1)."""
    if k >= n:
        return 0, 1
    c = ord(text[k])
    if c < 0x80:
        return 1, 1
    if c < 0x800:
        return 1, 2
    if 0xD800 <= c < 0xDC00 and k + 1 < n and 0xDC00 <= ord(text[k + 1]) < 0xE000:
        return 2, 4  # a surrogate pair: one character
    if c < 0x10000:
        return 1, 3  # a lone surrogate too: U+FFFD
    return 1, 4
