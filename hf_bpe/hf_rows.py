"""Rows that transformers' fast tokenizers give and its Python tokenizers do not, for
:class:`~hf_bpe.hf_tokenizer.HfBpeTokenizer`: character offsets of the ids
(``return_offsets_mapping``) and texts cut into windows (``return_overflowing_tokens``).

Both are built from the core's ids and checked against the stock fast tokenizer on the
same ``tokenizer.json`` (``tests/test_hf_tokenizer.py``)::

    >>> windows([1, 2, 3, 4, 5, 6, 7], room=4, stride=1, side="right")
    [[1, 2, 3, 4], [4, 5, 6, 7]]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from transformers.tokenization_utils_base import BatchEncoding, TruncationStrategy
from transformers.utils.generic import PaddingStrategy

from hf_bpe.encoding import special_segments

if TYPE_CHECKING:
    from hf_bpe.hf_tokenizer import HfBpeTokenizer


# ---------------------------------------------------------------------- windows


def encode_windows(
    tok: HfBpeTokenizer, text: Any, add_special_tokens: bool, kwargs: Mapping[str, Any], words: bool = False
) -> BatchEncoding | None:
    """``return_overflowing_tokens=True`` as the fast tokenizers do it: each text cut
    into windows of ``max_length`` (``stride`` ids shared by neighbours) if truncating,
    one row per window, and ``overflow_to_sample_mapping`` naming each row's text. With
    ``words`` (``is_split_into_words``) a text is a list of words, its ids those of each
    word in turn. None when the input is none of these (transformers handles it)."""
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
        pieces = t if words else [t]
        ids = [i for piece in pieces if piece for i in tok._text_to_ids(piece, split)]
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

# ---------------------------------------------------------------------- offsets


def ids_and_offsets(tok: HfBpeTokenizer, text: str, split_special_tokens: bool) -> tuple[list[int], list[tuple[int, int]]]:
    """The ids of ``text`` and, for each, the characters it covers (``(start, end)``; a
    token inside a character covers all of it)."""
    enc = tok._encoding
    # (start, end, id of an added token or None)
    segments: list[tuple[int, int, int | None]] = [(0, len(text), None)] if text else []
    kept = tok._split_out(split_special_tokens)
    if tok._added_re is not None and kept:
        if tok._slow_added:
            raise NotImplementedError(
                "return_offsets_mapping is not available with added tokens that strip spaces "
                "or match single words"
            )
        segments = [
            (start, end, None if token is None else kept[token])
            for start, end, token in special_segments(text, tok._added_re, kept)
        ]
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    for seg_start, seg_end, tid in segments:
        if tid is not None:
            ids.append(tid)
            offsets.append((seg_start, seg_end))
            continue
        piece = text[seg_start:seg_end]
        seg_ids = enc.encode_ordinary(piece)
        ids.extend(seg_ids)
        offsets.extend(enc._decoder.char_spans(seg_ids, piece, seg_start))
    return ids, offsets


def encode_with_offsets(
    tok: HfBpeTokenizer,
    text: Any,
    text_pair: Any,
    add_special_tokens: bool,
    is_split_into_words: bool,
    kwargs: dict[str, Any],
    offsets_as_encodings: bool = False,
) -> BatchEncoding:
    """``return_offsets_mapping=True`` for a text or a list of texts (not pairs);
    ``offsets_as_encodings``: the result's ``encodings[i].offsets`` give row ``i``'s offsets
    too (all that transformers' ``apply_chat_template`` reads of them for assistant masks)."""
    kwargs = dict(kwargs)
    kwargs.pop("return_offsets_mapping")
    if text_pair is not None or is_split_into_words or kwargs.get("return_overflowing_tokens"):
        raise NotImplementedError(
            "HfBpeTokenizer returns offsets for single texts (str or list of str) only, "
            "without text pairs, is_split_into_words or return_overflowing_tokens"
        )
    batched = isinstance(text, (list, tuple))
    texts = list(text) if batched else [text]
    if not all(isinstance(t, str) for t in texts):
        raise NotImplementedError("return_offsets_mapping needs str input")
    split = bool(kwargs.get("split_special_tokens", tok.split_special_tokens))
    encoded = [ids_and_offsets(tok, t, split) for t in texts]
    want_mask = bool(kwargs.get("return_special_tokens_mask"))
    return_tensors = kwargs.pop("return_tensors", None)
    kwargs["return_special_tokens_mask"] = True
    ids_input: list[Any] = [ids if ids else "" for ids, _ in encoded]
    out = tok._encode_checked_ids(  # transformers pads and truncates the ids
        ids_input if batched else ids_input[0], None, add_special_tokens, is_split_into_words=False, **kwargs
    )
    masks = out["special_tokens_mask"] if batched else [out["special_tokens_mask"]]
    rows: list[list[tuple[int, int]]] = []
    left = tok.truncation_side == "left"
    for mask, (_, offsets) in zip(masks, encoded):
        kept = len(mask) - sum(mask)  # the mask is 1 for each special token added, 0 for the text's
        own = offsets[len(offsets) - kept :] if left else offsets[:kept]
        if kept == len(mask):  # nothing added (bos, eos, padding)
            rows.append(own)
        else:
            source = iter(own)
            rows.append([(0, 0) if m else next(source) for m in mask])
    data = dict(out)
    data["offset_mapping"] = rows if batched else rows[0]
    if not want_mask:
        data.pop("special_tokens_mask")
    prepend = not batched and return_tensors is not None  # a single text's tensors are a batch of one
    if offsets_as_encodings:
        return _OffsetsAsEncodings(data, rows, return_tensors, prepend)
    return BatchEncoding(data, tensor_type=return_tensors, prepend_batch_axis=prepend)


class _RowOffsets:
    """The one part of a fast tokenizer's ``Encoding`` that offsets can stand in for."""

    def __init__(self, offsets: list[tuple[int, int]]) -> None:
        self.offsets = offsets


class _OffsetsAsEncodings(BatchEncoding):
    """A BatchEncoding whose ``encodings`` give each row's ``offsets`` (and nothing else)."""

    def __init__(self, data: dict[str, Any], rows: list[list[tuple[int, int]]], tensor_type: Any, prepend: bool) -> None:
        super().__init__(data, tensor_type=tensor_type, prepend_batch_axis=prepend)
        self._row_offsets = [_RowOffsets(row) for row in rows]

    @property
    def encodings(self) -> Any:
        return self._row_offsets


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
