"""The :class:`Encoding`: tiktoken's API over hf_bpe's compiled core.

An Encoding ties together the stages of the pipeline::

    text ─pieces.Splitter→ pieces ─piece_encoder.PieceEncoder→ ids ─decode.Decoder→ bytes

    >>> import hf_bpe
    >>> ranks = {bytes([i]): i for i in range(256)} | {b"lo": 256, b"low": 257}
    >>> enc = hf_bpe.Encoding("toy", pat_str=r"\\w+|\\s+|[^\\w\\s]+",
    ...                       mergeable_ranks=ranks, special_tokens={"<|end|>": 258})
    >>> enc.encode("low lo<|end|>", allowed_special="all")
    [257, 32, 256, 258]
    >>> enc.decode([257, 32, 256])
    'low lo'
"""

from __future__ import annotations

import array
import codecs
import copy
import functools
import itertools
import logging
import operator
import os
import pickle
import re
import time
import weakref
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Optional, TypeVar, Union

from .core_bpe import CoreBPE
from .decode import Decoder
from .errors import (
    DisallowedSpecialTokenError,
    PatternTypeError,
    SpecialTokenTextError,
    TextTypeError,
    UnknownTokenError,
    VocabSizeError,
    VocabularyError,
    VocabularyOverflowError,
    VocabularyTypeError,
    _a_type,
    short_repr,
)
from .normalization import FORMS
from .piece_encoder import PieceEncoder
from .pattern_syntax import can_match_empty
from .pieces import Splitter, repair_surrogates

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

_T = TypeVar("_T")
logger = logging.getLogger("hf_bpe")

#: ``"all"`` or the special tokens' texts (tiktoken takes a set; any collection does here,
#: and ``None`` is none).
AllowedSpecial = Union[Literal["all"], Collection[str], None]
DisallowedSpecial = Union[Literal["all"], Collection[str], None]

#: Ranks must be below this (merging packs a rank and an offset into one 64-bit word;
#: tiktoken itself stores ranks in 32 bits).
MAX_RANK = 1 << 31


#: Every Encoding alive, for the child of a fork (see _new_locks_after_fork).
_ALIVE: weakref.WeakSet[Encoding] = weakref.WeakSet()


def _new_locks_after_fork() -> None:
    """In a child made by ``os.fork()``: each encoding's piece table gets a new writers'
    lock (see :meth:`~hf_bpe.piece_encoder.PieceEncoder.after_fork`)."""
    for encoding in list(_ALIVE):
        encoding._pieces.after_fork()


if hasattr(os, "register_at_fork"):  # (not on Windows, which has no fork)
    os.register_at_fork(after_in_child=_new_locks_after_fork)


