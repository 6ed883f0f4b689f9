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

import itertools
import logging
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Optional, Union

from . import piece_counter as _piece_counter
from . import merges as _merges
from .count_pool import CountPool
from .encoding import Encoding
from .batch_columns import column_texts
from .errors import (
    ColumnError,
    TextDecodeError,
    TextTypeError,
    TrainingError,
    TrainingTypeError,
    TrainingWarning,
    _a_type,
    _outside_stacklevel,
)
from .patterns import NANOCHAT_SPECIAL_TOKENS
from .parallel import in_worker, interrupts_deferred, refuse_in_main_run_again, usable_cpus
from .pieces import has_lone_surrogate
from .piece_counts import PieceCounts, check_same_pattern, checked_pattern, count_pieces, counter_for, pattern_label
from .progress import progress_bar
from .training_sources import BATCH_CHARS as BATCH_CHARS
from .training_sources import StrPath as StrPath
from .training_sources import parquet_files as parquet_files
from .training_sources import (
    chain_tasks,
    check_column_name,
    check_texts,
    checked_int,
    checked_max_chars,
    dataset_batches_typed,
    parquet_plan,
    parquet_tasks,
    run_task,
    Task,
    text_batches,
)

__all__ = [
    "BpeTrainer",
    "NANOCHAT_SPECIAL_TOKENS",
    "PieceCounts",
    "TrainingWarning",
    "count_pieces",
    "train_bpe",
]

logger = logging.getLogger("hf_bpe")

# The counting stages live in their own modules: piece_counts (PieceCounts, count_pieces),
# training_sources (texts and parquet files → counting tasks), count_pool (the counting
# processes), progress (bars and log lines). BATCH_CHARS comes from training_sources; the
# trainer reads this module's name at each update, so setting hf_bpe.trainer.BATCH_CHARS
# changes the trainer's batches.


