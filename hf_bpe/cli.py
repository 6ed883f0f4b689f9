"""The ``hf-bpe`` command line: train, encode, decode, convert, bench, info.

Installed as the ``hf-bpe`` console script (also ``python -m hf_bpe``)::

    hf-bpe train corpus/ --vocab-size 32768 --output my-tokenizer
    hf-bpe encode --tokenizer my-tokenizer < text.txt > ids.txt
    hf-bpe decode --tokenizer my-tokenizer < ids.txt          # the text, byte for byte
    hf-bpe convert cl100k_base cl100k.json --to tokenizer.json
    hf-bpe info o200k_base

Wherever a tokenizer is named (``--tokenizer``, ``info``, ``convert``'s source), it may be
a folder written by ``train``/``save_encoding``/``save_pretrained``, a ``tokenizer.json``
(or a folder holding one), a ``.tiktoken`` file with ``--pattern``, or the name of an
encoding (``cl100k_base``) or of an OpenAI model (``gpt-4o``); see :func:`resolve_encoding`.

Bad input prints one line, ``hf-bpe: error: ...``, on stderr and exits with status 1
(usage errors: 2); ``--debug`` shows the traceback instead. ``-v`` logs the stages and
their timings (the ``hf_bpe`` logger at INFO), ``-vv`` at DEBUG.

The functions work in-process too::

    >>> import hf_bpe, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
    ...     mergeable_ranks={**{bytes([i]): i for i in range(256)}, b"hi": 256},
    ...     special_tokens={"<|endoftext|>": 257})
    >>> _ = hf_bpe.save_encoding(enc, folder)
    >>> resolve_encoding(folder).encode("hi hi")
    [256, 32, 256]
    >>> parse_ids("256 32\\n256")
    [256, 32, 256]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import os
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, Optional

from .encoding import Encoding
from .errors import DisallowedSpecialTokenError, HfBpeError, UnknownModelError, UnknownTokenError

__all__ = [
    "CliError",
    "find_examples_dir",
    "main",
    "parse_ids",
    "parse_special_tokens",
    "resolve_encoding",
    "training_files",
]

logger = logging.getLogger("hf_bpe.cli")

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


class CliError(HfBpeError, ValueError):
    """A command-line input that cannot be used (printed as one line, exit status 1)."""


# ---------------------------------------------------------------------------- resolving


def parse_special_tokens(items: Sequence[str], first_id: int) -> dict[str, int]:
    """``TEXT=ID`` (or just ``TEXT``: the next free id from ``first_id``) → ``{text: id}``.

    >>> parse_special_tokens(["<|endoftext|>=100257", "<|pad|>"], 100258)
    {'<|endoftext|>': 100257, '<|pad|>': 100258}
    """
    specials: dict[str, int] = {}
    next_id = first_id
    for item in items:
        text, sep, number = item.rpartition("=")
        if sep and text and number.strip().isdigit():
            token_id = int(number)
        else:
            text, token_id = item, next_id
        if not text:
            raise CliError(f"empty special token in {item!r}")
        if text in specials:
            raise CliError(f"special token {text!r} is given twice")
        specials[text] = token_id
        next_id = max(next_id, token_id + 1)
    return specials


def _official_name(path: Path) -> Optional[str]:
    """The named encoding whose official vocabulary file has ``path``'s bytes, if any."""
    from .download import VOCAB_FILES, sha256_of

    try:
        digest = sha256_of(path)
    except OSError:
        return None
    for vfile in VOCAB_FILES.values():
        if vfile.sha256 == digest and vfile.filename.endswith(".tiktoken"):
            return vfile.filename[: -len(".tiktoken")]
    return None