class Encoding:
    """A byte-level BPE encoding: split pattern + mergeable ranks + special tokens.

    The constructor and every method behave as in ``tiktoken.Encoding``; ids are identical.
    A subclass's override changes that method, and the batch methods that call it (as in
    tiktoken: ``encode_batch`` calls ``encode``, in worker processes too); no other method
    calls it (``encode`` does not call an overridden ``encode_ordinary``, nor
    ``encode_to_numpy`` an overridden ``encode``; ``decode_tokens_bytes`` and
    ``decode_with_offsets`` do not call ``decode_single_token_bytes``, which tiktoken's do).
    The constructor also refuses what is no byte-level BPE vocabulary (a
    :class:`~hf_bpe.VocabularyError`: missing single bytes, a special token on a rank's id,
    an empty special token), and errors are tiktoken's types, subclassed.

        >>> enc = hf_bpe.get_encoding("cl100k_base")
        >>> enc.encode("hello world")
        [15339, 1917]
        >>> enc.decode([15339, 1917])
        'hello world'
    """

    #: Set by :func:`hf_bpe.get_encoding` on the encodings it builds: pickles by name.
    _registry_name: Optional[str] = None

    def __init__(
        self,
        name: str,
        *,
        pat_str: str,
        mergeable_ranks: Mapping[bytes, int],
        special_tokens: Mapping[str, int],
        explicit_n_vocab: Optional[int] = None,
        normalization: Optional[str] = None,
    ) -> None:
        """Build an encoding; bad ranks or specials raise :class:`VocabularyError`.

        ``normalization="NFC"`` puts each text in Unicode's NFC form before it is split, as
        the ``NFC`` normalizer of a ``tokenizer.json`` does (Qwen's), and ``"NFKC"`` in
        NFKC form (``Xenova/claude-tokenizer``'s): special tokens are found in the text as
        given, the text between them is normalized (tiktoken has no such option; ``None``,
        the default, encodes text as given).

        >>> Encoding("bad", pat_str=".", mergeable_ranks={b"a": 0}, special_tokens={})
        Traceback (most recent call last):
        ...
        hf_bpe.errors.VocabularyError: mergeable_ranks lacks 255 of the 256 single bytes (first missing: b'\\x00'); byte-level BPE needs them all
        """
        if not isinstance(pat_str, str):  # (before the compiled splitter's own, untyped, check)
            raise PatternTypeError(f"pat_str is a split pattern, a str, not {_a_type(pat_str)}")
        #: The encoding's name (``"cl100k_base"``, or the one given here).
        self.name = name
        self._pat_str = pat_str
        self._mergeable_ranks = _checked_ranks(mergeable_ranks)
        max_rank = max(self._mergeable_ranks.values())
        self._special_tokens = _checked_specials(special_tokens, self._mergeable_ranks, max_rank)
        #: The largest id, mergeable or special (``n_vocab - 1``).
        self.max_token_value = max(max_rank, max(self._special_tokens.values(), default=0))
        explicit_n_vocab = explicit_n_vocab or None  # 0 means none, as in tiktoken
        if explicit_n_vocab is not None:
            explicit_n_vocab = _whole_number(explicit_n_vocab, "explicit_n_vocab")
            total = len(self._mergeable_ranks) + len(self._special_tokens)
            if total != explicit_n_vocab or self.max_token_value != explicit_n_vocab - 1:
                raise VocabSizeError(
                    f"explicit_n_vocab={explicit_n_vocab}, but there are {total} tokens "
                    f"and the largest id is {self.max_token_value}"
                )
        self._explicit_n_vocab = explicit_n_vocab
        if normalization is not None and normalization not in FORMS:
            raise ValueError(f"normalization must be None, 'NFC' or 'NFKC', not {normalization!r}")
        self._normalization = normalization
        self._splitter = Splitter(pat_str, normalization=normalization)
        if b"" in self._mergeable_ranks and can_match_empty(pat_str):
            raise VocabularyError(
                f"the ranks hold an empty token (rank {self._mergeable_ranks[b'']}) and the split pattern "
                f"{pat_str!r} can match the empty string: tiktoken gives the empty token's id for such "
                "matches, which hf_bpe does not; leave the empty token out, or make every alternative "
                "of the pattern match at least one character"
            )
        self._pieces = PieceEncoder(mergeable_tokens(self._mergeable_ranks))
        self._decoder = Decoder(self._mergeable_ranks, self._special_tokens)
        self._special_token_values = frozenset(self._special_tokens.values())  # (tiktoken's name)
        self._disallowed_by_allowed: dict[frozenset[str], frozenset[str]] = {}
        _ALIVE.add(self)

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self._registry_name is not None and type(self) is Encoding:
            from .registry import get_encoding

            return (get_encoding, (self._registry_name,))
        # The ranks pickled apart, into one bytes object: datasets fingerprints a map's
        # tokenizer with dill, whose pickler (Python code) took 0.3 s over Llama 3's 128,000
        # ranks item by item; equal ranks in the same order give equal bytes.
        ranks = pickle.dumps(self._mergeable_ranks, protocol=5)
        return (
            _rebuild,
            (self.name, self._pat_str, ranks, self._special_tokens, self._explicit_n_vocab, type(self), self._normalization),
        )

    # ---------------------------------------------------------------- encoding

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode ``text``, treating special-token text as ordinary text.

        >>> hf_bpe.get_encoding("cl100k_base").encode_ordinary("hello <|endoftext|>")
        [15339, 83739, 8862, 728, 428, 91, 29]
        """
        out: list[int] = []
        try:
            self._pieces.encode_text(self._splitter, text, out)
        except UnicodeEncodeError:
            out = []
            self._pieces.encode_text(self._splitter, repair_surrogates(text), out)
        except (TypeError, AttributeError):
            if isinstance(text, str):
                raise
            raise _not_a_str(text) from None
        return out

    def encode(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = frozenset(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[int]:
        """Encode ``text``; special-token text raises unless allowed (as in tiktoken).

        ``allowed_special`` ("all" or a collection of texts) lists specials encoded as their ids;
        ``disallowed_special`` ("all" = all not allowed) lists specials whose text raises
        :class:`DisallowedSpecialTokenError` (a ``ValueError``); pass ``()`` to encode such
        text as ordinary text.

            >>> enc = hf_bpe.get_encoding("cl100k_base")
            >>> enc.encode("hello <|endoftext|>", allowed_special="all")
            [15339, 220, 100257]
            >>> enc.encode("hello <|endoftext|>", disallowed_special=()) == enc.encode_ordinary("hello <|endoftext|>")
            True
        """
        allowed = self._allowed(allowed_special, disallowed_special, text)
        if not allowed:
            return Encoding.encode_ordinary(self, text)  # (not a subclass's: see the class)
        return self._encode_around(text, special_regex(allowed), self._special_tokens)

    def _allowed(
        self, allowed_special: AllowedSpecial, disallowed_special: DisallowedSpecial, text: str
    ) -> frozenset[str]:
        if not isinstance(text, str):
            raise _not_a_str(text)
        everything = self._special_texts
        if allowed_special == "all":
            allowed = everything
        else:
            allowed = special_texts(allowed_special, "allowed_special")
            if not allowed <= everything:
                _refuse_non_texts(allowed, "allowed_special")
        listed = disallowed_special != "all"
        if not listed:
            # (no new set in the usual cases: hashing a set of every special token for the
            # regex's cache cost each call 12 us with 1,000 specials, 265 with 10,000)
            disallowed = everything if not allowed else frozenset() if allowed is everything else self._all_but(allowed)
        else:
            disallowed = special_texts(disallowed_special, "disallowed_special")
            if not disallowed <= everything:
                _refuse_non_texts(disallowed, "disallowed_special")
        if disallowed:
            found = special_regex(disallowed).search(text)
            if found is not None:
                _raise_disallowed(found.group(), listed)
        return everything if allowed is everything else allowed & everything  # (a set's hash is kept)

    def _all_but(self, allowed: frozenset[str]) -> frozenset[str]:
        """The special tokens other than ``allowed``, kept for the last sets asked (a
        program passes the same few each call; a new set cost a pass over all the specials,
        290 us a call with 10,000 of them)."""
        kept = self._disallowed_by_allowed
        disallowed = kept.get(allowed)
        if disallowed is None:
            if len(kept) >= 32:
                kept.clear()
            disallowed = kept[allowed] = self._special_texts - allowed
        return disallowed

    def _encode_around(self, text: str, tokens: Any, ids: Mapping[str, int], repair_first: bool = True) -> list[int]:
        """The ids of ``text``: each match of the regex ``tokens`` is its id in ``ids``, the
        text around them is encoded as ordinary text. :meth:`encode` passes the allowed
        special tokens; :class:`~hf_bpe.HfBpeTokenizer` its added tokens. A match that
        ``ids`` lacks is text, with the text around it (a special token matched only so
        that no added token inside it is, as ``tokenizers`` finds them with
        ``split_special_tokens``).

        Lone surrogates become U+FFFD: with ``repair_first`` in the whole text before the
        tokens are looked for, as tiktoken does; without it (transformers' order: added
        tokens are found in the text as given) in the text between them.

            >>> enc = Encoding("bytes", pat_str=r"\\S+|\\s+", special_tokens={"<s>": 256},
            ...     mergeable_ranks={bytes([i]): i for i in range(256)})
            >>> enc._encode_around("a<s>b", special_regex(frozenset({"<s>"})), {"<s>": 256})
            [97, 256, 98]
        """
        try:
            return self._ids_around(text, tokens, ids)
        except UnicodeEncodeError:
            if repair_first:
                return self._ids_around(repair_surrogates(text), tokens, ids)
        out: list[int] = []
        for start, end, token in special_segments(text, tokens, ids):
            if token is None:
                out.extend(Encoding.encode_ordinary(self, text[start:end]))
            else:
                out.append(ids[token])
        return out

    def _ids_around(self, text: str, tokens: Any, ids: Mapping[str, int]) -> list[int]:
        # special_segments inline: this is the hot path (a list of segments first cost 10%
        # on text with a special token every few words; text made of specials side by side
        # costs one lookup each)
        out: list[int] = []
        encode_text, splitter = self._pieces.encode_text, self._splitter
        start = 0
        for match in tokens.finditer(text):
            tid = ids.get(match.group())
            if tid is None:  # text, with what is around it
                continue
            begin, end = match.span()
            if begin > start:
                encode_text(splitter, text[start:begin], out)
            out.append(tid)
            start = end
        encode_text(splitter, text[start:], out)
        return out

    def encode_batch(
        self,
        text: Sequence[str],
        *,
        num_threads: Optional[int] = None,
        allowed_special: AllowedSpecial = frozenset(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
        num_proc: Optional[int] = None,
    ) -> list[list[int]]:
        """:meth:`encode` each text; results in order.

        By default everything runs in this process. With ``num_proc`` (or tiktoken's
        ``num_threads``, mapped to processes where they start by fork) large batches are
        shared among that many processes: this one and the workers of a pool kept for
        later calls; small batches, and calls from inside worker processes, still run
        in-process (see :mod:`hf_bpe.parallel`). When both are given, ``num_proc`` wins:
        ``num_threads`` is then only checked (an int of at least 1) and otherwise ignored.
        An error raised for one text is raised here, with a note naming the text ("raised
        for item 3 of the batch").

            >>> enc = hf_bpe.get_encoding("cl100k_base")
            >>> enc.encode_batch(["hello world", "hello <|endoftext|>"], allowed_special="all")
            [[15339, 1917], [15339, 220, 100257]]
        """
        kwargs = {
            "allowed_special": special_set(allowed_special, "allowed_special"),
            "disallowed_special": special_set(disallowed_special, "disallowed_special"),
        }
        self._allowed(kwargs["allowed_special"], kwargs["disallowed_special"], "")  # (refused before any item is)
        return self._batch("encode", text, num_proc, num_threads, kwargs)

    def encode_ordinary_batch(
        self, text: Sequence[str], *, num_threads: Optional[int] = None, num_proc: Optional[int] = None
    ) -> list[list[int]]:
        """:meth:`encode_ordinary` each text; results in order (processes as in
        :meth:`encode_batch`: ``num_proc`` wins over ``num_threads`` when both are given).

            >>> hf_bpe.get_encoding("cl100k_base").encode_ordinary_batch(["hello world", "hello"])
            [[15339, 1917], [15339]]
        """
        return self._batch("encode_ordinary", text, num_proc, num_threads)

    def encode_to_numpy(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = frozenset(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> npt.NDArray[np.uint32]:
        """:meth:`encode` into a ``numpy.uint32`` array (needs numpy).

            >>> hf_bpe.get_encoding("cl100k_base").encode_to_numpy("hello world")
            array([15339,  1917], dtype=uint32)
        """
        try:
            import numpy as np
        except ImportError as err:
            raise ImportError(f"encode_to_numpy needs numpy: pip install 'hf_bpe[numpy]' ({err})") from err

        ids = Encoding.encode(self, text, allowed_special=allowed_special, disallowed_special=disallowed_special)
        # A view of a buffer of 32-bit ids, as tiktoken's (several times faster than
        # np.array(ids)); read-only like tiktoken's, a view of its own bytes.
        result = np.frombuffer(array.array("I", ids), dtype=np.uint32)
        result.flags.writeable = False
        return result

    def encode_single_token(self, text_or_bytes: Union[str, bytes]) -> int:
        """The id of a text or bytes that is exactly one token; ``KeyError`` otherwise.

        >>> import hf_bpe
        >>> hf_bpe.get_encoding("cl100k_base").encode_single_token("hello")  # doctest: +SKIP
        15339
        """
        data = _as_bytes(text_or_bytes)
        rank = self._mergeable_ranks.get(data)
        if rank is not None:
            return rank
        try:
            special = self._special_tokens.get(data.decode("utf-8"))
        except UnicodeDecodeError:  # not UTF-8: no special token's text
            special = None
        if special is not None:
            return special
        raise UnknownTokenError(f"{short_repr(text_or_bytes)} is not a single token of {self.name!r}", token=text_or_bytes)

    def encode_with_unstable(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = frozenset(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> tuple[list[int], list[list[int]]]:
        """Stable ids, and the id sequences a continuation of ``text`` could start with.

        The stable ids cover ``text`` up to its last piece (more text could change that
        piece's ids); each completion, after them, decodes to text that starts with
        ``text`` (see :mod:`hf_bpe.unstable`). Specials as in :meth:`encode`. As in tiktoken
        (whose completions come in no order; these are sorted), this API is itself unstable.

        >>> import hf_bpe
        >>> enc = hf_bpe.get_encoding("cl100k_base")                               # doctest: +SKIP
        >>> stable, completions = enc.encode_with_unstable("hello fanta")          # doctest: +SKIP
        >>> enc.decode(stable), len(completions), enc.decode(completions[0])       # doctest: +SKIP
        ('hello', 2233, ' fanta')
        """
        from .unstable import encode_with_unstable

        self._refuse_normalizing("encode_with_unstable")
        allowed = self._allowed(allowed_special, disallowed_special, text)
        return encode_with_unstable(self, text, allowed)

    def _encode_bytes(self, text: bytes) -> list[int]:
        """The ids of bytes that may not be valid UTF-8, as tiktoken's ``_encode_bytes``
        (the invalid rest is merged with the last piece; see :mod:`hf_bpe.unstable`)."""
        from .unstable import encode_bytes

        if not isinstance(text, (bytes, bytearray, memoryview)):  # bytes(5) would be five NULs
            raise TypeError(f"expected bytes, got {type(text).__name__}")
        self._refuse_normalizing("_encode_bytes")
        return encode_bytes(self, bytes(text))

    def _refuse_normalizing(self, method: str) -> None:
        """What works on the end of a text (its last piece) cannot yet where the text is
        normalized first: more text may change how the end normalizes, and the last piece
        of the normalized text is not that of the text as given."""
        if self._normalization is not None:
            raise NotImplementedError(
                f"{method} is not available yet for an encoding that normalizes text ({self.name!r}: {self._normalization})"
            )

    def _encode_single_piece(self, text_or_bytes: Union[str, bytes]) -> list[int]:
        """The ids of one piece, not split: its token if it is one, else merged."""
        data = _as_bytes(text_or_bytes)
        if not data and b"" in self._mergeable_ranks:  # (an empty token: as tiktoken)
            return [self._mergeable_ranks[b""]]
        return self._pieces.encode_bytes(data)

    def _encode_only_native_bpe(self, text: str) -> list[int]:
        """tiktoken's check that splits with ``regex`` in Python: here the pieces come from
        the same splitter :meth:`encode_ordinary` uses, each encoded on its own."""
        if not isinstance(text, str):
            raise _not_a_str(text)
        out: list[int] = []
        for piece in self._splitter.split(self._splitter.normalize(text)):
            out.extend(self._encode_single_piece(piece))
        return out

    @property
    def _core_bpe(self) -> CoreBPE:
        """tiktoken's inner object, for code that calls it directly (see :mod:`hf_bpe.core_bpe`)."""
        return CoreBPE(self)

    def count_tokens(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = frozenset(),  # noqa: B006
        disallowed_special: DisallowedSpecial = "all",
    ) -> int:
        """``len(encode(text, ...))``, counted without building the list of ids.

        >>> import hf_bpe
        >>> hf_bpe.get_encoding("o200k_base").count_tokens("hello world")  # doctest: +SKIP
        2
        """
        allowed = self._allowed(allowed_special, disallowed_special, text)
        try:
            return self._count(text, allowed)
        except UnicodeEncodeError:
            return self._count(repair_surrogates(text), allowed)

    def _count(self, text: str, allowed: frozenset[str]) -> int:
        if not allowed:
            return self._pieces.count_text(self._splitter, text)
        total = 0
        for start, end, special in special_segments(text, special_regex(allowed)):
            total += 1 if special is not None else self._pieces.count_text(self._splitter, text[start:end])
        return total

    def split_by_tokens(self, text: str, max_tokens: int) -> list[str]:
        """Cut ``text`` into consecutive chunks of at most ``max_tokens`` tokens each.

        Chunks end on token boundaries of ``encode_ordinary(text)`` (moved back to a whole
        character where a token ends inside one), so ``"".join(chunks) == text`` (of an
        encoding with :attr:`normalization`, the text in that form; lone
        surrogates, which encoding replaces with U+FFFD, come back as U+FFFD, and a
        surrogate pair as the character it stands for) and the chunks' token counts add up
        to the whole text's. A chunk encoded on its own may differ at its edges, since
        splitting looks at neighbouring characters. ``ValueError`` if ``max_tokens`` is
        below 1, or below the tokens of a run that cannot be cut: one character's, or
        several characters' where a token holds the end of one and the start of the next
        (gpt2 encodes ``"恶树"`` as 5 such tokens).

        >>> import hf_bpe
        >>> enc = hf_bpe.get_encoding("o200k_base")  # doctest: +SKIP
        >>> enc.split_by_tokens("one two three four five", 2)  # doctest: +SKIP
        ['one two', ' three four', ' five']
        """
        if isinstance(max_tokens, bool):
            raise TypeError("max_tokens must be an int, not a bool")
        max_tokens = operator.index(max_tokens)  # TypeError for 2.5, as list indices
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
        data = self._decoder.tokens_bytes(Encoding.encode_ordinary(self, text))
        chunks: list[str] = []
        start = 0
        while start < len(data):
            cut = min(start + max_tokens, len(data))
            # Move the cut back while the next token starts inside a character.
            while cut > start and cut < len(data) and 0x80 <= data[cut][0] < 0xC0:
                cut -= 1
            if cut == start:
                end = start + 1
                while end < len(data) and 0x80 <= data[end][0] < 0xC0:
                    end += 1
                raise ValueError(
                    f"tokens {start} to {end - 1} of the text must stay in one chunk (each but "
                    f"the last ends inside a character): {end - start} tokens, more than "
                    f"max_tokens={max_tokens}; raise max_tokens"
                )
            chunks.append(b"".join(data[start:cut]).decode("utf-8"))
            start = cut
        return chunks

    # ---------------------------------------------------------------- decoding

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes of ``tokens``; an unknown id raises :class:`UnknownTokenError` (a KeyError).

            >>> hf_bpe.get_encoding("cl100k_base").decode_bytes([15339, 9468])  # "hello" and 2 bytes of 🙂
            b'hello\\xf0\\x9f'
        """
        return _on_ids(self._decoder.decode_bytes, tokens)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """The text of ``tokens``; invalid UTF-8 is handled by ``errors`` (default: U+FFFD).

            >>> hf_bpe.get_encoding("cl100k_base").decode([15339, 9468])  # "hello" and 2 bytes of 🙂
            'hello\ufffd'
        """
        return _on_ids(self._decoder.decode_bytes, tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token (a special token's too).

            >>> enc = hf_bpe.get_encoding("cl100k_base")
            >>> enc.decode_single_token_bytes(15339), enc.decode_single_token_bytes(100257)
            (b'hello', b'<|endoftext|>')
        """
        return self._decoder.token_bytes(_one_id(token))

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each token, as a list.

            >>> hf_bpe.get_encoding("cl100k_base").decode_tokens_bytes([15339, 9468])  # "hello" and 2 bytes of 🙂
            [b'hello', b'\\xf0\\x9f']
        """
        return _on_ids(self._decoder.tokens_bytes, tokens)

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text and, for each token, the index of the character where it starts.

        A token that starts inside a character (with a UTF-8 continuation byte) is given
        the index of that character. The bytes must be valid UTF-8.

            >>> enc = hf_bpe.get_encoding("cl100k_base")
            >>> enc.decode_with_offsets(enc.encode("naïve 🙂"))
            ('naïve 🙂', [0, 2, 3, 5])
        """
        ids = _id_list(tokens, exact=False)  # once: a generator is read only once
        text = Encoding.decode_bytes(self, ids).decode("utf-8", errors="strict")
        spans = _on_ids(lambda ids: self._decoder.char_spans(ids, text), ids)
        return text, [start for start, _ in spans]

    def decode_batch(
        self,
        batch: Sequence[Sequence[int]],
        *,
        errors: str = "replace",
        num_threads: Optional[int] = None,
        num_proc: Optional[int] = None,
    ) -> list[str]:
        """:meth:`decode` each list of ids; results in order (processes as in :meth:`encode_batch`).
        An error names the list it was raised for (a note: "raised for item 3 of the batch").

            >>> hf_bpe.get_encoding("cl100k_base").decode_batch([[15339, 1917], [15339, 220, 100257]])
            ['hello world', 'hello <|endoftext|>']
        """
        from .parallel import apply_each

        return self._batch("decode", apply_each(_id_list, batch), num_proc, num_threads, {"errors": errors})

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: Optional[int] = None, num_proc: Optional[int] = None
    ) -> list[bytes]:
        """:meth:`decode_bytes` each list of ids; results in order (processes as in
        :meth:`encode_batch`).

            >>> hf_bpe.get_encoding("cl100k_base").decode_bytes_batch([[15339, 1917], [9468]])
            [b'hello world', b'\\xf0\\x9f']
        """
        from .parallel import apply_each

        return self._batch("decode_bytes", apply_each(_id_list, batch), num_proc, num_threads)

    def _batch(
        self,
        method: str,
        items: Sequence[Any],
        num_proc: Optional[int],
        num_threads: Optional[int],
        kwargs: Optional[dict[str, Any]] = None,
    ) -> list[Any]:
        """``[self.method(item, **kwargs) for item in items]``, here or in worker processes."""
        from . import parallel  # here: multiprocessing is only needed for batches

        if not isinstance(items, (list, tuple)):
            items = list(items)  # a generator, say

        if method.startswith("encode"):  # (decoding's batches are lists of ids by now)
            bad = next(((i, item) for i, item in enumerate(items) if not isinstance(item, str)), None)
            if bad is not None:
                shown = "" if bad[1] is None else f": {bad[1]!r:.60}"
                raise TextTypeError(f"item {bad[0]} of the batch is {_a_type(bad[1])}, not a str{shown}")
        sizes = [len(item) for item in items]
        workers = parallel.workers_for(num_proc, num_threads, sum(sizes), len(items))
        start = time.perf_counter()
        if workers > 1 and method == "decode":
            # The workers make bytes and the text is made here: an errors handler registered
            # with codecs.register_error exists in this process only.
            errors = (kwargs or {})["errors"]
            texts = parallel.map_batch(self, "decode_bytes", items, sizes, workers)
            results = parallel.apply_each(lambda data: data.decode("utf-8", errors), texts)
        elif workers > 1:
            if method.startswith("encode") and not all(type(item) is str for item in items):
                # A subclass of str goes to the workers as plain text: they may not know its
                # class (defined in a function, or after they started).
                items = [str.__str__(item) for item in items]
            results = parallel.map_batch(self, method, items, sizes, workers, kwargs)
        else:
            results = parallel.apply_each(getattr(self, method), items, kwargs)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s.%s: %d items, %d chars or ids, %.3fs in %d process(es)",
                self.name, method, len(items), sum(sizes), time.perf_counter() - start, workers,
            )
        return results

    def stream_decoder(self, errors: str = "replace") -> StreamDecoder:
        """An incremental decoder: feed ids, get text as soon as characters are complete.

        >>> import hf_bpe
        >>> enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+",
        ...     mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
        >>> dec = enc.stream_decoder()
        >>> [dec.feed(t) for t in enc.encode("é🙂")]  # one id per byte here
        ['', 'é', '', '', '', '🙂']
        """
        return StreamDecoder(self, errors)

    def clear_cache(self) -> None:
        """Forget the pieces remembered to encode faster, and give back their memory (up to
        about 100 MB for an encoding in heavy use); ids never depend on them. Batch workers
        keep theirs: :func:`hf_bpe.shutdown_pools` stops them.

        >>> import hf_bpe
        >>> enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+",
        ...     mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
        >>> ids = enc.encode("hello world")
        >>> enc.clear_cache()
        >>> enc.encode("hello world") == ids
        True
        """
        self._pieces.clear_cache()

    # ---------------------------------------------------------------- vocabulary

    def token_byte_values(self) -> list[bytes]:
        """The bytes of every mergeable token, sorted (special tokens left out).

            >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\S+|\\s+", special_tokens={"<|end|>": 257},
            ...     mergeable_ranks={bytes([i]): i for i in range(256)} | {b"hi": 256})
            >>> values = enc.token_byte_values()
            >>> len(values), values[:2], b"hi" in values
            (257, [b'\\x00', b'\\x01'], True)
        """
        return list(self._token_bytes_sorted)

    @functools.cached_property
    def _token_bytes_sorted(self) -> list[bytes]:
        return sorted(self._mergeable_ranks)

    @functools.cached_property
    def _merge_parts(self) -> array.array[int]:
        """The merges a Hugging Face BPE model needs to give these ids, flat (see
        :func:`hf_bpe.hf_vocab.merge_parts`), derived on the first save and kept: saving
        the same encoding again (a checkpoint each epoch) derives none (o200k_base: 0.2 s)."""
        from .hf_vocab import merge_parts

        return array.array("q", merge_parts(self._mergeable_ranks, self._pieces._tables))

    @property
    def eot_token(self) -> int:
        """The id of ``<|endoftext|>`` (:class:`UnknownTokenError`, a ``KeyError``, if the
        encoding has none).

            >>> hf_bpe.get_encoding("cl100k_base").eot_token
            100257
        """
        eot = self._special_tokens.get("<|endoftext|>")
        if eot is None:
            raise UnknownTokenError(f"{self.name!r} has no <|endoftext|> special token", token="<|endoftext|>")
        return eot

    @property
    def special_tokens_set(self) -> set[str]:
        """The texts of the special tokens: a new ``set`` each time, tiktoken's type
        (``datasets`` sorts a set to fingerprint a map's arguments, not a frozenset).

            >>> sorted(hf_bpe.get_encoding("cl100k_base").special_tokens_set)
            ['<|endofprompt|>', '<|endoftext|>', '<|fim_middle|>', '<|fim_prefix|>', '<|fim_suffix|>']
        """
        return set(self._special_tokens)

    @functools.cached_property
    def _special_texts(self) -> frozenset[str]:
        """The texts of the special tokens, kept (hashable: the regexes and sets made of
        them are cached by it)."""
        return frozenset(self._special_tokens)

    def is_special_token(self, token: int) -> bool:
        """Whether ``token`` is the id of a special token (an integer: a text is a TypeError).

            >>> enc = hf_bpe.get_encoding("gpt2")
            >>> enc.is_special_token(50256), enc.is_special_token(220)
            (True, False)
        """
        return _one_id(token) in self._special_token_values

    @property
    def n_vocab(self) -> int:
        """The largest id + 1 (ids missing in between are counted).

            >>> enc = hf_bpe.get_encoding("cl100k_base")  # ids 100261 to 100275 are unused
            >>> enc.n_vocab, enc.max_token_value, len(enc.mergeable_ranks) + len(enc.special_tokens)
            (100277, 100276, 100261)
        """
        return self.max_token_value + 1

    @property
    def pat_str(self) -> str:
        """The split pattern (a regex for the ``regex`` package).

            >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\S+|\\s+",
            ...     mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
            >>> enc.pat_str
            '\\\\S+|\\\\s+'
        """
        return self._pat_str

    @property
    def normalization(self) -> Optional[str]:
        """``"NFC"`` or ``"NFKC"`` if texts are put in that Unicode form before they are
        split (an encoding read from a ``tokenizer.json`` with that normalizer), else
        ``None``.

            >>> hf_bpe.get_encoding("cl100k_base").normalization is None
            True
        """
        return self._normalization

    @property
    def mergeable_ranks(self) -> Mapping[bytes, int]:
        """``{token bytes: rank}`` of the mergeable tokens (do not modify).

            >>> ranks = hf_bpe.get_encoding("cl100k_base").mergeable_ranks
            >>> ranks[b"hello"], len(ranks)
            (15339, 100256)
        """
        return self._mergeable_ranks

    @property
    def special_tokens(self) -> Mapping[str, int]:
        """``{text: id}`` of the special tokens (do not modify).

            >>> hf_bpe.get_encoding("gpt2").special_tokens
            {'<|endoftext|>': 50256}
        """
        return self._special_tokens


