"""Where the training texts come from, cut into counting tasks.

A task is what one counting process (or this one) counts at a time: a batch of texts of
about :data:`BATCH_CHARS` characters, or one row group of a parquet file, which the
process reads itself. :func:`run_task` counts a task; :func:`parquet_files` finds the
files a path names, and every file's schema is checked before anything is read::

    >>> from hf_bpe.piece_counter import PieceCounter
    >>> tasks = list(text_batches(["hello world", "hello"], 0, BATCH_CHARS))
    >>> tasks
    [('texts', ['hello world', 'hello'], 0)]
    >>> counts = {}
    >>> run_task(tasks[0], PieceCounter(r"\\S+|\\s+"), counts), counts
    ((2, 16), {b'hello': 2, b' ': 1, b'world': 1})
"""

from __future__ import annotations

import operator
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional, Union

from .batch_columns import table_columns
from .piece_counter import PieceCounter
from .errors import TrainingError, TrainingTypeError, TrainingWarning, _a_type, _outside_stacklevel, short_repr

#: Texts are sent to the counting processes in batches of about this many characters.
BATCH_CHARS = 1 << 20

StrPath = Union[str, "os.PathLike[str]"]


# ---------------------------------------------------------------------- tasks

#: ("texts", texts, max_chars) or ("parquet", path, row_groups, column, max_chars).
Task = tuple[Any, ...]


def chain_tasks(first: Task, second: Optional[Task], rest: Iterator[Task]) -> Iterator[Task]:
    yield first
    if second is not None:
        yield second
    yield from rest


def text_batches(texts: Iterable[Any], max_chars: int, batch_chars: int) -> Iterator[Task]:
    batch: list[str] = []
    size = 0
    for i, text in enumerate(texts):
        if type(text) is not str:
            if not isinstance(text, str):
                hint = ""
                if isinstance(text, dict):  # iterating a datasets.Dataset gives its rows
                    hint = " (to train on a dataset's column: train_from_dataset, or iterate over ds['text'])"
                elif isinstance(text, (list, tuple)):  # a batch iterator, as for train_new_from_iterator
                    hint = " (give the texts one by one: (text for batch in batches for text in batch))"
                elif type(text).__module__.startswith("pyarrow"):  # a pyarrow array's items are scalars
                    hint = " (to train on a pyarrow array, give its texts: array.to_pylist())"
                elif isinstance(text, os.PathLike):
                    hint = " (to train on files, read them: (path.read_text(encoding='utf-8') for path in paths))"
                raise TrainingTypeError(
                    f"text {i} is {_a_type(text)}, not a str{'' if text is None else ': ' + short_repr(text)}{hint}"
                )
            text = str(text)
        # (a name with a folder or an extension: a corpus may well begin with "README")
        if i == 0 and len(text) < 4096 and "\n" not in text and ("." in text or os.sep in text) and os.path.isfile(text):
            warnings.warn(
                f"text 0 is the name of a file ({text!r}): training takes texts, not paths; to train "
                "on files, read them: (open(path, encoding='utf-8').read() for path in paths)",
                TrainingWarning,
                stacklevel=_outside_stacklevel(),
            )
        if 0 < max_chars < len(text):
            text = text[:max_chars]  # crop here: less to send
        batch.append(text)
        size += len(text)
        if size >= batch_chars:
            yield ("texts", batch, max_chars)
            batch = []
            size = 0
    if batch:
        yield ("texts", batch, max_chars)


def parquet_tasks(
    plan: list[tuple[str, list[int]]], column: str, max_chars: int
) -> Iterator[Task]:
    for path, groups in plan:
        for g in groups:
            yield ("parquet", path, g, column, max_chars)


def run_task(task: Task, counter: PieceCounter, counts: dict[bytes, int]) -> tuple[int, int]:
    """Count one task into ``counts``: (documents, characters)."""
    if task[0] == "texts":
        _, texts, max_chars = task
        return len(texts), counter.count(texts, counts, max_chars)
    _, path, group, column, max_chars = task
    texts = _read_row_group(path, group, column)
    return len(texts), counter.count(texts, counts, max_chars)


def parquet_files(paths: Union[StrPath, Iterable[StrPath]]) -> list[str]:
    """The parquet files named by ``paths`` (a file, a folder, or a list of either); a
    folder gives its ``*.parquet`` files as :func:`files_under` finds them (see
    :func:`is_parquet_of`)."""
    if isinstance(paths, (str, os.PathLike)):
        items: list[StrPath] = [paths]
    elif isinstance(paths, Iterable) and not isinstance(paths, (bytes, bytearray)):
        items = list(paths)
    else:
        raise TrainingTypeError(f"expected a parquet file or folder, or a list of them, not {short_repr(paths)}")
    files: list[str] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise TrainingTypeError(f"expected a parquet file or folder, not {short_repr(item)}")
        p = Path(item)
        if p.is_dir():
            found = [str(f) for f in files_under(p) if is_parquet_of(p, f)]
            if not found:
                raise TrainingError(f"no *.parquet files in folder {str(p)!r}")
            files.extend(found)
        elif p.is_file():
            files.append(str(p))
        elif "://" in os.fsdecode(item) or any(c in os.fsdecode(item) for c in "*?["):
            raise TrainingError(
                f"no such parquet file or folder: {os.fsdecode(item)!r} (local paths are read, not URLs or "
                "globs: give the files, or load them with datasets and train with update_from_dataset)"
            )
        else:
            raise TrainingError(f"no such parquet file or folder: {str(p)!r}")
    if not files:
        raise TrainingError("no parquet files given")
    return files


