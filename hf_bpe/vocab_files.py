"""Vocabulary files: tiktoken's ``.tiktoken`` format and GPT-2's data-gym pair.

A ``.tiktoken`` file has one token per line, ``base64(token_bytes) rank``, sorted by rank::

    >>> import tempfile, os
    >>> from hf_bpe.vocab_files import dump_tiktoken_bpe, load_tiktoken_bpe
    >>> ranks = {bytes([i]): i for i in range(256)} | {b"ab": 256}
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.tiktoken")
    >>> dump_tiktoken_bpe(ranks, path)
    >>> load_tiktoken_bpe(path) == ranks
    True
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import json
import logging
import marshal
import os
import string
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar, Union, cast

from .atomic_files import read_file, write_atomic
from .encoding import MAX_RANK
from .errors import HashMismatchError, MissingFileError, VocabFileError, VocabularyTypeError, _a_type
from .vocab_lines import parse_plain

#: What :func:`load_kept` keeps: ranks (a dict) or merges (a list).
Kept = TypeVar("Kept", dict[bytes, int], list[int])

StrPath = Union[str, "os.PathLike[str]"]

logger = logging.getLogger("hf_bpe")


def parse_tiktoken_bpe(contents: bytes, *, source: str = "<bytes>") -> dict[bytes, int]:
    """Parse the text of a ``.tiktoken`` file into ``{token_bytes: rank}``.

    Raises :class:`~hf_bpe.errors.VocabFileError` naming ``source`` and the line for a
    malformed line, a duplicate rank or duplicate token bytes. A UTF-8 byte order mark at
    the start (an editor's) is passed over, as tiktoken passes it over.
    """
    contents = contents.removeprefix(b"\xef\xbb\xbf")  # (no base64 token starts so)
    ranks = parse_plain(contents)
    if ranks is not None:
        return ranks
    return _parse_or_explain(contents, source)


def _parse_or_explain(contents: bytes, source: str) -> dict[bytes, int]:
    """Parse line by line, raising a VocabFileError that names the first bad line."""
    ranks: dict[bytes, int] = {}
    seen_ranks: dict[int, int] = {}
    for lineno, line in enumerate(contents.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise VocabFileError(
                f"{source}, line {lineno}: expected 'base64_token rank', got {line[:80]!r}"
            )
        token_b64, rank_text = parts
        try:
            # ("=" is an empty token, as Whisper's multilingual vocabulary writes one)
            token = b"" if token_b64 == b"=" else base64.b64decode(token_b64, validate=True)
        except (binascii.Error, ValueError):
            raise VocabFileError(
                f"{source}, line {lineno}: {token_b64[:60]!r} is not valid base64"
            ) from None
        if not rank_text.isdigit():
            raise VocabFileError(
                f"{source}, line {lineno}: rank {rank_text[:30]!r} is not a non-negative integer"
            )
        if len(rank_text) > 10:  # longer than any rank an Encoding takes (below 2**31); int() refuses 4,300 digits
            raise VocabFileError(f"{source}, line {lineno}: rank {rank_text[:30]!r}... is too large")
        rank = int(rank_text)
        if token in ranks:
            raise VocabFileError(
                f"{source}, line {lineno}: token {token!r} appears twice "
                f"(ranks {ranks[token]} and {rank})"
            )
        if rank in seen_ranks:
            raise VocabFileError(
                f"{source}, line {lineno}: rank {rank} appears twice (lines {seen_ranks[rank]} and {lineno})"
            )
        ranks[token] = rank
        seen_ranks[rank] = lineno
    if not ranks:
        raise VocabFileError(f"{source}: no tokens found (empty vocabulary file)")
    return ranks


def load_tiktoken_bpe(tiktoken_bpe_file: StrPath, expected_hash: Optional[str] = None) -> dict[bytes, int]:
    """Read a ``.tiktoken`` file (local path) into ``{token_bytes: rank}``; with
    ``expected_hash`` (a sha256 hex digest, as in tiktoken) a file with other contents
    raises :class:`~hf_bpe.errors.HashMismatchError`. Unlike tiktoken's, it does not
    download URLs (named encodings' files are fetched by :func:`hf_bpe.get_encoding`). The
    arguments are named as tiktoken's.

        >>> import shutil, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "bytes.tiktoken")
        >>> dump_tiktoken_bpe({bytes([i]): i for i in range(256)}, path)
        >>> ranks = load_tiktoken_bpe(path)
        >>> len(ranks), ranks[b"a"]
        (256, 97)
        >>> shutil.rmtree(folder)
    """
    path = tiktoken_bpe_file
    if "://" in os.fsdecode(path):
        raise VocabFileError(
            f"load_tiktoken_bpe reads local files, not URLs: {os.fsdecode(path)!r}; download the "
            "file first (named encodings: hf_bpe.get_encoding fetches and checks theirs)"
        )
    try:
        contents = _read_checked(path, expected_hash)
    except IsADirectoryError as err:  # tiktoken's error still, saying what reads a folder
        raise IsADirectoryError(
            err.errno, f"{err.strerror}, not a .tiktoken file (a saved folder loads with hf_bpe.load_encoding)",
            os.fsdecode(path),
        ) from None
    return parse_tiktoken_bpe(contents, source=os.fsdecode(path))


def _read_checked(path: StrPath, expected_hash: Optional[str]) -> bytes:
    """The file's bytes, read once: what is checked is what is parsed (a file checked, then
    read again, could have been replaced in between). An empty ``expected_hash`` checks
    nothing, as in tiktoken."""
    if expected_hash and not (
        isinstance(expected_hash, str) and len(expected_hash) == 64 and all(c in string.hexdigits for c in expected_hash)
    ):
        raise ValueError(f"expected_hash must be a sha256 hex digest (64 hex digits), not {expected_hash!r}")
    try:  # (any file the user names, a pipe too: /dev/stdin, as tiktoken reads it)
        with open(path, "rb") as f:
            contents = f.read()
    except FileNotFoundError:  # a FileNotFoundError still, as tiktoken's, and an HfBpeError
        raise MissingFileError(f"{os.fsdecode(path)}: no such file") from None
    if expected_hash:
        actual = hashlib.sha256(contents).hexdigest()
        if actual != expected_hash.lower():
            raise HashMismatchError(f"{os.fsdecode(path)}: sha256 is {actual}, expected {expected_hash}")
    return contents


def load_kept(
    key: str, keep_in: Optional[Path], parse: Callable[[], Kept], kind: type = dict, at_most: Optional[int] = None
) -> Kept:
    """What ``parse()`` returns (ranks, or a vocabulary's merges: a non-empty ``kind``,
    dict or list), kept in the folder ``keep_in`` for the next process under ``key`` (a
    sha256 in hex naming what it comes from: the verified files, the vocabulary): read
    back, ranks take about a quarter of the time parsing takes (``marshal`` data, as in
    Python's ``.pyc`` files, behind the sha256 of ``key`` and the data, so a damaged
    copy, or one kept for other files, is parsed over, never used). A folder that cannot
    be written only costs the speed. The copy is trusted as long as it is whole, so it
    is read only from a folder that no one else could have written in: ``keep_in``
    (made with mode 0o700) and the copy must belong to this user and not be writable by
    group or others; otherwise the files are parsed each time. ``keep_in`` None only
    parses. With ``at_most``, the folder keeps that many copies, the least recently
    used going first.

        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "tiny.tiktoken")
        >>> dump_tiktoken_bpe({bytes([i]): i for i in range(256)}, path)
        >>> sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
        >>> keep = Path(folder) / "parsed"
        >>> parse = lambda: load_tiktoken_bpe(path, expected_hash=sha)
        >>> len(load_kept(sha, keep, parse)), len(os.listdir(keep))
        (256, 1)
        >>> len(load_kept(sha, keep, parse))  # read from the kept copy
        256
    """
    if keep_in is None:  # nowhere to keep it
        return parse()
    copy = keep_in / f"{key}.py{sys.version_info[0]}{sys.version_info[1]}.marshal"
    private = _written_by_this_user_only(keep_in)
    kept = _read_kept(copy, key, kind) if private and _written_by_this_user_only(copy) else None
    if kept is not None:
        if at_most is not None:
            with contextlib.suppress(OSError):
                os.utime(copy)  # used: the last to go
        return cast(Kept, kept)  # (what parse() gave for this key, as the digest shows)
    value = parse()
    # (asked again: another process may have made the folder meanwhile, this user's, private)
    if keep_in.exists() and not _written_by_this_user_only(keep_in):
        logger.debug("%s not kept in %s: others may write there", key, keep_in)
        return value
    blob = marshal.dumps(value)
    try:
        keep_in.mkdir(mode=0o700, parents=True, exist_ok=True)
        if copy.is_symlink() or (copy.exists() and not (copy.is_file() or copy.is_dir())):
            copy.unlink()  # replaced, not written through: a link's target is another file's
            # copy; a named pipe would take the write and wait for a reader for good
        write_atomic(copy, _kept_digest(key, blob) + blob)
        os.chmod(copy, 0o600)
        if at_most is not None:
            _keep_at_most(keep_in, at_most)
    except OSError as err:
        logger.debug("%s not kept in %s: %s", key, keep_in, err)
    return value


def _keep_at_most(folder: Path, count: int) -> None:
    """Delete the least recently used ``*.marshal`` copies of ``folder`` beyond ``count``."""
    copies = []
    for path in folder.glob("*.marshal"):
        with contextlib.suppress(OSError):  # (deleted meanwhile by another process)
            copies.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(copies, reverse=True)[count:]:
        with contextlib.suppress(OSError):
            path.unlink()


def _written_by_this_user_only(path: Path) -> bool:
    """True when ``path`` belongs to this user and is not writable by group or others
    (always, where there are no user ids)."""
    if not hasattr(os, "getuid"):
        return True
    try:
        status = path.stat()
    except OSError:
        return False
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _kept_digest(key: str, blob: bytes) -> bytes:
    """What a kept copy starts with: the sha256 of its key and its data. With the key in it,
    a copy under another key's name (moved, or linked there) does not pass for its ranks."""
    return hashlib.sha256(key.encode("ascii") + b"\n" + blob).digest()


