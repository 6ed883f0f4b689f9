"""Rows that transformers' fast tokenizers give and its Python tokenizers do not, for
:class:`~hf_bpe.hf_tokenizer.HfBpeTokenizer`: texts and text pairs cut into windows
(``return_overflowing_tokens``), built from the core's ids and checked against the stock
fast tokenizer on the same ``tokenizer.json`` (``tests/test_hf_tokenizer.py``)::

    >>> windows([1, 2, 3, 4, 5, 6, 7], room=4, stride=1, side="right")
    [[1, 2, 3, 4], [4, 5, 6, 7]]
    >>> pair_windows([1, 2, 3, 4, 5], [8, 9], room=5, stride=1, strategy="only_first", side="right")
    [([1, 2, 3], [8, 9]), ([3, 4, 5], [8, 9])]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from transformers.tokenization_utils_base import BatchEncoding, TruncationStrategy
from transformers.utils.generic import PaddingStrategy

if TYPE_CHECKING:
    from hf_bpe.hf_tokenizer import HfBpeTokenizer


# ------------------------------------------------------------- reading a call


def is_batch(text: Any, words: bool) -> bool:
    """Whether transformers takes ``text`` (the first argument of a call) as a batch."""
    if not isinstance(text, (list, tuple)):
        return False
    if words:
        return bool(text) and isinstance(text[0], (list, tuple))
    return not text or isinstance(text[0], (str, list, tuple))


def split_pair(item: Any, words: bool) -> tuple[Any, Any]:
    """A batch item as transformers reads it: (first text, second text or None)."""
    if isinstance(item, (list, tuple)) and item and not isinstance(item[0], int):
        if len(item) == 2 and (not words or isinstance(item, tuple)) and all(isinstance(t, (str, list, tuple)) for t in item):
            return item[0], item[1]
        if len(item) == 1 and not words:
            return item[0], None
    return item, None


def samples_of(text: Any, text_pair: Any, words: bool) -> list[tuple[Any, Any]] | None:
    """The (first text, second text or None) of each item of a call, or None when some
    text is not one (ids, or what transformers refuses): transformers handles those."""
    if text_pair is None:
        items = [split_pair(item, words) for item in text] if is_batch(text, words) else [(text, None)]
    elif is_batch(text, words):
        if not is_batch(text_pair, words) or len(text_pair) != len(text):
            return None
        items = list(zip(text, text_pair))
    else:
        items = [(text, text_pair)]

    def readable(t: Any) -> bool:
        if words:
            return isinstance(t, (list, tuple)) and all(isinstance(w, str) for w in t)  # [] too
        return isinstance(t, str)

    if all(readable(a) and (b is None or readable(b)) for a, b in items):
        return items
    return None


# ---------------------------------------------------------------------- windows


def encode_windows(
    tok: HfBpeTokenizer,
    text: Any,
    text_pair: Any,
    add_special_tokens: bool,
    kwargs: Mapping[str, Any],
    words: bool = False,
    ids_of: Callable[[Any, int], list[int]] | None = None,
) -> BatchEncoding | None:
    """``return_overflowing_tokens=True`` as the fast tokenizers do it: each text or text
    pair cut into windows of ``max_length`` (``stride`` ids shared by neighbours) if
    truncating (see :func:`pair_windows`), one row per window, and
    ``overflow_to_sample_mapping`` naming each row's item. With ``words``
    (``is_split_into_words``) a text is a list of words, its ids those of each word in
    turn. None when the input is none of these (transformers handles it). ``ids_of`` gives
    the ids of a text (and which of its pair it is, 0 or 1) instead of the tokenizer (see
    :mod:`hf_bpe.hf_alignment`)."""
    items = samples_of(text, text_pair, words)
    if items is None:
        return None
    # Without truncation (also truncation=True with no max_length and no model limit,
    # which transformers turns off) each item is one row, still with its mapping.
    strategy = TruncationStrategy(kwargs.get("truncation_strategy", TruncationStrategy.DO_NOT_TRUNCATE))
    truncate = strategy != TruncationStrategy.DO_NOT_TRUNCATE
    max_length = kwargs.get("max_length")
    if max_length is None and truncate:
        max_length = tok.model_max_length
    stride = int(kwargs.get("stride") or 0)
    split = bool(kwargs.get("split_special_tokens", tok.split_special_tokens))

    def ids(t: Any, seq: int) -> list[int]:
        if ids_of is not None:
            return ids_of(t, seq)
        return tok._ids_of_words(t if words else [t], split)

    parts: list[tuple[list[int], list[int] | None]] = []
    sample: list[int] = []
    warned = False
    for k, (first, second) in enumerate(items):
        a = ids(first, 0)
        b = None if second is None else ids(second, 1)
        cuts: list[tuple[list[int], list[int] | None]] = [(a, b)]
        room = (max_length or 0) - (tok.num_special_tokens_to_add(b is not None) if add_special_tokens else 0)
        if truncate and room < 0:  # max_length below the special tokens: left whole, as fast does
            # A pair is left whole too, but with windows asked for, its stride is checked as
            # the fast tokenizers check any stride: against max_length less one text's special tokens.
            single_room = (max_length or 0) - tok.num_special_tokens_to_add(False)
            if b is not None and 0 <= single_room < stride:
                raise _stride_too_large(stride, max_length, single_room)
            if not warned:
                tok._warn_left_whole(pair=b is not None)
                warned = True
        elif truncate and b is None:
            if a and room == 0:  # (a text with no ids is one empty row)
                raise _no_room(max_length)
            if a and not 0 <= stride < room:
                raise _stride_too_large(stride, max_length, room)
            if strategy == TruncationStrategy.ONLY_SECOND and len(a) > room:
                tok.truncate_sequences(a, None, len(a) - room, strategy)  # raises: there is no second text
            cuts = [(part, None) for part in windows(a, room, stride, tok.truncation_side)]
        elif truncate and b is not None and len(a) + len(b) > room:
            if room == 0:
                raise _no_room(max_length)
            if strategy != TruncationStrategy.LONGEST_FIRST:
                cut = b if strategy == TruncationStrategy.ONLY_SECOND else a
                if len(cut) <= len(a) + len(b) - room:
                    tok.truncate_sequences(a, b, len(a) + len(b) - room, strategy)  # raises: cut too short
            cuts = [(x, y) for x, y in pair_windows(a, b, room, stride, strategy.value, tok.truncation_side)]
        parts += cuts
        sample += [k] * len(cuts)

    if add_special_tokens:
        rows = [tok.build_inputs_with_special_tokens(a, b) for a, b in parts]
    else:
        rows = [a + b if b is not None else a for a, b in parts]
    encoded: dict[str, Any] = {"input_ids": rows}
    want_types = kwargs.get("return_token_type_ids")
    if want_types is None:
        want_types = "token_type_ids" in tok.model_input_names
    if want_types:  # (without special tokens a pair's are still 0 then 1, as the fast tokenizers give them)
        encoded["token_type_ids"] = [
            tok.create_token_type_ids_from_sequences(a, b) if add_special_tokens else [0] * len(a) + [1] * len(b or ())
            for a, b in parts
        ]
    if kwargs.get("return_special_tokens_mask"):
        encoded["special_tokens_mask"] = [
            tok.get_special_tokens_mask(a, b) if add_special_tokens else [0] * (len(a) + len(b or ())) for a, b in parts
        ]
    lengths = [len(row) for row in rows]
    padded = tok.pad(
        encoded,
        padding=kwargs.get("padding_strategy", PaddingStrategy.DO_NOT_PAD),
        max_length=max_length,
        pad_to_multiple_of=kwargs.get("pad_to_multiple_of"),
        padding_side=kwargs.get("padding_side"),
        return_attention_mask=kwargs.get("return_attention_mask"),
    )
    data = dict(padded)
    for row in data["input_ids"]:  # "Token indices sequence length is longer than ...", once
        tok._eventual_warn_about_too_long_sequence(row, kwargs.get("max_length"), kwargs.get("verbose", True))
    if kwargs.get("return_length"):
        data["length"] = lengths
    data["overflow_to_sample_mapping"] = sample
    return BatchEncoding(data, tensor_type=kwargs.get("return_tensors"))


def _no_room(max_length: int | None) -> ValueError:
    return ValueError(f"max_length={max_length} leaves no room for ids beside the special tokens of each window")


def _stride_too_large(stride: int, max_length: int | None, room: int) -> ValueError:
    return ValueError(
        f"stride ({stride}) must be below max_length ({max_length}) less the "
        f"special tokens added to each window: {room}"
    )


def windows(ids: list[int], room: int, stride: int, side: str) -> list[list[int]]:
    """``ids`` in windows of ``room`` that share ``stride`` ids with their neighbours, the
    first one kept by truncation (``side`` "right": from the start), as tokenizers cuts."""
    if len(ids) <= room:
        return [ids]
    step = room - stride
    cuts: list[tuple[int, int]] = []
    if side == "left":
        stop = len(ids)
        while True:
            cuts.append((max(0, stop - room), stop))
            if stop <= room:
                break
            stop -= step
    else:
        start = 0
        while True:
            cuts.append((start, min(start + room, len(ids))))
            if start + room >= len(ids):
                break
            start += step
    return [ids[a:b] for a, b in cuts]


def pair_windows(
    a: list[int], b: list[int], room: int, stride: int, strategy: str, side: str
) -> list[tuple[list[int], list[int]]]:
    """The windows of a text pair whose ``room`` ids (``max_length`` less the special
    tokens) are fewer than its own, as the tokenizers library cuts it: ``only_first`` and
    ``only_second`` cut one text into windows beside the other, whole; ``longest_first``
    gives each text its share (:func:`longest_first_sizes`), cuts both into windows of
    that share, and pairs them as tokenizers merges the windows of two texts: the first of
    each, then each later window of the first text with every window of the second, then
    the first window of the first with each later one of the second. Raises
    ``ValueError`` where tokenizers would panic (a ``stride`` not below a window of a text
    that is cut) or cut a text to nothing."""
    over = len(a) + len(b) - room
    if strategy == "longest_first":
        size_a, size_b = longest_first_sizes(len(a), len(b), room)
    elif strategy == "only_first":
        size_a, size_b = len(a) - over, len(b)
    else:
        size_a, size_b = len(a), len(b) - over
    for size, text in ((size_a, a), (size_b, b)):
        if len(text) > size and size <= 0:
            raise ValueError(f"max_length leaves room for {room} ids, too few to keep some of each text of a pair")
        if len(text) > size and stride >= size:
            raise ValueError(
                f"stride ({stride}) must be below the {size} ids of each window of a text of the pair "
                f"({strategy} truncation to max_length less the special tokens: {room})"
            )
    firsts = windows(a, size_a, stride, side)
    seconds = windows(b, size_b, stride, side)
    out = [(firsts[0], seconds[0])]
    for later in firsts[1:]:
        out += [(later, second) for second in seconds]
    out += [(firsts[0], second) for second in seconds[1:]]
    return out


def longest_first_sizes(len_a: int, len_b: int, room: int) -> tuple[int, int]:
    """How many ids of each text of a pair ``longest_first`` truncation to ``room`` ids
    keeps, as the tokenizers library shares them out: the shorter text (the first, of two
    as long) whole if the longer can keep as many, else half each, the odd id to the longer.

        >>> longest_first_sizes(3, 10, 8), longest_first_sizes(6, 6, 7)
        ((3, 5), (3, 4))
    """
    short = min(len_a, len_b)
    share_short, share_long = short, short if short > room else max(short, room - short)
    if share_short + share_long > room:
        share_short, share_long = room // 2, room // 2 + room % 2
    return (share_short, share_long) if len_a <= len_b else (share_long, share_short)
