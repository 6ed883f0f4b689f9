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

import _thread
import argparse
import codecs
import contextlib
import io
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn, Optional

from .cli_commands import SAMPLE_TEXT as SAMPLE_TEXT
from .cli_commands import (
    PROG,
    cmd_bench,
    cmd_convert,
    cmd_decode,
    cmd_encode,
    cmd_info,
    find_examples_dir,
    parse_ids,
)
from .cli_resolve import parse_special_tokens, resolve_encoding
from .cli_train import cmd_train, training_files
from .errors import CliError, HfBpeError

__all__ = [
    "CliError",
    "find_examples_dir",
    "main",
    "parse_ids",
    "parse_special_tokens",
    "resolve_encoding",
    "training_files",
]


# The commands live in their own modules, and everything there is importable from here
# too: cli_resolve (which tokenizer an argument names), cli_train (``train``) and
# cli_commands (``encode``, ``decode``, ``convert``, ``info``, ``bench``). CliError is
# in hf_bpe.errors with the other exceptions.


# ---------------------------------------------------------------------------- main


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


def _positive_int(text: str) -> int:
    return _int_from(text, 1, "a positive integer")


def _vocab_size(text: str) -> int:
    return _int_from(text, 256, "an integer >= 256 (the 256 byte tokens, then merges and special tokens)")


def _non_negative_int(text: str) -> int:
    return _int_from(text, 0, "an integer >= 0")


