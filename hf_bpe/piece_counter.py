"""texts → piece counts: the counting stage of the trainer.

Compiled by mypyc. Each text is cut into pieces by the split pattern, exactly as encoding
cuts it, and every distinct piece (as UTF-8 bytes) is counted. The known patterns use the
hand-written scanners of :mod:`hf_bpe.scanners`, most others the compiled matcher of
:mod:`hf_bpe.pattern_matcher` (no ``str`` per piece); the rest are split by
:class:`~hf_bpe.pieces.Splitter`'s regex::

    >>> counter = PieceCounter(r" ?\\w+")
    >>> counts: dict[bytes, int] = {}
    >>> counter.count(["the cat", "the dog"], counts)
    14
    >>> counts
    {b'the': 2, b' cat': 1, b' dog': 1}

Counts add up, so any batching of the same texts, in any number of processes, gives the
same totals (:func:`add_counts` sums two tallies).
"""

from __future__ import annotations

from mypy_extensions import i64

from .pieces import Splitter, repair_surrogates
from .scanners import Sink


class PieceCounter:
    """Counts the pieces of texts for one split pattern."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.splitter = Splitter(pattern)
        self.family = self.splitter.family  # NONE under HF_BPE_NO_SCANNERS=1, as for encoding

    def __reduce__(self) -> tuple[type[PieceCounter], tuple[str]]:
        return (PieceCounter, (self.pattern,))

    def count(self, texts: list[str], counts: dict[bytes, int], max_chars: int = 0) -> int:
        """Add the pieces of every text to ``counts``; return the number of characters read.

        ``max_chars > 0`` keeps only the first ``max_chars`` characters of each text (as
        nanochat crops its documents). Lone surrogates are repaired first, as tiktoken does
        when encoding (pairs join, lone halves become U+FFFD).

            >>> counts = {}
            >>> PieceCounter(r"\\w").count(["abcdef"], counts, max_chars=2), counts
            (2, {b'a': 1, b'b': 1})
        """
        splitter = self.splitter
        if not splitter.compiled:
            return self._count_regex(texts, counts, max_chars)
        n_chars = 0
        tally = _Tally(counts)
        for text in texts:
            if max_chars > 0 and len(text) > max_chars:
                text = text[:max_chars]
            n_chars += len(text)
            splitter.feed(utf8(text), tally)
        return n_chars

    def _count_regex(self, texts: list[str], counts: dict[bytes, int], max_chars: int) -> int:
        n_chars = 0
        local: dict[str, int] = {}
        splitter = self.splitter
        for text in texts:
            if max_chars > 0 and len(text) > max_chars:
                text = text[:max_chars]
            n_chars += len(text)
            if not text.isascii():
                text = repair_surrogates(text)
            for piece in splitter.split(text):
                local[piece] = local.get(piece, 0) + 1
        for piece, count in local.items():
            key = piece.encode("utf-8")
            counts[key] = counts.get(key, 0) + count
        return n_chars


class _Tally(Sink):
    """Counts each piece a scanner or the compiled matcher finds."""

    def __init__(self, counts: dict[bytes, int]) -> None:
        self.counts = counts

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        piece = data[start:end]
        self.counts[piece] = self.counts.get(piece, 0) + 1


def utf8(text: str) -> bytes:
    """The UTF-8 bytes of ``text``, lone surrogates repaired (see :func:`repair_surrogates`)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return repair_surrogates(text).encode("utf-8")


def add_counts(total: dict[bytes, int], more: dict[bytes, int]) -> None:
    """Add the tally ``more`` into ``total``.

        >>> total = {b"a": 1}
        >>> add_counts(total, {b"a": 2, b"b": 1})
        >>> total
        {b'a': 3, b'b': 1}
    """
    for piece, count in more.items():
        total[piece] = total.get(piece, 0) + count


def subtract_counts(total: dict[bytes, int], added: dict[bytes, int]) -> None:
    """Take the tally ``added`` (added by :func:`add_counts`) out of ``total`` again: an
    update that is taken back.

        >>> total = {b"a": 3, b"b": 1}
        >>> subtract_counts(total, {b"a": 2, b"b": 1})
        >>> total
        {b'a': 1}
    """
    for piece, count in added.items():
        left: int = total[piece] - count
        if left:
            total[piece] = left
        else:
            del total[piece]