class StreamDecoder:
    """Decodes ids one at a time, returning text only once its UTF-8 is complete.

    Made by :meth:`Encoding.stream_decoder` (``errors`` as in :meth:`Encoding.decode`).
    With ``errors="strict"``, bytes that are no UTF-8 raise ``UnicodeDecodeError`` and are
    dropped, with the rest of that call's: the decoder goes on from the next id (Python's
    incremental decoder would keep them, and raise again at every later id).
    A copy (``copy.copy``, ``copy.deepcopy``, a pickle) holds its own pending bytes and
    goes on from where the original was::

        >>> import copy, hf_bpe
        >>> enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+",
        ...     mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
        >>> dec = enc.stream_decoder()
        >>> dec.feed(0xC3), copy.copy(dec).feed(0xA9), dec.feed(0xA8)
        ('', 'é', 'è')
    """

    def __init__(self, encoding: Encoding, errors: str = "replace") -> None:
        if not isinstance(encoding, Encoding):
            raise TypeError(f"StreamDecoder takes an Encoding, not {type(encoding).__name__} (or: enc.stream_decoder())")
        if not isinstance(errors, str):  # as bytes.decode (None would mean "strict")
            raise TypeError(f"errors must be a str, not {type(errors).__name__}")
        self._encoding = encoding
        self._errors = errors
        self._decoder = encoding._decoder
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors)

    def __getstate__(self) -> tuple[Encoding, str, tuple[bytes, int]]:
        return self._encoding, self._errors, self._utf8.getstate()

    def __setstate__(self, state: tuple[Encoding, str, tuple[bytes, int]]) -> None:
        encoding, errors, pending = state
        self.__init__(encoding, errors)  # type: ignore[misc]
        self._utf8.setstate(pending)

    def __repr__(self) -> str:
        """``<StreamDecoder of 'cl100k_base': 1 byte pending>``"""
        pending = len(self._utf8.getstate()[0])
        return f"<StreamDecoder of {self._encoding.name!r}: {pending} byte{'' if pending == 1 else 's'} pending>"

    def __deepcopy__(self, memo: dict[int, Any]) -> StreamDecoder:
        return copy.copy(self)  # the encoding never changes: the copies share it

    def feed(self, token: int) -> str:
        """Add one id; return the characters it completes (maybe ``""``).

            >>> enc = hf_bpe.get_encoding("cl100k_base")
            >>> decoder = enc.stream_decoder()
            >>> [decoder.feed(t) for t in enc.encode("🙂!")]
            ['', '🙂', '!']
        """
        return self._decoded(self._decoder.token_bytes(_one_id(token)))

    def feed_many(self, tokens: Sequence[int]) -> str:
        """Add several ids; return the characters they complete (maybe ``""``).

            >>> enc = hf_bpe.get_encoding("cl100k_base")
            >>> decoder = enc.stream_decoder()
            >>> ids = enc.encode("🙂!")                      # 🙂 takes two ids
            >>> decoder.feed_many(ids[:1]), decoder.feed_many(ids[1:])
            ('', '🙂!')
        """
        return self._decoded(_on_ids(self._decoder.decode_bytes, tokens))

    def flush(self) -> str:
        """End of stream: whatever is pending, decoded with the ``errors`` policy.

            >>> enc = hf_bpe.get_encoding("cl100k_base")
            >>> decoder = enc.stream_decoder()
            >>> decoder.feed(enc.encode("🙂")[0]), decoder.flush()  # the stream ends in a character
            ('', '\ufffd')
        """
        return self._decoded(b"", final=True)

    def _decoded(self, data: bytes, final: bool = False) -> str:
        try:
            return self._utf8.decode(data, final)
        except UnicodeDecodeError:
            self._utf8.reset()  # (strict: the bad bytes would stay pending, raising at every id)
            raise


