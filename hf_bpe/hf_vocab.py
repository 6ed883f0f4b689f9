"""A byte-level vocabulary as Hugging Face files hold it: spelled tokens and merges.

Byte-level vocab files (``tokenizer.json``, GPT-2's ``vocab.json`` and ``merges.txt``)
spell each token's bytes with GPT-2's byte-to-character table; :func:`token_str` and
:func:`token_bytes` go between the two. HF's BPE model needs a merge list where tiktoken
only has ranks; :func:`derive_merges` derives the one that gives tiktoken's ids::

    >>> from hf_bpe.hf_vocab import derive_merges, token_bytes, token_str
    >>> token_str(b" hello"), token_bytes("Ġhello")
    ('Ġhello', b' hello')
    >>> derive_merges({**{bytes([i]): i for i in range(256)}, b"ab": 256, b"abc": 257})
    [(b'a', b'b'), (b'ab', b'c')]
"""

from __future__ import annotations

import array
import codecs
import functools
import hashlib
import itertools
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from hf_bpe.errors import VocabularyError
from hf_bpe.vocab_files import bytes_to_unicode

if TYPE_CHECKING:
    from hf_bpe.piece_merge import MergeTables

__all__ = ["derive_merge_ranks", "derive_merges", "merge_parts", "token_bytes", "token_bytes_many", "token_str", "token_strs"]


# --------------------------------------------------------------------------- bytes <-> str


@functools.lru_cache(maxsize=1)
def _spelling() -> str:
    # the spelling character of each byte value, in order: a charmap decoding table
    return "".join(bytes_to_unicode())


@functools.lru_cache(maxsize=1)
def _unspell_table() -> dict[int, int | str]:
    table: dict[int, int | str] = {cp: "\U0010ffff" for cp in range(256)}  # not in the alphabet
    table.update({ord(ch): b for b, ch in enumerate(bytes_to_unicode())})
    return table


def token_str(token: bytes) -> str:
    """Spell token bytes the way byte-level vocab files do (``b" hi"`` -> ``'Ġhi'``)."""
    return codecs.charmap_decode(token, "strict", _spelling())[0]


def token_strs(tokens: Iterable[bytes]) -> list[str]:
    """:func:`token_str` of each token, for a whole vocabulary at once: one C-level decode
    of all the bytes, then slices (o200k_base: 120 ms, against 200 for a call per token).

    >>> token_strs([b" hi", b"\\n"])
    ['Ġhi', 'Ċ']
    """
    tokens = list(tokens)
    text = codecs.charmap_decode(b"".join(tokens), "strict", _spelling())[0]
    ends = list(itertools.accumulate(map(len, tokens)))
    return list(map(text.__getitem__, map(slice, [0, *ends], ends)))


def spellings_by_id(ranks: Mapping[bytes, int]) -> dict[int, str]:
    """Each rank's token as :func:`token_str` spells it, by rank.

    >>> spellings_by_id({b"a": 0, b" hi": 1})
    {0: 'a', 1: 'Ġhi'}
    """
    return dict(zip(ranks.values(), token_strs(ranks)))


def token_bytes(spelled: str) -> bytes:
    """Undo :func:`token_str`; a character outside GPT-2's table is a ``VocabularyError``.

    >>> token_bytes("Ġhi")
    b' hi'
    """
    try:
        return spelled.translate(_unspell_table()).encode("latin-1")
    except UnicodeEncodeError:
        alphabet = set(bytes_to_unicode())
        bad = next(ch for ch in spelled if ch not in alphabet)
        raise VocabularyError(
            f"token {spelled!r} is not spelled in GPT-2's byte-level alphabet "
            f"(character {bad!r}): not a byte-level BPE vocabulary"
        ) from None


def token_bytes_as_decoded(spelled: str) -> bytes:
    """The bytes ``tokenizers``' ByteLevel decoder makes of a spelling: :func:`token_bytes`,
    except that a token with a character outside GPT-2's table stands for its own UTF-8 (as
    in a token list written by hand: ``" world"`` for ``"Ġworld"``).

    >>> token_bytes_as_decoded("Ġhi"), token_bytes_as_decoded(" hi"), token_bytes_as_decoded("Ġ ")
    (b' hi', b' hi', b'\xc4\xa0 ')
    """
    try:
        return token_bytes(spelled)
    except VocabularyError:
        return spelled.encode("utf-8", "surrogatepass")


def token_bytes_many(spellings: Iterable[str]) -> list[bytes]:
    """:func:`token_bytes` of each spelling, for a whole vocabulary at once: one C-level
    translation of all the text, then slices (each character spells one byte).

    >>> token_bytes_many(["Ġhi", "Ċ"])
    [b' hi', b'\\n']
    """
    spellings = list(spellings)
    try:
        data = "".join(spellings).translate(_unspell_table()).encode("latin-1")
    except UnicodeEncodeError:
        return [token_bytes(spelled) for spelled in spellings]  # raises, naming the token
    ends = list(itertools.accumulate(map(len, spellings)))
    return list(map(data.__getitem__, map(slice, [0, *ends], ends)))


# --------------------------------------------------------------------------- merges


