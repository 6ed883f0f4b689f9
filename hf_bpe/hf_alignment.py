"""Where each id of a row comes from (which text of a pair, which word, which characters),
for :class:`~hf_bpe.hf_tokenizer.HfBpeTokenizer`'s ``BatchEncoding``: its ``tokens()``,
``word_ids()``, ``sequence_ids()``, ``char_to_token()``, ``token_to_chars()``,
``word_to_tokens()`` ... as the fast tokenizers give them (transformers' Python tokenizers
give none)::

    enc = tok(["Hugging", "Face"], is_split_into_words=True)
    enc.word_ids()          # the word of each id: [0, 0, 1] (None for bos, eos, padding)
    enc.char_to_token(3)    # the id that holds character 3 of the first text

A word is what the fast tokenizers call one: a piece of the split pattern, or an added
token, numbered in the order of the text; with ``is_split_into_words=True``, a word of the
input. Nothing is worked out until one of those methods is called: a call keeps what it
was given, and the first question encodes its texts again with offsets and words, and
runs the same call again with a marker in place of each of the texts' ids, which shows
where truncation, windows, special tokens and padding put each id. Checked against the
stock fast tokenizer of the same folder (``tests/test_hf_alignment.py``).
"""

from __future__ import annotations

import operator
import warnings
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any, cast

from transformers.tokenization_utils_base import BatchEncoding

from hf_bpe.encoding import special_segments
from hf_bpe.hf_added_split import found_after_normalizing, normalized_with_spans, segments_found_after_normalizing
from hf_bpe.hf_rows import encode_windows, is_batch, samples_of, split_pair

if TYPE_CHECKING:
    from hf_bpe.encoding import Encoding
    from hf_bpe.hf_tokenizer import HfBpeTokenizer

#: Markers stand in for the texts' ids in the second run; ids are below 2**32.
_MARK = 1 << 40

#: What the second run must not be asked for (it gives lists: no tensors, no offsets).
_NOT_AGAIN = ("return_tensors", "return_offsets_mapping", "is_split_into_words", "verbose")


class TextTokens:
    """One text's ids, the characters each covers and (worked out when first asked for)
    the word each belongs to."""

    __slots__ = ("ids", "offsets", "_words")

    def __init__(self, ids: list[int], offsets: list[tuple[int, int]], words: list[int] | Callable[[], list[int]]) -> None:
        self.ids = ids
        self.offsets = offsets
        self._words = words

    @property
    def words(self) -> list[int]:
        if callable(self._words):
            self._words = self._words()
        return self._words