def _rebuild(
    name: str,
    pat_str: str,
    mergeable_ranks: Union[bytes, dict[bytes, int]],
    special_tokens: dict[str, int],
    explicit_n_vocab: Optional[int],
    cls: type[Encoding] = Encoding,  # a subclass stays itself
    normalization: Optional[str] = None,
) -> Encoding:
    # (the ranks pickled apart, see Encoding.__reduce__; a dict from an earlier hf_bpe)
    ranks = pickle.loads(mergeable_ranks) if isinstance(mergeable_ranks, bytes) else mergeable_ranks
    # A subclass is made as tiktoken's unpickling makes one, with its four arguments by
    # keyword (a subclass's __init__(self, **kwargs) takes no name by position); the
    # others only if set, as a subclass written for tiktoken's arguments may not take them.
    options: dict[str, Any] = {}
    if explicit_n_vocab is not None:
        options["explicit_n_vocab"] = explicit_n_vocab
    if normalization is not None:
        options["normalization"] = normalization
    return cls(name=name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=special_tokens, **options)


def mergeable_tokens(ranks: dict[bytes, int]) -> dict[bytes, int]:
    """``ranks`` without an empty token, which no merge makes and no text encodes to
    (Whisper's multilingual vocabulary has one, ``=`` at 50256: tiktoken keeps it, and
    decodes its id to nothing, as hf_bpe's decoder does): the ranks merging works with.

        >>> mergeable_tokens({b"": 2, b"a": 0, b"b": 1})
        {b'a': 0, b'b': 1}
    """
    if b"" not in ranks:
        return ranks
    return {token: rank for token, rank in ranks.items() if token}