def _load_tiktoken_file(
    path: Path, pattern: Optional[str], specials: Sequence[str], *, sniffed: bool = False
) -> Encoding:
    from .errors import VocabFileError
    from .patterns import get_pattern
    from .vocab_files import load_tiktoken_bpe

    ranks: Optional[dict[bytes, int]] = None
    if sniffed:  # not named *.tiktoken: make sure it is one before asking for a pattern
        try:
            ranks = load_tiktoken_bpe(path)
        except VocabFileError as err:
            raise CliError(f"{path} is not a tokenizer file: not JSON, and not tiktoken's format ({err})") from None
    if pattern is None:
        official = _official_name(path)
        hint = (
            f" (it is the official {official} file: use --pattern {official}, or just name "
            f"the encoding {official!r})"
            if official
            else ""
        )
        raise CliError(
            f"{path} is a .tiktoken file, which holds no split pattern: give one with "
            f"--pattern NAME_OR_REGEX{hint}"
        )
    if ranks is None:
        ranks = load_tiktoken_bpe(path)
    first = max(ranks.values(), default=-1) + 1
    return Encoding(
        path.name.split(".")[0] or "tiktoken",
        pat_str=get_pattern(pattern),
        mergeable_ranks=ranks,
        special_tokens=parse_special_tokens(specials, first),
    )


def _load_path(path: Path, pattern: Optional[str], specials: Sequence[str]) -> Encoding:
    from .folder import ENCODING_FILE, load_encoding

    if path.is_dir():
        if (path / ENCODING_FILE).is_file():
            enc = load_encoding(path)
        elif (path / "tokenizer.json").is_file() or (path / "vocab.json").is_file():
            from .tokenizer_json import load_tokenizer_json

            enc = load_tokenizer_json(path)
        else:
            raise CliError(
                f"{path} is a folder without {ENCODING_FILE} or tokenizer.json: not a tokenizer folder"
            )
    elif path.suffix == ".tiktoken":
        return _load_tiktoken_file(path, pattern, specials)
    elif path.name == ENCODING_FILE:
        enc = load_encoding(path.parent)
    else:
        with path.open("rb") as f:
            head = f.read(64).lstrip()
        if not head.startswith(b"{"):  # not JSON: tiktoken's format is the other one
            return _load_tiktoken_file(path, pattern, specials, sniffed=True)
        from .tokenizer_json import load_tokenizer_json

        stem = path.stem if path.stem != "tokenizer" else path.resolve().parent.name
        enc = load_tokenizer_json(path, name=stem or "tokenizer")
    if pattern is not None or specials:
        raise CliError(
            f"--pattern and --special-token apply to .tiktoken files only; {path} holds its own"
        )
    return enc


def _unknown_name_message(spec: str) -> str:
    import difflib

    from .registry import MODEL_TO_ENCODING, list_encoding_names

    names = list_encoding_names()
    close = difflib.get_close_matches(spec, [*names, *MODEL_TO_ENCODING], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"{spec!r} is not a file or folder, nor a known encoding or model name.{hint} "
        f"Known encodings: {', '.join(names)}"
    )


def resolve_encoding(
    spec: str, *, pattern: Optional[str] = None, special_tokens: Sequence[str] = ()
) -> Encoding:
    """The encoding ``spec`` names: an existing path first, else an encoding or model name.

    - a folder with ``encoding.json`` (hf_bpe's folder format), or with ``tokenizer.json``
      (or GPT-2's ``vocab.json`` + ``merges.txt``);
    - a ``tokenizer.json`` file, or an ``encoding.json`` file (its folder is loaded);
    - a ``.tiktoken`` file (any file that is not JSON is read as one): the ranks only, so
      ``pattern`` (a name from :mod:`hf_bpe.patterns`, e.g. ``cl100k_base``, or a regex) is
      required, and ``special_tokens`` lists ``TEXT=ID`` items;
    - an encoding name (``cl100k_base``) or an OpenAI model name (``gpt-4o``).

    Anything else raises :class:`CliError`, with a suggestion when the name is close to a
    known one.
    """
    path = Path(spec)
    start = time.perf_counter()
    if path.exists():
        enc = _load_path(path, pattern, special_tokens)
        source = f"{'folder' if path.is_dir() else 'file'} {path}"
    else:
        from .registry import encoding_name_for_model, get_encoding, list_encoding_names

        if pattern is not None or special_tokens:
            raise CliError(f"no such file: {spec} (--pattern applies to .tiktoken files)")
        looks_like_path = os.sep in spec or spec.endswith((".json", ".tiktoken"))
        if looks_like_path:
            raise CliError(f"no such file or folder: {spec}")
        name = spec
        if spec not in list_encoding_names():
            try:
                name = encoding_name_for_model(spec)
            except UnknownModelError:
                raise CliError(_unknown_name_message(spec)) from None
        enc = get_encoding(name)
        source = f"named encoding {name}"
    logger.info(
        "loaded %r (%d ids) from %s in %.3f s", enc.name, enc.n_vocab, source, time.perf_counter() - start
    )
    return enc


