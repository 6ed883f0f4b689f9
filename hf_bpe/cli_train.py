"""``hf-bpe train``: the files to train on, their texts, and the training itself.

:func:`training_files` sorts the paths given into text files and parquet files (folders
are searched recursively); ``cmd_train`` checks everything it can before reading a byte
(vocabulary size, special tokens, the pattern, that tokenizer.json can hold the pattern,
that the output folder can be written), trains with :class:`~hf_bpe.trainer.BpeTrainer`
and writes the folder with :func:`~hf_bpe.folder.save_encoding`::

    hf-bpe train corpus/ shards/ --vocab-size 32768 --output my-tokenizer
"""

from __future__ import annotations

import argparse
import fnmatch
import logging
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

from .atomic_files import cleanup_new_folders
from .errors import CliError, HfBpeError

__all__ = ["cmd_train", "training_files"]

logger = logging.getLogger("hf_bpe.cli")


def training_files(paths: Sequence[str], glob: str = "*.txt") -> tuple[list[Path], list[Path]]:
    """The (text files, parquet files) that ``paths`` name.

    A named file is read as parquet if it ends in ``.parquet``, as text otherwise. A folder
    contributes, recursively and in sorted order, its ``*.parquet`` files and its text files
    whose names match ``glob`` (or, for a ``glob`` with a ``/``, whose paths inside the
    folder do, as ``Path.glob`` matches them: ``books/*.txt``, ``books/**/*.txt``); hidden
    files and folders are skipped, and so are parquet files whose name, or a folder's on
    their way, starts with ``_`` (Spark's ``_temporary/``), as pyarrow skips them.
    """
    from .training_sources import files_under, is_parquet_of

    texts: list[Path] = []
    parquets: list[Path] = []
    for spec in paths:
        path = Path(spec)
        if path.is_file():
            (parquets if path.suffix == ".parquet" else texts).append(path)
        elif path.is_dir():
            found = 0
            for file in files_under(path):
                if file.suffix == ".parquet":
                    if not is_parquet_of(path, file):
                        continue
                    parquets.append(file)
                elif _glob_matches(file.relative_to(path).as_posix(), glob):
                    texts.append(file)
                else:
                    continue
                found += 1
            if not found:
                raise CliError(f"{path}: no *.parquet files and no text files matching {glob!r}")
        elif path.exists():
            raise CliError(f"{path}: not a regular file or folder")
        else:
            raise CliError(f"no such file or folder: {path}")
    return texts, parquets


def _names_a_path(text: str) -> bool:
    """Whether ``text`` is the path of an existing file or folder (a text no path can be, a
    name too long say, is not)."""
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


def _glob_matches(relative: str, glob: str) -> bool:
    """Whether a file at ``relative`` (a POSIX path inside the folder) matches ``glob``: by
    its name for a glob without a ``/`` (at any depth, as ``Path.rglob`` finds it), else
    by its path as ``Path.glob`` reads the glob: ``*`` stays inside one folder's name and
    a ``**`` part matches any number of folders, none too.

        >>> [_glob_matches(p, g) for p, g in [("a/b.txt", "*.txt"), ("a/c/b.txt", "a/*.txt"), ("a/b.txt", "a/**/*.txt")]]
        [True, False, True]
    """
    if "/" not in glob:
        return fnmatch.fnmatchcase(relative.rsplit("/", 1)[-1], glob)
    return _parts_match(relative.split("/"), glob.split("/"))


def _parts_match(parts: Sequence[str], globs: Sequence[str]) -> bool:
    """Whether path ``parts`` match the glob's ``globs`` part by part (see :func:`_glob_matches`)."""
    if not globs:
        return not parts
    if globs[0] == "**":
        return any(_parts_match(parts[k:], globs[1:]) for k in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], globs[0]) and _parts_match(parts[1:], globs[1:])


def _file_texts(files: Sequence[Path], by_line: bool) -> Iterable[str]:
    """The documents of the text files: each file, or each line of each (read as counted)."""
    return _file_lines(files) if by_line else _FileDocuments(files)


class _FileDocuments(Sequence[str]):
    """Text files, one document each, read as they are counted: a sequence, so that the
    trainer knows the number of documents (progress in 5% steps, a bar with a total)."""

    def __init__(self, files: Sequence[Path]) -> None:
        self._files = files

    def __len__(self) -> int:
        return len(self._files)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return _FileDocuments(self._files[index])
        file = self._files[index]  # (an IndexError ends the iteration)
        data = file.read_bytes()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise CliError(
                f"{file}: not UTF-8 text (invalid byte 0x{data[err.start]:02x} at offset "
                f"{err.start}); train on UTF-8 files only (see --glob)"
            ) from None


def _file_lines(files: Sequence[Path]) -> Iterator[str]:
    for file in files:
        with file.open("rb") as f:
            for lineno, line in enumerate(f, 1):
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise CliError(
                        f"{file}:{lineno}: not UTF-8 text (invalid byte 0x{line[err.start]:02x})"
                    ) from None


