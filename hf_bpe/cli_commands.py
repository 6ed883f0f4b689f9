"""The ``hf-bpe`` commands other than ``train``: encode, decode, convert, info, bench.

Each ``cmd_*`` function takes the parsed arguments (see :func:`hf_bpe.cli.build_parser`)
and returns the exit status; bad input raises :class:`~hf_bpe.errors.CliError`, which
:func:`hf_bpe.cli.main` prints as one line. The helpers work in-process too::

    >>> parse_ids("[15339, 1917]")
    [15339, 1917]
    >>> find_examples_dir("/nonexistent") is None
    True
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

from .atomic_files import cleanup_new_folders
from .cli_resolve import resolve_encoding
from .cli_train import check_output_dir
from .encoding import Encoding
from .errors import CliError, DisallowedSpecialTokenError, UnknownTokenError
from .patterns import pattern_names

__all__ = [
    "BENCH_SCRIPTS",
    "PROG",
    "SAMPLE_TEXT",
    "cmd_bench",
    "cmd_convert",
    "cmd_decode",
    "cmd_encode",
    "cmd_info",
    "encoding_info",
    "find_examples_dir",
    "parse_ids",
]

logger = logging.getLogger("hf_bpe.cli")

#: The program's name, as usage lines and messages show it.
PROG = "hf-bpe"

#: ``info`` measures bytes per token on this text unless ``--sample FILE`` is given.
SAMPLE_TEXT = """\
Tokenizers cut text into pieces with a regular expression, then merge the bytes of each
piece into the longest tokens the vocabulary knows. A good vocabulary spends few tokens on
the text it was trained on: about four bytes per token for English prose.