class BpeTrainer:
    """Counts pieces from texts (``update`` as often as you like), then ``train()``.

    ``pattern`` is a name from :mod:`hf_bpe.patterns` (``"rustbpe"``, the default, is
    rustbpe's GPT-4 style pattern; ``"nanochat"``, ``"cl100k_base"``, ``"o200k_base"``, ...)
    or a regex. ``num_proc`` processes count (default: the usable CPU cores; inputs smaller
    than one batch, about a million characters (``BATCH_CHARS``), and inputs in a worker
    process such as a ``multiprocessing.Pool``'s, are counted in this process). ``progress`` shows tqdm bars (``None``:
    on a terminal or in a notebook). The trainer can be used as a context manager; :meth:`close` stops
    the counting processes (``train`` does too).

    ``vocab_size`` counts the 256 byte tokens, the merges and the special tokens; the
    special tokens take the ids right after the last merge, in the order given (fewer
    merges if the corpus runs out of pairs: see :mod:`hf_bpe.trainer`)::

        >>> trainer = BpeTrainer(256 + 2 + 1, special_tokens=["<|end|>"], num_proc=1)
        >>> trainer.update(["the cat sat", "the hat"])
        >>> enc = trainer.train()
        >>> enc.n_vocab, enc.special_tokens, enc.decode_single_token_bytes(256)
        (259, {'<|end|>': 258}, b'at')
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
        vocab_size = checked_int(
            "vocab_size", vocab_size, 256 + len(specials),
            f" (it holds the 256 byte tokens and the {len(specials)} special token(s))",
        )
        if vocab_size - 256 - len(specials) > _merges.MAX_MERGES:
            most = _merges.MAX_MERGES + 256 + len(specials)
            raise TrainingError(
                f"vocab_size={vocab_size} is too large: at most {most} (2**31 ids, the 256 byte "
                f"tokens and the {len(specials)} special token(s) among them)"
            )
        self.pattern = checked_pattern(pattern)
        num_proc = usable_cpus() if num_proc is None else checked_int("num_proc", num_proc, 1, " (or None)")
        self.vocab_size = vocab_size
        self._counter = counter_for(self.pattern)
        self.special_tokens = specials
        if progress is not None and progress not in (True, False):  # "no" would show bars
            raise TrainingTypeError(f"progress must be True, False or None, not {progress!r}")
        self.num_proc = num_proc
        self.progress = None if progress is None else bool(progress)  # 0 showed bars
        self._counts: dict[bytes, int] = {}
        self._documents = 0
        self._chars = 0
        self._pool: Optional[CountPool] = None
        self._lost: Optional[str] = None

    def __repr__(self) -> str:
        """``<BpeTrainer: vocab_size 300, pattern 'rustbpe', 2 documents counted>``"""
        running = f", its {self.num_proc} counting processes running" if self._pool is not None else ""
        return (
            f"<BpeTrainer: vocab_size {self.vocab_size}, pattern {pattern_label(self.pattern)}, "
            f"{self._documents} documents counted{running}>"
        )

    # ------------------------------------------------------------------ counting

    @property
    def n_documents(self) -> int:
        """Documents counted so far (by completed ``update`` calls).

            >>> trainer = BpeTrainer(300, num_proc=1)
            >>> trainer.update(["the cat", "the hat"])
            >>> trainer.n_documents
            2
        """
        return self._documents

    @property
    def n_chars(self) -> int:
        """Characters counted so far (after any ``max_chars`` crop).

            >>> trainer = BpeTrainer(300, num_proc=1)
            >>> trainer.update(["the cat", "the hat"])
            >>> trainer.update(["a dog"], max_chars=3)
            >>> trainer.n_chars                                # 7 + 7 + 3 ("a d")
            17
        """
        return self._chars

    def update(self, texts: Iterable[str], *, max_chars: int = 0) -> None:
        """Count the pieces of ``texts`` (any iterable of ``str``: a list, a generator...).

        ``max_chars > 0`` crops every text to its first ``max_chars`` characters. An item
        that is not a ``str`` raises :class:`TrainingTypeError` and the whole call counts
        nothing (the counts are as before the call).

            >>> trainer = BpeTrainer(300, num_proc=1)
            >>> trainer.update(text for text in ["the cat", "the hat"])
            >>> trainer.update(["the dog"], max_chars=4)      # counts "the "
            >>> trainer.piece_counts().to_dict()
            {b'the': 3, b' cat': 1, b' hat': 1, b' ': 1}
        """
        check_texts(texts)
        max_chars = checked_max_chars(max_chars)
        total = len(texts) if isinstance(texts, Sequence) else None
        self._run(text_batches(texts, max_chars, BATCH_CHARS), total)

    def update_from_parquet(
        self,
        paths: Union[StrPath, Iterable[StrPath]],
        *,
        column: str = "text",
        max_chars: int = 0,
    ) -> None:
        """Count the texts of column ``column`` of parquet files, read in row groups.

        ``paths`` is a file, a folder (its ``*.parquet`` files and its sub-folders', in
        sorted order, hidden ones left out) or a list of either. Every file's schema is checked before anything is read: a missing
        column raises :class:`TrainingError`, a non-string one :class:`TrainingTypeError`
        (strings of any arrow type count: ``string``, ``large_string``, ``string_view``, a
        dictionary of them); so does a null. Counting processes read their row groups themselves.
        Every ``*.parquet`` file under ``data/``, say::

            trainer.update_from_parquet("data/", column="text")
        """
        max_chars = checked_max_chars(max_chars)
        check_column_name(column)
        files = parquet_files(paths)
        tasks: list[tuple[str, list[int]]] = []
        rows = 0
        for path, groups, n_rows in parquet_plan(files, column):
            tasks.append((path, groups))
            rows += n_rows
        self._run(parquet_tasks(tasks, column, max_chars), rows)

    def update_from_dataset(
        self,
        dataset: Any,
        *,
        column: str = "text",
        max_chars: int = 0,
        batch_size: int = 1000,
    ) -> None:
        """Count the texts of column ``column`` of a ``datasets.Dataset`` or ``IterableDataset``
        (read as arrow whatever the dataset's format: numpy's strings would drop trailing
        NULs, and a format may leave the column out; a dataset with a transform is read
        through it, and the column may be one the transform makes), ``batch_size`` rows at a
        time::

            dataset = datasets.load_dataset("parquet", data_files="train.parquet", split="train")
            trainer.update_from_dataset(dataset, column="text")
        """
        max_chars = checked_max_chars(max_chars)
        check_column_name(column)
        names = getattr(dataset, "column_names", None)
        if not hasattr(dataset, "iter") or not hasattr(dataset, "select_columns"):
            hint = ""
            if isinstance(dataset, Mapping) and dataset:  # a DatasetDict: its splits by name
                first = next(iter(dataset))
                hint = f": pick one of its splits ({', '.join(map(repr, dataset))}), e.g. dataset[{first!r}]"
            raise TrainingTypeError(
                f"expected a datasets.Dataset or IterableDataset, got {type(dataset).__name__}{hint}"
            )
        # A transform (set_transform) makes the columns from those it reads: read it whole.
        transform = (getattr(dataset, "format", None) or {}).get("type") == "custom"
        if names is not None and column not in names and not transform:
            raise TrainingError(
                f"the dataset has no column {column!r} (its columns: {', '.join(names)})"
            )
        batch_size = checked_int("batch_size", batch_size, 1)
        total = None
        try:
            total = len(dataset)
        except TypeError:
            pass

        def texts() -> Iterator[str]:
            try:
                source = dataset if transform else dataset.select_columns([column]).with_format("arrow")
                batches = dataset_batches_typed(iter(source.iter(batch_size=batch_size)), column)
                first = next(batches, None)
            except KeyError as err:  # datasets' select_columns, when the schema was unknown
                if err.args != (column,):
                    raise
                raise TrainingError(f"the dataset has no column {column!r}") from err
            row = 0
            for batch in () if first is None else itertools.chain([first], batches):
                try:  # any format: dicts of lists, numpy, pandas, arrow tables
                    got = column_texts(batch, column, first_row=row)
                except ColumnError as err:
                    raise TrainingError(f"the dataset has no column {column!r}") from err
                except TextTypeError as err:  # a null, not a str
                    raise TrainingTypeError(str(err)) from err
                except TextDecodeError as err:  # not UTF-8
                    raise TrainingError(str(err)) from err
                row += len(got)
                yield from got

        self._run(text_batches(texts(), max_chars, BATCH_CHARS), total)

    def update_counts(self, counts: PieceCounts) -> None:
        """Add piece counts made elsewhere: :func:`count_pieces`, another trainer's
        :meth:`piece_counts`, the workers of a cluster.

        Training on the sum gives exactly the vocabulary of training on all the texts
        here. Counts of another split pattern raise :class:`TrainingError`. The documents
        and characters behind ``counts`` are not known, so :attr:`n_documents` and
        :attr:`n_chars` do not change.

            >>> from hf_bpe import count_pieces
            >>> trainer = BpeTrainer(257, num_proc=1)
            >>> trainer.update_counts(count_pieces(["low lower"]) + count_pieces(["lowest"]))
            >>> trainer.train().decode_single_token_bytes(256)
            b'lo'
        """
        if not isinstance(counts, PieceCounts):
            raise TrainingTypeError(
                f"update_counts() takes PieceCounts (from count_pieces() or piece_counts()), "
                f"not {type(counts).__name__}"
            )
        check_same_pattern(self.pattern, counts.pattern, "a trainer")
        if self._lost is not None:
            raise TrainingError(f"{self._lost}: start a new trainer")
        if self._counts:
            _piece_counter.add_counts(self._counts, counts._counts)
        else:
            self._counts = dict(counts._counts)

    def piece_counts(self) -> PieceCounts:
        """A copy of the piece counts so far, by UTF-8 bytes (stops the counting processes).

            >>> trainer = BpeTrainer(300, num_proc=1)
            >>> trainer.update(["the cat", "the hat"])
            >>> trainer.piece_counts().to_dict()
            {b'the': 2, b' cat': 1, b' hat': 1}
        """
        self._collect()
        return PieceCounts._wrap(self.pattern, dict(self._counts))

    # ------------------------------------------------------------------ training

    def train(self, name: str = "bpe") -> Encoding:
        """Learn the merges from the counts so far and return the :class:`Encoding`, named
        ``name``. The counting processes are stopped first (as by :meth:`close`).

            >>> trainer = BpeTrainer(258, num_proc=1)
            >>> trainer.update(["low lower lowest"])
            >>> enc = trainer.train("lows")
            >>> enc, [enc.decode_single_token_bytes(t) for t in (256, 257)]
            (<Encoding 'lows'>, [b'lo', b'low'])
        """
        _check_name(name)
        counts = self._collect()
        if not counts and self.n_chars:
            raise TrainingError(
                f"nothing to train on: the split pattern found no pieces in the {self.n_chars} "
                f"characters counted (pattern {self.pattern!r})"
            )
        if not counts:
            raise TrainingError(
                "nothing to train on: no text was counted (empty corpus, or only empty texts)"
            )
        num_merges = self.vocab_size - 256 - len(self.special_tokens)
        start = time.perf_counter()
        merges = learn_merges_fast(counts, num_merges, progress=self.progress)
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
                stacklevel=_outside_stacklevel(),
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
        """Stop the counting processes, keeping what they counted; a later ``update`` starts
        them again. Leaving a ``with BpeTrainer(...)`` block without an exception calls it.
        After counts were lost (a counting process died: the error said so, and every call
        but this one raises it again) there is nothing left to stop or keep: it returns.

            >>> trainer = BpeTrainer(257, num_proc=1)
            >>> trainer.update(["the cat", "the hat"])
            >>> trainer.close()
            >>> trainer.update(["the dog"])
            >>> trainer.n_documents
            3
        """
        if self._lost is None:
            self._collect()

    def __getstate__(self) -> dict[str, Any]:
        """For pickle: the counting processes hand over their counts first (as
        :meth:`close`; the next ``update`` starts them again). The state names its format,
        so that another hf_bpe release refuses it clearly instead of misreading it."""
        self._collect()
        return {**self.__dict__, _FORMAT_KEY: _PICKLE_FORMAT}

    def __setstate__(self, state: dict[str, Any]) -> None:
        form = state.pop(_FORMAT_KEY, _PICKLE_FORMAT)  # unnamed: pickled before format 1 had a name
        if form != _PICKLE_FORMAT:
            raise TrainingError(
                f"a trainer pickled in format {form!r} (by another hf_bpe release); this hf_bpe reads "
                f"format {_PICKLE_FORMAT}. To carry counts between releases, keep counts = trainer.piece_counts() "
                "as counts.pattern and counts.to_dict(), and give them to PieceCounts(..., pattern=...)"
            )
        self.__dict__.update(state)

    def __copy__(self) -> BpeTrainer:
        """A trainer that goes on independently: its counts are its own."""
        self._collect()
        twin = BpeTrainer.__new__(BpeTrainer)
        twin.__dict__.update(self.__dict__)
        twin._counts = dict(self._counts)
        return twin

    def __enter__(self) -> BpeTrainer:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        elif self._pool is not None:  # leave at once: the processes stop, their counts with them
            self._pool.terminate()
            self._pool = None
            self._lost = "the with block ended with an exception, which stopped the counting processes before they handed over their counts"

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
            collected = False
            try:
                # A Ctrl-C waits until every tally is in (one half taken in would be lost);
                # a second one stops at once, and the counts are lost.
                with interrupts_deferred("the counting processes to hand over their counts, which a stop now loses"):
                    for tally in pool.finish():  # one at a time: at most one tally in flight
                        if self._counts:
                            _piece_counter.add_counts(self._counts, tally)
                        else:
                            self._counts = tally
                        del tally
                    collected = True
            except BaseException as err:
                if not collected:  # a dead process, or a second Ctrl-C: some tallies never arrived
                    pool.terminate()
                    self._lost = _lost_counts(err)
                raise
        return self._counts

    def _commit_pool(self, docs: int, chars: int) -> None:
        """Keep what the counting processes counted, with its documents and characters
        (a Ctrl-C while they keep it takes it back: see :meth:`CountPool.commit`)."""
        pool = self._pool
        assert pool is not None
        try:
            pool.commit()
        except BaseException:
            self._abort(pool)
            raise
        self._documents += docs
        self._chars += chars

    def _abort(self, pool: CountPool) -> None:
        """Drop what ``pool`` counted of this update; if that fails (a process died), the
        trainer's counts are lost."""
        try:
            pool.abort()
        except BaseException as err:
            pool.terminate()
            self._pool = None
            self._lost = _lost_counts(err)

    def _commit_local(self, pending: dict[bytes, int], docs: int, chars: int) -> None:
        """Add counts made in this process, with their documents and characters: all of
        it, or (a Ctrl-C meanwhile, held back until the step is done) none of it, so that
        the same update can be made again."""
        before = self._counts
        committed = False
        try:
            with interrupts_deferred():
                if before:
                    _piece_counter.add_counts(before, pending)
                else:
                    self._counts = pending
                self._documents += docs
                self._chars += chars
                committed = True
        except BaseException:
            if committed:  # the Ctrl-C came during the step: take it back
                with interrupts_deferred():
                    if before:
                        _piece_counter.subtract_counts(before, pending)
                    self._counts = before
                    self._documents -= docs
                    self._chars -= chars
            raise

    def _run(self, tasks: Iterator[Task], total: Optional[int]) -> None:
        """Count all ``tasks``; commit them all, or none if anything fails."""
        if self._lost is not None:
            raise TrainingError(f"{self._lost}: start a new trainer")
        start = time.perf_counter()
        first = next(tasks, None)
        if first is None:
            return
        second = next(tasks, None) if self._pool is None else None
        # In a worker process (a multiprocessing.Pool's, say) processes cannot be started: count here.
        if self.num_proc > 1 and self._pool is None and in_worker():
            refuse_in_main_run_again(f"training with num_proc={self.num_proc}")
        local = self.num_proc == 1 or (second is None and self._pool is None) or (self._pool is None and in_worker())
        if not local and self._pool is None:
            # Start the processes before any thread of ours (tqdm's monitor) exists.
            try:
                self._pool = CountPool(self.pattern, self.num_proc)
            except OSError as err:  # (none is left running)
                raise TrainingError(
                    f"could not start {self.num_proc} counting processes ({type(err).__name__}: {err}): "
                    "multiprocessing needs free file descriptors and processes, and a writable "
                    "/dev/shm for its queues' locks; num_proc=1 counts in this process"
                ) from err
        bar = progress_bar(self.progress, total, "counting", "doc")
        docs = chars = 0
        pending: dict[bytes, int] = {}
        try:
            if local:  # one batch, or one process: count here (kept at the end)
                for task in chain_tasks(first, second, tasks):
                    d, c = run_task(task, self._counter, pending)
                    docs += d
                    chars += c
                    if bar is not None:
                        bar.update(d)
            else:
                pool = self._pool
                assert pool is not None
                try:
                    for task in chain_tasks(first, second, tasks):
                        for d, c in pool.submit(task):
                            docs += d
                            chars += c
                            if bar is not None:
                                bar.update(d)
                    for d, c in pool.sync():
                        docs += d
                        chars += c
                        if bar is not None:
                            bar.update(d)
                except BaseException:
                    self._abort(pool)
                    raise
        finally:
            if bar is not None:
                bar.close()
        logger.info(
            "counted %d documents, %d characters in %.2f s (%s)",
            docs,
            chars,
            time.perf_counter() - start,
            "in this process" if local else f"{self.num_proc} processes",
        )
        # Last, with no call after it: a Ctrl-C is raised where Python code runs next, so
        # once the counts are kept that is the caller's code (a call here, such as the
        # log's, would raise it from update() with the counts kept: a retry counted twice).
        if local:
            self._commit_local(pending, docs, chars)
        else:
            self._commit_pool(docs, chars)