def _checked_ranks(ranks: Mapping[bytes, int]) -> dict[bytes, int]:
    if not isinstance(ranks, Mapping):
        raise VocabularyTypeError(f"mergeable_ranks must be a dict of bytes to ranks, not {type(ranks).__name__}")
    if _well_formed(ranks):
        return dict(ranks)
    return _checked_slowly(ranks)


def _well_formed(ranks: Mapping[bytes, int]) -> bool:
    """Whole-collection checks at C speed; any doubt goes to :func:`_checked_slowly`."""
    values = ranks.values()
    return (
        set(map(type, ranks)) == {bytes}
        and set(map(type, values)) == {int}
        and b"" not in ranks
        and min(values) >= 0
        and max(values) < MAX_RANK
        and len(set(values)) == len(ranks)
        and all(bytes([b]) in ranks for b in range(256))
    )


def _checked_slowly(ranks: Mapping[bytes, int]) -> dict[bytes, int]:
    """Check item by item, raising a VocabularyError that names the first problem."""
    checked: dict[bytes, int] = {}
    seen: dict[int, bytes] = {}
    for token, rank in ranks.items():
        if not isinstance(token, (bytes, bytearray)):
            raise VocabularyTypeError(f"mergeable_ranks keys must be bytes, got {token!r}")
        rank = _whole_number(rank, f"rank of {token!r}")
        if rank < 0:
            raise VocabularyOverflowError(f"rank of {token!r} must be a non-negative int, got {rank!r}")
        if rank >= MAX_RANK:
            raise VocabularyOverflowError(f"rank of {token!r} is {rank}; ranks must be below 2**31")
        if rank in seen:
            raise VocabularyError(f"rank {rank} is given to both {seen[rank]!r} and {bytes(token)!r}")
        seen[rank] = bytes(token)
        checked[bytes(token)] = rank
    missing = [bytes([b]) for b in range(256) if bytes([b]) not in checked]
    if missing:
        raise VocabularyError(
            f"mergeable_ranks lacks {len(missing)} of the 256 single bytes (first missing: "
            f"{missing[0]!r}); byte-level BPE needs them all"
        )
    return checked