# ---------------------------------------------------------------------------- text in, ids out


def _read_input(file: Optional[str]) -> bytes:
    if file is None or file == "-":
        return sys.stdin.buffer.read()
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


def _write(data: bytes) -> None:
    out: Any = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(data)
        buffer.flush()
    else:  # a text-only stdout (doctest, IDE consoles)
        out.write(data.decode("utf-8", "surrogateescape"))


_ID = re.compile(r"-?[0-9]+")


def parse_ids(text: str) -> list[int]:
    """Token ids separated by whitespace or commas, optionally inside ``[...]``.

    >>> parse_ids("[15339, 1917]")
    [15339, 1917]
    >>> parse_ids("1 two 3")
    Traceback (most recent call last):
    ...
    hf_bpe.cli.CliError: not a token id: 'two' (item 2 of the input)
    """
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    ids: list[int] = []
    for i, item in enumerate(body.replace(",", " ").split(), 1):
        if _ID.fullmatch(item) is None:  # int() would also take "1_000", "+5", "١٢"
            shown = item if len(item) <= 40 else item[:37] + "..."
            raise CliError(f"not a token id: {shown!r} (item {i} of the input)")
        ids.append(int(item))
    return ids


def _specials_args(mode: str) -> dict[str, Any]:
    if mode == "allow":
        return {"allowed_special": "all"}
    if mode == "plain":
        return {"disallowed_special": ()}
    return {}


