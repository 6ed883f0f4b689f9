"""batch → texts: the column of texts in a batch, whatever form the batch takes (and
back: :func:`batch_like` puts the ids in the batch's form).

``datasets.map(batched=True)`` hands over a dict of lists (or, in the arrow, pandas and
polars formats, a ``pyarrow.Table``, a ``pandas.DataFrame`` or a ``polars.DataFrame``), Ray
Data a dict of numpy arrays or a table, a user a plain list of texts. Each is read the same
way, and anything in the column that is not a ``str`` is refused by its row (a null in a
dataset column is a common surprise), as is an arrow text that is not UTF-8::

    >>> from hf_bpe.batch_columns import column_texts
    >>> column_texts({"id": [1, 2], "text": ["a b", "c"]}, "text")
    ['a b', 'c']
    >>> column_texts(["a b", "c"], "text")
    ['a b', 'c']
    >>> column_texts({"text": ["a", None]}, "text")
    Traceback (most recent call last):
    ...
    hf_bpe.errors.TextTypeError: row 1 of the batch's column 'text' is null, not a str (to find the nulls: ds.filter(lambda row: row['text'] is None))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ColumnError, TextDecodeError, TextTypeError


def column_texts(batch: Any, column: str, first_row: int | None = None) -> list[str]:
    """The texts of ``column`` in ``batch`` (a mapping of columns, a ``pyarrow.Table`` or
    ``RecordBatch``, a ``pandas.DataFrame`` or ``polars.DataFrame``), or ``batch`` itself if
    it is a list of texts.
    An error numbers the batch's rows from ``first_row`` (the batch's place in a dataset),
    or within the batch if that is not known (``datasets.map`` does not tell it).

    Raises :class:`~hf_bpe.errors.ColumnError` (a ``KeyError``) when the batch has no such
    column, :class:`~hf_bpe.errors.TextTypeError` (a ``TypeError``) for a value that is
    not a ``str`` and :class:`~hf_bpe.errors.TextDecodeError` (a ``UnicodeDecodeError``) for
    an arrow text that is not UTF-8. Table batches come from ``datasets.map(batched=True)``
    only: a one-row table would read as a batch.
    """
    if isinstance(batch, str):
        raise TextTypeError("expected a batch of texts, got a single str")
    names = _column_names(batch)
    of = _of_column(column, first_row)
    if names is None:
        values: Any = batch
        where = "item"
    else:
        if column not in names:
            raise ColumnError(f"the batch has no column {column!r} (its columns: {', '.join(map(str, names))})")
        values = read_column(batch, column, first_row)
        where = "row"
    given = type(values).__name__ if getattr(values, "ndim", None) == 0 else None  # a 0-d array
    if hasattr(values, "to_pylist"):  # pyarrow
        values = _arrow_texts(values, f"{of} is not UTF-8 text", first_row or 0)
    elif hasattr(values, "tolist"):  # numpy, pandas
        values = values.tolist()
    elif hasattr(values, "to_arrow"):  # polars (whose to_list panics on a text that is not UTF-8)
        values = _arrow_texts(values.to_arrow(), f"{of} is not UTF-8 text", first_row or 0)
    if isinstance(values, (str, bytes)) or values is None or not hasattr(values, "__iter__"):
        # One row's value (datasets.map without batched=True), not a column.
        kind = "null (None)" if values is None else f"of type {type(values).__name__}"
        if given is not None:
            kind = f"a 0-d {given} (of one {type(values).__name__})"
        raise TextTypeError(
            f"column {column!r} is {kind}: expected a str (one row, as datasets.map passes without "
            "batched=True) or a list of str (a batch)"
        )
    texts = values if isinstance(values, list) else list(values)
    for row, text in enumerate(texts):
        if not isinstance(text, str):
            null = text is None or (isinstance(text, float) and text != text) or type(text).__name__ == "NAType"  # pandas' NaN, NA
            kind = "null" if null else f"of type {type(text).__name__}"
            if names is None:
                raise TextTypeError(f"{where} {(first_row or 0) + row} is {kind}, not a str")
            hint = ""
            if first_row is None and null:  # datasets.map does not say where the batch starts
                hint = f" (to find the nulls: ds.filter(lambda row: row[{column!r}] is None))"
            raise TextTypeError(f"{where} {(first_row or 0) + row} {of} is {kind}, not a str{hint}")
    return texts


def read_column(batch: Any, column: str, first_row: int | None = None) -> Any:
    """``batch``'s column ``column`` as the batch gives it (an arrow column for a table); a
    text that is not UTF-8 in datasets' default format (its ``LazyBatch`` decodes the column
    when read) is a :class:`~hf_bpe.errors.TextDecodeError` naming its row, as in the
    arrow format."""
    try:
        return batch.column(column) if callable(getattr(batch, "column", None)) else batch[column]
    except UnicodeDecodeError:
        table = getattr(batch, "pa_table", None)  # (a LazyBatch holds the arrow table it read)
        if table is None or column not in table.column_names:
            raise
        _arrow_texts(table.column(column), f"{_of_column(column, first_row)} is not UTF-8 text", first_row or 0)
        raise


def _of_column(column: str, first_row: int | None) -> str:
    """How an error names the column: in the dataset (its first row known) or the batch."""
    return f"of column {column!r}" if first_row is not None else f"of the batch's column {column!r}"


def _arrow_texts(values: Any, problem: str, first_row: int) -> list[Any]:
    """An arrow column's values; a text that is not UTF-8 (arrow does not check what a
    parquet file holds) is a TextDecodeError naming its row."""
    try:
        texts: list[Any] = values.to_pylist()
        return texts
    except UnicodeDecodeError:
        pass
    for row, value in enumerate(values):
        try:
            value.as_py()
        except UnicodeDecodeError as err:
            text = value.value if hasattr(value, "dictionary") else value  # a dictionary column's, its text
            raw = text.as_buffer().to_pybytes()
            raise TextDecodeError("utf-8", raw, err.start, err.end, f"row {first_row + row} {problem}") from None
    raise AssertionError("to_pylist failed to decode, but every value decodes")


def _column_names(batch: Any) -> list[Any] | None:
    """The column names of a batch of columns; None for a plain sequence of texts."""
    if isinstance(batch, Mapping):
        return list(batch)
    names = table_columns(batch)
    if names is None and hasattr(batch, "column_names"):  # (another library's table)
        names = list(batch.column_names)
    return names


def table_columns(batch: Any) -> list[Any] | None:
    """The column names of a table or frame (a ``pyarrow.Table`` or ``RecordBatch``, a
    ``pandas.DataFrame`` or ``polars.DataFrame``); None for anything else, a ``Series`` or an
    arrow ``Array`` (one column) among them."""
    library = type(batch).__module__.split(".")[0]
    if library == "pyarrow" and hasattr(batch, "column_names"):
        return list(batch.column_names)
    if library == "pandas" and hasattr(batch, "columns") and hasattr(batch, "iloc"):
        return list(batch.columns)
    if library == "polars" and hasattr(batch, "get_column"):
        return list(batch.columns)
    return None


def batch_like(batch: Any, columns: dict[str, Any], wide_ids: bool = False) -> Any:
    """``columns`` (``input_ids``, ``attention_mask``) in the form of ``batch``: a
    ``pyarrow.Table`` for an arrow batch (also for a polars one: polars' own lists would be
    large lists), a ``pandas.DataFrame`` for a pandas one, else the dict itself. Typed, so
    that a batch whose rows hold no ids does not make a column of nulls, and as datasets
    types these columns when it writes lists (int32 ids, int8 masks; int64 ids if
    ``wide_ids``): a dataset mapped in one format concatenates with one mapped in another.
    (datasets takes a table or frame as the whole batch: its other columns are not kept.)"""
    if table_columns(batch) is None:
        return columns  # (a bare column of texts, a Series or an Array, is a list of them)
    kind = type(batch).__module__.split(".")[0]
    import numpy as np

    types = {"input_ids": np.int64 if wide_ids else np.int32, "attention_mask": np.int8}
    if kind == "pandas":
        import pandas as pd

        # rows as numpy arrays (not pandas' ArrowDtype of lists, which pyarrow cannot read
        # back from a table's metadata: a streaming dataset of the pandas format failed to
        # give its rows)
        return pd.DataFrame({
            name: pd.Series([np.array(row, dtype=types[name]) for row in rows], dtype=object, index=batch.index)
            for name, rows in columns.items()
        })
    import pyarrow as pa

    return pa.table({name: pa.array(rows, pa.list_(pa.from_numpy_dtype(types[name]))) for name, rows in columns.items()})