class TokenAlignment:
    """One row of a ``BatchEncoding``: its ids with their tokens, offsets, words and
    sequences (0, 1 for the texts of a pair; None for bos, eos and padding), its token type
    ids, attention mask and special tokens mask, and the questions a fast tokenizer's
    ``Encoding`` answers about them, with the same answers.

        >>> row = TokenAlignment([7, 8, 0], ["a", "Ġb", "<pad>"], [(0, 1), (1, 3), (0, 0)],
        ...                      [0, 1, None], [0, 0, None], 1,
        ...                      type_ids=[0, 0, 0], attention_mask=[1, 1, 0], special_tokens_mask=[0, 0, 1])
        >>> row.char_to_token(2), row.word_to_tokens(1), row.token_to_chars(2)
        (1, (1, 2), None)
    """

    __slots__ = (
        "ids", "offsets", "sequence_ids", "n_sequences", "type_ids", "attention_mask", "special_tokens_mask",
        "_tokens", "_words", "_ranges",
    )  # fmt: skip

    def __init__(
        self,
        ids: list[int],
        tokens: list[str] | Callable[[], list[str]],
        offsets: list[tuple[int, int]],
        word_ids: list[int | None] | Callable[[], list[int | None]],
        sequence_ids: list[int | None],
        n_sequences: int,
        type_ids: list[int],
        attention_mask: list[int],
        special_tokens_mask: list[int],
    ) -> None:
        # (tokens and word_ids: the lists, or what makes them when first asked for)
        self.ids = ids
        self.offsets = offsets
        self.sequence_ids = sequence_ids
        self.n_sequences = n_sequences
        self.type_ids = type_ids
        self.attention_mask = attention_mask
        self.special_tokens_mask = special_tokens_mask
        self._tokens = tokens
        self._words = word_ids
        self._ranges: dict[int, tuple[int, int]] | None = None  # (made by the first question)

    @property
    def tokens(self) -> list[str]:
        """Each id's token, as the vocabulary spells it."""
        if callable(self._tokens):
            self._tokens = self._tokens()
        return self._tokens

    @property
    def word_ids(self) -> list[int | None]:
        """Each id's word in its text; None for bos, eos and padding."""
        if callable(self._words):
            self._words = self._words()
        return self._words

    @property
    def words(self) -> list[int | None]:
        """``word_ids`` under the name tokenizers' ``Encoding`` deprecated (it warns too)."""
        warnings.warn("Encoding.words is deprecated, use Encoding.word_ids instead", DeprecationWarning, stacklevel=2)
        return self.word_ids

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        lists = (self.ids, self.tokens, self.offsets, self.word_ids, self.sequence_ids, self.n_sequences)
        return TokenAlignment, (*lists, self.type_ids, self.attention_mask, self.special_tokens_mask)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"TokenAlignment(num_tokens={len(self.ids)}, n_sequences={self.n_sequences})"

    def _sequence_ranges(self) -> dict[int, tuple[int, int]]:
        """Each text's ids lie together: the range of positions of each (empty for a text
        without ids), as the fast tokenizers keep them."""
        if self._ranges is None:
            ranges = {s: (0, 0) for s in range(self.n_sequences)}
            for position, s in enumerate(self.sequence_ids):
                if s is not None:
                    start, end = ranges[s]
                    ranges[s] = (position if start == end else start, position + 1)
            self._ranges = ranges
        return self._ranges

    def _range(self, sequence_index: int) -> tuple[int, int]:
        return self._sequence_ranges().get(_position(sequence_index), (0, len(self.ids)))

    def token_to_sequence(self, token_index: int) -> int | None:
        """The text (0 or 1) that id ``token_index`` comes from; None for bos, eos, padding."""
        token_index = _position(token_index)
        for s, (start, end) in self._sequence_ranges().items():
            if start <= token_index < end:
                return s
        return None

    def token_to_word(self, token_index: int) -> int | None:
        """The word of id ``token_index`` in its text; None for bos, eos, padding."""
        token_index = _position(token_index)
        if self.token_to_sequence(token_index) is None:
            return None
        return self.word_ids[token_index]

    def token_to_chars(self, token_index: int) -> tuple[int, int] | None:
        """The characters id ``token_index`` covers in its text: ``(start, end)``."""
        token_index = _position(token_index)
        if self.token_to_sequence(token_index) is None:
            return None
        return self.offsets[token_index]

    def word_to_tokens(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        """The ids of word ``word_index`` of text ``sequence_index``: ``(start, end)``."""
        word_index = _position(word_index)
        start, end = self._range(sequence_index)
        first = last = -1
        for position in range(start, end):
            word = self.word_ids[position]
            if word is not None and word > word_index:  # (words only grow within a text)
                break
            if word == word_index:
                first = position if first < 0 else first
                last = position + 1
        return None if first < 0 else (first, last)

    def word_to_chars(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        """The characters of word ``word_index`` of text ``sequence_index``: ``(start, end)``."""
        span = self.word_to_tokens(word_index, sequence_index)
        if span is None:
            return None
        return self.offsets[span[0]][0], self.offsets[span[1] - 1][1]

    def char_to_token(self, char_pos: int, sequence_index: int = 0) -> int | None:
        """The id that covers character ``char_pos`` of text ``sequence_index`` (the first)."""
        char_pos = _position(char_pos)
        start, end = self._range(sequence_index)
        for position in range(start, end):
            first, stop = self.offsets[position]
            if first <= char_pos < stop:
                return position
        return None

    def char_to_word(self, char_pos: int, sequence_index: int = 0) -> int | None:
        """The word that holds character ``char_pos`` of text ``sequence_index``."""
        position = self.char_to_token(char_pos, sequence_index)
        return None if position is None else self.token_to_word(position)


def _position(index: int) -> int:
    """A token's, word's, character's or text's number as the fast tokenizers' ``Encoding``
    takes it: an unsigned integer. A negative one is an OverflowError there, not the last
    one counted from the end, nor None, which means "no such token" (a special token)."""
    index = operator.index(index)
    if index < 0:
        raise OverflowError("can't convert negative int to unsigned")
    return index


class Alignments(Sequence[TokenAlignment]):
    """A ``BatchEncoding``'s rows, worked out when first asked for from the call that made
    them (see the module). Pickled as the rows themselves; as None where they cannot be
    worked out."""

    __slots__ = ("_call", "_rows", "_single")

    def __init__(self, *call: Any) -> None:
        self._call: tuple[Any, ...] | None = call  # (what _work_out takes: one object per call made)
        self._rows: list[TokenAlignment] | None = None
        self._single = False

    def _all(self) -> list[TokenAlignment]:
        if self._rows is None:
            assert self._call is not None
            self._rows, self._single = _work_out(*self._call)
            self._call = None  # (lets go of the tokenizer and the texts)
        return self._rows

    @property
    def single(self) -> bool:
        """Whether the call encoded one text (or pair), not a batch."""
        self._all()
        return self._single

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        try:
            return list, (self._all(),)
        except (NotImplementedError, RuntimeError):
            return _nothing, ()


def _nothing() -> None:
    return None


def encode_with_offsets(
    tok: HfBpeTokenizer, text: Any, text_pair: Any, add_special_tokens: bool, kwargs: Mapping[str, Any]
) -> BatchEncoding:
    """``return_offsets_mapping=True``: the call without it, and each row's offsets from its
    alignment."""
    plain = {k: v for k, v in kwargs.items() if k not in ("return_offsets_mapping", "return_tensors")}
    out = tok._encode_rows(text, text_pair, add_special_tokens, **plain)
    attach(tok, out, text, text_pair, add_special_tokens, plain)
    alignments = cast(Alignments, out._encodings)
    rows = [row.offsets for row in alignments]
    data = dict(out)
    data["offset_mapping"] = rows[0] if alignments.single else rows
    tensors = kwargs.get("return_tensors")
    result = BatchEncoding(data, tensor_type=tensors, prepend_batch_axis=alignments.single and tensors is not None)
    result._encodings, result._n_sequences = alignments, out._n_sequences  # type: ignore[assignment]
    return result


def attach(tok: HfBpeTokenizer, out: BatchEncoding, text: Any, text_pair: Any, add_special_tokens: bool, kwargs: Mapping[str, Any]) -> None:
    """Give ``out``, the result of ``tok(text, text_pair, **kwargs)``, its rows'
    alignments (worked out when first asked for), unless it has them."""
    if out._encodings is not None:
        return
    words = bool(kwargs.get("is_split_into_words"))
    first = text[0] if is_batch(text, words) and text else text
    pair = text_pair is not None or split_pair(first, words)[1] is not None
    out._encodings = Alignments(tok, out["input_ids"], text, text_pair, add_special_tokens, kwargs)  # type: ignore[assignment]
    out._n_sequences = 2 if pair else 1


def _work_out(
    tok: HfBpeTokenizer, real: Any, text: Any, text_pair: Any, add_special_tokens: bool, kwargs: Mapping[str, Any]
) -> tuple[list[TokenAlignment], bool]:
    from hf_bpe.hf_tokenizer import _during  # (the tokenizer's module imports this one)

    words = bool(kwargs.get("is_split_into_words"))
    split = bool(kwargs.get("split_special_tokens", tok.split_special_tokens))
    # each text's ids are stood in for by markers from its base on: (base, text of the pair, tokens)
    texts: list[tuple[int, int, TextTokens]] = []
    bases: list[int] = []
    used = _MARK

    def markers(item: Any, seq: int) -> list[int]:
        nonlocal used
        tokens = _text_tokens(tok, item, split, words)
        texts.append((used, seq, tokens))
        bases.append(used)
        used += len(tokens.ids)
        return list(range(used - len(tokens.ids), used))

    again = {k: v for k, v in kwargs.items() if k not in _NOT_AGAIN}
    again["verbose"] = False  # (said once already)
    again.update(return_token_type_ids=True, return_attention_mask=True, return_special_tokens_mask=True)
    pairs: list[bool] = []
    single = False
    items = samples_of(text, text_pair, words)
    if items is None:
        raise NotImplementedError(_NEED_TEXT)
    columns: Mapping[str, Any] = {"input_ids": []}  # (of an empty batch)
    with _during("encoding"):
        windows = None
        if kwargs.get("return_overflowing_tokens"):
            windows = encode_windows(tok, text, text_pair, add_special_tokens, again, words=words, ids_of=markers)
        if windows is not None:
            columns = windows
            pairs = [items[k][1] is not None for k in windows["overflow_to_sample_mapping"]]
        else:
            firsts: list[list[int] | str] = []
            seconds: list[list[int] | str | None] = []
            for first, second in items:
                firsts.append(_or_empty(markers(first, 0)))
                seconds.append(None if second is None else _or_empty(markers(second, 1)))
                pairs.append(second is not None)
            if not is_batch(text, words):
                one = tok._encode_checked_ids(firsts[0], seconds[0], add_special_tokens, **again)
                columns = {key: [column] for key, column in one.items()}
                single = True
            elif items:
                columns = tok._encode_checked_ids(firsts, seconds if any(pairs) else None, add_special_tokens, **again)
    rows = columns["input_ids"]
    real_rows = real.tolist() if hasattr(real, "tolist") else real
    if real_rows and hasattr(real_rows[0], "tolist"):  # a ragged batch as numpy: an object array of arrays
        real_rows = [row.tolist() for row in real_rows]
    if single and not (real_rows and isinstance(real_rows[0], list)):
        real_rows = [real_rows]  # one text's row (as tensors, it is a batch of one)
    if len(rows) != len(real_rows):
        raise _changed()
    aligned: list[TokenAlignment] = []
    for k, (row, real_row) in enumerate(zip(rows, real_rows)):
        if len(row) != len(real_row):
            raise _changed()
        runs = _runs(row, bases, texts)
        offsets: list[tuple[int, int]] = []
        sequence_ids: list[int | None] = []
        at = 0
        for start, end, t, j in runs:
            if start > at:  # bos, eos, padding
                if row[at:start] != real_row[at:start]:
                    raise _changed()
                offsets += [(0, 0)] * (start - at)
                sequence_ids += [None] * (start - at)
            _, seq, tokens = texts[t]
            if tokens.ids[j : j + end - start] != real_row[start:end]:
                raise _changed()
            offsets += tokens.offsets[j : j + end - start]
            sequence_ids += [seq] * (end - start)
            at = end
        if row[at:] != real_row[at:]:
            raise _changed()
        offsets += [(0, 0)] * (len(row) - at)
        sequence_ids += [None] * (len(row) - at)
        n = 2 if k < len(pairs) and pairs[k] else 1
        ids = list(real_row)
        words_of = _words_of_runs(runs, texts, len(row))
        masks = (columns["token_type_ids"][k], columns["attention_mask"][k], columns["special_tokens_mask"][k])
        aligned.append(TokenAlignment(ids, _spelling(tok, ids), offsets, words_of, sequence_ids, n, *masks))
    return aligned, single


def _runs(row: list[int], bases: list[int], texts: list[tuple[int, int, TextTokens]]) -> list[tuple[int, int, int, int]]:
    """The stretches of ``row`` that hold one text's markers in a row: ``(start, end, text,
    first position in the text)``, found by comparing slices (truncation and windows keep
    a text's ids together)."""
    runs: list[tuple[int, int, int, int]] = []
    pos, n = 0, len(row)
    while pos < n:
        value = row[pos]
        if value < _MARK:
            pos += 1
            continue
        t = bisect_right(bases, value) - 1
        j = value - bases[t]
        longest = min(len(texts[t][2].ids) - j, n - pos)
        if row[pos : pos + longest] != list(range(value, value + longest)):
            low, high = 1, longest  # row[pos:pos+low] runs on; row[pos:pos+high] does not
            while high - low > 1:
                middle = (low + high) // 2
                if row[pos : pos + middle] == list(range(value, value + middle)):
                    low = middle
                else:
                    high = middle
            longest = low
        runs.append((pos, pos + longest, t, j))
        pos += longest
    return runs


def _spelling(tok: HfBpeTokenizer, ids: list[int]) -> Callable[[], list[str]]:
    return lambda: tok._tokens_as_found(ids)


def _words_of_runs(
    runs: list[tuple[int, int, int, int]], texts: list[tuple[int, int, TextTokens]], length: int
) -> Callable[[], list[int | None]]:
    def words() -> list[int | None]:
        found: list[int | None] = []
        for start, end, t, j in runs:
            found += [None] * (start - len(found))
            found += texts[t][2].words[j : j + end - start]
        return found + [None] * (length - len(found))

    return words


def _or_empty(ids: list[int]) -> list[int] | str:
    return ids if ids else ""  # (transformers reads an empty list as no input)


_NEED_TEXT = "word_ids(), tokens(), char_to_token(), offsets ... need text, not ids"


def _text_tokens(tok: HfBpeTokenizer, item: Any, split: bool, words: bool) -> TextTokens:
    """The tokens of a text, or of a list of words (``words``)."""
    if isinstance(item, str):  # (a text; or, among words, a text of a pair)
        return text_tokens(tok, item, split)
    if not words or not all(isinstance(word, str) for word in item):
        raise NotImplementedError(_NEED_TEXT)
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    word_ids: list[int] = []
    for index, word in enumerate(item):  # each word's offsets are within that word, as in the fast tokenizers
        tokens = text_tokens(tok, word, split)
        ids += tokens.ids
        offsets += tokens.offsets
        word_ids += [index] * len(tokens.ids)
    return TextTokens(ids, offsets, word_ids)


def text_tokens(tok: HfBpeTokenizer, text: str, split_special_tokens: bool) -> TextTokens:
    """The ids of ``text``, the characters each covers (``(start, end)``; a token inside a
    character covers all of it) and the word of each, as the fast tokenizers number words:
    each piece of the split pattern and each added token is one, in the order of the text.
    Where the encoding normalizes a stretch of text (NFC, NFKC), its tokens cover the characters
    of the text that the normalized characters stand for (see :mod:`hf_bpe.normalization`)."""
    enc = tok._encoding
    segments = _segments(tok, text, split_special_tokens)
    if found_after_normalizing(tok, text) and tok._split_out(split_special_tokens):
        return _tokens_found_after_normalizing(tok, text, split_special_tokens)
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    # Where each token starts in the text as encoded (normalized stretches in their
    # normalized form), for its word; None while that is where it starts in the text.
    starts: list[int] | None = None
    longer = 0  # how much longer the text as encoded is, up to here, than the text
    for seg_start, seg_end, tid in segments:
        if tid is not None:
            ids.append(tid)
            offsets.append((seg_start, seg_end))
            if starts is not None:
                starts.append(seg_start + longer)
            continue
        piece = text[seg_start:seg_end]
        if enc._splitter.normalize(piece) == piece:
            seg_ids, chars = _ids_and_chars(enc, piece, seg_start)
            if starts is not None:
                starts += [longer + a for a, _ in chars]
        else:  # the characters of the normalized text, then the text's characters they stand for
            encoded, spans = normalized_with_spans(enc, piece)
            seg_ids, chars = _ids_and_chars(enc, encoded, 0)
            if starts is None:
                starts = [a for a, _ in offsets]
            starts += [seg_start + longer + a for a, _ in chars]
            chars = [(seg_start + spans[a][0], seg_start + spans[b - 1][1]) for a, b in chars]
            longer += len(encoded) - len(piece)
        ids += seg_ids
        offsets += chars
    return TextTokens(ids, offsets, lambda: _words(tok, text, segments, starts if starts is not None else [a for a, _ in offsets]))


def _tokens_found_after_normalizing(tok: HfBpeTokenizer, text: str, split_special_tokens: bool) -> TextTokens:
    """:func:`text_tokens` where added tokens are found in two stages (see
    :func:`~hf_bpe.hf_added_split.segments_found_after_normalizing`): tokens are placed in the text as encoded,
    then mapped to the characters of the text each of its characters stands for."""
    encoded, spans, segments = segments_found_after_normalizing(tok, text, tok._split_out(split_special_tokens))
    ids: list[int] = []
    chars: list[tuple[int, int]] = []  # in the text as encoded
    for seg_start, seg_end, tid in segments:
        if tid is not None:
            ids.append(tid)
            chars.append((seg_start, seg_end))
        else:
            seg_ids, seg_chars = _ids_and_chars(tok._encoding, encoded[seg_start:seg_end], seg_start)
            ids += seg_ids
            chars += seg_chars
    offsets = [(spans[a][0], spans[b - 1][1]) for a, b in chars]
    return TextTokens(ids, offsets, lambda: _words(tok, encoded, segments, [a for a, _ in chars]))


def _ids_and_chars(enc: Encoding, text: str, base: int) -> tuple[list[int], list[tuple[int, int]]]:
    """The ids of ``text`` (no added tokens in it; already normalized, if the encoding
    normalizes) and the characters each covers, plus ``base``."""
    ids = enc.encode_ordinary(text)
    chars = enc._decoder.char_spans(ids, text, base)
    if chars and chars[-1][1] != base + len(text):  # the pattern skipped some text: piece by piece
        ids, chars = [], []
        for start, length in _piece_spans(enc._splitter.split(text), text):
            piece_ids = enc._encode_single_piece(text[start : start + length])
            ids += piece_ids
            chars += enc._decoder.char_spans(piece_ids, text[start : start + length], base + start)
    return ids, chars


def _segments(tok: HfBpeTokenizer, text: str, split_special_tokens: bool) -> list[tuple[int, int, int | None]]:
    """``text`` cut at its added tokens: ``(start, end, id of the added token or None)``."""
    kept = tok._split_out(split_special_tokens)
    if tok._added_re is None or not kept:
        return [(0, len(text), None)] if text else []
    if tok._added.slow_added:
        raise NotImplementedError(
            "offsets, word_ids(), char_to_token() ... are not available with added tokens "
            "that strip spaces or match single words"
        )
    return [
        (start, end, None if token is None else kept[token])
        for start, end, token in special_segments(text, tok._added_re, kept)
    ]


def _words(tok: HfBpeTokenizer, text: str, segments: list[tuple[int, int, int | None]], starts: list[int]) -> list[int]:
    """The word of each token of ``text`` that starts at ``starts`` (in the text as
    encoded: see :func:`text_tokens`): the word of the character it starts at, a token
    being within one piece."""
    splitter = tok._encoding._splitter
    word_at: list[int] = []  # the word of each character of the text as encoded
    words = 0
    for seg_start, seg_end, tid in segments:
        if tid is not None:
            size = seg_end - seg_start
            lengths = [size]
        else:
            encoded = splitter.normalize(text[seg_start:seg_end])
            size = len(encoded)
            lengths = _piece_lengths(splitter.split(encoded), encoded)
        if not lengths:  # no piece: nothing was encoded there
            word_at += repeat(-1, size)
            continue
        # word k repeated for each of its characters (a loop per character, in C)
        word_at += chain.from_iterable(map(repeat, range(words, words + len(lengths)), lengths))
        words += len(lengths)
    return [word_at[start] for start in starts]


def _piece_lengths(pieces: list[str], text: str) -> list[int]:
    """How many characters of ``text`` each of ``pieces`` (split from it, in order) spans:
    its own, and those of text the pattern skipped after it (none for the GPT patterns,
    which match every character), the first also those skipped before it; [] if none."""
    lengths = list(map(len, pieces))
    if sum(lengths) == len(text):
        return lengths
    starts = [start for start, _ in _piece_spans(pieces, text)]
    if starts:
        starts[0] = 0
    return [end - start for start, end in zip(starts, [*starts[1:], len(text)])]


def _piece_spans(pieces: list[str], text: str) -> list[tuple[int, int]]:
    """Where each of ``pieces`` (split from ``text``, in order) starts, and its length."""
    spans: list[tuple[int, int]] = []
    at = 0
    for piece in pieces:
        at = text.index(piece, at)
        spans.append((at, len(piece)))
        at += len(piece)
    return spans


def _changed() -> RuntimeError:
    return RuntimeError(
        "the tokenizer no longer gives the ids of this BatchEncoding (tokens were added since?): "
        "word_ids(), tokens() ... are worked out when first asked for; ask before changing it"
    )