def _int_from(text: str, minimum: int, expected: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value


def _path(text: str) -> str:
    """A file or folder argument: not empty (``-o ''`` would write into the current folder, an
    input ``''`` read it: an unset variable in a script, ``hf-bpe train "$CORPUS"``)."""
    if not text:
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    return text


def _check_train_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``train`` takes its inputs with ``nargs="*"`` so that inputs swallowed by
    ``--special-tokens`` get a hint; none at all is a usage error all the same."""
    if not args.paths:
        taken = [t for t in args.special_tokens or () if os.path.exists(t)]
        hint = f": --special-tokens took {taken[0]!r} too; give the inputs first, or end the tokens with --" if taken else ""
        parser.error(f"no FILE_OR_DIR to train on{hint}")


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
        parser.add_argument("tokenizer", type=_path, metavar="DIR_OR_NAME", help="tokenizer folder or file, or encoding or model name")
    else:
        parser.add_argument(
            "-t", "--tokenizer", type=_path, required=True, metavar="DIR_OR_NAME",
            help="tokenizer folder, tokenizer.json, .tiktoken file (with --pattern) or encoding or model name (gpt-4o)",
        )
    parser.add_argument("--pattern", metavar="NAME_OR_REGEX", help="split pattern of a .tiktoken file")
    parser.add_argument(
        "--special-token", action="append", metavar="TEXT=ID",
        help="a special token of a .tiktoken file (repeat for more)",
    )


class _Version(argparse.Action):
    """``--version``: print the version line as it is (argparse's own action wraps it to
    the terminal's width) and exit."""

    def __init__(self, option_strings: list[str], version: str, dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit", **kwargs)
        self.version = version

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        parser._print_message(self.version + "\n", sys.stdout)  # stdout, as argparse's own action
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hf-bpe`` (one sub-parser per command)."""
    from . import __version__

    common = _common(argparse.SUPPRESS)
    parser = _Parser(
        prog=PROG,
        description="Byte-level BPE tokenizers: train, encode, decode, convert, inspect (info), benchmark.",
        parents=[_common(None)],
    )
    from . import COMPILED

    core = "compiled core" if COMPILED else "uncompiled core: pure Python, encoding about 30x slower (HF_BPE_COMPILE=0, or no C compiler at install)"
    parser.add_argument("--version", action=_Version, version=f"{PROG} {__version__} ({core})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "train", parents=[common], help="train a tokenizer on text or parquet files",
        description="Train a byte-level BPE tokenizer and write a folder that hf_bpe.load_encoding, "
        "HfBpeTokenizer.from_pretrained and transformers.AutoTokenizer load.",
    )
    p.add_argument("paths", nargs="*", type=_path, metavar="FILE_OR_DIR", help="text files, parquet files, or folders of them")
    p.add_argument("--vocab-size", type=_vocab_size, required=True, help="tokens, special tokens included")
    p.add_argument("-o", "--output", type=_path, required=True, metavar="DIR", help="folder to write")
    p.add_argument("--pattern", default="rustbpe", metavar="NAME_OR_REGEX",
                   help="split pattern: rustbpe (default), nanochat, cl100k_base, o200k_base, ... or a regex")
    p.add_argument("--special-tokens", nargs="+", action="extend", metavar="TOKEN",
                   help="special tokens, given ids after the merges in this order")
    p.add_argument("--nanochat-specials", action="store_true", help="add nanochat's 9 special tokens")
    p.add_argument("--num-proc", type=_positive_int, default=None, help="counting processes (default: CPU cores)")
    p.add_argument("--text-column", metavar="COL", help="text column of parquet files (text)")
    p.add_argument("--max-chars", type=_non_negative_int, default=0, metavar="N",
                   help="crop each document to N characters (0, the default: no crop)")
    p.add_argument("--glob", default="*.txt", help="which files of a folder are text files: by name at any depth, or, if GLOB has a /, by path inside it as Path.glob matches (books/**/*.txt) (*.txt)")
    p.add_argument("--by-line", action="store_true",
                   help="each line of a text file is a document, its line end included (default: each file is one)")
    p.add_argument("--name", help="the encoding's name (default: the output folder's name)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="show progress bars (default: when stderr is a terminal; elsewhere log lines: every 5%% of each stage, every 10 s while counting --by-line)")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars or lines")
    train = p
    p.set_defaults(func=cmd_train, check_usage=lambda args: _check_train_usage(train, args))

    p = sub.add_parser("encode", parents=[common], help="text to token ids",
                       description="Print the token ids of a text (standard input by default).")
    _tokenizer_options(p)
    p.add_argument("file", nargs="?", type=_path, metavar="FILE", help="UTF-8 text file (default: standard input)")
    p.add_argument("--count", action="store_true", help="print only the number of tokens")
    p.add_argument("--specials", choices=("error", "allow", "plain"), default="error",
                   help="special-token text: an error (default, as tiktoken), allow (its id), "
                   "plain (ordinary text)")
    p.set_defaults(func=cmd_encode)

    p = sub.add_parser("decode", parents=[common], help="token ids to text",
                       description="Write the bytes of token ids (separated by spaces, newlines or commas).")
    _tokenizer_options(p)
    p.add_argument("file", nargs="?", type=_path, metavar="FILE", help="file of ids (default: standard input)")
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("convert", parents=[common], help="convert between tokenizer formats",
                       description="Convert a tokenizer (folder, tokenizer.json, .tiktoken or name) "
                       "to a .tiktoken file, a tokenizer.json or an hf_bpe/Hugging Face folder.")
    p.add_argument("src", type=_path, metavar="SRC", help="tokenizer folder or file, or encoding or model name")
    p.add_argument("dst", type=_path, metavar="DST", help="file or folder to write")
    p.add_argument("--to", choices=("tiktoken", "tokenizer.json", "hf-folder"),
                   help="target format (default: from DST: *.tiktoken, *.json, else a folder)")
    p.add_argument("--pattern", metavar="NAME_OR_REGEX", help="split pattern of a .tiktoken SRC")
    p.add_argument("--special-token", action="append", metavar="TEXT=ID",
                   help="a special token of a .tiktoken SRC (repeat for more)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("info", parents=[common], help="vocabulary size, pattern, specials, bytes/token",
                       description="Describe a tokenizer and measure bytes per token on a sample.")
    _tokenizer_options(p, positional=True)
    p.add_argument("--sample", type=_path, metavar="FILE", help="UTF-8 text to measure bytes/token on")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("bench", parents=[common], help="run the encode/train benchmarks (source checkout)",
                       usage=f"{PROG} bench [-h] [-v] [--debug] [--examples-dir DIR] [{{encode,train,all}}] [-- SCRIPT_ARGS ...]",
                       description="Run examples/bench_encode.py and/or examples/bench_train.py of a "
                       "source checkout; arguments after -- go to the script.")
    p.add_argument("which", nargs="?", choices=("encode", "train", "all"), default="all",
                   help="which benchmark: examples/bench_encode.py, examples/bench_train.py or both (default)")
    p.add_argument("--examples-dir", type=_path, metavar="DIR", help="the checkout's examples/ folder")
    p.set_defaults(script_args=[])
    p.set_defaults(func=cmd_bench)
    for command_parser in sub.choices.values():
        command_parser.set_defaults(command_parser=command_parser)  # for its own usage line
    return parser


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{PROG}: {record.levelname.lower()}: {message}"
        return f"{PROG}: [{record.relativeCreated / 1000:7.2f}s] {message}"


def _error_line(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:  # not "[Errno 2] ..."
        text = f"{err.filename}: {err.strerror}" if getattr(err, "filename", None) else err.strerror
    else:
        text = str(err) or type(err).__name__
    text = " ".join([text, *getattr(err, "__notes__", ())])  # ("raised for item 3 of the batch", ...)
    return text.replace("\r", " ").replace("\n", " ")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``hf-bpe`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # `hf-bpe bench train -- ARGS`: everything after -- goes to the benchmark script.
    command = next((a for a in argv if isinstance(a, str) and not a.startswith("-")), None)
    script_args: list[str] = []
    if command == "bench" and "--" in argv:
        cut = argv.index("--")
        argv, script_args = argv[:cut], argv[cut + 1 :]
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # under the command's usage line (argparse shows hf-bpe's), where the options are
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    check_usage = getattr(args, "check_usage", None)
    if check_usage is not None:
        check_usage(args)  # exits with status 2, as argparse does
    if command == "bench":
        args.script_args = script_args
    args.undecodable_arguments = sys.getfilesystemencoding() != "utf-8" and any(
        0xDC80 <= ord(char) <= 0xDCFF for arg in argv for char in arg  # bytes surrogateescape took in
    )
    with _streams_for_messages():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    verbosity = args.verbose or 0
    root = logging.getLogger("hf_bpe")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO if verbosity else logging.WARNING)
    # Progress where no bar is drawn (a log file, a batch job) is shown without -v, by this
    # handler alone (not also by one the program calling main() set up for INFO lines).
    progress = logging.getLogger("hf_bpe.progress")
    old_progress = progress.level, progress.propagate
    if getattr(args, "progress", False) is not False:
        progress.setLevel(logging.INFO)
        progress.addHandler(handler)
        progress.propagate = False
    shown = warnings.showwarning
    warnings.showwarning = _warning_line  # hf_bpe's warnings as "hf-bpe: warning: ..." lines
    terminated: list[bool] = []
    try:
        with _sigterm_as_ctrl_c(terminated):
            status = int(args.func(args))
            if sys.stdout is not None:
                sys.stdout.flush()  # here, a reader gone (`| head`) is the BrokenPipeError below
            return status
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{PROG}: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:
        # The reader went away (`hf-bpe encode big.txt | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except (HfBpeError, OSError, ValueError, KeyError) as err:
        if args.debug:
            raise
        print(f"{PROG}: error: {_error_line(err)}", file=sys.stderr)
        if args.undecodable_arguments:  # a C locale without UTF-8 mode: é in an argument is two bytes
            print(
                f"{PROG}: note: arguments are read in this locale's encoding ({sys.getfilesystemencoding()}), in which "
                "some are not text: PYTHONUTF8=1 or LC_ALL=C.UTF-8 reads them as UTF-8",
                file=sys.stderr,
            )
        return 1
    finally:
        warnings.showwarning = shown
        root.removeHandler(handler)
        root.setLevel(old_level)
        progress.removeHandler(handler)
        progress.setLevel(old_progress[0])  # (setLevel: loggers cache their levels)
        progress.propagate = old_progress[1]


@contextlib.contextmanager
def _streams_for_messages() -> Iterator[None]:
    """Standard output and error as the command's messages need them. A character their
    encoding lacks (``PYTHONIOENCODING=ascii``, a C locale) is written as a ``\\x..``
    escape (:func:`_escape_unencodable`): ``train`` names the folder it wrote after
    writing it, and must not fail then. Without a standard error (``2>&-``, a daemon),
    messages go nowhere: ``print(file=None)`` would put them among the data on standard
    output."""
    saved = sys.stdout, sys.stderr
    escaped = [(stream, errors) for stream in saved if (errors := _set_errors(stream, _ESCAPE)) is not None]
    nowhere = open(os.devnull, "w", encoding="utf-8") if sys.stderr is None else None
    if nowhere is not None:
        sys.stderr = nowhere
    try:
        yield
    finally:
        if nowhere is not None:
            sys.stderr = saved[1]
            nowhere.close()
        for stream, errors in escaped:
            _set_errors(stream, errors)


def _escape_unencodable(err: UnicodeError) -> tuple[bytes, int]:
    """The error handler of the command's messages: a character the stream's encoding
    lacks becomes a ``\\x..``/``\\u....`` escape, as ``backslashreplace`` writes it,
    except a byte that ``surrogateescape`` took in (a file name of undecodable bytes, in a
    C locale), which goes out as that byte, as the name stands on disk."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = bytearray()
    for char in err.object[err.start : err.end]:
        code = ord(char)
        out += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else char.encode("ascii", "backslashreplace")
    return bytes(out), err.end


_ESCAPE = "hf_bpe.cli.escape"
codecs.register_error(_ESCAPE, _escape_unencodable)


def _set_errors(stream: Any, to: str) -> str | None:
    """Switch a text stream's ``errors`` to ``to`` and return what they were, if they are
    ``strict`` (``PYTHONIOENCODING=ascii``), ``surrogateescape`` (a C locale) or ``to``
    (switching back); None if it is no such stream, or closed, detached, or its reader
    gone (the switch flushes it)."""
    try:
        if not isinstance(stream, io.TextIOWrapper) or stream.closed:
            return None
        errors = stream.errors
        if errors not in ("strict", "surrogateescape", _ESCAPE):
            return None
        stream.reconfigure(errors=to)
    except (OSError, ValueError):
        return None
    return errors


@contextlib.contextmanager
def _sigterm_as_ctrl_c(terminated: list[bool]) -> Iterator[None]:
    """A SIGTERM (``kill``, a scheduler's time limit) stops the command as Ctrl-C does, so
    that its cleanup runs: no half-written output folder, no counting processes left
    running. Each SIGTERM is noted in ``terminated``. Workers set SIGTERM back to the
    system's default (pools stop them with it). A Ctrl-C that Python drops (raised in a
    ``__del__``) is delivered again."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        terminated.append(True)
        on_ctrl_c = signal.getsignal(signal.SIGINT)  # hf_bpe may be deferring Ctrl-C (parallel)
        (on_ctrl_c if callable(on_ctrl_c) else signal.default_int_handler)(signal.SIGINT, frame)

    active = [True]  # cleared, under the lock, when the block ends: no signal after that
    lock = threading.Lock()

    def signal_again(signum: signal.Signals) -> None:
        time.sleep(0.01)
        with lock:
            if active:  # a real signal: it also ends a wait the main thread is in
                signal.pthread_kill(threading.main_thread().ident or 0, signum)

    def raise_again(unraisable: Any) -> None:
        # Python runs a signal's handler wherever the main thread is, also inside a
        # __del__ or a weakref callback (a garbage collection), where it prints and drops
        # any exception: the Ctrl-C was lost, and the command ran on to its end (after a
        # SIGTERM, until the scheduler's SIGKILL). Signal it again, a moment later, from
        # another thread (from here, it would run here, and be dropped, again).
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _thread.start_new_thread(signal_again, (signal.SIGTERM if terminated else signal.SIGINT,))
        else:
            dropped(unraisable)

    previous = signal.signal(signal.SIGTERM, stop)
    dropped, sys.unraisablehook = sys.unraisablehook, raise_again
    try:
        yield
    finally:
        with lock:
            active.clear()
        sys.unraisablehook = dropped
        signal.signal(signal.SIGTERM, previous)


def _warning_line(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)