def files_under(folder: Path) -> Iterator[Path]:
    """The regular files in ``folder`` and its sub-folders, in sorted order, without hidden
    ones (a name starting with ``.``, as a download's partial file, or in a hidden folder).
    A link to a folder is followed, as pyarrow follows it (shards linked in from another
    disk), unless it leads back to a folder on its own way (a loop, on which pyarrow
    never ends).

        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> for name in ("b.parquet", "a/c.parquet", ".cache/d.parquet", "a/.e.parquet"):
        ...     (root / name).parent.mkdir(exist_ok=True)
        ...     (root / name).touch()
        >>> (root / "a" / "up").symlink_to("..")
        >>> [p.relative_to(root).as_posix() for p in files_under(root)]
        ['a/c.parquet', 'b.parquet']
    """
    found: list[Path] = []
    _collect_files(folder, set(), found)
    yield from sorted(found)


def _collect_files(folder: Path, on_the_way: set[tuple[int, int]], found: list[Path]) -> None:
    status = folder.stat()
    here = (status.st_dev, status.st_ino)
    if here in on_the_way:
        return
    on_the_way.add(here)
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():  # (a link to a folder too)
                _collect_files(folder / entry.name, on_the_way, found)
            elif entry.is_file():
                found.append(folder / entry.name)
    on_the_way.discard(here)


def is_parquet_of(folder: Path, file: Path) -> bool:
    """Whether ``file``, found in ``folder``, is one of the folder's parquet files: a
    ``*.parquet`` file, unless its name or a folder on its way starts with ``_``, as
    pyarrow's and Spark's readers take a folder (Spark's ``_temporary/`` holds unfinished
    files).

        >>> is_parquet_of(Path("data"), Path("data/part-0.parquet")), is_parquet_of(Path("data"), Path("data/_temporary/0/part-0.parquet"))
        (True, False)
    """
    return file.suffix == ".parquet" and not any(part.startswith("_") for part in file.relative_to(folder).parts)


def parquet_plan(files: list[str], column: str) -> Iterator[tuple[str, list[int], int]]:
    """(path, row groups, rows) per file, after checking every schema."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise ImportError("reading parquet files needs pyarrow: pip install 'hf_bpe[parquet]'") from err

    plan = []
    for path in files:
        try:
            with _parquet_file(path) as meta:
                schema, num_row_groups, num_rows = meta.schema_arrow, meta.metadata.num_row_groups, meta.metadata.num_rows
        except (OSError, pa.ArrowException) as err:
            raise TrainingError(f"cannot read parquet file {path!r}: {err}") from None
        if column not in schema.names:
            raise TrainingError(
                f"parquet file {path!r} has no column {column!r} "
                f"(its columns: {', '.join(schema.names)})"
            )
        kind = schema.field(column).type
        if not _holds_strings(kind):
            raise TrainingTypeError(
                f"column {column!r} of parquet file {path!r} holds {kind}, not strings"
            )
        plan.append((path, list(range(num_row_groups)), num_rows))
    return iter(plan)


@contextmanager
def _parquet_file(path: str) -> Iterator[Any]:
    """pyarrow's ``ParquetFile`` of ``path``. pyarrow takes a name as UTF-8, so a name that is
    not (bytes a Linux file system allows: surrogate escapes in Python) is opened here and
    handed over as a file, which pyarrow reads through Python (slower: only for those)."""
    import pyarrow.parquet as pq

    if os.fsencode(path).decode("utf-8", "replace") == path:
        yield pq.ParquetFile(path)
        return
    with open(path, "rb") as file:
        yield pq.ParquetFile(file)


def _holds_strings(kind: Any) -> bool:
    """Whether an arrow type's values are strings: ``string``, ``large_string``,
    ``string_view``, or a dictionary of them (pandas' ``category``)."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    is_view = getattr(pa.types, "is_string_view", lambda _: False)  # pyarrow 16 and later
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or is_view(kind))


