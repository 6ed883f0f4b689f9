"""Rows that transformers' fast tokenizers give and its Python tokenizers do not, for
:class:`~hf_bpe.hf_tokenizer.HfBpeTokenizer`: texts cut into windows
(``return_overflowing_tokens``), built from the core's ids and checked against the stock
fast tokenizer on the same ``tokenizer.json`` (``tests/test_hf_tokenizer.py``)::

    >>> windows([1, 2, 3, 4, 5, 6, 7], room=4, stride=1, side="right")
    [[1, 2, 3, 4], [4, 5, 6, 7]]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from transformers.tokenization_utils_base import BatchEncoding, TruncationStrategy
from transformers.utils.generic import PaddingStrategy

if TYPE_CHECKING:
    from hf_bpe.hf_tokenizer import HfBpeTokenizer


# ---------------------------------------------------------------------- windows


def encode_windows(
    tok: HfBpeTokenizer,
    text: Any,
    add_special_tokens: bool,
    kwargs: Mapping[str, Any],
    words: bool = False,
    ids_of: Callable[[Any], list[int]] | None = None,
) -> BatchEncoding | None:
    """``return_overflowing_tokens=True`` as the fast tokenizers do it: each text cut
    into windows of ``max_length`` (``stride`` ids shared by neighbours) if truncating,
    one row per window, and ``overflow_to_sample_mapping`` naming each row's text. With
    ``words`` (``is_split_into_words``) a text is a list of words, its ids those of each
    word in turn. None when the input is none of these (transformers handles it).
    ``ids_of`` gives a text's ids instead of the tokenizer (see :mod:`hf_bpe.hf_alignment`)."""
    if words:
        single = isinstance(text, (list, tuple)) and all(isinstance(w, str) for w in text)  # [] too
        texts = [text] if single else text
        if not single and not (
            isinstance(texts, (list, tuple)) and texts
            and all(isinstance(t, (list, tuple)) and all(isinstance(w, str) for w in t) for t in texts)
        ):
            return None
    else:
        texts = [text] if isinstance(text, str) else text
        if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
            return None
    # Without truncation (also truncation=True with no max_length and no model limit,
    # which transformers turns off) each text is one row, still with its mapping.
    strategy = kwargs.get("truncation_strategy", TruncationStrategy.DO_NOT_TRUNCATE)
    truncate = strategy != TruncationStrategy.DO_NOT_TRUNCATE
    max_length = kwargs.get("max_length")
    if max_length is None and truncate:
        max_length = tok.model_max_length
    room = (max_length or 0) - (tok.num_special_tokens_to_add() if add_special_tokens else 0)
    stride = int(kwargs.get("stride") or 0)
    if truncate and room < 0:  # max_length below the special tokens: each text whole, as fast does
        tok._warn_left_whole(pair=False)
        truncate = False
    split = bool(kwargs.get("split_special_tokens", tok.split_special_tokens))
    parts: list[list[int]] = []
    sample: list[int] = []
    for k, t in enumerate(texts):
        if ids_of is not None:
            ids = ids_of(t)
        else:
            ids = [i for piece in (t if words else [t]) if piece for i in tok._text_to_ids(piece, split)]
        if truncate and ids and room == 0:  # (a text with no ids is one empty row)
            raise ValueError(f"max_length={max_length} leaves no room for ids beside the special tokens of each window")
        if truncate and ids and not 0 <= stride < room:
            raise ValueError(
                f"stride ({stride}) must be below max_length ({max_length}) less the "
                f"special tokens added to each window: {room}"
            )
        if strategy == TruncationStrategy.ONLY_SECOND and len(ids) > room:
            tok.truncate_sequences(ids, None, len(ids) - room, strategy)  # raises: there is no second text
        for part in windows(ids, room, stride, tok.truncation_side) if truncate else [ids]:
            parts.append(part)
            sample.append(k)
    rows = [tok._around(part) for part in parts] if add_special_tokens else parts
    encoded: dict[str, Any] = {"input_ids": rows}
    want_types = kwargs.get("return_token_type_ids")
    if want_types is None:
        want_types = "token_type_ids" in tok.model_input_names
    if want_types:
        encoded["token_type_ids"] = [[0] * len(row) for row in rows]
    if kwargs.get("return_special_tokens_mask"):
        encoded["special_tokens_mask"] = [
            tok.get_special_tokens_mask(part) if add_special_tokens else [0] * len(part) for part in parts
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
