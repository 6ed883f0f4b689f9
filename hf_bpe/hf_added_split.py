"""Text cut at an :class:`~hf_bpe.hf_tokenizer.HfBpeTokenizer`'s added tokens, as the fast
tokenizers cut it: the added tokens found the longest first at the leftmost place, the
text between them encoded by the core. ``kept`` is the added tokens a call cuts at, by
text (all of them, or with ``split_special_tokens`` the ones that are not special: see
``HfBpeTokenizer._split_out``).

    >>> import hf_bpe
    >>> from hf_bpe import HfBpeTokenizer
    >>> from hf_bpe.hf_added_split import ids_around
    >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2"))
    >>> tok.add_tokens(["<sep>"])
    1
    >>> ids_around(tok, "a<sep>b", tok.added_tokens_encoder)
    [64, 50257, 65]

Where the encoding normalizes text (NFC, NFKC) and some added token has
``normalized=True``, ``tokenizers`` finds the tokens in two stages: the others in the text
as given, then those in the normalized text between them
(:func:`segments_found_after_normalizing`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from hf_bpe.encoding import special_segments
from hf_bpe.normalization import normalize_with_spans

if TYPE_CHECKING:
    from hf_bpe.encoding import Encoding
    from hf_bpe.hf_tokenizer import HfBpeTokenizer


def ids_around(tok: HfBpeTokenizer, text: str, kept: Mapping[str, int]) -> list[int]:
    """The ids of ``text`` with each added token of ``kept`` as its id, looked for among all
    the added tokens (where a special token's text is, no other added token is found)."""
    if found_after_normalizing(tok, text):
        encoded, _, segments = segments_found_after_normalizing(tok, text, kept, with_spans=False)
        encode = tok._encoding.encode_ordinary
        ids: list[int] = []
        for start, end, tid in segments:
            if tid is not None:
                ids.append(tid)
            else:
                ids += encode(encoded[start:end])
        return ids
    # (added tokens are found in the text as given, as transformers does: a lone
    # surrogate is no U+FFFD of an added token)
    found: list[int] = tok._encoding._encode_around(text, tok._added.regex, kept, repair_first=False)
    return found


def flagged_chunks(tok: HfBpeTokenizer, text: str, kept: Mapping[str, int]) -> list[str]:
    """``text`` cut at the added tokens ``kept``, with the lstrip/rstrip/single_word rules
    of transformers' Python tokenizers, except that a neighbour that is itself an added
    token is left whole (transformers strips it, or glues a token that is not a single word
    onto it: both lose it). Added tokens are found as ``tok(text)`` and the fast tokenizers
    find them, the longest at the leftmost place (transformers' ``Trie`` misses the ``c``
    of ``acac`` between the tokens ``acc`` and ``c``). A chunk is a token if it is one of
    ``kept`` (a token glued to an empty neighbour still is, as transformers judges it)."""
    regex = tok._added.regex
    if regex is None:
        return [text]
    if found_after_normalizing(tok, text):  # (with lstrip/rstrip/single_word tokens too)
        why = (
            "an added token with normalized=True has text that the normalizer changes (so any text)"
            if tok._added.normalized_unlike_given else "the normalizer changes this text, an added token has normalized=True"
        )
        raise NotImplementedError(
            f"cannot be tokenized yet (nor encoded): {why}, and some added token strips spaces or "
            "matches single words"
        )
    chunks = [text[start:end] for start, end, _ in special_segments(text, regex, kept)]
    decoder = tok._added_tokens_decoder
    for i, chunk in enumerate(chunks):
        token = decoder[kept[chunk]] if chunk in kept else None
        if token is None:
            continue
        left = chunks[i - 1] if i > 0 and chunks[i - 1] not in kept else None
        right = chunks[i + 1] if i + 1 < len(chunks) and chunks[i + 1] not in kept else None
        if token.rstrip and right:
            chunks[i + 1] = right.lstrip()
        if token.lstrip and left:
            chunks[i - 1] = left.rstrip()
        if token.single_word:  # judged by the neighbours before stripping, as transformers does
            if left and left[-1] != " ":
                chunks[i - 1] += chunk
                chunks[i] = ""
            elif right and right[0] != " ":
                chunks[i + 1] = chunk + chunks[i + 1]
                chunks[i] = ""
    return chunks


def found_after_normalizing(tok: HfBpeTokenizer, text: str) -> bool:
    """Whether some added token of ``text`` is found, as ``tokenizers`` finds it, only in
    its normalized form: the encoding normalizes, some added token has ``normalized=True``,
    and ``text`` is not normalized or such a token's text is not."""
    added = tok._added
    return bool(added.normalized_ids) and (added.normalized_unlike_given or tok._encoding._splitter.normalize(text) != text)


def segments_found_after_normalizing(
    tok: HfBpeTokenizer, text: str, kept: Mapping[str, int], with_spans: bool = True
) -> tuple[str, list[tuple[int, int]], list[tuple[int, int, int | None]]]:
    """``text`` cut at its added tokens ``kept`` in ``tokenizers``' two stages, for a
    tokenizer whose encoding normalizes and some of whose added tokens have
    ``normalized=True``: the other added tokens are found in the text as given, then the
    text between them is normalized and those tokens are found in it. Returns the text as
    encoded (the normalized stretches joined with the added tokens between them), for each
    of its characters the characters of ``text`` it stands for (``with_spans``; else an
    empty list), and its segments ``(start, end, id of the added token or None)``."""
    as_given, normalized = tok._added.regexes_by_normalization()
    kept_ids = set(kept.values())
    kept_normalized = {spelled: tid for spelled, tid in tok._added.normalized_ids.items() if tid in kept_ids}
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    segments: list[tuple[int, int, int | None]] = []
    at = 0
    for start, end, token in special_segments(text, as_given, kept) if as_given is not None else [(0, len(text), None)]:
        if token is not None:
            segments.append((at, at + end - start, kept[token]))
            if with_spans:
                spans += [(i, i + 1) for i in range(start, end)]
            parts.append(token)
            at += end - start
            continue
        if with_spans:
            encoded, piece_spans = normalized_with_spans(tok._encoding, text[start:end])
            spans += [(start + a, start + b) for a, b in piece_spans]
        else:
            encoded = tok._encoding._splitter.normalize(text[start:end])
        found = special_segments(encoded, normalized, kept_normalized) if normalized is not None else [(0, len(encoded), None)]
        segments += [(at + a, at + b, None if t is None else kept_normalized[t]) for a, b, t in found]
        parts.append(encoded)
        at += len(encoded)
    return "".join(parts), spans, segments


def normalized_with_spans(enc: Encoding, text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` in the form the encoding normalizes to, and the span of ``text`` each of its
    characters stands for (see :func:`hf_bpe.normalization.normalize_with_spans`)."""
    if enc.normalization is None:
        return text, [(i, i + 1) for i in range(len(text))]
    return normalize_with_spans(text, enc.normalization)