def _checked_specials(specials: Mapping[str, int], ranks: dict[bytes, int], max_rank: int) -> dict[str, int]:
    # Two specials may share an id (tiktoken's o200k_harmony has <|endofprompt|> and
    # <|reserved_200018|> at 200018): both encode to it, the first listed decodes it.
    if not isinstance(specials, Mapping):
        raise VocabularyTypeError(f"special_tokens must be a dict of texts to ids, not {type(specials).__name__}")
    rank_ids: set[int] | None = None
    checked: dict[str, int] = {}
    for text, token in specials.items():
        if not isinstance(text, str):
            raise VocabularyTypeError(f"special tokens must be non-empty str, got {text!r}")
        if not text:
            raise VocabularyError(f"special tokens must be non-empty str, got {text!r}")
        SpecialTokenTextError.check(text)
        token = _whole_number(token, f"id of special token {text!r}")
        if token < 0:
            raise VocabularyOverflowError(f"id of special token {text!r} must be a non-negative int, got {token!r}")
        if token >= MAX_RANK:
            raise VocabularyOverflowError(f"id of special token {text!r} is {token}; ids must be below 2**31")
        if token <= max_rank:  # specials usually follow the ranks: then no set of them is made
            if rank_ids is None:
                rank_ids = set(ranks.values())
            if token in rank_ids:
                raise VocabularyError(f"special token {text!r} has id {token}, which is already a mergeable rank")
        checked[text] = token
    return checked