def derive_merges(ranks: Mapping[bytes, int]) -> list[tuple[bytes, bytes]]:
    """The merge list that makes HF's BPE give tiktoken's ids, in rank order.

    tiktoken may merge any two adjacent parts whose bytes form a token, but wherever a
    token is formed inside a piece, the parts inside its span evolve exactly as when its
    own bytes are encoded alone (a merge crossing its edges would have prevented it), so
    the last merge of that lone encoding is the only way it is ever formed.  That pair is
    its merge, at the token's rank.  A token the lone encoding never reaches gets no merge
    (tiktoken only emits it when a whole piece equals it, as HF does with
    ``ignore_merges``).

    >>> ranks = {bytes([i]): i for i in range(256)}
    >>> ranks.update({b"bc": 256, b"abc": 257, b"ab": 258})
    >>> derive_merges(ranks)
    [(b'b', b'c'), (b'a', b'bc'), (b'a', b'b')]
    """
    by_rank = {rank: token for token, rank in ranks.items()}
    return [(by_rank[left], by_rank[right]) for left, right in derive_merge_ranks(ranks)]


def derive_merge_ranks(ranks: Mapping[bytes, int]) -> list[tuple[int, int]]:
    """:func:`derive_merges` as the ranks of each merge's two parts.

    >>> derive_merge_ranks({**{bytes([i]): i for i in range(256)}, b"ab": 256, b"abc": 257})
    [(97, 98), (256, 99)]
    """
    flat = merge_parts(ranks)
    return list(zip(flat[::2], flat[1::2]))


def merge_parts(ranks: Mapping[bytes, int], tables: MergeTables | None = None) -> list[int]:
    """:func:`derive_merge_ranks` as one flat list, the two parts of each merge in turn
    (a list of a whole vocabulary's merges that makes no object per merge). ``tables``:
    the ranks' merge tables if there are some already (an Encoding's), else made here.

    The merges of the last few vocabularies used are kept, by a digest of their tokens
    and ranks, in the process and in the hf_bpe cache's ``merges/`` folder (the last
    16: see :func:`hf_bpe.vocab_files.load_kept`): loading a ``tokenizer.json`` derives
    them to check the file's merges, and saving the tokenizer it made, or loading the
    same file again, in this process or the next, finds them kept (o200k_base: 0.2 s
    compiled, 4.6 s uncompiled, each time).

    >>> merge_parts({**{bytes([i]): i for i in range(256)}, b"ab": 256, b"abc": 257})
    [97, 98, 256, 99]
    """
    from hf_bpe.encoding import _checked_ranks, mergeable_tokens
    from hf_bpe.piece_merge import MergeTables, last_merges
    from hf_bpe.vocab_files import load_kept

    # The tables take ranks an Encoding takes (a rank of 2**63 is a VocabularyError that
    # says so, not an overflow in the compiled code); an Encoding's were checked so.
    checked = _checked_ranks(ranks) if tables is None else ranks if isinstance(ranks, dict) else dict(ranks)
    checked = mergeable_tokens(checked)  # (an empty token has no merge)
    tokens = sorted(checked, key=checked.__getitem__)
    digest = _vocabulary_digest(tokens, checked)
    with _KEPT_LOCK:
        kept = _KEPT_MERGES.pop(digest, None)
        if kept is not None:
            _KEPT_MERGES[digest] = kept  # now the last used
    if kept is not None:
        return kept.tolist()

    def derive() -> list[int]:
        # Merging a token's bytes as if the token were not in the vocabulary stops
        # exactly before its last merge: two parts if the token is reachable (more if not).
        return last_merges(tokens, MergeTables(checked) if tables is None else tables)

    flat = load_kept(digest.hex(), _kept_folder(), derive, list, at_most=_KEPT_COPIES)
    with _KEPT_LOCK:
        _KEPT_MERGES[digest] = array.array("i", flat)  # (ranks are below 2**31)
        while len(_KEPT_MERGES) > _KEPT_VOCABULARIES:
            del _KEPT_MERGES[next(iter(_KEPT_MERGES))]  # the oldest
    return flat


#: How many vocabularies' merges :func:`merge_parts` keeps in the process (o200k_base's
#: take 1.6 MB) and in the cache folder (2 MB).
_KEPT_VOCABULARIES = 4
_KEPT_COPIES = 16
_KEPT_MERGES: dict[bytes, array.array[int]] = {}
_KEPT_LOCK = threading.Lock()


def _kept_folder() -> Path | None:
    """Where merges are kept for later processes (None: there is no cache folder)."""
    from hf_bpe.download import cache_dir
    from hf_bpe.errors import DownloadError

    try:
        return cache_dir() / "merges"
    except DownloadError:  # no home directory
        return None


def _vocabulary_digest(tokens: list[bytes], ranks: Mapping[bytes, int]) -> bytes:
    """A digest of ``tokens`` (in rank order) with their ranks and lengths: two
    vocabularies with the same digest have the same merges (o200k_base: 15 ms). The
    first line names what is kept under it: were the merges ever derived otherwise, a
    new name would leave the copies kept before unread."""
    digest = hashlib.sha256(b"hf_bpe merges of a vocabulary, 1\n")
    digest.update(array.array("q", map(len, tokens)).tobytes())
    digest.update(array.array("q", sorted(ranks.values())).tobytes())  # (the ranks of the tokens in turn)
    digest.update(b"".join(tokens))
    return digest.digest()


# --------------------------------------------------------------------------- checks


def _check_vocabulary(ranks: Mapping[bytes, int], specials: Mapping[str, int]) -> None:
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise VocabularyError(
            f"{len(missing)} single bytes are not tokens (first: {missing[0]}): a byte-level "
            "BPE file needs all 256 (HF would silently drop those bytes)"
        )
    ids = set(ranks.values())
    if len(ids) != len(ranks):
        raise VocabularyError("two tokens share a rank: ranks must be unique")
    for text, tid in specials.items():
        if tid in ids:
            raise VocabularyError(f"special token {text!r} has id {tid}, which is also a rank")