def _read_kept(copy: Path, key: str, kind: type) -> Any:
    """What :func:`load_kept` kept in ``copy`` under ``key``, or None if nothing is kept
    there, it is damaged, or it was kept under another key."""
    try:
        data = read_file(copy)  # (a named pipe put there would make read_bytes() wait for good)
    except (OSError, VocabFileError):
        return None
    blob = data[32:]
    if _kept_digest(key, blob) != data[:32]:
        return None
    try:
        value = marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return None
    return value if isinstance(value, kind) and value else None


def format_tiktoken_bpe(ranks: Mapping[bytes, int]) -> bytes:
    """The ``.tiktoken`` text for ``ranks`` (an Encoding's, or checked by
    :func:`dump_tiktoken_bpe`), sorted by rank."""
    b64 = binascii.b2a_base64  # (what base64.b64encode calls: o200k_base 0.17 -> 0.14 s)
    by_rank = sorted(ranks.items(), key=lambda item: item[1])
    # (an empty token as "=", as Whisper's multilingual vocabulary has it: tiktoken reads it back)
    return b"".join([b"%s %d\n" % (b64(token, newline=False) or b"=", rank) for token, rank in by_rank])


def dump_tiktoken_bpe(bpe_ranks: Mapping[bytes, int], tiktoken_bpe_file: StrPath) -> None:
    """Write ``bpe_ranks`` as a ``.tiktoken`` file, atomically (temp file + rename); the
    arguments are named as tiktoken's.

    Ranks such a file cannot hold (tokens that are not bytes, ranks that are not ints
    from 0 to 2**31 - 1, the same rank twice, no tokens at all) raise a
    :class:`VocabFileError`, and anything but a mapping (a dict) a :class:`VocabularyTypeError`; both
    write nothing.

        >>> import shutil, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "tiny.tiktoken")
        >>> dump_tiktoken_bpe({bytes([i]): i for i in range(256)} | {b"hi": 256}, path)
        >>> Path(path).read_bytes().splitlines()[-1]  # base64 of b"hi", then its rank
        b'aGk= 256'
        >>> shutil.rmtree(folder)
    """
    _check_writable(bpe_ranks)
    write_atomic(tiktoken_bpe_file, format_tiktoken_bpe(bpe_ranks))