def count_words(path: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for word in f.read().split():
            counts[word] = counts.get(word, 0) + 1
    return counts

Les tokeniseurs découpent le texte en morceaux. Die Zerlegung hängt vom Muster ab.
Токенизатор разбивает текст на части. 分词器把文本切成片段。 トークナイザーは文を分ける。
Numbers too: 3.14159, 2026-11-29, 1,234,567 and 0x7fff.
"""


# ---------------------------------------------------------------------------- text in, ids out


def _read_input(file: Optional[str]) -> bytes:
    if file is None or file == "-":
        stdin: Any = sys.stdin
        if stdin is None:  # started with standard input closed (`<&-`)
            raise CliError("standard input is closed: give the text in a file")
        buffer = getattr(stdin, "buffer", None)
        data: bytes = buffer.read() if buffer is not None else stdin.read().encode("utf-8", "surrogateescape")
        return data
    return Path(file).read_bytes()


def _read_text(file: Optional[str]) -> str:
    data = _read_input(file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        where = "standard input" if file in (None, "-") else file
        raise CliError(
            f"{where} is not UTF-8 text (invalid byte 0x{data[err.start]:02x} at offset {err.start})"
        ) from None


def _stdout() -> Any:
    """Standard output, or a CliError if the process started with it closed (``>&-``:
    ``print`` would then write nothing, and say nothing)."""
    if sys.stdout is None:
        raise CliError("standard output is closed: nowhere to write the result")
    return sys.stdout


def _write(data: bytes) -> None:
    out = _stdout()
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        view = memoryview(data)
        while view:
            # Unbuffered (`python -u`, PYTHONUNBUFFERED), the buffer is the raw file, whose
            # write may take part of the data (a pipe, a disk nearly full) or none (a
            # non-blocking pipe that is full: None): write the rest, or fail saying why.
            try:
                written = buffer.write(view)
            except BlockingIOError as err:  # buffered, non-blocking and full: it took some
                written = err.characters_written
                _wait_until_writable(buffer)
            if written is None:
                if not isinstance(buffer, io.RawIOBase):
                    break  # a writer of another kind that returns nothing took it all
                _wait_until_writable(buffer)
            elif written:
                view = view[written:]
            elif not isinstance(buffer, io.BufferedIOBase):  # (a full buffer took none: go on)
                raise OSError("standard output took none of the data")
        while True:
            try:
                buffer.flush()
                break
            except BlockingIOError:
                _wait_until_writable(buffer)
    else:  # a text-only stdout (doctest, IDE consoles)
        out.write(data.decode("utf-8", "surrogateescape"))


def _wait_until_writable(stream: Any) -> None:
    select.select([], [stream], [])


_ID = re.compile(r"-?[0-9]+")


def parse_ids(text: str) -> list[int]:
    """Token ids separated by whitespace or commas, optionally inside ``[...]``.

    >>> parse_ids("[15339, 1917]")
    [15339, 1917]
    >>> parse_ids("1 two 3")
    Traceback (most recent call last):
    ...
    hf_bpe.errors.CliError: not a token id: 'two' (item 2 of the input)
    """
    body = text.lstrip("\ufeff").strip()  # an editor's byte order mark is not an id
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    fields = body.split(",")
    commas = len(fields) > 1
    if commas and fields[-1].strip() == "":
        fields.pop()  # a comma after the last id, as a list literal may have
    items: list[str] = []
    for field in fields:
        words = field.split()
        if not words and commas:  # "1,,2": an id left out?
            raise CliError(f"no token id between two commas or before the first one (item {len(items) + 1} of the input)")
        items.extend(words)
    ids: list[int] = []
    for i, item in enumerate(items, 1):
        if _ID.fullmatch(item) is None:  # int() would also take "1_000", "+5", "١٢"
            shown = item if len(item) <= 40 else item[:37] + "..."
            raise CliError(f"not a token id: {shown!r} (item {i} of the input)")
        if len(item.lstrip("-")) > 20:  # beyond any id (and int() refuses 4,300 digits)
            raise CliError(f"token id {item[:20]}... (item {i} of the input, {len(item)} digits) is too large")
        ids.append(int(item))
    return ids


def _specials_args(mode: str) -> dict[str, Any]:
    if mode == "allow":
        return {"allowed_special": "all"}
    if mode == "plain":
        return {"disallowed_special": ()}
    return {}


def _resolve(args: argparse.Namespace, *, to_decode: bool = False) -> Encoding:
    return resolve_encoding(args.tokenizer, pattern=args.pattern, special_tokens=args.special_token or (), to_decode=to_decode)


def cmd_encode(args: argparse.Namespace) -> int:
    enc = _resolve(args)
    text = _read_text(args.file)
    start = time.perf_counter()
    options = _specials_args(args.specials)
    try:
        if args.count:
            count = enc.count_tokens(text, **options)
            ids: list[int] = []
        else:
            ids = enc.encode(text, **options)
            count = len(ids)
    except DisallowedSpecialTokenError as err:
        raise CliError(
            f"the text contains the special token {err.token!r}: pass --specials "
            "allow to encode it as its id, or --specials plain to encode it as ordinary text"
        ) from None
    seconds = time.perf_counter() - start
    nbytes = len(text.encode("utf-8"))
    logger.info(
        "encoded %d bytes into %d tokens in %.3f s (%.2f MB/s, %.2f bytes/token)",
        nbytes, count, seconds, nbytes / max(seconds, 1e-9) / 1e6, nbytes / max(count, 1),
    )
    if args.count:
        _write(f"{count}\n".encode())
    else:
        _write((" ".join(map(str, ids)) + "\n").encode())
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    enc = _resolve(args, to_decode=True)
    ids = parse_ids(_read_text(args.file))
    start = time.perf_counter()
    try:
        data = enc.decode_bytes(ids)
    except UnknownTokenError as err:  # TokenIdOverflowError too
        token = err.token
        assert isinstance(token, int)
        where = "no token has that id" if 0 <= token <= enc.max_token_value else (
            f"ids go from 0 to {enc.max_token_value}"
        )
        raise CliError(
            f"token id {token} (item {ids.index(token) + 1} of the input) is not in the vocabulary of "
            f"{enc.name!r} ({where})"
        ) from None
    logger.info("decoded %d tokens into %d bytes in %.3f s", len(ids), len(data), time.perf_counter() - start)
    _write(data)
    return 0

# ---------------------------------------------------------------------------- convert, info


def _target_format(dst: str, to: Optional[str]) -> str:
    if to is not None:
        return to
    if dst.lower().endswith(".tiktoken"):  # (OUT.JSON too: a folder named so would surprise)
        return "tiktoken"
    if dst.lower().endswith(".json"):
        return "tokenizer.json"
    return "hf-folder"


def cmd_convert(args: argparse.Namespace) -> int:
    from .folder import save_encoding
    from .tokenizer_json import save_tokenizer_json
    from .vocab_files import dump_tiktoken_bpe

    enc = resolve_encoding(args.src, pattern=args.pattern, special_tokens=args.special_token or ())
    fmt = _target_format(args.dst, args.to)
    dst = Path(args.dst)
    if fmt == "hf-folder":
        _check_not_over_source(args.src, dst, folder=True)
        with cleanup_new_folders(dst):  # removed again if saving fails
            check_output_dir(dst)
            written = save_encoding(enc, dst)
        print(f"wrote {dst}: {', '.join(p.name for p in written)}")
        return 0
    if args.dst.endswith(("/", os.sep)) and not dst.is_dir():  # Path() drops the slash
        raise CliError(f"cannot write into {args.dst}: no such folder")
    if dst.is_dir():
        dst = dst / ("tokenizer.json" if fmt == "tokenizer.json" else f"{_file_stem(enc.name)}.tiktoken")
    if not dst.parent.is_dir():
        raise CliError(f"cannot write {dst}: no folder {dst.parent}")
    _check_not_over_source(args.src, dst, folder=False)
    _check_not_into_a_tokenizer_folder(dst)
    if fmt == "tokenizer.json":
        _check_not_under_another_files_name(dst)
        save_tokenizer_json(enc, dst)
    else:
        dump_tiktoken_bpe(enc.mergeable_ranks, dst)
        if enc.special_tokens:
            shown = " ".join(f"--special-token '{t}={i}'" for t, i in list(enc.special_tokens.items())[:3])
            more = " ..." if len(enc.special_tokens) > 3 else ""
            names = pattern_names(enc.pat_str)
            pattern = f"--pattern {names[0]}" if names else "--pattern (its regex)"
            print(
                f"{PROG}: note: {dst} holds the ranks only; load it with {pattern} and "
                f"{len(enc.special_tokens)} special token(s): {shown}{more}",
                file=sys.stderr,
            )
        if enc.normalization is not None:
            print(
                f"{PROG}: note: {dst} does not hold the tokenizer's {enc.normalization} normalizer: put texts "
                f"in {enc.normalization} form before encoding them with it (a tokenizer.json keeps it)",
                file=sys.stderr,
            )
    print(f"wrote {dst}")
    return 0


def _check_not_over_source(src: str, dst: Path, *, folder: bool) -> None:
    """Refuse to write over the tokenizer being converted: its file, a file of the folder
    it is loaded from, or (``folder``: a folder's files) that folder or the folder of its
    file. A conversion may lose settings (a chat template, ``model_max_length``), which
    would then be gone for good. A new file beside it is fine."""
    from .folder import ENCODING_FILE, replaced_by_a_save

    source = Path(src)
    if not source.exists():  # a name: nothing on disk to overwrite
        return
    s, d = source.resolve(), dst.resolve()
    home = s if s.is_dir() else s.parent if s.name == ENCODING_FILE else None  # the folder it loads from
    if folder:
        over = d == home or (s.is_file() and replaced_by_a_save(s, d))
    else:
        over = s == d or (home is not None and home in d.parents and d.exists())
    if over:
        raise CliError(f"writing {dst} would overwrite {src}, the tokenizer being converted: write elsewhere")


def _check_not_into_a_tokenizer_folder(dst: Path) -> None:
    """Refuse to write one vocabulary file of a tokenizer folder (``tokenizer.json``,
    ``vocab.tiktoken``) into a folder that holds another vocabulary (``encoding.json`` and
    ``vocab.tiktoken``, ``vocab.json``, ``tokenizer.model``, ...): stock transformers
    (reading ``tokenizer.json``) and hf_bpe (reading ``encoding.json`` + ``vocab.tiktoken``)
    would load two different tokenizers from it. Settings files (``tokenizer_config.json``)
    are no vocabulary: a ``tokenizer.json`` is written beside them. The whole folder is
    written with ``--to hf-folder``."""
    from .folder import ENCODING_FILE, VOCAB_FILE

    vocabularies = {ENCODING_FILE, VOCAB_FILE, "tokenizer.json", "vocab.json", "merges.txt", "tokenizer.model"}
    others = sorted(name for name in vocabularies - {dst.name} if (dst.parent / name).exists())
    if dst.name in vocabularies and others:
        raise CliError(
            f"writing {dst} alone would leave the tokenizer folder {dst.parent} with files of two "
            f"tokenizers (its {', '.join(others)} would stay): convert into the folder with --to "
            "hf-folder, or write elsewhere"
        )


def _check_not_under_another_files_name(dst: Path) -> None:
    """Refuse to write a ``tokenizer.json`` under the name of another file of a tokenizer
    folder (``encoding.json``, ``tokenizer_config.json``, ...): that folder would then not
    load, in hf_bpe or in transformers."""
    from .folder import ENCODING_FILE, HF_FILES, SAVED_IF_NEEDED

    if dst.name in ({ENCODING_FILE, *HF_FILES, *SAVED_IF_NEEDED, "vocab.json"} - {"tokenizer.json"}):
        raise CliError(
            f"cannot write a tokenizer.json as {dst}: {dst.name} is another file of a tokenizer folder, "
            "which would then not load (name it tokenizer.json, or anything else)"
        )


def _file_stem(name: str) -> str:
    """The encoding's name as a file name in the folder given: its own name could hold
    folders (``../../x``, ``/tmp/x``, from encoding.json) and so write elsewhere.

    >>> _file_stem("cl100k_base"), _file_stem("../../evil"), _file_stem("..")
    ('cl100k_base', '.._.._evil', 'vocab')
    """
    stem = re.sub(r"[/\\\x00]", "_", name)
    return "vocab" if stem in ("", ".", "..") else stem


def encoding_info(enc: Encoding, sample: str) -> dict[str, Any]:
    """What ``hf-bpe info`` shows, as a dict (``--json`` prints it as JSON)."""
    start = time.perf_counter()
    tokens = enc.count_tokens(sample, disallowed_special=())
    seconds = time.perf_counter() - start
    nbytes = len(sample.encode("utf-8"))
    specials = sorted(enc.special_tokens.items(), key=lambda item: item[1])
    return {
        "name": enc.name,
        "n_vocab": enc.n_vocab,
        "mergeable_tokens": len(enc.mergeable_ranks),
        "special_tokens": dict(specials),
        "max_token_value": enc.max_token_value,
        "pattern": enc.pat_str,
        "pattern_names": pattern_names(enc.pat_str),
        "normalization": enc.normalization,
        "split_by": _split_by(enc),
        "sample_bytes": nbytes,
        "sample_tokens": tokens,
        "bytes_per_token": round(nbytes / tokens, 3) if tokens else None,
        "sample_seconds": round(seconds, 6),
    }


def _split_by(enc: Encoding) -> str:
    """What splits the encoding's texts into pieces: a hand-written scanner, the compiled
    matcher, or the ``regex`` package (patterns outside the matcher's subset: slower)."""
    splitter = enc._splitter
    return "scanner" if splitter.family else "matcher" if splitter.program is not None else "regex"


def cmd_info(args: argparse.Namespace) -> int:
    _stdout()
    enc = _resolve(args)
    sample = SAMPLE_TEXT if args.sample is None else _read_text(args.sample)
    info = encoding_info(enc, sample)
    if args.json:
        text = json.dumps(info, ensure_ascii=False, indent=2)
        try:
            text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
        except UnicodeEncodeError:  # (PYTHONIOENCODING=ascii, a C locale): JSON's own escapes
            text = json.dumps(info, indent=2)
        print(text)
        return 0
    specials = info["special_tokens"]
    names = info["pattern_names"]
    gaps = info["n_vocab"] - len({*enc.mergeable_ranks.values(), *enc.special_tokens.values()})
    print(f"name:            {info['name']}")
    print(
        f"vocabulary:      {info['n_vocab']} ids: {info['mergeable_tokens']} mergeable tokens, "
        f"{len(specials)} special token{'' if len(specials) == 1 else 's'}" + (f", {gaps} unused ids" if gaps else "")
    )
    print(f"pattern:         {'(' + ', '.join(names) + ') ' if names else ''}{info['pattern']}")
    if info["normalization"] is not None:
        print(f"normalization:   {info['normalization']} (before splitting; special tokens are found in the text as given)")
    print(f"split by:        {info['split_by']}")
    shown = ", ".join(f"{text}={tid}" for text, tid in list(specials.items())[:8])
    more = f", ... ({len(specials)} in all)" if len(specials) > 8 else ""
    print(f"special tokens:  {shown + more if specials else '(none)'}")
    where = "the built-in sample" if args.sample is None else args.sample
    ratio = info["bytes_per_token"]
    print(
        f"bytes/token:     {ratio if ratio is not None else 'n/a'} on {where} "
        f"({info['sample_bytes']} bytes, {info['sample_tokens']} tokens)"
    )
    return 0


# ---------------------------------------------------------------------------- bench

BENCH_SCRIPTS = {"encode": "bench_encode.py", "train": "bench_train.py"}


def find_examples_dir(explicit: Optional[str] = None) -> Optional[Path]:
    """The ``examples/`` folder of a source checkout holding the benchmark scripts.

    Looked for in ``explicit``, next to the package (a checkout, or an editable install)
    and in the current directory; ``None`` when none holds a benchmark script.
    """
    here = Path(__file__).resolve().parent
    candidates = [Path(explicit)] if explicit else [here.parent / "examples", Path.cwd() / "examples"]
    for folder in candidates:
        if any((folder / script).is_file() for script in BENCH_SCRIPTS.values()):
            return folder
    return None


def cmd_bench(args: argparse.Namespace) -> int:
    folder = find_examples_dir(args.examples_dir)
    if folder is None:
        where = f"in {args.examples_dir}" if args.examples_dir else "next to the package or in ./examples"
        raise CliError(
            "the benchmarks (examples/bench_encode.py, examples/bench_train.py) live in a source "
            f"checkout of hf_bpe, not in the installed package; none found {where}: run "
            "`hf-bpe bench` from a clone, or pass --examples-dir CLONE/examples"
        )
    which = list(BENCH_SCRIPTS) if args.which == "all" else [args.which]
    extra = list(args.script_args)
    if extra and len(which) > 1:
        raise CliError("arguments for a benchmark script need `hf-bpe bench encode|train -- ARGS`")
    status = 0
    for key in which:
        script = folder / BENCH_SCRIPTS[key]
        if not script.is_file():
            raise CliError(f"{script} does not exist (this checkout has no {key} benchmark)")
        logger.info("running %s %s", script, " ".join(extra))
        result = subprocess.run([sys.executable, str(script), *extra], check=False)
        status = status or result.returncode
    return status