def _whole_number(value: object, what: str) -> int:
    """An int (numpy's integers too, as tiktoken takes them) or a VocabularyTypeError naming *what*."""
    if type(value) is int:
        return value
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise VocabularyTypeError(f"{what} must be a non-negative int, got {value!r}")
    try:
        return operator.index(value)
    except TypeError as error:  # numpy's bool has __index__ and refuses it
        raise VocabularyTypeError(f"{what} must be a non-negative int, got {value!r}") from error


@functools.lru_cache(maxsize=128)
def special_regex(tokens: frozenset[str]) -> Any:
    """A compiled regex finding the strings ``tokens`` in text, the longest first where one
    extends another (tiktoken takes whichever its hash map lists first; HF's added tokens
    take the longest).

        >>> special_regex(frozenset({"<|a|>", "<|a|>x"})).findall("<|a|>x <|a|>")
        ['<|a|>x', '<|a|>']
    """
    if len(tokens) < 8:
        flat = "|".join(map(re.escape, sorted(tokens, key=lambda t: (-len(t), t))))
        return re.compile(flat)
    # Python's own engine, not regex: literal text only, which both read alike, and it
    # compiles Llama 3's 256 specials in 2 ms instead of 9 (a tokenizer compiles anew after
    # each add_tokens) and finds them faster.
    return re.compile(_trie_pattern(tokens))


#: The deepest nesting of groups :func:`_trie_pattern` writes (Python's ``re`` compiles
#: about 800 before its recursion limit): below it, what tokens remain is a flat list.
_TRIE_DEPTH = 200


def _trie_pattern(tokens: frozenset[str]) -> str:
    """``tokens`` as one regex whose branches share their prefixes: a flat alternation of
    1,091 specials (o200k_harmony) took 3 µs per match. At each point the longer tokens
    are tried first (a greedy optional tail), so the longest token that matches wins; a run
    of characters with no choice in it is one literal, so long tokens cost no more.

        >>> _trie_pattern(frozenset({"<|a|>", "<|a|>x", "<|b|>"}))
        '<\\\\|(?:a\\\\|>(?:x)?|b\\\\|>)'
    """
    def branch(group: list[str], start: int, depth: int) -> str:
        # ``group``: sorted tokens that share their first ``start`` characters; their
        # common run beyond those is one literal, then a choice by the next character.
        run = len(os.path.commonprefix([group[0][start:], group[-1][start:]]))
        end = start + run
        head = re.escape(group[0][start:end])
        ends_here = len(group[0]) == end  # (a token sorts before those it begins)
        rest = group[1:] if ends_here else group
        if not rest:
            return head
        if depth >= _TRIE_DEPTH:  # the rest as a flat list, the longest first
            choices = [re.escape(t[end:]) for t in sorted(rest, key=lambda t: (-len(t), t))]
        else:
            choices = [branch(list(same), end, depth + 1) for _, same in itertools.groupby(rest, key=lambda t: t[end])]
        body = choices[0] if len(choices) == 1 else "(?:" + "|".join(choices) + ")"
        return head + (f"(?:{body})?" if ends_here else body)

    return branch(sorted(tokens), 0, 0)