def check_output_dir(output: Path) -> None:
    """Fail now, not after training, when ``output`` cannot be written."""
    if output.exists() and not output.is_dir():
        raise CliError(f"cannot write to {output}: it exists and is not a folder")
    try:
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output):  # a new file of its own (no name to plant a link at)
            pass
    except OSError as err:
        raise CliError(f"cannot write to {output}: {err.strerror or err}") from None


def _check_pattern_exports(pattern: str) -> None:
    """Refuse, before training, a pattern that tokenizer.json cannot reproduce."""
    from .hf_pattern import checked_hf_pre_tokenizer

    try:
        checked_hf_pre_tokenizer(pattern)
    except HfBpeError as err:
        raise CliError(f"this pattern cannot be saved for Hugging Face (tokenizer.json): {err}") from None


def _check_specials_export(specials: list[str]) -> None:
    """Refuse, before training, a special token that tokenizer.json would confuse with a
    byte token (it spells the 256 bytes as characters: "a", "Ġ" for the space, ...). One
    spelled like a learned token can only be found after training (then no tokenizer.json
    is written, with a warning). One written in GPT-2's byte alphabet whose spelling stands
    for other bytes ("café") would be decoded to those bytes by Hugging Face."""
    from .tokenizer_json import misread_as_bytes
    from .vocab_files import bytes_to_unicode

    spelled = set(bytes_to_unicode())
    for text in specials:
        if text in spelled:
            raise CliError(
                f"special token {text!r} is spelled like a byte token in tokenizer.json "
                "(Hugging Face could not tell them apart): choose another text"
            )
        misread = misread_as_bytes(text)
        if misread is not None:
            raise CliError(
                f"special token {text!r} is written in GPT-2's byte alphabet: Hugging Face "
                f"would decode it as the bytes {misread!r}, not as its text: choose another text"
            )


def cmd_train(args: argparse.Namespace) -> int:
    from .pieces import has_lone_surrogate
    from .folder import replaced_by_a_save, save_encoding
    from .patterns import get_pattern
    from .patterns import NANOCHAT_SPECIAL_TOKENS
    from .trainer import BpeTrainer

    specials = list(args.special_tokens or [])
    for token in specials:  # --special-tokens takes every word after it, inputs too
        if token and _names_a_path(token):
            raise CliError(
                f"special token {token!r} is a file or folder: --special-tokens takes every word "
                "after it, so give the inputs before it"
            )
    if args.nanochat_specials:
        specials += [t for t in NANOCHAT_SPECIAL_TOKENS if t not in specials]
    pattern = get_pattern(args.pattern)
    # The trainer checks the vocabulary size, special tokens and pattern (a bad regex is a
    # PatternError) before anything is read or written.
    trainer = BpeTrainer(
        args.vocab_size,
        pattern=pattern,
        special_tokens=specials,
        num_proc=args.num_proc,
        progress=args.progress,
    )
    _check_pattern_exports(pattern)
    _check_specials_export(specials)
    texts, parquets = training_files(args.paths, args.glob)
    if args.text_column is not None and not parquets:
        raise CliError("--text-column names a column of parquet files, and no parquet file is given")
    column = "text" if args.text_column is None else args.text_column
    if parquets:
        from .training_sources import parquet_plan

        try:
            parquet_plan([str(p) for p in parquets], column)  # every schema, before any text is read
        except ImportError as err:  # no pyarrow
            raise CliError(str(err)) from None
    output = Path(args.output)
    overwritten = [str(path) for path in (*texts, *parquets) if replaced_by_a_save(path, output)]
    if overwritten:
        raise CliError(
            f"the tokenizer saved into {output} would replace or remove {', '.join(overwritten)}, "
            "read to train it: give another --output (or move the file)"
        )
    name = args.name or output.resolve().name or "bpe"
    if has_lone_surrogate(name):  # bytes that are not UTF-8: encoding.json could not hold it
        if args.name:
            raise CliError(f"--name {name!r} is not text")
        raise CliError(f"the tokenizer's name {name!r} (the output folder's) is not text: give --name NAME")
    logger.info("training on %d text file(s) and %d parquet file(s)", len(texts), len(parquets))
    start = time.perf_counter()
    with cleanup_new_folders(output):  # removed again if training or saving fails: nothing left behind
        check_output_dir(output)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with trainer:
                if texts:
                    trainer.update(_file_texts(texts, args.by_line), max_chars=args.max_chars)
                if parquets:
                    trainer.update_from_parquet(parquets, column=column, max_chars=args.max_chars)
                enc = trainer.train(name)
            seconds = time.perf_counter() - start
            start = time.perf_counter()
            written = save_encoding(enc, output)
        for warning in caught:
            logger.warning("%s", warning.message)
    logger.info("wrote %s in %.2f s", output, time.perf_counter() - start)
    merges = len(enc.mergeable_ranks) - 256
    print(
        f"trained {enc.name!r}: {enc.n_vocab} tokens (256 bytes, {merges} merges, "
        f"{len(enc.special_tokens)} special) on {trainer.n_documents} documents, "
        f"{trainer.n_chars} characters in {seconds:.2f} s"
    )
    print(f"wrote {output}: {', '.join(p.name for p in written)}")
    return 0
