"""Train a byte-level BPE vocabulary: texts → piece counts → merges → :class:`Encoding`.

The merges are exactly rustbpe's (nanochat's trainer) for the same texts, pattern and
vocabulary size: the pair with the largest count is merged next, ties go to the smaller
pair of ids, merges apply left to right without overlap. ``vocab_size`` counts the 256
byte tokens, the merges and the special tokens, which take the ids right after the last
merge, in the order given::

    >>> import hf_bpe
    >>> texts = ["the cat sat on the mat", "the dog sat on the log"] * 50
    >>> enc = hf_bpe.train_bpe(texts, 256 + 6 + 1, special_tokens=["<|bos|>"], num_proc=1)
    >>> enc.n_vocab, enc.decode(enc.encode(" the mat")), enc.encode("<|bos|>", allowed_special="all")
    (263, ' the mat', [262])

For many texts, feed them in batches; counting runs in ``num_proc`` processes::

    >>> trainer = hf_bpe.BpeTrainer(270, pattern="nanochat", num_proc=1)
    >>> trainer.update(texts[:50])
    >>> trainer.update(texts[50:])
    >>> trainer.train().n_vocab
    270

Every input (lists or streams of ``str``, parquet files or folders, ``datasets``
datasets) and every batching gives the same counts, so the same merges, for any
``num_proc``. Counts are Python ints (no overflow). When the corpus runs out of pairs
before ``vocab_size``, training stops there: the vocabulary is smaller, the special tokens
still follow the last merge, and a :class:`TrainingWarning` says so::

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     small = hf_bpe.train_bpe(texts, 400, special_tokens=["<|bos|>"], num_proc=1)
    >>> small.n_vocab, small.encode("<|bos|>", allowed_special="all"), caught[0].category.__name__
    (274, [273], 'TrainingWarning')
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import time
import warnings
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Callable, Optional, Union

from . import counts as _counts
from . import merges as _merges
from .encoding import Encoding
from .errors import TrainingError, TrainingWarning
from .patterns import NANOCHAT_SPECIAL_TOKENS, PATTERNS, get_pattern
from .counts import PieceCounter

__all__ = [
    "BpeTrainer",
    "NANOCHAT_SPECIAL_TOKENS",
    "PieceCounts",
    "TrainingWarning",
    "count_pieces",
    "train_bpe",
]

logger = logging.getLogger("hf_bpe")


#: Texts are sent to the counting processes in batches of about this many characters.
BATCH_CHARS = 1 << 20
#: A counting process holds at most this many batches not yet counted.
_MAX_INFLIGHT = 2

StrPath = Union[str, "os.PathLike[str]"]


class BpeTrainer:
    """Counts pieces from texts (``update`` as often as you like), then ``train()``.

    ``pattern`` is a name from :mod:`hf_bpe.patterns` (``"rustbpe"``, the default, is
    rustbpe's GPT-4 style pattern; ``"nanochat"``, ``"cl100k_base"``, ``"o200k_base"``, ...)
    or a regex. ``num_proc`` processes count (default: the usable CPU cores; inputs smaller
    than one batch are counted in this process). ``progress`` shows tqdm bars (``None``:
    only on a terminal). The trainer can be used as a context manager; :meth:`close` stops
    the counting processes (``train`` does too).
    """

    def __init__(
        self,
        vocab_size: int,
        *,
        pattern: str = "rustbpe",
        special_tokens: Iterable[str] = (),
        num_proc: Optional[int] = None,
        progress: Optional[bool] = None,
    ) -> None:
        specials = _checked_specials(special_tokens)
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
            raise TrainingError(f"vocab_size must be an int, got {vocab_size!r}")
        if vocab_size < 256 + len(specials):
            raise TrainingError(
                f"vocab_size={vocab_size} is too small: it must hold the 256 byte tokens and "
                f"the {len(specials)} special token(s), so at least {256 + len(specials)}"
            )
        if vocab_size - 256 - len(specials) > _merges.MAX_MERGES:
            raise TrainingError(f"vocab_size={vocab_size} is too large")
        if not isinstance(pattern, str):
            raise TrainingError(f"pattern must be a str, got {type(pattern).__name__}")
        if num_proc is None:
            num_proc = _usable_cpus()
        if isinstance(num_proc, bool) or not isinstance(num_proc, int) or num_proc < 1:
            raise TrainingError(f"num_proc must be a positive int or None, got {num_proc!r}")
        self.vocab_size = vocab_size
        self.pattern = get_pattern(pattern)
        self._counter = PieceCounter(self.pattern)  # raises PatternError if invalid
        self.special_tokens = specials
        self.num_proc = num_proc
        self.progress = progress
        self._counts: dict[bytes, int] = {}
        self._documents = 0
        self._chars = 0
        self._pool: Optional[_Pool] = None
        self._lost: Optional[str] = None

    # ------------------------------------------------------------------ counting

    @property
    def n_documents(self) -> int:
        """Documents counted so far (by completed ``update`` calls)."""
        return self._documents

    @property
    def n_chars(self) -> int:
        """Characters counted so far (after any ``max_chars`` crop)."""
        return self._chars

    def update(self, texts: Iterable[str], *, max_chars: int = 0) -> None:
        """Count the pieces of ``texts`` (any iterable of ``str``: a list, a generator...).

        ``max_chars > 0`` crops every text to its first ``max_chars`` characters. An item
        that is not a ``str`` raises :class:`TrainingError` and the whole call counts
        nothing (the counts are as before the call).
        """
        if isinstance(texts, (str, bytes)):
            raise TrainingError(
                "update() takes an iterable of texts, not a single "
                f"{type(texts).__name__}: wrap it in a list"
            )
        max_chars = _checked_max_chars(max_chars)
        total = len(texts) if isinstance(texts, Sequence) else None
        self._run(_text_batches(texts, max_chars), total)

    def update_from_parquet(
        self,
        paths: Union[StrPath, Iterable[StrPath]],
        *,
        column: str = "text",
        max_chars: int = 0,
    ) -> None:
        """Count the texts of column ``column`` of parquet files, read in row groups.

        ``paths`` is a file, a folder (its ``*.parquet`` files, in sorted order) or a list
        of either. Every file's schema is checked before anything is read: a missing or
        non-string column raises :class:`TrainingError`; so does a null in the column.
        Counting processes read their row groups themselves.
        """
        max_chars = _checked_max_chars(max_chars)
        files = parquet_files(paths)
        tasks: list[tuple[str, list[int]]] = []
        rows = 0
        for path, groups, n_rows in _parquet_plan(files, column):
            tasks.append((path, groups))
            rows += n_rows
        self._run(_parquet_tasks(tasks, column, max_chars), rows)

    def update_from_dataset(
        self,
        dataset: Any,
        *,
        column: str = "text",
        max_chars: int = 0,
        batch_size: int = 1000,
    ) -> None:
        """Count the texts of column ``column`` of a ``datasets.Dataset`` or ``IterableDataset``."""
        max_chars = _checked_max_chars(max_chars)
        names = getattr(dataset, "column_names", None)
        if not hasattr(dataset, "iter") or not hasattr(dataset, "select_columns"):
            raise TrainingError(
                f"expected a datasets.Dataset or IterableDataset, got {type(dataset).__name__}"
            )
        if names is not None and column not in names:
            raise TrainingError(
                f"the dataset has no column {column!r} (its columns: {', '.join(names)})"
            )
        total = None
        try:
            total = len(dataset)
        except TypeError:
            pass

        def texts() -> Iterator[str]:
            for batch in dataset.select_columns([column]).iter(batch_size=batch_size):
                if column not in batch:
                    raise TrainingError(f"the dataset has no column {column!r}")
                yield from batch[column]

        self._run(_text_batches(texts(), max_chars), total)

    def update_counts(self, counts: PieceCounts) -> None:
        """Add piece counts made elsewhere: :func:`count_pieces`, another trainer's
        :meth:`piece_counts`, the workers of a cluster.

        Training on the sum gives exactly the vocabulary of training on all the texts
        here. Counts of another split pattern raise :class:`TrainingError`. The documents
        and characters behind ``counts`` are not known, so :attr:`n_documents` and
        :attr:`n_chars` do not change.
        """
        if not isinstance(counts, PieceCounts):
            raise TrainingError(
                f"update_counts() takes PieceCounts (from count_pieces() or piece_counts()), "
                f"not {type(counts).__name__}"
            )
        _check_same_pattern(self.pattern, counts.pattern, "a trainer")
        if self._lost is not None:
            raise TrainingError(f"{self._lost}: start a new trainer")
        if self._counts:
            _counts.add_counts(self._counts, counts._counts)
        else:
            self._counts = dict(counts._counts)

    def piece_counts(self) -> PieceCounts:
        """A copy of the piece counts so far, by UTF-8 bytes (stops the counting processes)."""
        self._collect()
        return PieceCounts._wrap(self.pattern, dict(self._counts))

    # ------------------------------------------------------------------ training

    def train(self, name: str = "bpe") -> Encoding:
        """Learn the merges from the counts so far and return the :class:`Encoding`."""
        counts = self._collect()
        if not counts:
            raise TrainingError(
                "nothing to train on: no text was counted (empty corpus, or only empty texts)"
            )
        num_merges = self.vocab_size - 256 - len(self.special_tokens)
        start = time.perf_counter()
        merges = learn_merges(counts, num_merges, progress=self.progress)
        seconds = time.perf_counter() - start
        logger.info(
            "learned %d merges from %d unique pieces in %.2f s", len(merges), len(counts), seconds
        )
        ranks = ranks_from_merges(merges)
        if len(merges) < num_merges:
            warnings.warn(
                f"the corpus ran out of pairs after {len(merges)} merges ({num_merges} asked): "
                f"the vocabulary has {256 + len(merges) + len(self.special_tokens)} tokens, not "
                f"{self.vocab_size}",
                TrainingWarning,
                stacklevel=2,
            )
        first_special = 256 + len(merges)
        specials = {tok: first_special + i for i, tok in enumerate(self.special_tokens)}
        return Encoding(
            name,
            pat_str=self.pattern,
            mergeable_ranks=ranks,
            special_tokens=specials,
            explicit_n_vocab=first_special + len(specials),
        )

    # ------------------------------------------------------------------ processes

    def close(self) -> None:
        """Stop the counting processes, keeping what they counted."""
        self._collect()

    def __enter__(self) -> BpeTrainer:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        elif self._pool is not None:
            self._pool.terminate()
            self._pool = None

    def __del__(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            try:
                pool.terminate()
            except Exception:  # interpreter shutdown: the processes exit with us anyway
                pass

    def _collect(self) -> dict[bytes, int]:
        if self._lost is not None:
            raise TrainingError(f"{self._lost}: start a new trainer")
        if self._pool is not None:
            pool, self._pool = self._pool, None
            for tally in pool.finish():  # one at a time: at most one tally in flight
                if self._counts:
                    _counts.add_counts(self._counts, tally)
                else:
                    self._counts = tally
                del tally
        return self._counts

    def _run(self, tasks: Iterator[_Task], total: Optional[int]) -> None:
        """Count all ``tasks``; commit them all, or none if anything fails."""
        if self._lost is not None:
            raise TrainingError(f"{self._lost}: start a new trainer")
        start = time.perf_counter()
        first = next(tasks, None)
        if first is None:
            return
        second = next(tasks, None) if self._pool is None else None
        local = self.num_proc == 1 or (second is None and self._pool is None)
        if not local and self._pool is None:
            # Start the processes before any thread of ours (tqdm's monitor) exists.
            self._pool = _Pool(self.pattern, self.num_proc)
        bar = _bar(self.progress, total, "counting", "doc")
        docs = chars = 0
        try:
            if local:  # one batch, or one process: count here
                pending: dict[bytes, int] = {}
                for task in _chain(first, second, tasks):
                    d, c = _run_task(task, self._counter, pending)
                    docs += d
                    chars += c
                    if bar is not None:
                        bar.update(d)
                if self._counts:
                    _counts.add_counts(self._counts, pending)
                else:
                    self._counts = pending
            else:
                pool = self._pool
                assert pool is not None
                try:
                    for task in _chain(first, second, tasks):
                        for d, c in pool.submit(task):
                            docs += d
                            chars += c
                            if bar is not None:
                                bar.update(d)
                    for d, c in pool.commit():
                        docs += d
                        chars += c
                        if bar is not None:
                            bar.update(d)
                except BaseException:
                    try:
                        pool.abort()
                    except BaseException:  # e.g. a dead process: its counts are lost
                        pool.terminate()
                        self._pool = None
                        self._lost = "a counting process failed and its counts were lost"
                    raise
        finally:
            if bar is not None:
                bar.close()
        self._documents += docs
        self._chars += chars
        logger.info(
            "counted %d documents, %d characters in %.2f s (%s)",
            docs,
            chars,
            time.perf_counter() - start,
            "in this process" if local else f"{self.num_proc} processes",
        )


class PieceCounts(Mapping[bytes, int]):
    """Piece counts, the first phase of training: each piece's UTF-8 bytes → its count.

    Counts add up: the counts of any split of the data, added in any order, equal the
    counts of all of it, so training on the sum gives exactly the same vocabulary. Count
    anywhere (processes, a Ray or Spark cluster) with :func:`count_pieces`, add with ``+``
    or :meth:`add`, train with :meth:`BpeTrainer.update_counts`. The counts remember the
    split pattern that cut the pieces: adding counts of different patterns raises
    :class:`TrainingError`. They pickle as the pattern and a dict::

        >>> a = count_pieces(["the cat sat"])               # pattern "rustbpe", the default
        >>> b = count_pieces(["the cat ran"], pattern="rustbpe")
        >>> both = a + b
        >>> both[b" cat"], len(both), both.total
        (2, 4, 6)
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
        if not isinstance(pattern, str):
            raise TrainingError(f"pattern must be a str, got {type(pattern).__name__}")
        self._pattern = get_pattern(pattern)
        _piece_counter(self._pattern)  # raises PatternError if invalid
        self._counts: dict[bytes, int] = {}
        items = counts.items() if isinstance(counts, Mapping) else counts
        for item in items:
            if not isinstance(item, tuple) or len(item) != 2:
                raise TrainingError(f"expected (piece bytes, count) pairs, got {_short(item)}")
            piece, count = item
            if not isinstance(piece, bytes) or not piece:
                raise TrainingError(f"a piece must be non-empty bytes, got {_short(piece)}")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise TrainingError(f"the count of {piece!r} must be a positive int, got {count!r}")
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
        """The split pattern (the regex itself, also when built from a name like ``"rustbpe"``)."""
        return self._pattern

    @property
    def total(self) -> int:
        """The number of pieces counted (the sum of the counts)."""
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
        return f"<PieceCounts: {len(self._counts)} pieces, {self.total} in all, pattern {_pattern_label(self._pattern)}>"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (PieceCounts._wrap, (self._pattern, self._counts))

    def add(self, other: PieceCounts) -> None:
        """Add ``other`` into these counts (in place); counts of another pattern raise."""
        if not isinstance(other, PieceCounts):
            raise TrainingError(f"can only add PieceCounts, not {type(other).__name__}")
        _check_same_pattern(self._pattern, other._pattern)
        _counts.add_counts(self._counts, other._counts)

    def __add__(self, other: object) -> PieceCounts:
        if not isinstance(other, PieceCounts):
            return NotImplemented
        total = self.copy()
        total.add(other)
        return total

    def __iadd__(self, other: object) -> PieceCounts:
        if not isinstance(other, PieceCounts):
            return NotImplemented
        self.add(other)
        return self

    def copy(self) -> PieceCounts:
        """An independent copy."""
        return PieceCounts._wrap(self._pattern, dict(self._counts))

    def to_dict(self) -> dict[bytes, int]:
        """The counts as a new ``dict`` (piece bytes → count)."""
        return dict(self._counts)


def count_pieces(texts: Iterable[str], *, pattern: str = "rustbpe", max_chars: int = 0) -> PieceCounts:
    """The :class:`PieceCounts` of ``texts``, counted in this process (no trainer needed).

    This is the map step of training anywhere: count parts of the data on many workers,
    add the counts, and train once with :meth:`BpeTrainer.update_counts`. ``pattern`` and
    ``max_chars`` mean what they mean for :class:`BpeTrainer`; a text that is not a
    ``str`` raises :class:`TrainingError`.

        >>> counts = count_pieces(["hello world", "hello"], max_chars=8)
        >>> counts.to_dict()
        {b'hello': 2, b' wo': 1}
    """
    if isinstance(texts, (str, bytes)):
        raise TrainingError(
            f"count_pieces() takes an iterable of texts, not a single {type(texts).__name__}: "
            "wrap it in a list"
        )
    max_chars = _checked_max_chars(max_chars)
    if not isinstance(pattern, str):
        raise TrainingError(f"pattern must be a str, got {type(pattern).__name__}")
    pattern = get_pattern(pattern)
    counter = _piece_counter(pattern)
    counts: dict[bytes, int] = {}
    for task in _text_batches(texts, max_chars):
        _run_task(task, counter, counts)
    return PieceCounts._wrap(pattern, counts)


@functools.lru_cache(maxsize=16)
def _piece_counter(pattern: str) -> PieceCounter:
    """One counter per pattern and process (compiling a pattern is not free)."""
    return PieceCounter(pattern)


def _pattern_label(pattern: str) -> str:
    for name, regex in PATTERNS.items():
        if regex == pattern:
            return repr(name)
    return _short(pattern)


def _check_same_pattern(mine: str, theirs: str, target: str = "piece counts") -> None:
    if mine != theirs:
        raise TrainingError(
            f"cannot add piece counts of pattern {_pattern_label(theirs)} to {target} of "
            f"pattern {_pattern_label(mine)}"
        )


def train_bpe(
    texts: Iterable[str],
    vocab_size: int,
    *,
    pattern: str = "rustbpe",
    special_tokens: Iterable[str] = (),
    num_proc: Optional[int] = None,
    max_chars: int = 0,
    progress: Optional[bool] = None,
    name: str = "bpe",
) -> Encoding:
    """Train on ``texts`` in one call; see :class:`BpeTrainer` for the arguments.

        >>> enc = train_bpe(["low lower lowest"] * 10, 260, num_proc=1)
        >>> [enc.decode_single_token_bytes(t) for t in range(256, 260)]
        [b'lo', b'low', b' low', b' lowe']
    """
    with BpeTrainer(
        vocab_size,
        pattern=pattern,
        special_tokens=special_tokens,
        num_proc=num_proc,
        progress=progress,
    ) as trainer:
        trainer.update(texts, max_chars=max_chars)
        return trainer.train(name)


# ---------------------------------------------------------------------- merges → ranks


def learn_merges(
    counts: dict[bytes, int], num_merges: int, *, progress: Optional[bool] = None
) -> list[tuple[int, int]]:
    """The merges for ``counts`` (piece bytes → count), compiled fast path when possible.

        >>> learn_merges({b"hello": 2, b"hell": 1}, 10)
        [(101, 108), (104, 256), (257, 108), (258, 111)]
    """
    bar = _bar(progress, num_merges, "merging", "merge")
    callback: Optional[Callable[[int], None]] = None
    if bar is not None:
        shown = [0]

        def callback(done: int) -> None:
            bar.update(done - shown[0])
            shown[0] = done

    try:
        table = _merge_table()
        if table is not None:
            merges: Optional[list[tuple[int, int]]] = table.learn_counts(counts, num_merges, callback)
            if merges is not None:
                return merges
        words, word_counts = _merges.build_words(counts)
        return _merges.merge_words(words, word_counts, num_merges, callback)
    finally:
        if bar is not None:
            bar.close()


def ranks_from_merges(merges: list[tuple[int, int]]) -> dict[bytes, int]:
    """The mergeable ranks: the 256 single bytes, then one token per merge.

    Two merges that would make the same bytes raise :class:`TrainingError` (greedy BPE
    over whole words never does this; the check guards the vocabulary's consistency).

        >>> ranks = ranks_from_merges([(104, 105)])
        >>> len(ranks), ranks[b"hi"]
        (257, 256)
    """
    ranks = {bytes([i]): i for i in range(256)}
    for i, token in enumerate(_merges.merge_bytes(merges)):
        if token in ranks:
            raise TrainingError(
                f"merge {i} ({merges[i]}) makes {token!r}, which is already token {ranks[token]}"
            )
        ranks[token] = 256 + i
    return ranks


def _merge_table() -> Any:
    """The packed-array merge loop when it runs compiled, else None."""
    from . import COMPILED

    if not COMPILED:
        return None
    try:
        from . import merge_table
    except ImportError:  # librt missing: the list-based loop gives the same merges
        return None
    if merge_table.__file__ is None or merge_table.__file__.endswith(".py"):
        return None
    return merge_table


# ---------------------------------------------------------------------- tasks

#: ("texts", texts, max_chars) or ("parquet", path, row_groups, column, max_chars).
_Task = tuple[Any, ...]


def _chain(first: _Task, second: Optional[_Task], rest: Iterator[_Task]) -> Iterator[_Task]:
    yield first
    if second is not None:
        yield second
    yield from rest


def _text_batches(texts: Iterable[Any], max_chars: int) -> Iterator[_Task]:
    batch: list[str] = []
    size = 0
    for i, text in enumerate(texts):
        if type(text) is not str:
            if not isinstance(text, str):
                raise TrainingError(
                    f"text {i} is a {type(text).__name__}, not a str: {_short(text)}"
                )
            text = str(text)
        if 0 < max_chars < len(text):
            text = text[:max_chars]  # crop here: less to send
        batch.append(text)
        size += len(text)
        if size >= BATCH_CHARS:
            yield ("texts", batch, max_chars)
            batch = []
            size = 0
    if batch:
        yield ("texts", batch, max_chars)


def _parquet_tasks(
    plan: list[tuple[str, list[int]]], column: str, max_chars: int
) -> Iterator[_Task]:
    for path, groups in plan:
        for g in groups:
            yield ("parquet", path, g, column, max_chars)


def _run_task(task: _Task, counter: PieceCounter, counts: dict[bytes, int]) -> tuple[int, int]:
    """Count one task into ``counts``: (documents, characters)."""
    if task[0] == "texts":
        _, texts, max_chars = task
        return len(texts), counter.count(texts, counts, max_chars)
    _, path, group, column, max_chars = task
    texts = _read_row_group(path, group, column)
    return len(texts), counter.count(texts, counts, max_chars)


def parquet_files(paths: Union[StrPath, Iterable[StrPath]]) -> list[str]:
    """The parquet files named by ``paths`` (a file, a folder, or a list of either)."""
    if isinstance(paths, (str, os.PathLike)):
        items: list[StrPath] = [paths]
    else:
        items = list(paths)
    files: list[str] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.glob("*.parquet") if f.is_file())
            if not found:
                raise TrainingError(f"no *.parquet files in folder {str(p)!r}")
            files.extend(found)
        elif p.is_file():
            files.append(str(p))
        else:
            raise TrainingError(f"no such parquet file or folder: {str(p)!r}")
    if not files:
        raise TrainingError("no parquet files given")
    return files


