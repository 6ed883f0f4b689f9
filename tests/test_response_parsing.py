"""transformers' chat response parsing (``parse_response``, ``get_response_parser``) with an
HfBpeTokenizer, against the stock fast tokenizer of the folder it saved: generated ids are
parsed id by id, so a control token the model spelled out of ordinary tokens is text."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hf_support import encoding
from transformers import PreTrainedTokenizerFast

import hf_bpe
from hf_bpe import HfBpeTokenizer

CHATML = (
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
#: A Qwen-style response template: <think> reasoning, <tool_call> JSON, content to <|im_end|>.
RESPONSE_TEMPLATE = {
    "defaults": {"role": "assistant"},
    "start_anchor": "<|im_start|>assistant\n",
    "fields": {
        "reasoning_content": {"open": "<think>", "close": "</think>", "content": "text"},
        "tool_calls": {
            "open_pattern": r"\s*<tool_call>", "close": "</tool_call>", "repeats": True,
            "content": "json", "transform": {"type": "function", "function": "{content}"},
        },
        "content": {"close_pattern": r"\s*<\|im_end\|>", "content": "text"},
    },
}
SPECIALS = ["<|im_start|>", "<|im_end|>"]
ADDED = ["<think>", "</think>", "<tool_call>", "</tool_call>"]


def chat_tokenizer(enc: hf_bpe.Encoding) -> HfBpeTokenizer:
    tok = HfBpeTokenizer.from_encoding(enc, chat_template=CHATML, extra_special_tokens=SPECIALS, eos_token="<|im_end|>")
    tok.add_tokens(ADDED)
    tok.response_template = RESPONSE_TEMPLATE
    return tok


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[HfBpeTokenizer, Any]:
    tok = chat_tokenizer(encoding("o200k_base"))
    folder = tmp_path_factory.mktemp("chat")
    tok.save_pretrained(folder)
    stock = PreTrainedTokenizerFast.from_pretrained(folder)
    assert stock.response_template == RESPONSE_TEMPLATE
    return tok, stock


def generated(tok: Any, text: str, spelled: bool = True) -> list[int]:
    """The ids of ``text`` as a model could generate them: with ``spelled``, its control
    tokens' texts out of ordinary tokens; then the real <|im_end|>."""
    ids: list[int] = tok.encode(text, add_special_tokens=False, split_special_tokens=spelled)
    return ids + [tok.convert_tokens_to_ids("<|im_end|>")]


RESPONSES = [
    "Hello <|im_end|> still talking",  # a spelled end of message
    "Write <tool_call> to call a tool.",  # a spelled tool call (its JSON would not parse)
    "<think>Überlegung: 日本語</think>Ответ 😀",
    'Sure.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Zürich"}}\n</tool_call>',
]


def outcome(parse: Any, *args: Any, **kwargs: Any) -> Any:
    """What ``parse`` gives, or the type and message of what it raises."""
    try:
        return parse(*args, **kwargs)
    except Exception as err:  # (a tool call that is no JSON: both raise alike)
        return type(err), str(err)


def test_ids_are_parsed_as_the_stock_fast_tokenizer_parses_them(pair: tuple[HfBpeTokenizer, Any]) -> None:
    tok, stock = pair
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True, return_dict=False)
    assert prompt == stock.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True, return_dict=False)
    for text in RESPONSES:
        for spelled in (True, False):
            ids = generated(tok, text, spelled)
            assert ids == generated(stock, text, spelled)
            expected = outcome(stock.parse_response, ids, prefix=prompt)
            assert outcome(tok.parse_response, ids, prefix=prompt) == expected, (text, spelled)
            assert outcome(tok.parse_response, np.array(ids), prefix=np.array(prompt)) == expected
            text_prefix = tok.decode(prompt)
            assert outcome(tok.parse_response, ids, prefix=text_prefix) == outcome(stock.parse_response, ids, prefix=text_prefix)
    # (the case that differed: decoded first, the spelled <|im_end|> ended the message)
    assert tok.parse_response(generated(tok, RESPONSES[0]), prefix=prompt)["content"] == "Hello <|im_end|> still talking"
    batch = [generated(tok, text) for text in RESPONSES[:1] + RESPONSES[2:]]
    assert tok.parse_response(batch, prefix=prompt) == stock.parse_response(batch, prefix=prompt)
    texts = [tok.decode(ids) for ids in batch]
    assert tok.parse_response(texts, prefix="") == stock.parse_response(texts, prefix="")
    assert tok.is_fast is False  # (the fast view is the parser's only)