def _read_row_group(path: str, group: int, column: str) -> list[str]:
    import pyarrow as pa

    try:
        with _parquet_file(path) as parquet:
            table = parquet.read_row_group(group, columns=[column])
    except (OSError, pa.ArrowException) as err:  # a corrupt page, a file changed meanwhile
        raise TrainingError(f"cannot read row group {group} of parquet file {path!r}: {err}") from None
    col = table.column(column)
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)  # each row's string, not an index
    if col.null_count:
        row = col.is_null().to_pylist().index(True)
        raise TrainingTypeError(
            f"column {column!r} of parquet file {path!r} has a null in row group {group} "
            f"(row {_row_of_file(path, group, row)} of the file)"
        )
    try:
        texts: list[str] = col.to_pylist()
    except UnicodeDecodeError:  # a string column is meant to hold UTF-8, but a writer may not check
        for row, data in enumerate(col.cast(pa.binary()).to_pylist()):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as err:
                raise TrainingError(
                    f"column {column!r} of parquet file {path!r} is not UTF-8 text in row group {group} "
                    f"(row {_row_of_file(path, group, row)} of the file: invalid byte "
                    f"0x{data[err.start]:02x} at offset {err.start})"
                ) from None
        raise
    return texts


def _row_of_file(path: str, group: int, row: int) -> int:
    """The number in the whole file of row ``row`` of row group ``group``."""
    with _parquet_file(path) as parquet:
        meta = parquet.metadata
    before: int = sum(meta.row_group(g).num_rows for g in range(group))
    return before + row


def dataset_batches_typed(batches: Iterator[Any], column: str) -> Iterator[Any]:
    """``batches`` of a dataset, whose arrow errors are :class:`TrainingTypeError`: an
    ``IterableDataset`` made from Python rows builds its arrow batches as they come, and
    a null or a number among the texts fails there ("Schema at index 1 was different")."""
    import pyarrow  # datasets is built on it

    try:
        yield from batches
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError) as err:
        raise TrainingTypeError(
            f"the dataset's column {column!r} could not be read as strings (a null or a number among "
            f"its texts?): {' '.join(str(err).split())}"  # arrow's message, on one line
        ) from err


# ---------------------------------------------------------------------- checks


def check_texts(texts: object, taker: str = "training") -> None:
    """Refuse, with a :class:`TrainingTypeError` naming ``taker``, what cannot be texts to
    count: a single ``str`` or ``bytes`` (its characters are no texts), a mapping (a batch
    of ``datasets``' map: its keys are no texts), or no iterable at all.

        >>> check_texts("hello")
        Traceback (most recent call last):
        ...
        hf_bpe.errors.TrainingTypeError: training takes an iterable of texts, not a single str: wrap it in a list
    """
    if isinstance(texts, (str, bytes, bytearray)):
        raise TrainingTypeError(f"{taker} takes an iterable of texts, not a single {type(texts).__name__}: wrap it in a list")
    if isinstance(texts, Mapping):
        raise TrainingTypeError(
            f"{taker} takes an iterable of texts, not a mapping (keys {short_repr(list(texts)[:5])}): "
            "pass the column of texts, such as batch['text']"
        )
    refuse_table(texts, taker)
    if not isinstance(texts, Iterable):
        raise TrainingTypeError(f"{taker} takes an iterable of texts, not {type(texts).__name__}")


def refuse_table(texts: object, taker: str = "training") -> None:
    """Refuse a pandas or polars ``DataFrame`` (or an arrow table): iterated, it gives its
    column names, which would be trained on as the texts.

        >>> import pandas as pd
        >>> refuse_table(pd.DataFrame({"text": ["a b"]}))
        Traceback (most recent call last):
        ...
        hf_bpe.errors.TrainingTypeError: training takes an iterable of texts, not a table (a DataFrame of columns ['text']): pass its column of texts, such as frame['text']
    """
    columns = table_columns(texts)
    if columns is not None:
        raise TrainingTypeError(
            f"{taker} takes an iterable of texts, not a table (a {type(texts).__name__} of columns "
            f"{short_repr(columns[:5])}): pass its column of texts, such as frame['text']"
        )


def check_column_name(column: object) -> None:
    """Refuse a column name that is no ``str`` (a :class:`TrainingTypeError`)."""
    if not isinstance(column, str):
        raise TrainingTypeError(f"column must be the name of a column (a str), not {short_repr(column)}")


def checked_int(name: str, value: Any, minimum: int, meaning: str = "") -> int:
    """``value`` as an ``int`` (numpy's integers too) of at least ``minimum``, else an
    error naming the argument: :class:`TrainingTypeError` if it is no integer,
    :class:`TrainingError` if it is too small.

        >>> checked_int("batch_size", 0, 1)
        Traceback (most recent call last):
        ...
        hf_bpe.errors.TrainingError: batch_size must be an int >= 1, got 0
    """
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TrainingTypeError(f"{name} must be an int >= {minimum}{meaning}, got {value!r}")
    if operator.index(value) < minimum:
        raise TrainingError(f"{name} must be an int >= {minimum}{meaning}, got {value!r}")
    return operator.index(value)


def checked_max_chars(max_chars: int) -> int:
    return checked_int("max_chars", max_chars, 0, " (0: no crop)")
