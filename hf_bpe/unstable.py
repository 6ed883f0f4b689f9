"""Unfinished text: stable ids, and what its last piece could still become.

Text cut short (a prompt to be completed, a stream cut at a buffer's end) ends in a piece
whose ids may change once more text follows: ``" fanta"`` is not the start of
``" fantastic"``'s ids. These are tiktoken's ``encode_with_unstable`` and
``_encode_bytes``, computed the same way (its ``CoreBPE._encode_unstable_native`` and
``_encode_bytes``), so the results are equal. :class:`hf_bpe.Encoding` exposes both::

    >>> import hf_bpe
    >>> enc = hf_bpe.Encoding("demo", pat_str=r" ?\\w+| +", special_tokens={}, mergeable_ranks={
    ...     **{bytes([b]): b for b in range(256)}, b" f": 256, b" fa": 257, b"nt": 258})
    >>> stable, completions = enc.encode_with_unstable("a fa")
    >>> enc.decode(stable), [enc.decode(seq) for seq in completions]
    ('a', [' fa'])
    >>> enc._encode_bytes(b"a f\\xc3")  # the cut-off bytes are merged with the last piece
    [97, 256, 195]
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterator

from .char_table import WHITE_SPACE
from .encoding import Encoding, special_regex  # (encoding imports this module when first used)
from .pieces import repair_surrogates

# The functions below call an Encoding's own methods (Encoding.encode(enc, ...)), not a
# subclass's overrides: as tiktoken's encode_with_unstable, which its Rust core computes.

#: Rust's ``char::is_whitespace`` (the Unicode White_Space property), which tiktoken
#: uses; Python's ``str.isspace`` also accepts U+001C..U+001F.
_WHITE_SPACE = frozenset(map(chr, WHITE_SPACE))


def encode_with_unstable(enc: Encoding, text: str, allowed: frozenset[str]) -> tuple[list[int], list[list[int]]]:
    """The ids of ``text`` up to its last piece, and every id sequence that text
    continuing the last piece could start with (sorted; tiktoken returns them in no
    order). ``allowed``: the special tokens encoded as such (already checked)."""
    tokens, last = _ids_and_last_piece(enc, text, allowed)
    if last == 0:
        return tokens, []
    last = _widen_over_spaces(enc, tokens, last)
    unstable = enc._decoder.decode_bytes(tokens[len(tokens) - last :])
    del tokens[len(tokens) - last :]
    if not unstable:
        return tokens, []
    ranks = enc.mergeable_ranks
    # keyed by the ids packed as bytes: a set of tuples then a sort of them took seconds
    # when the sequences are thousands of ids long (gpt2, "hello" + " " * 3000)
    completions: dict[bytes, list[int]] = {}

    def add(ids: list[int]) -> None:
        completions[struct.pack(f">{len(ids)}I", *ids)] = ids  # ids are below 2**32

    for token in _tokens_starting_with(enc, unstable):
        add([ranks[token]])
    for cut in range(1, len(unstable)):
        prefix, suffix = unstable[:cut], unstable[cut:]
        for token in _tokens_starting_with(enc, suffix):
            possibility = prefix + token
            add(_covering(enc, _encode_possibility(enc, possibility), len(possibility), len(unstable)))
    if len(unstable) > 1:
        char, size = _last_char(unstable)
        if char in _WHITE_SPACE and len(unstable) > size:
            merge = enc._pieces.byte_pair_encode
            add(merge(unstable[:-size]) + merge(unstable[-size:]))
    # sorted as the lists are: big-endian words of a fixed width compare alike
    return tokens, [completions[key] for key in sorted(completions)]


def encode_bytes(enc: Encoding, data: bytes) -> list[int]:
    """The ids of ``data``, which may end in (or hold) invalid UTF-8: the valid start is
    encoded as text, and what follows is merged with the bytes of its last piece."""
    try:
        return Encoding.encode_ordinary(enc, data.decode("utf-8"))
    except UnicodeDecodeError as err:
        valid = err.start
    tokens, last = _ids_and_last_piece(enc, data[:valid].decode("utf-8"), frozenset())
    last = _widen_over_spaces(enc, tokens, last)
    if tokens and last > 0:
        rest = enc._decoder.decode_bytes(tokens[len(tokens) - last :]) + data[valid:]
        del tokens[len(tokens) - last :]
    else:
        rest = data[valid:]
    if rest:
        tokens.extend(enc._pieces.encode_bytes(rest))
    return tokens


def _ids_and_last_piece(enc: Encoding, text: str, allowed: frozenset[str]) -> tuple[list[int], int]:
    """The ids of ``text`` and how many of them its last piece gave (0 when the text is
    empty or ends with a special token)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = repair_surrogates(text)
    tokens = Encoding.encode(enc, text, allowed_special=allowed, disallowed_special=())
    tail = 0
    if allowed:
        for match in special_regex(allowed).finditer(text):
            tail = match.end()
    pieces = enc._splitter.split(text[tail:])
    return tokens, len(enc._pieces.encode_bytes(pieces[-1].encode("utf-8"))) if pieces else 0


def _widen_over_spaces(enc: Encoding, tokens: list[int], last: int) -> int:
    """tiktoken's fix for splits that more text can undo (cl100k's ``\\s*[\\r\\n]+``
    turns "\\n" + " " into "\\n \\n"): a last piece of spaces takes in the space tokens
    before it."""

    def all_space(token: int) -> bool:
        if token in enc._special_token_values:
            return False
        return all(byte in b" \n\t" for byte in enc._decoder.token_bytes(token))

    if last > 0 and all_space(tokens[-last]):
        while last < len(tokens) and all_space(tokens[-last - 1]):
            last += 1
    return last


def _tokens_starting_with(enc: Encoding, prefix: bytes) -> Iterator[bytes]:
    """The vocabulary's tokens that start with ``prefix``, in byte order."""
    ordered = enc._token_bytes_sorted
    # walked from the first, not sliced: a slice copied the rest of the vocabulary for
    # every byte of a long last piece ("\n" * 4000: 2.8 s)
    for at in range(bisect.bisect_left(ordered, prefix), len(ordered)):
        token = ordered[at]
        if not token.startswith(prefix):
            return
        yield token


def _encode_possibility(enc: Encoding, data: bytes) -> list[int]:
    try:
        return Encoding.encode_ordinary(enc, data.decode("utf-8"))
    except UnicodeDecodeError:
        return enc._pieces.byte_pair_encode(data)


def _covering(enc: Encoding, ids: list[int], total: int, size: int) -> list[int]:
    """The shortest start of ``ids`` (``total`` bytes in all) whose bytes reach ``size``.
    Walked from the end: what lies past ``size`` is a token or two, the start can be
    thousands of ids (3,000 spaces)."""
    count = len(ids)
    while count > 1:
        last = len(enc._decoder.token_bytes(ids[count - 1]))
        if total - last < size:
            break
        total -= last
        count -= 1
    del ids[count:]
    return ids


def _last_char(data: bytes) -> tuple[str, int]:
    """The character that ``data`` ends with and its size in bytes ("" if the end is not
    valid UTF-8)."""
    for size in range(1, min(4, len(data)) + 1):
        try:
            char = data[-size:].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(char) == 1:
            return char, size
        break
    return "", 1