def _first_special(enc: Encoding, text: str) -> str:
    import regex

    found = regex.search("|".join(map(regex.escape, sorted(enc._special_tokens, key=len, reverse=True))), text)
    return found.group() if found else "?"


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
    except DisallowedSpecialTokenError:
        raise CliError(
            f"the text contains the special token {_first_special(enc, text)!r}: pass --specials "
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
    enc = _resolve(args)
    ids = parse_ids(_read_text(args.file))
    start = time.perf_counter()
    try:
        data = enc.decode_bytes(ids)
    except UnknownTokenError:
        for i, token in enumerate(ids, 1):
            try:
                enc.decode_single_token_bytes(token)
            except (UnknownTokenError, KeyError, IndexError, OverflowError, ValueError):
                raise CliError(
                    f"token id {token} (item {i} of the input) is not in the vocabulary of "
                    f"{enc.name!r} (ids 0..{enc.max_token_value})"
                ) from None
        raise
    logger.info("decoded %d tokens into %d bytes in %.3f s", len(ids), len(data), time.perf_counter() - start)
    _write(data)
    return 0


# ---------------------------------------------------------------------------- train


def training_files(paths: Sequence[str], glob: str = "*.txt") -> tuple[list[Path], list[Path]]:
    """The (text files, parquet files) that ``paths`` name.

    A named file is read as parquet if it ends in ``.parquet``, as text otherwise. A folder
    contributes, recursively and in sorted order, its ``*.parquet`` files and its text files
    whose names match ``glob``; hidden files and folders are skipped.
    """
    texts: list[Path] = []
    parquets: list[Path] = []
    for spec in paths:
        path = Path(spec)
        if path.is_file():
            (parquets if path.suffix == ".parquet" else texts).append(path)
        elif path.is_dir():
            found = 0
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(path).parts
                if any(part.startswith(".") for part in rel) or not file.is_file():
                    continue
                if file.suffix == ".parquet":
                    parquets.append(file)
                elif fnmatch.fnmatch(file.name, glob):
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


def _file_texts(files: Sequence[Path], by_line: bool) -> Iterator[str]:
    for file in files:
        if by_line:
            with file.open("rb") as f:
                for lineno, line in enumerate(f, 1):
                    try:
                        yield line.decode("utf-8")
                    except UnicodeDecodeError as err:
                        raise CliError(
                            f"{file}:{lineno}: not UTF-8 text (invalid byte 0x{line[err.start]:02x})"
                        ) from None
        else:
            data = file.read_bytes()
            try:
                yield data.decode("utf-8")
            except UnicodeDecodeError as err:
                raise CliError(
                    f"{file}: not UTF-8 text (invalid byte 0x{data[err.start]:02x} at offset "
                    f"{err.start}); train on UTF-8 files only (see --glob)"
                ) from None


def _check_output_dir(output: Path) -> None:
    """Fail now, not after training, when ``output`` cannot be written."""
    if output.exists() and not output.is_dir():
        raise CliError(f"cannot write to {output}: it exists and is not a folder")
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = output / f".hf-bpe-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise CliError(f"cannot write to {output}: {err.strerror or err}") from None


def _check_pattern_exports(pattern: str) -> None:
    """Refuse, before training, a pattern that tokenizer.json cannot reproduce."""
    from .tokenizer_json import check_pattern_on_oniguruma, hf_pattern

    try:
        check_pattern_on_oniguruma(pattern, hf_pattern(pattern))
    except HfBpeError as err:
        raise CliError(f"this pattern cannot be saved for Hugging Face (tokenizer.json): {err}") from None


def cmd_train(args: argparse.Namespace) -> int:
    from .folder import save_encoding
    from .patterns import get_pattern
    from .trainer import NANOCHAT_SPECIAL_TOKENS, BpeTrainer

    specials = list(args.special_tokens or [])
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
    if args.max_chars < 0:
        raise CliError(f"--max-chars must be >= 0 (0: no crop), got {args.max_chars}")
    texts, parquets = training_files(args.paths, args.glob)
    if parquets:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise CliError("reading parquet files needs pyarrow: pip install 'hf_bpe[parquet]'") from None
    output = Path(args.output)
    created = not output.exists()
    _check_output_dir(output)
    name = args.name or output.resolve().name or "bpe"
    logger.info("training on %d text file(s) and %d parquet file(s)", len(texts), len(parquets))
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with trainer:
                if texts:
                    trainer.update(_file_texts(texts, args.by_line), max_chars=args.max_chars)
                if parquets:
                    trainer.update_from_parquet(parquets, column=args.text_column, max_chars=args.max_chars)
                enc = trainer.train(name)
        for warning in caught:
            logger.warning("%s", warning.message)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        written = save_encoding(enc, output)
    except BaseException:
        if created and output.is_dir() and not any(output.iterdir()):
            output.rmdir()  # leave nothing behind
        raise
    logger.info("wrote %s in %.2f s", output, time.perf_counter() - start)
    merges = len(enc._mergeable_ranks) - 256
    print(
        f"trained {enc.name!r}: {enc.n_vocab} tokens (256 bytes, {merges} merges, "
        f"{len(enc._special_tokens)} special) on {trainer.n_documents} documents, "
        f"{trainer.n_chars} characters in {seconds:.2f} s"
    )
    print(f"wrote {output}: {', '.join(p.name for p in written)}")
    return 0


# ---------------------------------------------------------------------------- convert, info


def _target_format(dst: str, to: Optional[str]) -> str:
    if to is not None:
        return to
    if dst.endswith(".tiktoken"):
        return "tiktoken"
    if dst.endswith(".json"):
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
        _check_output_dir(dst)
        written = save_encoding(enc, dst)
        print(f"wrote {dst}: {', '.join(p.name for p in written)}")
        return 0
    if dst.is_dir():
        dst = dst / ("tokenizer.json" if fmt == "tokenizer.json" else f"{enc.name}.tiktoken")
    if not dst.parent.is_dir():
        raise CliError(f"cannot write {dst}: no folder {dst.parent}")
    if fmt == "tokenizer.json":
        save_tokenizer_json(enc, dst)
    else:
        dump_tiktoken_bpe(enc._mergeable_ranks, dst)
        if enc._special_tokens:
            shown = " ".join(f"--special-token '{t}={i}'" for t, i in list(enc._special_tokens.items())[:3])
            more = " ..." if len(enc._special_tokens) > 3 else ""
            print(
                f"{PROG}: note: {dst} holds the ranks only; load it with --pattern and "
                f"{len(enc._special_tokens)} special token(s): {shown}{more}",
                file=sys.stderr,
            )
    print(f"wrote {dst}")
    return 0


def _pattern_names(pat_str: str) -> list[str]:
    from .patterns import PATTERNS

    return [name for name, value in PATTERNS.items() if value == pat_str]


def encoding_info(enc: Encoding, sample: str) -> dict[str, Any]:
    """What ``hf-bpe info`` shows, as a dict (``--json`` prints it as JSON)."""
    start = time.perf_counter()
    tokens = enc.count_tokens(sample, disallowed_special=())
    seconds = time.perf_counter() - start
    nbytes = len(sample.encode("utf-8"))
    specials = sorted(enc._special_tokens.items(), key=lambda item: item[1])
    return {
        "name": enc.name,
        "n_vocab": enc.n_vocab,
        "mergeable_tokens": len(enc._mergeable_ranks),
        "special_tokens": dict(specials),
        "max_token_value": enc.max_token_value,
        "pattern": enc._pat_str,
        "pattern_names": _pattern_names(enc._pat_str),
        "sample_bytes": nbytes,
        "sample_tokens": tokens,
        "bytes_per_token": round(nbytes / tokens, 3) if tokens else None,
        "sample_seconds": round(seconds, 6),
    }


def cmd_info(args: argparse.Namespace) -> int:
    enc = resolve_encoding(args.tokenizer, pattern=args.pattern, special_tokens=args.special_token or ())
    sample = SAMPLE_TEXT if args.sample is None else _read_text(args.sample)
    info = encoding_info(enc, sample)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    specials = info["special_tokens"]
    names = info["pattern_names"]
    gaps = info["n_vocab"] - len({*enc._mergeable_ranks.values(), *enc._special_tokens.values()})
    print(f"name:            {info['name']}")
    print(
        f"vocabulary:      {info['n_vocab']} ids: {info['mergeable_tokens']} mergeable tokens, "
        f"{len(specials)} special tokens" + (f", {gaps} unused ids" if gaps else "")
    )
    print(f"pattern:         {'(' + ', '.join(names) + ') ' if names else ''}{info['pattern']}")
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
        where = args.examples_dir or "next to the package or in ./examples"
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


# ---------------------------------------------------------------------------- main


def _resolve(args: argparse.Namespace) -> Encoding:
    return resolve_encoding(args.tokenizer, pattern=args.pattern, special_tokens=args.special_token or ())


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _common(debug_default: Any) -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="count", default=debug_default,
        help="log stages and timings (-vv: debug details)",
    )
    common.add_argument(
        "--debug", action="store_true", default=debug_default, help="show tracebacks on errors"
    )
    return common


