"""BatchEncoding.word_ids(), sequence_ids(), tokens(), char_to_token() ... of HfBpeTokenizer,
answer for answer as the stock fast tokenizer of the same folder gives them."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from hf_support import encoding, texts
from transformers import PreTrainedTokenizerFast

from hf_bpe.hf_alignment import TokenAlignment
from hf_bpe.hf_tokenizer import HfBpeTokenizer

#: (encoding, tokenizer options): no special tokens, bos and eos, eos only; all with padding.
SETUPS = [
    ("o200k_base", {"pad_token": "<|endofprompt|>"}),
    ("cl100k_base", {"add_bos_token": True, "add_eos_token": True, "bos_token": "<|fim_prefix|>",
                     "eos_token": "<|endoftext|>", "pad_token": "<|fim_suffix|>"}),
    ("trained", {"add_eos_token": True, "eos_token": "<|assistant_end|>", "pad_token": "<|bos|>", "chat_template": "nanochat"}),
]

TRICKY = [
    "Hello world, it's 12345 o'clock!",
    "",
    "  leading and trailing spaces  \n\n",
    "日本語のテキスト、スペースなし。Ünïcödé wörds",
    "emoji 👍🏽 and 𝔘 math, tab\there",
    "a special <|endoftext|> in the text<|endoftext|>",
]


def _ask(method: Any, *args: Any) -> Any:
    try:
        return method(*args)
    except Exception as error:  # (BatchEncoding.word_to_chars of a word with no ids: TypeError for both)
        return type(error).__name__


def _answers(out: Any, fast_rows: int) -> list[Any]:
    """Every question BatchEncoding passes to its encodings, for every row, index and text."""
    answers: list[Any] = [out.n_sequences, len(out.encodings)]
    for i in range(fast_rows):
        n = len(out.tokens(i))
        words = [w for w in out.word_ids(i) if w is not None]
        chars = max((o[1] for o in out.encodings[i].offsets), default=0)
        row = out.encodings[i]
        answers += [out.tokens(i), out.word_ids(i), out.sequence_ids(i), [tuple(o) for o in row.offsets]]
        answers += [row.ids, row.type_ids, row.attention_mask, row.special_tokens_mask, len(row)]
        answers.append([(_ask(out.token_to_sequence, i, t), _ask(out.token_to_word, i, t), _ask(out.token_to_chars, i, t))
                        for t in range(n + 1)])
        for seq in (0, 1):
            answers.append([(_ask(out.word_to_tokens, i, w, seq), _ask(out.word_to_chars, i, w, seq))
                            for w in range(max(words, default=0) + 2)])
            answers.append([(_ask(out.char_to_token, i, c, seq), _ask(out.char_to_word, i, c, seq)) for c in range(chars + 2)])
        # Numbers that are no positions: a negative one was None ("no such token") here.
        questions = ("token_to_sequence", "token_to_word", "token_to_chars", "word_to_tokens", "word_to_chars", "char_to_token", "char_to_word")
        answers.append([_ask(getattr(row, question), index) for question in questions for index in (-1, 1.5, True)])
        answers.append([_ask(getattr(row, question), 0, -1) for question in questions[3:]])
    return answers


def _calls(tok: HfBpeTokenizer, docs: list[str]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    batch = [docs[0][:300], *TRICKY, docs[1][:120]]
    words = [t.split(" ") for t in batch]
    pairs = [(batch[k], batch[-1 - k]) for k in range(len(batch))]
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for options in (
        {},
        {"padding": True},
        {"padding": "max_length", "max_length": 40, "truncation": True, "padding_side": "left"},
        {"truncation": True, "max_length": 9},
        {"return_tensors": "np", "padding": True},
        {"return_tensors": "np"},  # rows of several lengths: an array of arrays (word_ids() raised ValueError)
        {"add_special_tokens": False, "padding": True},
    ):
        calls += [((batch,), options), ((batch[3],), options), ((words,), {"is_split_into_words": True, **options}),
                  ((words[0],), {"is_split_into_words": True, **options})]
        calls += [((batch, batch[::-1]), options), ((pairs,), options), ((batch[0], batch[3]), options),
                  ((words[:3], words[3:6]), {"is_split_into_words": True, **options})]
    long_pair = (docs[0][:300], docs[1][:200])
    first, second = (len(tok(t)["input_ids"]) for t in long_pair)  # (each with its special tokens)
    calls += [(([long_pair],), {"truncation": "only_second", "max_length": first + second // 2}),
              ((*long_pair,), {"truncation": "only_first", "max_length": first // 2 + second, "padding": "max_length"})]
    for options in ({"truncation": True, "max_length": 16, "stride": 4}, {"truncation": True, "max_length": 12, "padding": True}):
        calls += [((batch,), {"return_overflowing_tokens": True, **options}),
                  ((words,), {"return_overflowing_tokens": True, "is_split_into_words": True, **options}),
                  ((batch[0],), {"return_overflowing_tokens": True, "return_tensors": "np", "padding": True, **options})]
    questions = [f"Question {k}: where is it?" for k in range(len(batch))]
    windows = {"return_overflowing_tokens": True, "truncation": "only_second", "max_length": 24, "stride": 6}
    calls += [((questions, batch[::-1]), {**windows, "return_offsets_mapping": True, "padding": "max_length"}),  # the course's QA recipe
              ((list(zip(batch[::-1], questions)),), {**windows, "truncation": "only_first", "stride": 3}),
              (([q.split(" ") for q in questions], words[::-1]), {**windows, "is_split_into_words": True}),
              ((batch[0][:150], batch[-1]), {**windows, "truncation": "longest_first", "max_length": 30, "stride": 2})]
    offsets = {"return_offsets_mapping": True}
    calls += [((batch,), {**offsets, "padding": True}), ((batch,), {**offsets, "truncation": True, "max_length": 7}),
              ((batch[0], batch[3]), {**offsets, "return_tensors": "np"}), ((pairs,), {**offsets, "padding": True}),
              ((words,), {**offsets, "is_split_into_words": True}), ((words[3],), {**offsets, "is_split_into_words": True}),
              ((batch,), {**offsets, "return_overflowing_tokens": True, "truncation": True, "max_length": 10, "stride": 2})]
    return calls


@pytest.mark.parametrize("setup", range(len(SETUPS)))
@pytest.mark.parametrize("side", ["right", "left"])
def test_alignments_are_the_stock_fast_tokenizers(setup: int, side: str, tmp_path: Path) -> None:
    name, options = SETUPS[setup]
    tok = HfBpeTokenizer.from_encoding(encoding(name), **options)
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    tok.truncation_side = fast.truncation_side = side
    docs = texts(20_000)
    compared = 0
    for args, kwargs in _calls(tok, docs):
        ours, theirs = tok(*args, **kwargs), fast(*args, **kwargs)
        ids, stock_ids = ours["input_ids"], theirs["input_ids"]
        ids, stock_ids = _plain(ids), _plain(stock_ids)
        if ids != stock_ids:  # pairs of an empty text: stock drops the second text's bos/eos
            assert any(isinstance(a, (list, tuple)) and "" in a for a in args) or "" in args, kwargs
            continue
        assert ours.is_fast
        if "offset_mapping" in theirs:
            assert _plain(ours["offset_mapping"]) == _plain(theirs["offset_mapping"]), (args, kwargs)
        rows = len(theirs.encodings)
        assert _answers(ours, rows) == _answers(theirs, rows), (args, kwargs)
        compared += 1
    assert compared >= 40


def _plain(value: Any) -> Any:
    value = value.tolist() if hasattr(value, "tolist") else value
    return [_plain(v) for v in value] if isinstance(value, (list, tuple)) else value


def test_alignments_pickle_as_what_they_are() -> None:
    tok = HfBpeTokenizer.from_encoding(encoding("cl100k_base"), pad_token="<|endoftext|>")
    out = tok(["Hello world", "ça va"], ["a"], is_split_into_words=True, padding="max_length", max_length=6)
    back = pickle.loads(pickle.dumps(out))
    assert back.word_ids() == out.word_ids() == [0, 0, 1, 1, 0, None]
    assert all(isinstance(row, TokenAlignment) for row in back.encodings)
    row = back.encodings[0]
    assert (row.type_ids, row.attention_mask, row.special_tokens_mask) == ([0, 0, 0, 0, 1, 0], [1] * 5 + [0], [0] * 5 + [1])
    assert pickle.loads(pickle.dumps(tok([1, 2, 3]))).encodings is None  # ids, not text: nothing to say


def test_words_is_the_deprecated_name_of_word_ids() -> None:
    tok = HfBpeTokenizer.from_encoding(encoding("cl100k_base"))
    row = tok(["Hello world, again"]).encodings[0]
    with pytest.warns(DeprecationWarning, match="word_ids"):
        assert row.words == row.word_ids == [0, 1, 2, 3]


def test_questions_that_have_no_answer_raise() -> None:
    tok = HfBpeTokenizer.from_encoding(encoding("cl100k_base"))
    with pytest.raises(NotImplementedError, match="need text"):
        tok([9906, 1917]).word_ids()
    out = tok("hello world")
    tok.add_tokens(["world"])
    with pytest.raises(RuntimeError, match="no longer gives the ids"):
        out.word_ids()
    out = tok("hello world")  # the added token is a word of its own, as in the fast tokenizers
    assert (out.tokens(), out.word_ids()) == (["hello", "Ġ", "world"], [0, 1, 2])


def _answer_positions(examples: dict[str, list[Any]], tok: Any) -> dict[str, Any]:
    """The Hugging Face course's question answering preprocessing, in short: each context
    cut into windows beside its question, and the tokens where the answer starts and ends
    in each window found from sequence_ids() and the offsets (0, 0 when not in it)."""
    rows = tok(examples["question"], examples["context"], truncation="only_second", max_length=48, stride=12,
               return_overflowing_tokens=True, return_offsets_mapping=True, padding="max_length")
    offsets, samples = rows.pop("offset_mapping"), rows.pop("overflow_to_sample_mapping")
    starts, ends = [], []
    for i, row_offsets in enumerate(offsets):
        start = examples["answer_start"][samples[i]]
        end = start + len(examples["answer"][samples[i]])
        sequence = rows.sequence_ids(i)
        first, last = sequence.index(1), len(sequence) - 1 - sequence[::-1].index(1)
        if row_offsets[first][0] > start or row_offsets[last][1] < end:
            starts.append(0)
            ends.append(0)
            continue
        at = first
        while at <= last and row_offsets[at][0] <= start:
            at += 1
        starts.append(at - 1)
        at = last
        while at >= first and row_offsets[at][1] >= end:
            at -= 1
        ends.append(at + 1)
    return {**rows, "start_positions": starts, "end_positions": ends}


def test_the_question_answering_recipe_gives_the_stock_fast_tokenizers_rows(tmp_path: Path) -> None:
    # dataset.map(batched=True, num_proc=2): the tokenizer goes to worker processes, the
    # windows of each context come back with where the answer is in each of them.
    from datasets import Dataset

    tok = HfBpeTokenizer.from_encoding(encoding("o200k_base"), pad_token="<|endofprompt|>")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    contexts = [doc[:700] for doc in texts(60_000) if len(doc) >= 700][:24]
    answers = [context[300 + 7 * k : 330 + 7 * k] for k, context in enumerate(contexts)]
    examples = Dataset.from_dict({
        "question": [f"Where does it say {answer[:12]!r}?" for answer in answers],
        "context": contexts,
        "answer": answers,
        "answer_start": [300 + 7 * k for k in range(len(contexts))],
    })
    ours = examples.map(_answer_positions, fn_kwargs={"tok": tok}, batched=True, batch_size=8, num_proc=2,
                        remove_columns=examples.column_names)
    theirs = examples.map(_answer_positions, fn_kwargs={"tok": fast}, batched=True, batch_size=8,
                          remove_columns=examples.column_names)
    assert ours.to_dict() == theirs.to_dict()
    assert len(ours) > 2 * len(contexts) and sum(1 for s in ours["start_positions"] if s) >= len(contexts)
    found = [tok.decode(row[s : e + 1]) for row, s, e in zip(ours["input_ids"], ours["start_positions"], ours["end_positions"]) if s]
    assert all(any(answer[2:-2] in text for answer in answers) for text in found)


def test_text_a_pattern_skips_is_in_no_token() -> None:
    # A custom pattern may match only some of the text (tiktoken encodes only what it
    # matches): each token's characters are found where its piece is, not where it would
    # be if the pieces were contiguous, and its word is its piece.
    import re

    import hf_bpe

    base = encoding("cl100k_base")
    pattern = r"[a-z]+|\d"
    gappy = hf_bpe.Encoding("gappy", pat_str=pattern, mergeable_ranks=base._mergeable_ranks, special_tokens={})
    tok = HfBpeTokenizer.from_encoding(gappy)
    for text in ("Hello world, 42 unbelievably long words", "  ab  CD ef9", "NOTHING", "tail ends with text!!"):
        out = tok(text, return_offsets_mapping=True)
        pieces = [m.span() for m in re.finditer(pattern, text)]
        assert [text[a:b] for a, b in out["offset_mapping"]] == [tok.decode([i]) for i in out["input_ids"]], text
        assert out.word_ids() == [next(k for k, (s, e) in enumerate(pieces) if s <= a < e) for a, _ in out["offset_mapping"]]