def test_a_streaming_parser_fed_ids_gives_the_stock_messages(pair: tuple[HfBpeTokenizer, Any]) -> None:
    tok, stock = pair
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True, return_dict=False)
    for text in RESPONSES:
        ids = generated(tok, text)
        streams = []
        for t in (tok, stock):
            parser = t.get_response_parser(prefix=prompt, token_ids=True)
            events = [parser.feed([i]) for i in ids]  # one id at a time, as generate streams them
            streams.append((events, outcome(parser.finalize)))
        assert streams[0] == streams[1], text
    # text streams as before
    parser = tok.get_response_parser(prefix="")
    parser.feed("<think>ok</think>Hi<|im_end|>")
    assert parser.finalize()[0] == {"role": "assistant", "reasoning_content": "ok", "content": "Hi"}


def test_added_tokens_are_the_parsers_after_they_change(tmp_path: Path) -> None:
    """The parser's decoder has the tokenizer's added tokens as they are at the call."""
    tok = chat_tokenizer(encoding("cl100k_base"))
    before = tok.parse_response(generated(tok, "say <|im_end|> then"), prefix="")
    assert before == {"role": "assistant", "content": "say <|im_end|> then"}
    tok.add_tokens(["<|call|>"])
    ids = generated(tok, "<|call|> then", spelled=False)
    assert len(ids) == 3
    tok.save_pretrained(tmp_path)
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    assert tok.parse_response(ids, prefix="") == stock.parse_response(ids, prefix="") == {"role": "assistant", "content": "<|call|> then"}


def test_added_tokens_that_strip_spaces_leave_ids_parsed_as_stock_parses_them(pair: tuple[HfBpeTokenizer, Any], tmp_path: Path) -> None:
    """lstrip/rstrip/single_word (which keep a tokenizer.json from being saved: hf_bpe
    applies transformers' Python rules for them) do not change decoding, so ids are still
    parsed id by id, as the stock tokenizer with the same token added parses them."""
    from tokenizers import AddedToken

    tok = chat_tokenizer(encoding("o200k_base"))
    tok.save_pretrained(tmp_path)
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    for t in (tok, stock):
        t.add_tokens([AddedToken("<mask>", lstrip=True), AddedToken("<word>", single_word=True)])
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True, return_dict=False)
    for text in RESPONSES[:3]:
        ids = generated(stock, text) + generated(stock, "<mask> and <word>", spelled=False)
        assert ids == generated(tok, text) + generated(tok, "<mask> and <word>", spelled=False)
        assert outcome(tok.parse_response, ids, prefix=prompt) == outcome(stock.parse_response, ids, prefix=prompt), text
        streams = []
        for t in (tok, stock):
            parser = t.get_response_parser(prefix=prompt, token_ids=True)
            streams.append(([parser.feed([i]) for i in ids], outcome(parser.finalize)))
        assert streams[0] == streams[1], text


def test_without_a_tokenizer_json_ids_are_decoded_then_parsed(tmp_path: Path) -> None:
    """A tokenizer that can have no tokenizer.json (a pattern Oniguruma splits otherwise)
    parses ids as transformers parses a Python tokenizer's: decoded, then as text; a
    streaming parser fed ids says why it cannot be had."""
    base = encoding("gpt2")
    enc = hf_bpe.Encoding("odd", pat_str=r"\w+|\W", mergeable_ranks=base._mergeable_ranks, special_tokens={"<|endoftext|>": 50256})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tok = chat_tokenizer(enc)
    ids = generated(tok, "Hello <|im_end|> still talking")
    assert tok.parse_response(ids, prefix="") == tok.parse_response(tok.decode(ids), prefix="")
    assert tok.parse_response(ids, prefix="")["content"] != "Hello <|im_end|> still talking"
    with pytest.raises(NotImplementedError, match="feed it text"):
        tok.get_response_parser(prefix="", token_ids=True)