def _tokenizer_options(parser: argparse.ArgumentParser, positional: bool = False) -> None:
    if positional:
        parser.add_argument("tokenizer", metavar="DIR_OR_NAME", help="tokenizer folder or file, or encoding name")
    else:
        parser.add_argument(
            "-t", "--tokenizer", required=True, metavar="DIR_OR_NAME",
            help="tokenizer folder, tokenizer.json, .tiktoken file (with --pattern) or encoding name",
        )
    parser.add_argument("--pattern", metavar="NAME_OR_REGEX", help="split pattern of a .tiktoken file")
    parser.add_argument(
        "--special-token", action="append", metavar="TEXT=ID",
        help="a special token of a .tiktoken file (repeat for more)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hf-bpe`` (one sub-parser per command)."""
    from . import __version__

    common = _common(argparse.SUPPRESS)
    parser = _Parser(
        prog=PROG,
        description="Byte-level BPE tokenizers: train, encode, decode, convert, benchmark.",
        parents=[_common(None)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "train", parents=[common], help="train a tokenizer on text or parquet files",
        description="Train a byte-level BPE tokenizer and write a folder that hf_bpe.load_encoding, "
        "HfBpeTokenizer.from_pretrained and transformers.AutoTokenizer load.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help="text files, parquet files, or folders of them")
    p.add_argument("--vocab-size", type=_positive_int, required=True, help="tokens, special tokens included")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write")
    p.add_argument("--pattern", default="rustbpe", metavar="NAME_OR_REGEX",
                   help="split pattern: rustbpe (default), nanochat, cl100k_base, o200k_base, ... or a regex")
    p.add_argument("--special-tokens", nargs="+", action="extend", metavar="TOKEN",
                   help="special tokens, given ids after the merges in this order")
    p.add_argument("--nanochat-specials", action="store_true", help="add nanochat's 9 special tokens")
    p.add_argument("--num-proc", type=_positive_int, default=None, help="counting processes (default: CPU cores)")
    p.add_argument("--text-column", default="text", metavar="COL", help="text column of parquet files (text)")
    p.add_argument("--max-chars", type=int, default=0, metavar="N",
                   help="crop each document to N characters (0, the default: no crop)")
    p.add_argument("--glob", default="*.txt", help="which files of a folder are text files (*.txt)")
    p.add_argument("--by-line", action="store_true",
                   help="each line of a text file is a document (default: each file is one)")
    p.add_argument("--name", help="the encoding's name (default: the output folder's name)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="show progress bars (default: when stderr is a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("encode", parents=[common], help="text to token ids",
                       description="Print the token ids of a text (standard input by default).")
    _tokenizer_options(p)
    p.add_argument("file", nargs="?", metavar="FILE", help="UTF-8 text file (default: standard input)")
    p.add_argument("--count", action="store_true", help="print only the number of tokens")
    p.add_argument("--specials", choices=("error", "allow", "plain"), default="error",
                   help="special-token text: an error (default, as tiktoken), allow (its id), "
                   "plain (ordinary text)")
    p.set_defaults(func=cmd_encode)

    p = sub.add_parser("decode", parents=[common], help="token ids to text",
                       description="Write the bytes of token ids (separated by spaces, newlines or commas).")
    _tokenizer_options(p)
    p.add_argument("file", nargs="?", metavar="FILE", help="file of ids (default: standard input)")
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("convert", parents=[common], help="convert between tokenizer formats",
                       description="Convert a tokenizer (folder, tokenizer.json, .tiktoken or name) "
                       "to a .tiktoken file, a tokenizer.json or an hf_bpe/Hugging Face folder.")
    p.add_argument("src", metavar="SRC", help="tokenizer folder or file, or encoding name")
    p.add_argument("dst", metavar="DST", help="file or folder to write")
    p.add_argument("--to", choices=("tiktoken", "tokenizer.json", "hf-folder"),
                   help="target format (default: from DST: *.tiktoken, *.json, else a folder)")
    p.add_argument("--pattern", metavar="NAME_OR_REGEX", help="split pattern of a .tiktoken SRC")
    p.add_argument("--special-token", action="append", metavar="TEXT=ID",
                   help="a special token of a .tiktoken SRC (repeat for more)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("info", parents=[common], help="vocabulary size, pattern, specials, bytes/token",
                       description="Describe a tokenizer and measure bytes per token on a sample.")
    _tokenizer_options(p, positional=True)
    p.add_argument("--sample", metavar="FILE", help="UTF-8 text to measure bytes/token on")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("bench", parents=[common], help="run the encode/train benchmarks (source checkout)",
                       usage=f"{PROG} bench [-h] [--examples-dir DIR] [{{encode,train,all}}] [-- SCRIPT_ARGS ...]",
                       description="Run examples/bench_encode.py and/or examples/bench_train.py of a "
                       "source checkout; arguments after -- go to the script.")
    p.add_argument("which", nargs="?", choices=("encode", "train", "all"), default="all")
    p.add_argument("--examples-dir", metavar="DIR", help="the checkout's examples/ folder")
    p.set_defaults(script_args=[])
    p.set_defaults(func=cmd_bench)
    return parser


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{PROG}: {record.levelname.lower()}: {message}"
        return f"{PROG}: [{record.relativeCreated / 1000:7.2f}s] {message}"


def _error_line(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror and getattr(err, "filename", None):
        return f"{err.filename}: {err.strerror}"
    text = str(err) or type(err).__name__
    return text.replace("\r", " ").replace("\n", " ")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``hf-bpe`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # `hf-bpe bench train -- ARGS`: everything after -- goes to the benchmark script.
    command = next((a for a in argv if not a.startswith("-")), None)
    script_args: list[str] = []
    if command == "bench" and "--" in argv:
        cut = argv.index("--")
        argv, script_args = argv[:cut], argv[cut + 1 :]
    args = parser.parse_args(argv)
    if command == "bench":
        args.script_args = script_args
    verbosity = args.verbose or 0
    root = logging.getLogger("hf_bpe")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO if verbosity else logging.WARNING)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`hf-bpe encode big.txt | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (HfBpeError, OSError, ValueError, KeyError) as err:
        if args.debug:
            raise
        print(f"{PROG}: error: {_error_line(err)}", file=sys.stderr)
        return 1
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