def _lost_counts(err: BaseException) -> str:
    """Why the counting processes' counts are gone, for the trainer's later calls."""
    if isinstance(err, KeyboardInterrupt):
        return "the counting processes were stopped by a Ctrl-C while the trainer waited for them, and their counts were lost"
    return "a counting process failed and its counts were lost"


#: The form of a pickled trainer: its attributes, as named in this release, and this number
#: under ``_FORMAT_KEY``. Raise it when an attribute changes name or meaning.
_PICKLE_FORMAT = 1
_FORMAT_KEY = "hf_bpe_pickle_format"


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
    ``max_chars`` crops each text to its first ``max_chars`` characters (0: no crop);
    ``name`` is the name of the :class:`Encoding` returned.

        >>> enc = train_bpe(["low lower lowest"] * 10, 260, num_proc=1)
        >>> [enc.decode_single_token_bytes(t) for t in range(256, 260)]
        [b'lo', b'low', b' low', b' lowe']
    """
    _check_name(name)  # before counting, which may take long
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


def learn_merges_fast(
    counts: dict[bytes, int], num_merges: int, *, progress: Optional[bool] = None
) -> list[tuple[int, int]]:
    """:func:`hf_bpe.merges.learn_merges` (the same merges), on packed arrays when compiled
    (:mod:`hf_bpe.merges_packed`), with a progress bar.

        >>> learn_merges_fast({b"hello": 2, b"hell": 1}, 10)
        [(101, 108), (104, 256), (257, 108), (258, 111)]
    """
    bar = progress_bar(progress, num_merges, "merging", "merge")
    shown = 0

    # Called after each merge, and now and then before the first; also without a bar: the
    # compiled loop runs no Python code of its own, and only here can a Ctrl-C stop it.
    def callback(done: int) -> None:
        nonlocal shown
        if bar is not None:
            bar.update(done - shown)  # (0 before the first merge: a line a minute all the same)
            shown = done

    try:
        table = _merges_packed()
        if table is not None:
            merges: Optional[list[tuple[int, int]]] = table.learn_merges(counts, num_merges, callback)
            if merges is not None:
                return merges
        return _merges.learn_merges(counts, num_merges, callback)
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


def _merges_packed() -> Any:
    """The packed-array merge loop when it runs compiled, else None."""
    from . import COMPILED

    if not COMPILED:
        return None
    from . import merges_packed  # compiled: librt is there

    return merges_packed


# ---------------------------------------------------------------------- helpers


def _check_name(name: str) -> None:
    """The encoding's name is saved in encoding.json: it must be text."""
    if not isinstance(name, str):
        raise TrainingTypeError(f"name must be a str, not {type(name).__name__}")
    if has_lone_surrogate(name):
        raise TrainingError(f"name {name!r} has a lone surrogate: it has no UTF-8 bytes")


def _checked_specials(special_tokens: Iterable[str]) -> tuple[str, ...]:
    if isinstance(special_tokens, str):
        raise TrainingTypeError("special_tokens must be a list of str, not a single str")
    if not isinstance(special_tokens, Iterable):
        raise TrainingTypeError(f"special_tokens must be a list of str, not {type(special_tokens).__name__}")
    if isinstance(special_tokens, (Mapping, set, frozenset)):
        # A dict would lose its ids (they follow the merges), a set its order.
        raise TrainingTypeError(
            f"special_tokens must be a list of str in the order of their ids (they come right "
            f"after the merges), not {_a_type(special_tokens)}"
        )
    specials = tuple(special_tokens)
    seen: set[str] = set()
    for tok in specials:
        if not isinstance(tok, str):
            raise TrainingTypeError(f"special tokens must be non-empty str, got {tok!r}")
        if not tok:
            raise TrainingError(f"special tokens must be non-empty str, got {tok!r}")
        if has_lone_surrogate(tok):
            raise TrainingError(f"special token {tok!r} has a lone surrogate: it has no UTF-8 bytes")
        if tok in seen:
            raise TrainingError(f"special token {tok!r} is given twice")
        seen.add(tok)
    return specials
