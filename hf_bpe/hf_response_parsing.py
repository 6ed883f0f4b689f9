"""Chat responses given as token ids, parsed as the stock fast tokenizer parses them.

transformers parses a fast tokenizer's generated ids id by id (``parse_response``,
``get_response_parser(token_ids=True)``, ``transformers serve``): a control token
(``<|im_end|>``, ``<tool_call>``) is a delimiter only where the model generated its id,
not where it spelled the text out of ordinary tokens. For a Python tokenizer it decodes
the ids and parses the text, where a spelled-out ``<|im_end|>`` ends the message. hf_bpe
gives transformers' parser what it asks a fast tokenizer for: the tokenizer itself, fast,
with the ``tokenizers`` tokenizer of its own ``tokenizer.json`` (the stock tokenizer of a
folder it saves) as the backend that decodes the ids, made on first use::

    msg = tok.parse_response(generated_ids, prefix=prompt_ids)   # as the stock tokenizer's
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hf_bpe.errors import PatternError, VocabularyError
from hf_bpe.tokenizer_json import dumps_tokenizer_json

if TYPE_CHECKING:
    from hf_bpe.hf_tokenizer import HfBpeTokenizer


class AsFastTokenizer:
    """``tok`` as transformers' response parser sees a fast tokenizer: ``is_fast`` True,
    ``backend_tokenizer`` the ``tokenizers`` tokenizer of ``tok``'s ``tokenizer.json``;
    everything else is ``tok``'s own. Only the parser sees it (``tok.is_fast`` stays
    False for every other caller, in every thread)."""

    is_fast = True

    def __init__(self, tok: HfBpeTokenizer, backend: Any) -> None:
        self._tok = tok
        self.backend_tokenizer = backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tok, name)


def as_fast_tokenizer(tok: HfBpeTokenizer) -> AsFastTokenizer | None:
    """``tok`` for transformers' id-level parsing, or None where ``tok`` can have no
    ``tokenizer.json`` (its split pattern, or an added token, cannot be written as one;
    the lstrip/rstrip/single_word of added tokens, which decoding does not read, do not
    count): there the parser decodes the ids and parses the text, as for any Python
    tokenizer."""
    added = tok._added
    backend = added.fast_backend
    if backend is None:
        from tokenizers import Tokenizer

        from hf_bpe.hf_saving import tokenizer_json

        try:
            data = tokenizer_json(tok, warn=False, for_decoding=True)
        except (PatternError, VocabularyError):
            data = None
        if data is None:
            return None
        # (made again after the added tokens change: they are the backend's added tokens)
        backend = added.fast_backend = Tokenizer.from_str(dumps_tokenizer_json(data))
    return AsFastTokenizer(tok, backend)
