"""What an :class:`~hf_bpe.hf_tokenizer.HfBpeTokenizer` knows about its tokens apart from
the encoding: the spellings of the vocabulary's tokens (GPT-2's byte alphabet, as
transformers shows them), what its added tokens mean for encoding and decoding (worked
out when first needed after they change), the roles (``pad_token`` ...) given to tokens
of the vocabulary, and the tokens that ``add_bos_token``/``add_eos_token`` add in place of
the bos/eos roles' own.

    >>> import hf_bpe
    >>> from hf_bpe.hf_added_tokens import SpelledVocab
    >>> vocab = SpelledVocab(hf_bpe.get_encoding("cl100k_base"))
    >>> vocab.id_of("Ġworld"), vocab.id_to_str[1917], vocab.id_of("<|endoftext|>")
    (1917, 'Ġworld', 100257)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tokenizers import AddedToken

from hf_bpe.encoding import special_regex
from hf_bpe.errors import VocabularyError
from hf_bpe.hf_folder import is_rank
from hf_bpe.hf_vocab import spellings_by_id, token_bytes
from hf_bpe.tokenizer_json_load import STRIP_FLAGS

if TYPE_CHECKING:
    from hf_bpe.hf_tokenizer import HfBpeTokenizer


class SpelledVocab:
    """Token spellings (GPT-2 byte-to-unicode) <-> ids for one encoding, made on first use
    (encoding and decoding never need them; ``get_vocab`` and token conversions do).

    Derived entirely from the encoding, so it pickles as the encoding alone (small,
    deterministic: the datasets fingerprint stays stable).
    """

    def __init__(self, encoding: Any) -> None:
        self.encoding = encoding
        self._maps: tuple[dict[int, str], dict[str, int]] | None = None

    @property
    def id_to_str(self) -> dict[int, str]:
        return self._made()[0]

    @property
    def str_to_id(self) -> dict[str, int]:
        return self._made()[1]

    def id_of(self, text: str) -> int | None:
        """The id spelled ``text`` (a special token's text first), without making the maps."""
        special: int | None = self.encoding.special_tokens.get(text)
        if special is not None:
            return special
        try:
            token = token_bytes(text)
        except VocabularyError:  # not spelled in GPT-2's alphabet
            return None
        rank: int | None = self.encoding.mergeable_ranks.get(token)
        return rank

    def _made(self) -> tuple[dict[int, str], dict[str, int]]:
        maps = self._maps
        if maps is None:  # two threads may both make them: the same maps, one kept
            ranks = self.encoding.mergeable_ranks
            id_to_str = spellings_by_id(ranks)
            str_to_id = dict(zip(id_to_str.values(), id_to_str))
            for text, tid in self.encoding.special_tokens.items():
                id_to_str[tid] = text
                str_to_id[text] = tid
            maps = self._maps = (id_to_str, str_to_id)
        return maps

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (SpelledVocab, (self.encoding,))


class AddedTokenCache:
    """A tokenizer's :class:`AddedTokenFacts` and the count of changes of its added tokens
    (facts of an earlier count are out of date). Pickles as an empty cache: datasets
    fingerprints a tokenizer by pickling its attributes, which must not change when it is
    used, nor with the number of calls that added its tokens."""

    __slots__ = ("changes", "facts")

    def __init__(self) -> None:
        self.changes = 0
        self.facts: AddedTokenFacts | None = None

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (AddedTokenCache, ())


class AddedTokenFacts:
    """What encoding and decoding need to know about a tokenizer's added tokens, worked out
    from them when first asked for after they change (:attr:`HfBpeTokenizer._added`), not
    at each change: adding 2,000 tokens one call at a time worked it all out 2,000 times
    (8 s; the stock fast tokenizer 1 s). The regex that finds the tokens' texts in text (the
    longest first) is compiled when first used: about half a second for 10,000 tokens.
    Kept in an :class:`AddedTokenCache`."""

    __slots__ = (
        "changes", "user_added", "slow_added", "decoded_as_text", "spellings_shadowed", "plain_ids", "texts", "_regex",
        "normalized_ids", "normalized_unlike_given", "_as_given", "_regexes", "fast_backend",
    )

    def __init__(self, tok: HfBpeTokenizer) -> None:
        #: Which change of the added tokens these facts are of (read first: one made meanwhile
        #: in another thread makes them out of date).
        self.changes = tok._added_cache.changes
        # (copies: dict() of a dict is one step another thread's add_tokens cannot cut into)
        tokens = dict(tok._added_tokens_decoder)
        encoder = dict(tok._added_tokens_encoder)
        enc = tok._encoding
        specials = enc.special_tokens
        #: Tokens added by users: not the encoding's specials (nor one of them at another id).
        self.user_added = any(not t.special or specials.get(t.content) != tid for tid, t in tokens.items())
        #: Some token has flags only transformers' Python rules apply (see SpelledToken).
        self.slow_added = any(strips(t) for t in tokens.values())
        #: Ids decoded as their text: added tokens at ids of their own. One at a vocabulary
        #: token's id (its text, or its spelling: "Ġ" at 220) decodes as that token.
        self.decoded_as_text = frozenset(tid for tid in tokens if not enc.is_special_token(tid) and not is_rank(enc, tid))
        #: An added text spells another token (see SpelledToken).
        spelled = tok._vocab.id_of
        self.spellings_shadowed = any(spelled(t.content) not in (None, tid) for tid, t in tokens.items())
        #: The added tokens that are not special, by text.
        self.plain_ids = {text: tid for text, tid in encoder.items() if tid in tokens and not tokens[tid].special}
        self.texts = tuple(sorted(encoder)) if tokens else ()
        self._regex: Any = None
        #: Where the encoding normalizes text (NFC, NFKC), ``tokenizers`` finds the added tokens
        #: with ``normalized=True`` in the normalized text (their text normalized too), the
        #: others in the text as given: those tokens by their normalized text (else empty).
        normalized = [t for t in tokens.values() if t.normalized] if enc.normalization is not None else []
        self.normalized_ids = {enc._splitter.normalize(t.content): encoder[t.content] for t in normalized if t.content in encoder}
        #: Some of those tokens' text is not in normalized form ("e\u0301x"): found only as
        #: its normalized form ("\u00e9x"), even in text that normalizing leaves as it is.
        self.normalized_unlike_given = any(enc._splitter.normalize(t.content) != t.content for t in normalized)
        # (for regexes_by_normalization, used only where some token is normalized)
        self._as_given = frozenset(encoder) - {t.content for t in normalized} if normalized else frozenset()
        self._regexes: tuple[Any, Any] | None = None
        #: The ``tokenizers`` tokenizer of the tokenizer's ``tokenizer.json``, which decodes
        #: generated ids for transformers' response parser (see hf_response_parsing).
        self.fast_backend: Any = None

    @property
    def regex(self) -> Any:
        """The regex that finds the added tokens' texts, the longest first; None if there
        are none."""
        if self._regex is None and self.texts:  # two threads may both make it: the same regex, one kept
            self._regex = special_regex(frozenset(self.texts))
        return self._regex

    def regexes_by_normalization(self) -> tuple[Any, Any]:
        """The regexes that find the added tokens found in the text as given, and those
        found in the normalized text (see :attr:`normalized_ids`); None where there are none."""
        if self._regexes is None:
            self._regexes = (
                special_regex(self._as_given) if self._as_given else None,
                special_regex(frozenset(self.normalized_ids)) if self.normalized_ids else None,
            )
        return self._regexes


class SpelledToken(str):
    """A vocabulary token as transformers shows it (its bytes spelled in GPT-2's byte
    alphabet) that keeps its id.

    A spelling can equal an added token's text: in gpt2, "é" spells the byte 0xE9 (id
    165), while an added "é" is the text é (id 2634). Once such a token is added,
    ``tokenize`` and ``convert_ids_to_tokens`` give these strings, and converting them
    back reads the id, not the (ambiguous) text.
    """

    id: int


def spelled_with_id(text: str, tid: int) -> SpelledToken:
    token = SpelledToken(text)
    token.id = tid
    return token


#: The keyword arguments of transformers tokenizers that give a token a role.
ROLES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


def added_in_place_of_roles(kwargs: dict[str, Any], post_processor_adds: Mapping[str, str]) -> dict[str, str]:
    """The tokens that ``add_bos_token``/``add_eos_token`` add instead of the role's
    token, by role ("bos", "eos"): those a tokenizer.json's post-processor adds
    (``post_processor_adds``) where tokenizer_config.json names another bos/eos, or none (a fine-tune
    that changed its eos_token alone), as the folder's stock tokenizer adds them; or, for a
    folder hf_bpe saved, its ``hf_bpe_adds``. A role it does not name is the template's
    token, as before."""
    adds = kwargs.pop("hf_bpe_adds", None) or {}
    if not isinstance(adds, Mapping) or not all(role in ("bos", "eos") and isinstance(text, str) for role, text in adds.items()):
        raise VocabularyError(f"hf_bpe_adds must map 'bos'/'eos' to a token's text, not {adds!r}")
    adds = dict(adds)
    for role, text in post_processor_adds.items():
        named = kwargs.setdefault(f"{role}_token", text)
        if (named.content if isinstance(named, AddedToken) else named) != text:
            adds[role] = text
    return adds


def strips(token: AddedToken) -> bool:
    """Whether ``token`` has the flags only transformers' Python rules apply here."""
    return any(getattr(token, flag) for flag in STRIP_FLAGS)


def spelled_roles(kwargs: dict[str, Any], decoder: Mapping[int, AddedToken], encoding: Any) -> frozenset[str]:
    """A role (``pad_token`` and the others) given as the spelling of a vocabulary token
    that is no added token, as a saved folder names one (gpt2 with ``pad_token_id = 220``
    saves ``"pad_token": "Ġ"``): that token, by id, not a new added token of the text "Ġ",
    which would give the folder's pad another id after a reload. Returns those spellings."""
    texts = {str(token) for token in decoder.values()}
    spelled: set[str] = set()
    for role in ROLES:
        value = kwargs.get(role)
        if not isinstance(value, (str, AddedToken)) or isinstance(value, SpelledToken) or str(value) in texts:
            continue
        text = str(value)
        try:
            raw = token_bytes(text)
        except VocabularyError:  # not a spelling
            continue
        tid = encoding.mergeable_ranks.get(raw)
        if tid is not None and raw != text.encode("utf-8", "surrogatepass"):
            kwargs[role] = spelled_with_id(text, tid)
            spelled.add(text)
    return frozenset(spelled)
