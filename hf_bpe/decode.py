"""ids → bytes: look each id up and join.

Compiled by mypyc::

    >>> from hf_bpe.decode import Decoder
    >>> d = Decoder({b"h": 0, b"i": 1, b"hi": 2}, {"<|end|>": 3})
    >>> d.decode_bytes([2, 0, 3])
    b'hih<|end|>'
"""

from __future__ import annotations

from typing import Any, Final, Optional

from .errors import UnknownTokenError


class Decoder:
    """Maps ids to token bytes for mergeable and special tokens alike."""

    def __init__(self, ranks: dict[bytes, int], special_tokens: dict[str, int]) -> None:
        size = 0
        for rank in ranks.values():
            size = max(size, rank + 1)
        for rank in special_tokens.values():
            size = max(size, rank + 1)
        table: list[Optional[bytes]] = [None] * size
        for token, rank in ranks.items():
            table[rank] = token
        for text, rank in special_tokens.items():
            if table[rank] is None:  # specials sharing an id: the first one decodes it
                table[rank] = text.encode("utf-8")
        self.table: Final[list[Optional[bytes]]] = table

    def token_bytes(self, token: int) -> bytes:
        """The bytes of one id; :class:`UnknownTokenError` if there is no such id."""
        if 0 <= token < len(self.table):
            data = self.table[token]
            if data is not None:
                return data
        raise UnknownTokenError(f"invalid token id {token!r}: not in the vocabulary")

    def decode_bytes(self, tokens: list[int]) -> bytes:
        """The bytes of all ids, concatenated."""
        table = self.table
        size = len(table)
        for token in tokens:
            if token < 0 or token >= size:
                raise UnknownTokenError(f"invalid token id {token!r}: not in the vocabulary")
        # One pass that C can run: gather, then join (a gap in the ids is None: TypeError).
        parts: list[Any] = [table[token] for token in tokens]
        try:
            return b"".join(parts)
        except TypeError:
            pass
        for token in tokens:
            if table[token] is None:
                raise UnknownTokenError(f"invalid token id {token!r}: not in the vocabulary")
        raise AssertionError("unreachable")  # pragma: no cover

    def tokens_bytes(self, tokens: list[int]) -> list[bytes]:
        """The bytes of each id, as a list."""
        return [self.token_bytes(t) for t in tokens]
