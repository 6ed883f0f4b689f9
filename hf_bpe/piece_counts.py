"""Piece counts, the first phase of training, and :func:`count_pieces`, which makes them.

:class:`PieceCounts` maps each piece's UTF-8 bytes to its count and remembers the split
pattern that cut the pieces. Counts add up, so they can be made anywhere (processes, a Ray
or Spark cluster) and trained on once with :meth:`~hf_bpe.trainer.BpeTrainer.update_counts`::

    >>> counts = count_pieces(["the cat sat"]) + count_pieces(["the cat ran"])
    >>> counts[b" cat"], counts.total
    (2, 6)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Union

from .piece_counter import PieceCounter, add_counts
from .errors import TrainingError, TrainingTypeError, _a_type, short_repr
from .patterns import get_pattern, pattern_names
from .training_sources import BATCH_CHARS, check_texts, checked_max_chars, run_task, text_batches

__all__ = ["PieceCounts", "count_pieces"]


class PieceCounts(Mapping[bytes, int]):
    """Piece counts, the first phase of training: each piece's UTF-8 bytes → its count.

    Counts add up: the counts of any split of the data, added in any order, equal the
    counts of all of it, so training on the sum gives exactly the same vocabulary. Count
    anywhere (processes, a Ray or Spark cluster) with :func:`count_pieces`, add with ``+``
    or :meth:`add`, train with :meth:`BpeTrainer.update_counts`. The counts remember the
    split pattern that cut the pieces: adding counts of different patterns raises
    :class:`TrainingError`. They pickle as a format number, the pattern and a dict, all
    checked again when loaded (as the constructor checks)::

        >>> a = count_pieces(["the cat sat"])               # pattern "rustbpe", the default
        >>> b = count_pieces(["the cat ran"], pattern="rustbpe")
        >>> both = a + b
        >>> both[b" cat"], len(both), both.total
        (2, 4, 6)
        >>> from hf_bpe import BpeTrainer
        >>> trainer = BpeTrainer(258, num_proc=1)
        >>> trainer.update_counts(both)
        >>> [trainer.train().decode_single_token_bytes(t) for t in (256, 257)]
        [b'at', b' c']
        >>> a + count_pieces(["the cat"], pattern="o200k_base")
        Traceback (most recent call last):
        ...
        hf_bpe.errors.TrainingError: cannot add piece counts of pattern 'o200k_base' to piece counts of pattern 'rustbpe'

    ``PieceCounts(mapping, pattern=...)`` builds counts from a mapping (or pairs) of
    non-empty ``bytes`` to positive ``int``. Two ``PieceCounts`` are equal when their
    patterns and counts are; compared with a plain ``dict``, only the counts matter.
    """

    __slots__ = ("_pattern", "_counts")

    def __init__(
        self,
        counts: Union[Mapping[bytes, int], Iterable[tuple[bytes, int]]] = (),
        *,
        pattern: str = "rustbpe",
    ) -> None:
        self._pattern = checked_pattern(pattern)
        self._counts: dict[bytes, int] = {}
        items = counts.items() if isinstance(counts, Mapping) else counts
        for item in items:
            if not isinstance(item, tuple) or len(item) != 2:
                raise TrainingTypeError(f"expected (piece bytes, count) pairs, got {short_repr(item)}")
            piece, count = item
            if not isinstance(piece, bytes) or not piece:
                error = TrainingError if isinstance(piece, bytes) else TrainingTypeError
                raise error(f"a piece must be non-empty bytes, got {short_repr(piece)}")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                error = TrainingError if isinstance(count, int) and not isinstance(count, bool) else TrainingTypeError
                raise error(f"the count of {piece!r} must be a positive int, got {count!r}")
            self._counts[piece] = self._counts.get(piece, 0) + count

    @classmethod
    def _wrap(cls, pattern: str, counts: dict[bytes, int]) -> PieceCounts:
        """Counts that are known good (no copy, no checks)."""
        self = cls.__new__(cls)
        self._pattern = pattern
        self._counts = counts
        return self

    @property
    def pattern(self) -> str:
        """The split pattern (the regex itself, also when built from a name like ``"rustbpe"``).

            >>> from hf_bpe.patterns import get_pattern
            >>> count_pieces(["hi there"], pattern=r"\\S+|\\s+").pattern
            '\\\\S+|\\\\s+'
            >>> count_pieces(["hi there"]).pattern == get_pattern("rustbpe")
            True
        """
        return self._pattern

    @property
    def total(self) -> int:
        """The number of pieces counted (the sum of the counts).

            >>> counts = count_pieces(["the cat sat", "the cat"])
            >>> counts.total, len(counts)                      # 5 pieces, 3 different
            (5, 3)
        """
        return sum(self._counts.values())

    def __getitem__(self, piece: bytes) -> int:
        return self._counts[piece]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def __contains__(self, piece: object) -> bool:
        return piece in self._counts

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PieceCounts):
            return self._pattern == other._pattern and self._counts == other._counts
        if isinstance(other, Mapping):
            return self._counts == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<PieceCounts: {len(self._counts)} pieces, {self.total} in all, pattern {pattern_label(self._pattern)}>"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_unpickle, (_PICKLE_FORMAT, self._pattern, self._counts))

    def add(self, other: PieceCounts) -> None:
        """Add ``other`` into these counts (in place); counts of another pattern raise.

            >>> counts = count_pieces(["the cat sat"])
            >>> counts.add(count_pieces(["the cat ran"]))
            >>> counts[b" cat"], counts.total
            (2, 6)
        """
        if not isinstance(other, PieceCounts):
            raise TrainingTypeError(f"can only add PieceCounts, not {type(other).__name__}")
        check_same_pattern(self._pattern, other._pattern)
        add_counts(self._counts, other._counts)

    def __add__(self, other: object) -> PieceCounts:
        if not isinstance(other, PieceCounts):
            return NotImplemented
        total = self.copy()
        total.add(other)
        return total

    def __radd__(self, other: object) -> PieceCounts:
        """``0 + counts``: what ``sum`` starts from, so that counts of shards add up::

            >>> sum([count_pieces(["the cat"]), count_pieces(["the dog"])])[b"the"]
            2
        """
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self.copy()
        return NotImplemented

    def __iadd__(self, other: object) -> PieceCounts:
        if not isinstance(other, PieceCounts):
            return NotImplemented
        self.add(other)
        return self

    def copy(self) -> PieceCounts:
        """An independent copy (``copy.copy`` gives the same).

            >>> counts = count_pieces(["the cat"])
            >>> twice = counts.copy()
            >>> twice.add(counts)
            >>> counts[b"the"], twice[b"the"]
            (1, 2)
        """
        return PieceCounts._wrap(self._pattern, dict(self._counts))

    __copy__ = copy

    def to_dict(self) -> dict[bytes, int]:
        """The counts as a new ``dict`` (piece bytes → count).

            >>> count_pieces(["the cat", "the"]).to_dict()
            {b'the': 2, b' cat': 1}
        """
        return dict(self._counts)


#: The form of a pickled PieceCounts: (format, pattern, dict). (Pickles made before the
#: format was named call ``PieceCounts._wrap`` with the pattern and the dict.)
_PICKLE_FORMAT = 1


def _unpickle(form: object, pattern: object, counts: object) -> PieceCounts:
    """A pickled :class:`PieceCounts`, checked as the constructor checks (a pickle may have
    been cut, corrupted or made by hand), in passes at C speed: 2 million pieces in a few
    tens of milliseconds."""
    if form != _PICKLE_FORMAT:
        raise TrainingError(f"piece counts pickled in format {form!r}; this hf_bpe reads format {_PICKLE_FORMAT}")
    if not isinstance(counts, dict):
        raise TrainingTypeError(f"pickled piece counts hold {_a_type(counts)}, not a dict")
    regex = checked_pattern(pattern)
    if regex != pattern:  # a name: pickles hold the regex itself
        raise TrainingError(f"pickled piece counts hold the pattern name {pattern!r}, not a regex")
    if not set(map(type, counts)) <= {bytes} or b"" in counts:
        bad = next(piece for piece in counts if type(piece) is not bytes or not piece)
        error = TrainingError if type(bad) is bytes else TrainingTypeError  # (as the constructor's)
        raise error(f"pickled piece counts: a piece must be non-empty bytes, got {short_repr(bad)}")
    if not set(map(type, counts.values())) <= {int} or counts and min(counts.values()) < 1:
        bad = next(n for n in counts.values() if type(n) is not int or n < 1)
        error = TrainingError if type(bad) is int else TrainingTypeError
        raise error(f"pickled piece counts: a count must be a positive int, got {short_repr(bad)}")
    return PieceCounts._wrap(regex, counts)


def count_pieces(texts: Iterable[str], *, pattern: str = "rustbpe", max_chars: int = 0) -> PieceCounts:
    """The :class:`PieceCounts` of ``texts``, counted in this process (no trainer needed).

    This is the map step of training anywhere: count parts of the data on many workers,
    add the counts, and train once with :meth:`BpeTrainer.update_counts`. ``pattern``
    means what it means for :class:`BpeTrainer`; ``max_chars`` crops each text to its
    first ``max_chars`` characters (0: no crop). A text that is not a ``str`` raises
    :class:`TrainingTypeError`.

        >>> counts = count_pieces(["hello world", "hello"], max_chars=8)
        >>> counts.to_dict()
        {b'hello': 2, b' wo': 1}
    """
    check_texts(texts, "count_pieces()")
    max_chars = checked_max_chars(max_chars)
    pattern = checked_pattern(pattern)
    counter = counter_for(pattern)
    counts: dict[bytes, int] = {}
    for task in text_batches(texts, max_chars, BATCH_CHARS):
        run_task(task, counter, counts)
    return PieceCounts._wrap(pattern, counts)


def checked_pattern(pattern: object) -> str:
    """The regex of ``pattern`` (a name of :data:`~hf_bpe.patterns.PATTERNS` or a regex),
    checked before any text is counted: :class:`TrainingTypeError` if it is not a str,
    :class:`~hf_bpe.errors.PatternError` if it cannot split text.

        >>> checked_pattern(5)
        Traceback (most recent call last):
        ...
        hf_bpe.errors.TrainingTypeError: pattern must be a str (a name such as "rustbpe", the default, or a regex), got int
    """
    if not isinstance(pattern, str):
        raise TrainingTypeError(f'pattern must be a str (a name such as "rustbpe", the default, or a regex), got {type(pattern).__name__}')
    regex = get_pattern(pattern)
    counter_for(regex)
    return regex


@functools.lru_cache(maxsize=16)
def counter_for(pattern: str) -> PieceCounter:
    """One counter per pattern and process (compiling a pattern is not free; a counter
    keeps no counts of its own, so threads share it)."""
    return PieceCounter(pattern)


def pattern_label(pattern: str) -> str:
    """A pattern as a message or repr names it: its name if it has one, else the regex cut short."""
    names = pattern_names(pattern)
    return repr(names[0]) if names else short_repr(pattern)


def check_same_pattern(mine: str, theirs: str, target: str = "piece counts") -> None:
    if mine != theirs:
        raise TrainingError(
            f"cannot add piece counts of pattern {pattern_label(theirs)} to {target} of "
            f"pattern {pattern_label(mine)}"
        )
