"""Training and batch encoding on a Ray cluster, with Ray Data (``pip install "hf_bpe[ray]"``).

Ray does the scheduling, the data movement and the retries; hf_bpe supplies picklable,
deterministic steps. Training is a reduction: every block of the dataset is cut into
pieces and counted where it lies (:class:`CountPieces`, a ``map_batches`` function), the
driver sums the per-block tables with Arrow (or the cluster does, with a ``groupby``) and
learns the merges from the sum, exactly as :func:`hf_bpe.train_bpe` would from all the
texts in one process::

    import ray, hf_bpe.ray_data
    ds = ray.data.read_parquet("s3://bucket/shards/")
    enc = hf_bpe.ray_data.train_bpe(ds, 32_768, pattern="nanochat")
    ids = hf_bpe.ray_data.encode_dataset(ds, enc)   # a lazy ray.data.Dataset

The steps also run without a cluster, which is how their examples here run::

    >>> import pyarrow as pa
    >>> count = CountPieces(pattern="rustbpe")
    >>> count(pa.table({"text": ["the cat", "the dog"]})).to_pylist()
    [{'piece': b'the', 'count': 2}, {'piece': b' cat', 'count': 1}, {'piece': b' dog', 'count': 1}]

This module imports Ray only when a function that needs it runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .encoding import Encoding, special_set
from .batch_columns import column_texts
from .errors import ColumnError, TextDecodeError, TextTypeError, TrainingError, TrainingTypeError, VocabularyError
from .patterns import pattern_names
from .piece_counts import checked_pattern
from .trainer import BpeTrainer, PieceCounts, _check_name, count_pieces
from .training_sources import checked_max_chars

__all__ = [
    "BatchEncoder",
    "CountPieces",
    "counts_table",
    "encode_dataset",
    "encoding_payload",
    "piece_counts",
    "sum_count_tables",
    "train_bpe",
]

#: Column names of the per-block count tables.
PIECE, COUNT = "piece", "count"


class CountPieces:
    """A ``map_batches`` function: a batch of texts → its piece counts as a table.

    Takes a ``pyarrow.Table`` (``batch_format="pyarrow"``) or a dict of columns, reads the
    ``column`` of texts and returns a ``pyarrow.Table`` with one row per distinct piece:
    ``piece`` (binary, the UTF-8 bytes) and ``count`` (int64). Pickles as its settings.

        >>> import pyarrow as pa
        >>> CountPieces(max_chars=3)({"text": ["hello", "help"]}).to_pydict()
        {'piece': [b'hel'], 'count': [2]}
    """

    def __init__(self, *, column: str = "text", pattern: str = "rustbpe", max_chars: int = 0) -> None:
        if not isinstance(column, str) or not column:  # checked here, not on the cluster
            raise TrainingTypeError(f"column must be a column name (a non-empty str), not {column!r}")
        self.column = column
        self.pattern = checked_pattern(pattern)
        self.max_chars = checked_max_chars(max_chars)

    def __call__(self, batch: Any) -> Any:
        return counts_table(self.counts(batch))

    def counts(self, batch: Any) -> PieceCounts:
        """The :class:`~hf_bpe.trainer.PieceCounts` of one batch."""
        return count_pieces(_texts(batch, self.column), pattern=self.pattern, max_chars=self.max_chars)

    def __repr__(self) -> str:
        names = pattern_names(self.pattern)
        pattern = names[0] if names else self.pattern
        return f"CountPieces(column={self.column!r}, pattern={pattern!r}, max_chars={self.max_chars})"


def counts_table(counts: Mapping[bytes, int]) -> Any:
    """``counts`` as a two-column ``pyarrow.Table`` (``piece``, ``count``)."""
    import pyarrow as pa

    return pa.table(
        {
            PIECE: pa.array(list(counts.keys()), type=pa.binary()),
            COUNT: pa.array(list(counts.values()), type=pa.int64()),
        }
    )


def sum_count_tables(tables: list[Any]) -> Any:
    """One ``pyarrow.Table`` of per-piece sums of the count ``tables`` (Arrow's hash aggregate).

        >>> import pyarrow as pa
        >>> t = pa.table({"piece": [b"a", b"b", b"a"], "count": [1, 2, 3]})
        >>> sum_count_tables([t, t]).to_pydict()
        {'piece': [b'a', b'b'], 'count': [8, 4]}
        >>> sum_count_tables([]).num_rows
        0
    """
    import pyarrow as pa

    if not tables:
        return counts_table({})
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    summed = table.group_by(PIECE, use_threads=False).aggregate([(COUNT, "sum")])
    return pa.table({PIECE: summed.column(PIECE), COUNT: summed.column(f"{COUNT}_sum")})


def piece_counts(
    dataset: Any,
    *,
    column: str = "text",
    pattern: str = "rustbpe",
    max_chars: int = 0,
    combine: str = "driver",
    **map_batches_kwargs: Any,
) -> PieceCounts:
    """The :class:`~hf_bpe.trainer.PieceCounts` of a ``ray.data.Dataset`` column.

    Each block is counted by a Ray task (:class:`CountPieces` in ``map_batches``; extra
    keyword arguments go to that ``map_batches``: ``num_cpus``, ``compute``, ...).
    ``combine="driver"`` (the default) streams the per-block tables to the driver, which
    sums them with Arrow (a hash aggregate whenever the tables received hold more rows than
    the running sum). ``combine="cluster"`` sums with Ray Data's ``groupby("piece")`` (a
    hash shuffle over the cluster), so the driver receives each distinct piece once; it
    pays off only on clusters large enough that the driver's network link is the
    bottleneck. Either way the counts are exact.

    Failed tasks are retried by Ray. A batch that cannot be counted (a null or a
    non-string in the column) raises :class:`TrainingError`.
    """
    if combine not in ("cluster", "driver"):
        raise TrainingError(f"combine must be 'cluster' or 'driver', got {combine!r}")
    max_chars = checked_max_chars(max_chars)
    count = CountPieces(column=column, pattern=pattern, max_chars=max_chars)  # checks the pattern here, not on the cluster
    _check_column(dataset, column)
    map_batches_kwargs.setdefault("batch_format", "pyarrow")
    tables = dataset.select_columns([column]).map_batches(count, **map_batches_kwargs)
    if combine == "cluster":
        tables = tables.groupby(PIECE).sum(COUNT).rename_columns({f"sum({COUNT})": COUNT})
    try:
        total = _sum_on_driver(tables.iter_batches(batch_format="pyarrow", batch_size=None))
    except Exception as err:
        cause = _training_error(err)
        if cause is None:
            raise
        raise type(cause)(f"counting on the cluster failed: {cause}") from err
    return PieceCounts._wrap(count.pattern, total)


def _sum_on_driver(tables: Iterable[Any]) -> dict[bytes, int]:
    """Sum a stream of count tables: Arrow sums a batch of them whenever they hold more rows
    than the running sum (so memory stays within a few times the distinct pieces)."""
    summed: Any | None = None
    pending: list[Any] = []
    rows = 0
    for table in tables:
        if table.num_rows == 0:
            continue
        pending.append(table.select([PIECE, COUNT]))
        rows += table.num_rows
        if rows >= max(1 << 20, summed.num_rows if summed is not None else 0):
            summed = sum_count_tables(pending if summed is None else [summed, *pending])
            pending, rows = [], 0
    if pending:
        summed = sum_count_tables(pending if summed is None else [summed, *pending])
    if summed is None:
        return {}
    return dict(zip(summed.column(PIECE).to_pylist(), summed.column(COUNT).to_pylist()))


def train_bpe(
    dataset: Any,
    vocab_size: int,
    *,
    column: str = "text",
    pattern: str = "rustbpe",
    special_tokens: Iterable[str] = (),
    max_chars: int = 0,
    name: str = "bpe",
    progress: bool | None = None,
    combine: str = "driver",
    **map_batches_kwargs: Any,
) -> Encoding:
    """Train on the ``column`` of a ``ray.data.Dataset``; returns the :class:`~hf_bpe.Encoding`.

    Counting runs on the cluster (:func:`piece_counts`), the merges on the driver; the
    vocabulary is exactly :func:`hf_bpe.train_bpe`'s for the same texts and arguments
    (see :class:`hf_bpe.BpeTrainer`). The arguments are checked before any work starts.
    """
    trainer = BpeTrainer(vocab_size, pattern=pattern, special_tokens=special_tokens, num_proc=1, progress=progress)
    _check_name(name)  # before the cluster counts, not after
    trainer.update_counts(
        piece_counts(
            dataset,
            column=column,
            pattern=trainer.pattern,
            max_chars=max_chars,
            combine=combine,
            **map_batches_kwargs,
        )
    )
    return trainer.train(name)


# ---------------------------------------------------------------------- encoding


class BatchEncoder:
    """A ``map_batches`` callable class: one per Ray actor, the vocabulary loaded once.

    ``vocabulary`` is what :func:`encoding_payload` returns, or a list holding the
    ``ObjectRef`` of it (``[ray.put(payload)]``: one copy per node, fetched once per
    actor). Each batch (a ``pyarrow.Table`` or a dict of columns) comes back as a
    ``pyarrow.Table``: its other columns, plus ``output_column`` (``list<int32>``), minus
    the text column unless ``keep_text``. Ids equal
    :meth:`HfBpeTokenizer.batch_encode <hf_bpe.HfBpeTokenizer.batch_encode>`'s.

        >>> import hf_bpe
        >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
        ...     mergeable_ranks={bytes([i]): i for i in range(256)},
        ...     special_tokens={"<|endoftext|>": 256})
        >>> encoder = BatchEncoder(encoding_payload(enc, add_eos=True))
        >>> encoder({"id": [7], "text": ["ab"]}).to_pylist()
        [{'id': 7, 'input_ids': [97, 98, 256]}]
    """

    def __init__(
        self,
        vocabulary: Any,
        *,
        column: str = "text",
        output_column: str = "input_ids",
        allowed_special: str | Iterable[str] = (),
        keep_text: bool = False,
    ) -> None:
        if isinstance(vocabulary, list):  # [ObjectRef]: a list, so that Ray does not resolve it
            vocabulary = _ray().get(vocabulary[0])
        state, self._head, self._tail = vocabulary
        self._encoding = Encoding(
            state[0], pat_str=state[1], mergeable_ranks=state[2], special_tokens=state[3], explicit_n_vocab=state[4],
            normalization=state[5],
        )
        self.column = column
        self.output_column = output_column
        self.keep_text = keep_text
        self._allowed = special_set(allowed_special, "allowed_special")

    def encode(self, texts: list[str]) -> list[list[int]]:
        """The ids of each text (special-token text is ordinary unless allowed)."""
        enc, allowed = self._encoding, self._allowed
        if allowed:
            rows = [enc.encode(t, allowed_special=allowed, disallowed_special=()) for t in texts]
        else:
            rows = [enc.encode_ordinary(t) for t in texts]
        if self._head or self._tail:
            rows = [self._head + row + self._tail for row in rows]
        return rows

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        table = batch if isinstance(batch, pa.Table) else _arrow_block(batch)
        # A bad row is tok.batch_encode's TextTypeError (Ray wraps it when the dataset is read).
        ids = pa.array(self.encode(column_texts(table, self.column)), type=pa.list_(pa.int32()))
        if not self.keep_text:
            table = table.drop_columns([self.column])
        if self.output_column in table.column_names:  # encoded before: the new ids replace it
            table = table.drop_columns([self.output_column])
        return table.append_column(self.output_column, ids)


def encoding_payload(
    tokenizer: Any, *, add_bos: bool | None = None, add_eos: bool | None = None
) -> tuple[tuple[Any, ...], list[int], list[int]]:
    """What :class:`BatchEncoder` needs: the encoding's ranks and specials (explicitly, so
    workers never download or read a vocabulary file), and the bos/eos ids to add (by
    default, None, a tokenizer's ``add_bos_token``/``add_eos_token``; none for an Encoding).

    ``tokenizer`` is an :class:`~hf_bpe.Encoding` or an
    :class:`~hf_bpe.HfBpeTokenizer` (its ``bos_token``/``eos_token``; for an Encoding
    the usual roles of its special tokens, e.g. ``<|endoftext|>`` is eos). A tokenizer
    with added tokens (``add_tokens``) is refused: map ``tok.batch_encode`` instead.
    """
    enc = tokenizer if isinstance(tokenizer, Encoding) else getattr(tokenizer, "encoding", None)
    if not isinstance(enc, Encoding):
        raise TypeError(f"expected an hf_bpe Encoding or HfBpeTokenizer, got {type(tokenizer).__name__}")
    added = getattr(tokenizer, "_added", None)
    if added is not None and (added.user_added or added.slow_added):
        raise VocabularyError(
            "this tokenizer has added tokens (add_tokens, or tokens with lstrip/rstrip/single_word), "
            "which BatchEncoder's explicit vocabulary leaves out (it would give other ids than "
            "tok.batch_encode): use dataset.map_batches(tok.batch_encode, batch_format='pyarrow') instead"
        )
    state = (enc.name, enc.pat_str, enc.mergeable_ranks, enc.special_tokens, enc._explicit_n_vocab, enc.normalization)
    if add_bos is None:
        add_bos = bool(getattr(tokenizer, "add_bos_token", False))
    if add_eos is None:
        add_eos = bool(getattr(tokenizer, "add_eos_token", False))
    head = [_role_id(tokenizer, enc, "bos")] if add_bos else []
    tail = [_role_id(tokenizer, enc, "eos")] if add_eos else []
    return state, head, tail


def encode_dataset(
    dataset: Any,
    tokenizer: Any,
    *,
    column: str = "text",
    output_column: str = "input_ids",
    add_bos: bool | None = None,
    add_eos: bool | None = None,
    allowed_special: str | Iterable[str] = (),
    keep_text: bool = False,
    **map_batches_kwargs: Any,
) -> Any:
    """Encode the ``column`` of a ``ray.data.Dataset``: a new (lazy) dataset with ``input_ids``.

    The vocabulary is put in Ray's object store once and loaded once per actor of a
    :class:`BatchEncoder` pool (``compute=ray.data.ActorPoolStrategy(size=n)`` sets its
    size; other keyword arguments go to ``map_batches``). Ids equal those of
    :meth:`hf_bpe.HfBpeTokenizer.batch_encode` with the same options (its
    ``text_column`` is ``column`` here). An actor that dies is restarted by Ray and its
    batches are encoded again::

        encoded = hf_bpe.ray_data.encode_dataset(ds, tok, add_eos=True)   # lazy, like ds
    """
    allowed = special_set(allowed_special, "allowed_special")  # the checks of tok.batch_encode
    if not isinstance(output_column, str) or not output_column:
        raise TypeError(f"output_column must be a column name (a non-empty str), not {output_column!r}")
    if keep_text not in (True, False):  # (1 and numpy's True are)
        raise TypeError(f"keep_text must be True or False, not {keep_text!r}")
    _check_column(dataset, column, ColumnError)
    payload = encoding_payload(tokenizer, add_bos=add_bos, add_eos=add_eos)
    ref = _ray().put(payload)  # once: each node's object store holds one copy
    map_batches_kwargs.setdefault("batch_format", "pyarrow")
    map_batches_kwargs.setdefault("batch_size", 256)
    return dataset.map_batches(
        BatchEncoder,
        fn_constructor_args=([ref],),
        fn_constructor_kwargs={
            "column": column,
            "output_column": output_column,
            "allowed_special": allowed if allowed == "all" else tuple(sorted(allowed)),
            "keep_text": bool(keep_text),
        },
        **map_batches_kwargs,
    )


# ---------------------------------------------------------------------- helpers


def _ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise ImportError(f"hf_bpe.ray_data needs Ray: pip install 'hf_bpe[ray]' ({err})") from err
    return ray


def _arrow_block(batch: Any) -> Any:
    """A batch of another format (``batch_format="numpy"`` or ``"pandas"``) as the
    ``pyarrow.Table`` Ray makes of it: a column of 2-D arrays (embeddings, say) becomes
    Ray's tensor column, which ``pyarrow.table`` cannot make (ArrowInvalid: "only handle
    1-dimensional arrays")."""
    try:
        from ray.data.block import BlockAccessor, BlockType
    except ImportError:  # (outside Ray: a dict of lists, say)
        import pyarrow as pa

        return pa.table(dict(batch))
    return BlockAccessor.batch_to_block(batch if hasattr(batch, "columns") else dict(batch), block_type=BlockType.ARROW)


def _texts(batch: Any, column: str) -> list[str]:
    """The texts of ``column`` in a batch (see :func:`~hf_bpe.batch_columns.column_texts`);
    a batch without them is a :class:`TrainingError` (a null or a number in it a
    :class:`TrainingTypeError`), which Ray reports by its text."""
    try:
        return column_texts(batch, column)
    except TextTypeError as err:
        raise TrainingTypeError(str(err)) from None
    except (ColumnError, TextDecodeError) as err:
        raise TrainingError(str(err)) from None


def _training_error(err: BaseException) -> TrainingError | None:
    """The TrainingError (or TrainingTypeError) a task raised, if that is what ``err`` reports.

    Ray Data wraps an error of a ``map_batches`` function in ``UserCodeException`` and
    keeps the original only as text (its traceback), so the text is searched too (and
    the error made again from it).
    """
    cause: BaseException | None = err
    for _ in range(20):
        if cause is None:
            break
        if isinstance(cause, TrainingError):
            return cause
        inner = getattr(cause, "cause", None)  # RayTaskError keeps the task's error here
        cause = cause.__cause__ or (inner if isinstance(inner, BaseException) else None)
    found = re.search(r"hf_bpe\.errors\.(TrainingError|TrainingTypeError): (.*)", str(err))
    if found is None:
        return None
    kind = TrainingTypeError if found.group(1) == "TrainingTypeError" else TrainingError
    return kind(found.group(2).strip())


def _check_column(dataset: Any, column: str, missing: type[Exception] = TrainingError) -> None:
    """Fail early when the dataset's known schema lacks ``column`` (a ``missing`` error:
    training's TrainingError, encoding's ColumnError as tok.batch_encode's), or when it is
    no dataset at all (training's TrainingTypeError, encoding's TypeError)."""
    if not hasattr(dataset, "map_batches"):
        error = TrainingTypeError if missing is TrainingError else TypeError
        raise error(f"expected a ray.data.Dataset, got {type(dataset).__name__}")
    try:
        schema = dataset.schema(fetch_if_missing=False)
    except TypeError:  # older Ray: no fetch_if_missing
        schema = None
    names = getattr(schema, "names", None)
    if names is not None and column not in names:
        raise missing(f"the dataset has no column {column!r} (its columns: {', '.join(names)})")


def _role_id(tokenizer: Any, enc: Encoding, role: str) -> int:
    if tokenizer is not enc:  # a tokenizer's own role, as tok.batch_encode takes it (None: none)
        return int(tokenizer._required_id(role, f"add_{role}=True"))
    from .tokenizer_json import special_token_roles  # an Encoding: the usual roles of its specials

    text = special_token_roles(enc.special_tokens).get(f"{role}_token")
    tid = enc.special_tokens.get(text) if text is not None else None
    if tid is None:
        raise VocabularyError(f"add_{role}=True, but {enc.name!r} has no {role} token")
    return int(tid)