def _check_writable(ranks: Mapping[bytes, int]) -> None:
    if not isinstance(ranks, Mapping):
        raise VocabularyTypeError(f"ranks to write to a .tiktoken file are a dict of bytes to ints, not {_a_type(ranks)}")
    if not ranks:
        raise VocabFileError("cannot write an empty vocabulary to a .tiktoken file")
    bad = next(
        (
            (token, rank)
            for token, rank in ranks.items()
            if not isinstance(token, (bytes, bytearray))
            or isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < MAX_RANK
        ),
        None,
    )
    if bad is not None:
        raise VocabFileError(f"cannot write {bad[0]!r}: {bad[1]!r} to a .tiktoken file (bytes: 0 <= rank < 2**31)")
    if len(set(ranks.values())) != len(ranks):
        raise VocabFileError("cannot write ranks with the same rank twice to a .tiktoken file")


@functools.lru_cache(maxsize=1)
def bytes_to_unicode() -> tuple[str, ...]:
    """GPT-2's reversible spelling of bytes as printable characters, indexed by byte.

    Printable Latin-1 bytes spell themselves; the other 68 bytes take U+0100 onwards, in
    byte order. Data-gym files and Hugging Face ``tokenizer.json`` spell tokens this way::

        >>> table = bytes_to_unicode()
        >>> table[ord("a")], table[ord(" ")], table[ord("\\n")]
        ('a', 'Ġ', 'Ċ')
    """
    printable = {
        *range(ord("!"), ord("~") + 1),
        *range(ord("\N{INVERTED EXCLAMATION MARK}"), ord("\N{NOT SIGN}") + 1),
        *range(ord("\N{REGISTERED SIGN}"), ord("\N{LATIN SMALL LETTER Y WITH DIAERESIS}") + 1),
    }
    table: list[str] = []
    extra = 0
    for b in range(256):
        if b in printable:
            table.append(chr(b))
        else:
            table.append(chr(256 + extra))
            extra += 1
    return tuple(table)