def special_segments(text: str, found: Any, kept: Optional[Container[str]] = None) -> list[tuple[int, int, Optional[str]]]:
    """``text`` cut at each match of the regex ``found`` (special or added tokens' texts):
    ``(start, end, token)`` for a match, ``(start, end, None)`` for the text between
    (empty stretches left out). With ``kept``, a match it lacks is text, joined to the
    text around it.

        >>> special_segments("a<|x|><|x|>b", special_regex(frozenset({"<|x|>"})))
        [(0, 1, None), (1, 6, '<|x|>'), (6, 11, '<|x|>'), (11, 12, None)]
        >>> special_segments("a<|x|>b", special_regex(frozenset({"<|x|>"})), kept=())
        [(0, 7, None)]
    """
    segments: list[tuple[int, int, Optional[str]]] = []
    start = 0
    for match in found.finditer(text):
        if kept is not None and match.group() not in kept:
            continue
        if match.start() > start:
            segments.append((start, match.start(), None))
        segments.append((match.start(), match.end(), match.group()))
        start = match.end()
    if start < len(text):
        segments.append((start, len(text), None))
    return segments


def _raise_disallowed(token: str, listed: bool) -> None:
    """Refuse the special token ``token`` found in a text: one not allowed (``listed``
    False: ``disallowed_special="all"``), or one that ``disallowed_special`` lists."""
    if listed:
        advice = (
            "which disallowed_special lists. To encode it, leave it out of disallowed_special: "
            "then it is the special token if allowed_special has it (or is 'all'), else plain text."
        )
    else:
        advice = (
            f"which is not allowed here. To encode it as the special token, pass "
            f"allowed_special={{{token!r}}} (or 'all'); to encode it as plain text, pass "
            f"disallowed_special=() (or leave {token!r} out of disallowed_special)."
        )
    raise DisallowedSpecialTokenError(f"the text contains the special token {token!r}, {advice}", token=token)


def _refuse_non_texts(texts: frozenset[Any], argument: str) -> None:
    """A :class:`TextTypeError` if ``allowed_special`` or ``disallowed_special``
    (``argument``) holds something other than a text (an id, bytes): ignored, it left the
    token's text unrecognized (tiktoken raises a ``TypeError`` too)."""
    for text in texts:
        if not isinstance(text, str):
            raise TextTypeError(f"{argument} takes special tokens' texts (str), not {_a_type(text)}: {text!r}")


def _id_list(tokens: Sequence[int], *, exact: bool = True) -> list[int]:
    """``tokens`` as a list of ints for the compiled decoder (a list is used as it is).
    ``exact=False`` takes a numpy array's ``tolist()`` or a plain ``list()`` instead of
    converting each id: its items may then be other integers (or no integers at all)."""
    if type(tokens) is list:
        return tokens
    if isinstance(tokens, (set, frozenset, dict)):  # no order: the text would come out shuffled
        raise TypeError(f"ids come as a sequence, not {_a_type(tokens)}")
    # A numpy array of bools (a mask) is no ids: its tolist() would be Python bools, which
    # are ints; each item is refused, as tiktoken refuses it.
    if not exact and getattr(getattr(tokens, "dtype", None), "kind", "i") != "b":
        as_list = getattr(tokens, "tolist", None)  # numpy: Python ints in one call
        ids = as_list() if callable(as_list) else list(tokens)
        if type(ids) is list:  # (not for a 0-d array, say)
            return ids
    return [operator.index(t) for t in tokens]


def _one_id(token: int) -> int:
    """An id as an ``int`` for the compiled decoder (numpy's integers too)."""
    return token if type(token) is int else operator.index(token)


def _on_ids(decode: Callable[[list[int]], _T], tokens: Sequence[int]) -> _T:
    """``decode(tokens)`` for any sequence of integers: a list goes as it is, a numpy array
    as its ``tolist()``, a tuple as a list; only if that holds other integers than ``int``
    (numpy's, say) is each converted."""
    ids = _id_list(tokens, exact=False)
    try:
        return decode(ids)
    except TypeError:
        pass  # (the list is converted below, outside this handler: a float's error alone, unchained)
    return decode([operator.index(t) for t in ids])  # numpy integers in a list; floats raise


def _not_a_str(text: object) -> TextTypeError:
    hint = " (decode it first: data.decode('utf-8'))" if isinstance(text, (bytes, bytearray)) else ""
    return TextTypeError(f"expected a str to encode, got {type(text).__name__}{hint}")


def special_set(special: Union[str, Iterable[str], None], argument: str) -> Union[Literal["all"], frozenset[str]]:
    """``allowed_special`` or ``disallowed_special`` (``argument``) as ``"all"`` or the
    texts as a frozenset (a dict's keys view, say, does not pickle to the worker processes;
    see :func:`special_texts`)."""
    return "all" if special == "all" else special_texts(special, argument)


def special_texts(special: Union[str, Iterable[str], None], argument: str) -> frozenset[str]:
    """The special tokens' texts given as ``allowed_special`` or ``disallowed_special``
    (``argument``), other than ``"all"``; ``None`` is none (as tiktoken reads it as
    ``disallowed_special``; as ``allowed_special`` it raises there), and so is ``""`` as
    ``disallowed_special`` (tiktoken reads it as false). Any other string is refused: it
    would mean its characters, one special token each.

        >>> special_texts("<|endoftext|>", "allowed_special")
        Traceback (most recent call last):
        ...
        TypeError: allowed_special takes "all" or a collection of special tokens' texts, not the string '<|endoftext|>' (for that token: {'<|endoftext|>'})
    """
    if isinstance(special, str) and (special or argument == "allowed_special"):
        raise TypeError(
            f'{argument} takes "all" or a collection of special tokens\' texts, not the string '
            f"{short_repr(special)} (for that token: {{{short_repr(special)}}})"
        )
    return frozenset(special or ())


def _as_bytes(text_or_bytes: Union[str, bytes]) -> bytes:
    """A text's UTF-8 bytes, or bytes as they are (``TypeError`` for anything else)."""
    if isinstance(text_or_bytes, str):
        return text_or_bytes.encode("utf-8")
    if isinstance(text_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(text_or_bytes)
    raise TypeError(f"expected str or bytes, got {type(text_or_bytes).__name__}")