def _parquet_plan(files: list[str], column: str) -> Iterator[tuple[str, list[int], int]]:
    """(path, row groups, rows) per file, after checking every schema."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise ImportError("reading parquet files needs pyarrow: pip install pyarrow") from err

    plan = []
    for path in files:
        try:
            meta = pq.ParquetFile(path)
        except (OSError, pa.ArrowException) as err:
            raise TrainingError(f"cannot read parquet file {path!r}: {err}") from None
        schema = meta.schema_arrow
        if column not in schema.names:
            raise TrainingError(
                f"parquet file {path!r} has no column {column!r} "
                f"(its columns: {', '.join(schema.names)})"
            )
        kind = schema.field(column).type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise TrainingError(
                f"column {column!r} of parquet file {path!r} holds {kind}, not strings"
            )
        groups = list(range(meta.metadata.num_row_groups))
        plan.append((path, groups, meta.metadata.num_rows))
    return iter(plan)


def _read_row_group(path: str, group: int, column: str) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read_row_group(group, columns=[column])
    col = table.column(column)
    if col.null_count:
        raise TrainingError(
            f"column {column!r} of parquet file {path!r} has a null in row group {group}"
        )
    texts: list[str] = col.to_pylist()
    return texts


# ---------------------------------------------------------------------- processes


class _Pool:
    """``num_proc`` counting processes; each keeps its own tally until ``finish``.

    An update is all or nothing: its tasks are counted into each process's *pending*
    tally; :meth:`commit` first waits until every process has counted all its tasks
    (``sync``), then tells them all to keep (``commit``) or, if any task failed, to drop
    (``abort``) what they counted since the last commit.
    """

    def __init__(self, pattern: str, num_proc: int) -> None:
        ctx = multiprocessing.get_context()
        self._outbox: Any = ctx.Queue()
        self._inboxes: list[Any] = []
        self._procs: list[Any] = []
        self._inflight: list[int] = []
        self._error: Optional[str] = None
        self._finished: set[int] = set()  # processes that sent their tally and exit
        for wid in range(num_proc):
            inbox = ctx.Queue()
            proc = ctx.Process(
                target=_worker_main,
                args=(pattern, wid, inbox, self._outbox, os.getpid()),
                daemon=True,
                name=f"hf_bpe-count-{wid}",
            )
            proc.start()
            self._inboxes.append(inbox)
            self._procs.append(proc)
            self._inflight.append(0)

    def submit(self, task: _Task) -> Iterator[tuple[int, int]]:
        """Hand ``task`` to the least busy process; yields (docs, chars) counted meanwhile."""
        while min(self._inflight) >= _MAX_INFLIGHT:
            yield from self._receive(block=True)
        yield from self._receive(block=False)
        wid = self._inflight.index(min(self._inflight))
        self._inboxes[wid].put(task)
        self._inflight[wid] += 1

    def commit(self) -> Iterator[tuple[int, int]]:
        """Wait for every task, then keep the update's counts (or drop them and raise)."""
        yield from self._barrier("sync")
        if self._error is not None:
            error = self._error
            self.abort()
            raise TrainingError(f"a counting process failed: {error}")
        for _ in self._barrier("commit"):
            pass

    def abort(self) -> None:
        """Wait for every task, then drop what this update counted."""
        for _ in self._barrier("sync"):
            pass
        for _ in self._barrier("abort"):
            pass
        self._error = None

    def _barrier(self, kind: str) -> Iterator[tuple[int, int]]:
        for inbox in self._inboxes:
            inbox.put((kind,))
        waiting = set(range(len(self._procs)))
        while waiting:
            msg = self._get()
            if msg[0] == kind:
                waiting.discard(msg[1])
            else:
                yield from self._handle(msg)

    def finish(self) -> Iterator[dict[bytes, int]]:
        """Stop the processes, yielding their tallies one by one as they arrive."""
        for inbox in self._inboxes:
            inbox.put(("finish",))
        while len(self._finished) < len(self._procs):
            msg = self._get()
            if msg[0] == "finish":
                self._finished.add(msg[1])
                yield msg[2]
        for proc in self._procs:
            proc.join()
        self._close_queues()

    def _close_queues(self) -> None:
        for q in [*self._inboxes, self._outbox]:
            q.close()
            q.join_thread()

    def terminate(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join()
        for q in [*self._inboxes, self._outbox]:
            q.cancel_join_thread()
            q.close()

    def _receive(self, block: bool) -> Iterator[tuple[int, int]]:
        while True:
            if block:
                msg = self._get()
                block = False
            else:
                try:
                    msg = self._outbox.get_nowait()
                except queue.Empty:
                    return
            yield from self._handle(msg)
            if self._error is not None:
                raise TrainingError(f"a counting process failed: {self._error}")

    def _handle(self, msg: Any) -> Iterator[tuple[int, int]]:
        if msg[0] == "done":
            self._inflight[msg[1]] -= 1
            yield msg[2], msg[3]
        elif msg[0] == "error":
            self._inflight[msg[1]] -= 1
            self._error = self._error or msg[2]

    def _get(self) -> Any:
        while True:
            try:
                return self._outbox.get(timeout=0.5)
            except queue.Empty:
                for wid, proc in enumerate(self._procs):
                    if wid not in self._finished and not proc.is_alive():
                        raise TrainingError(
                            f"counting process {proc.name} died (exit code {proc.exitcode}); "
                            "out of memory?"
                        ) from None


def _worker_main(pattern: str, wid: int, inbox: Any, outbox: Any, parent: int) -> None:
    """A counting process: count tasks into ``pending``; sync/commit/abort/finish on request."""
    counter = PieceCounter(pattern)
    total: dict[bytes, int] = {}
    pending: dict[bytes, int] = {}
    failed = False
    while True:
        try:
            msg = inbox.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                return
            continue
        kind = msg[0]
        if kind in ("texts", "parquet"):
            if failed:  # the update is lost anyway: skip the work
                outbox.put(("done", wid, 0, 0))
                continue
            try:
                docs, chars = _run_task(msg, counter, pending)
            except Exception as err:  # reported to the parent, which aborts the update
                failed = True
                pending = {}
                outbox.put(("error", wid, f"{type(err).__name__}: {err}"))
                continue
            outbox.put(("done", wid, docs, chars))
        elif kind == "sync":
            outbox.put(("sync", wid))
        elif kind == "commit":
            if total:
                _counts.add_counts(total, pending)
            else:
                total = pending
            pending = {}
            outbox.put(("commit", wid))
        elif kind == "abort":
            pending = {}
            failed = False
            outbox.put(("abort", wid))
        elif kind == "finish":
            outbox.put(("finish", wid, total))
            return


# ---------------------------------------------------------------------- helpers


def _checked_specials(special_tokens: Iterable[str]) -> tuple[str, ...]:
    if isinstance(special_tokens, str):
        raise TrainingError("special_tokens must be a list of str, not a single str")
    specials = tuple(special_tokens)
    seen: set[str] = set()
    for tok in specials:
        if not isinstance(tok, str) or not tok:
            raise TrainingError(f"special tokens must be non-empty str, got {tok!r}")
        if tok in seen:
            raise TrainingError(f"special token {tok!r} is given twice")
        seen.add(tok)
    return specials


def _checked_max_chars(max_chars: int) -> int:
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 0:
        raise TrainingError(f"max_chars must be an int >= 0 (0: no crop), got {max_chars!r}")
    return max_chars


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bar(progress: Optional[bool], total: Optional[int], desc: str, unit: str) -> Optional[_Progress]:
    """Progress for one stage, or None when ``progress`` is False."""
    return None if progress is False else _Progress(progress, total, desc, unit)


class _Progress:
    """A tqdm bar where a terminal shows it; elsewhere an INFO log line every 5%."""

    STEP = 0.05

    def __init__(self, progress: Optional[bool], total: Optional[int], desc: str, unit: str) -> None:
        self._total, self._desc, self._unit = total, desc, unit
        self._done = 0
        self._next = self.STEP
        self._start = time.perf_counter()
        self._bar: Any = None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, disable=None if progress is None else False)
        if bar.disable:
            bar.close()
        else:
            self._bar = bar

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)
            return
        self._done += n
        if self._total and self._done >= self._next * self._total:
            logger.info(
                "%s: %d of %d %ss (%.0f%%) in %.1fs", self._desc, self._done, self._total,
                self._unit, 100 * self._done / self._total, time.perf_counter() - self._start,
            )
            self._next = (int(self._done / self._total / self.STEP) + 1) * self.STEP

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