def parse_json(text: str) -> Any:
    """``json.loads(text)``, with a ``ValueError`` also for JSON nested too deeply for
    Python (``json`` raises ``RecursionError``), as for any other JSON it cannot read."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None


def _read_text(path: StrPath, expected_hash: Optional[str] = None) -> str:
    data = _read_checked(path, expected_hash)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise VocabFileError(f"{os.fsdecode(path)}: not UTF-8 text (invalid byte at offset {err.start})") from None


def read_gpt2_vocab(path: StrPath, expected_hash: Optional[str] = None) -> dict[str, int]:
    """GPT-2's ``encoder.json`` (Hugging Face names it ``vocab.json``): each token as
    GPT-2 spells it (:func:`bytes_to_unicode`) to its id. With a hash, a file with other
    contents raises :class:`~hf_bpe.errors.HashMismatchError`::

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "vocab.json")
        >>> _ = open(path, "w", encoding="utf-8").write('{"a": 64, "Ġhi": 256}')
        >>> read_gpt2_vocab(path)
        {'a': 64, 'Ġhi': 256}
    """
    text = _read_text(path, expected_hash).removeprefix("\ufeff")  # (its own errors: a wrong hash, not UTF-8)
    try:
        vocab = parse_json(text)
    except ValueError as err:
        raise VocabFileError(f"{os.fsdecode(path)}: not valid JSON ({err})") from None
    if not isinstance(vocab, dict):
        raise VocabFileError(f"{os.fsdecode(path)}: not a JSON object of token to integer id")
    for spelled, tid in vocab.items():
        if type(tid) is not int:
            raise VocabFileError(f"{os.fsdecode(path)}: the id of {spelled!r} is {tid!r}, not an integer")
    return vocab


def read_gpt2_merges(path: StrPath, expected_hash: Optional[str] = None) -> list[tuple[str, str]]:
    """GPT-2's ``vocab.bpe`` (Hugging Face names it ``merges.txt``): the merges in rank
    order, each two tokens as GPT-2 spells them; a first line ``#version...`` is a header::

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "merges.txt")
        >>> _ = open(path, "w", encoding="utf-8").write("#version: 0.2\\nh i\\nĠ hi\\n")
        >>> read_gpt2_merges(path)
        [('h', 'i'), ('Ġ', 'hi')]
    """
    merges: list[tuple[str, str]] = []
    text = _read_text(path, expected_hash).removeprefix("\ufeff")  # (a BOM: no token starts so)
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")  # Windows line ends (no token ends in a \r: GPT-2 spells it "č")
        if not line or (lineno == 1 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2:
            hint = " (a JSON file: the vocab, encoder.json, given in place of the merges?)" if line.startswith("{") else ""
            raise VocabFileError(f"{os.fsdecode(path)}, line {lineno}: expected two tokens, got {line[:80]!r}{hint}")
        merges.append((parts[0], parts[1]))
    return merges


def load_data_gym(
    encoder_json: StrPath,
    vocab_bpe: StrPath,
    encoder_json_hash: Optional[str] = None,
    vocab_bpe_hash: Optional[str] = None,
) -> dict[bytes, int]:
    """Read GPT-2's ``encoder.json`` + ``vocab.bpe`` into tiktoken-style ranks.

    The ranks are the 256 single bytes in GPT-2's order (by their spelling, so printable
    bytes first) followed by the merges of ``vocab.bpe`` in order; the result is checked
    against ``encoder.json`` (minus ``<|endoftext|>`` and ``<|startoftext|>``). With a hash (a sha256 hex digest,
    as in tiktoken's ``data_gym_to_mergeable_bpe_ranks``) a file with other contents
    raises :class:`~hf_bpe.errors.HashMismatchError`. (tiktoken's function takes the two
    files the other way round: ``vocab.bpe`` first.) With GPT-2's two files here::

        ranks = load_data_gym("encoder.json", "vocab.bpe")
    """
    from .errors import VocabularyError
    from .hf_vocab import token_bytes  # hf_vocab builds on this module

    merges = read_gpt2_merges(vocab_bpe, vocab_bpe_hash)
    encoder = read_gpt2_vocab(encoder_json, encoder_json_hash)
    spelling = bytes_to_unicode()
    ranks = {bytes([b]): i for i, b in enumerate(sorted(range(256), key=lambda b: spelling[b]))}
    try:
        for left, right in merges:
            merged = token_bytes(left) + token_bytes(right)
            if merged in ranks:
                raise VocabFileError(f"{os.fsdecode(vocab_bpe)}: merge result {merged!r} appears twice")
            ranks[merged] = len(ranks)
    except VocabFileError:
        raise
    except VocabularyError as err:
        raise VocabFileError(f"{os.fsdecode(vocab_bpe)}: {err}") from None
    for special in ("<|endoftext|>", "<|startoftext|>"):  # as tiktoken leaves them out
        encoder.pop(special, None)
    try:
        expected = {token_bytes(spelled): tid for spelled, tid in encoder.items()}
    except VocabularyError as err:
        raise VocabFileError(f"{os.fsdecode(encoder_json)}: {err}") from None
    if expected != ranks:
        raise VocabFileError(
            f"{os.fsdecode(encoder_json)} and {os.fsdecode(vocab_bpe)} disagree: "
            "the merges do not produce the ids of encoder.json"
        )
    return ranks
