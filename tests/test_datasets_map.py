"""``dataset.map(tok.batch_encode, batched=True, num_proc=N)``: the encoding's ids under
fork and spawn, a fingerprint that is the same in fresh processes and before/after use
(so datasets' cache is reused), IterableDataset, options."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import datasets
import pytest
from datasets.fingerprint import Hasher
from hf_support import encoding, hf_bpe_env, texts

import hf_bpe
from hf_bpe.hf_tokenizer import HfBpeTokenizer

#: Builds the same tokenizer in any process: a named encoding, and a trained one loaded
#: from the folder the test saved.
_BUILD = textwrap.dedent(
    """
    import sys, json
    import hf_bpe
    from hf_bpe.hf_tokenizer import HfBpeTokenizer
    def build(spec):
        if spec["kind"] == "named":
            return HfBpeTokenizer.from_encoding(hf_bpe.get_encoding(spec["name"]))
        return HfBpeTokenizer.from_pretrained(spec["folder"])
    """
)


@pytest.fixture(scope="module")
def docs() -> list[str]:
    return texts(150_000)


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("trained")
    HfBpeTokenizer.from_encoding(encoding("trained"), add_bos_token=True).save_pretrained(folder)
    return {
        "o200k_base": {"kind": "named", "name": "o200k_base"},
        "trained": {"kind": "folder", "folder": str(folder)},
    }


def build(spec: dict[str, Any]) -> HfBpeTokenizer:
    if spec["kind"] == "named":
        return HfBpeTokenizer.from_encoding(encoding(spec["name"]))
    return HfBpeTokenizer.from_pretrained(spec["folder"])  # saved with add_bos_token=True


def ids_of(tok: HfBpeTokenizer, text: str) -> list[int]:
    """The ids ``tok(text)`` gives, as the encoding and the tokenizer's bos/eos flags make them."""
    head = [tok.bos_token_id] if tok.add_bos_token else []
    return head + tok.encoding.encode_ordinary(text) + ([tok.eos_token_id] if tok.add_eos_token else [])


def run_python(code: str, tmp_path: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], env=hf_bpe_env(), cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


@pytest.mark.parametrize("name", ["o200k_base", "trained"])
def test_map_with_num_proc_gives_the_encodings_ids(name: str, docs: list[str], specs: dict[str, Any]) -> None:
    tok = build(specs[name])
    enc = tok.encoding
    ds = datasets.Dataset.from_dict({"text": docs})
    out = ds.map(tok.batch_encode, batched=True, batch_size=16, num_proc=2, remove_columns=["text"])
    assert out["input_ids"][:] == [ids_of(tok, d) for d in docs]  # special-token text stays text
    # Options go through fn_kwargs; the eos/bos ids come from the tokenizer.
    role = "add_eos" if tok.eos_token_id is not None else "add_bos"
    extra = tok.eos_token_id if role == "add_eos" else tok.bos_token_id
    renamed = ds.rename_column("text", "content")
    out = renamed.map(
        tok.batch_encode,
        batched=True,
        num_proc=2,
        fn_kwargs={"text_column": "content", role: True, "return_attention_mask": True},
    )
    expected = [
        enc.encode_ordinary(d) + [extra] if role == "add_eos" else [extra] + enc.encode_ordinary(d) for d in docs
    ]
    assert out["input_ids"][:] == expected
    assert out["attention_mask"][:] == [[1] * len(e) for e in expected]


def test_map_with_num_proc_64_as_the_readme_writes_it(docs: list[str], specs: dict[str, Any]) -> None:
    # 64 processes on any machine (two cores here), each with the tokenizer pickled (a
    # trained one, with its ranks).
    tok = build(specs["trained"])
    ds = datasets.Dataset.from_dict({"text": docs[:256]})
    out = ds.map(tok.batch_encode, batched=True, num_proc=64, remove_columns=["text"], load_from_cache_file=False)
    assert out["input_ids"][:] == [ids_of(tok, d) for d in docs[:256]]


@pytest.mark.parametrize("name", ["o200k_base", "trained"])
def test_map_under_spawn(name: str, docs: list[str], specs: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "docs.json").write_text(json.dumps(docs[:40]))
    code = _BUILD + textwrap.dedent(
        f"""
        import multiprocess, datasets
        if __name__ == "__main__":
            multiprocess.set_start_method("spawn", force=True)
            tok = build({specs[name]!r})
            docs = json.load(open("docs.json"))
            ds = datasets.Dataset.from_dict({{"text": docs}})
            out = ds.map(tok.batch_encode, batched=True, batch_size=8, num_proc=2)
            print(json.dumps({{"method": multiprocess.get_start_method(), "ids": out["input_ids"][:]}}))
        """
    )
    result = json.loads(run_python(code, tmp_path).strip().splitlines()[-1])
    assert result["method"] == "spawn"
    tok = build(specs[name])
    assert result["ids"] == [ids_of(tok, d) for d in docs[:40]]


@pytest.mark.parametrize("name", ["o200k_base", "trained"])
def test_fingerprint_is_stable_across_processes_and_use(name: str, specs: dict[str, Any], tmp_path: Path) -> None:
    code = _BUILD + textwrap.dedent(
        f"""
        from datasets.fingerprint import Hasher
        tok = build({specs[name]!r})
        before = Hasher.hash(tok.batch_encode)
        tok(["hello world", "x<|endoftext|>"], padding=False)
        tok.batch_encode({{"text": ["used once"]}})
        tok.decode([1, 2, 3])
        print(before, Hasher.hash(tok.batch_encode))
        """
    )
    first = run_python(code, tmp_path).split()[-2:]
    second = run_python(code, tmp_path).split()[-2:]
    assert first[0] == first[1] == second[0] == second[1]
    here = build(specs[name])
    assert Hasher.hash(here.batch_encode) == first[0]
    here(["used here"])
    assert Hasher.hash(here.batch_encode) == first[0]
    # A different tokenizer hashes differently.
    other = HfBpeTokenizer.from_encoding(here.encoding, add_eos_token=not here.add_eos_token)
    assert Hasher.hash(other.batch_encode) != first[0]


def test_special_tokens_set_in_a_maps_arguments_hashes_alike_in_every_process(tmp_path: Path) -> None:
    """``fn_kwargs={"allowed_special": enc.special_tokens_set}``: datasets sorts a set to
    hash it, not a frozenset, whose order follows the process's string hashing. As a
    frozenset (tiktoken's is a set) it gave each new process another fingerprint, so
    the map's cache was never reused."""
    code = textwrap.dedent(
        """
        import hf_bpe
        from datasets.fingerprint import Hasher
        enc = hf_bpe.get_encoding("o200k_harmony")
        print(type(enc.special_tokens_set).__name__, Hasher.hash({"allowed_special": enc.special_tokens_set}))
        """
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        proc = subprocess.run(
            [sys.executable, "-c", code], env={**hf_bpe_env(), "PYTHONHASHSEED": seed}, cwd=tmp_path,
            capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
        outputs.add(proc.stdout.split("\n")[-2])
    assert len(outputs) == 1 and outputs.pop().startswith("set ")
    enc = encoding("o200k_harmony")
    import tiktoken

    assert enc.special_tokens_set == tiktoken.get_encoding("o200k_harmony").special_tokens_set
    enc.special_tokens_set.add("<|not special|>")  # a new set each time: the encoding is unchanged
    assert "<|not special|>" not in enc.special_tokens_set
    with pytest.raises(ValueError):
        enc.encode("<|start|>")


def test_second_identical_map_reuses_the_cache(tmp_path: Path) -> None:
    import realdata

    shards = realdata.write_parquet_shards(tmp_path / "shards", n_shards=2, max_bytes=200_000)
    job = {"files": [str(p) for p in shards], "cache": str(tmp_path / "cache")}
    code = _BUILD + textwrap.dedent(
        f"""
        import datasets, os
        job = {job!r}
        tok = build({{"kind": "named", "name": "cl100k_base"}})
        ds = datasets.load_dataset("parquet", data_files=job["files"], split="train", cache_dir=job["cache"])
        out = ds.map(tok.batch_encode, batched=True, num_proc=2, remove_columns=["text"])
        files = sorted(f["filename"] for f in out.cache_files)
        print(json.dumps({{"fingerprint": out._fingerprint, "files": files,
                          "mtimes": [os.stat(f).st_mtime_ns for f in files],
                          "n": len(out), "first": out["input_ids"][0]}}))
        """
    )
    first = json.loads(run_python(code, tmp_path).strip().splitlines()[-1])
    second = json.loads(run_python(code, tmp_path).strip().splitlines()[-1])
    assert first["fingerprint"] == second["fingerprint"]
    assert first["files"] == second["files"] and first["mtimes"] == second["mtimes"]  # reused, not rewritten
    enc = encoding("cl100k_base")
    assert first["first"] == enc.encode_ordinary(realdata.documents("mixed", max_bytes=200_000)[0])


def test_iterable_dataset_and_unbatched_map(docs: list[str]) -> None:
    tok = build({"kind": "named", "name": "cl100k_base"})
    enc = tok.encoding
    ds = datasets.Dataset.from_dict({"text": docs[:30]})
    streamed = ds.to_iterable_dataset(num_shards=2).map(tok.batch_encode, batched=True, batch_size=4)
    assert [row["input_ids"] for row in streamed] == [enc.encode_ordinary(d) for d in docs[:30]]
    single = ds.map(tok.batch_encode)  # one row at a time
    assert single["input_ids"][:] == [enc.encode_ordinary(d) for d in docs[:30]]


def test_special_token_text_in_documents_is_ordinary_unless_allowed() -> None:
    tok = build({"kind": "named", "name": "cl100k_base"})
    enc = tok.encoding
    batch = {"text": ["a<|endoftext|>b", "<|fim_prefix|>"]}
    assert tok.batch_encode(batch)["input_ids"] == [enc.encode_ordinary(t) for t in batch["text"]]
    allowed = tok.batch_encode(batch, allowed_special={"<|endoftext|>"})["input_ids"]
    assert allowed == [enc.encode("a<|endoftext|>b", allowed_special={"<|endoftext|>"}), enc.encode_ordinary("<|fim_prefix|>")]
    assert tok.batch_encode(batch, allowed_special="all")["input_ids"][1] == [100258]
    # One token's text as a string (not in a set) would be its characters: refused.
    with pytest.raises(TypeError, match="allowed_special .* not the string '<\\|endoftext\\|>'"):
        tok.batch_encode(batch, allowed_special="<|endoftext|>")
    with pytest.raises(KeyError, match="content"):
        tok.batch_encode({"content": ["x"]})


def test_batch_encode_reads_every_batch_format(docs: list[str]) -> None:
    """Ray Data hands over pandas DataFrames, pyarrow Tables and dicts of numpy arrays;
    a DataFrame used to be iterated, which gave the ids of its column names."""
    import numpy as np
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from hf_bpe import ColumnError

    tok = build({"kind": "named", "name": "cl100k_base"})
    expected = {"input_ids": [tok.encoding.encode_ordinary(d) for d in docs[:5]]}
    frame = pd.DataFrame({"id": range(5), "text": docs[:5]})
    table = pa.table({"id": list(range(5)), "text": docs[:5]})
    for batch in ({"text": np.array(docs[:5])}, {"text": frame["text"]}, docs[:5]):
        assert tok.batch_encode(batch) == expected, type(batch)
    # a bare column of texts is a list of them (a Series or an Array came back as a frame
    # or a table of numpy or arrow rows)
    for batch in (frame["text"], pa.array(docs[:5]), pa.chunked_array([docs[:5]]), pl.Series(docs[:5])):
        assert tok.batch_encode(batch) == expected, type(batch)
    # a table or frame in, a table or frame out (a streaming dataset of that format needs it)
    polars_frame = pl.DataFrame({"id": range(5), "text": docs[:5]})
    for batch, kind in ((frame, pd.DataFrame), (table, pa.Table), (table.to_batches()[0], pa.Table), (polars_frame, pa.Table)):
        out = tok.batch_encode(batch)
        assert type(out) is kind
        column = out["input_ids"]
        rows = column.to_pylist() if kind is pa.Table else column.tolist()
        assert [list(row) for row in rows] == expected["input_ids"]
    empty = tok.batch_encode(pd.DataFrame({"text": ["", ""]}))["input_ids"]  # typed although empty
    assert [row.dtype for row in empty] == [np.int32, np.int32] and pa.Table.from_pandas(pd.DataFrame({"ids": empty})).schema.field("ids").type == pa.list_(pa.int32())
    assert tok.batch_encode({"text": docs[0]}) == {"input_ids": expected["input_ids"][0]}
    for batch in (frame[["id"]], table.select(["id"]), {"id": [1]}):
        with pytest.raises(ColumnError, match="no column 'text'"):
            tok.batch_encode(batch)
    with pytest.raises(hf_bpe.TextTypeError, match="row 1 of the batch's column 'text' is null"):
        tok.batch_encode(pa.table({"text": ["a", None]}))
    with pytest.raises(hf_bpe.TextTypeError, match="item 0 is of type bytes"):
        tok.batch_encode([b"a"])
    with pytest.raises(TypeError, match=r"column 'text' is null \(None\): expected a str \(one row"):  # map(batched=False)
        tok.batch_encode({"text": None})
    with pytest.raises(hf_bpe.TextTypeError, match=r"row 1 of the batch's column 'text' is null, not a str \(to find"):
        tok.batch_encode(pd.DataFrame({"text": ["a", None]}))  # (pandas gives NaN)
    with pytest.raises(hf_bpe.TextTypeError, match="row 1 of the batch's column 'text' is null"):
        tok.batch_encode(pl.DataFrame({"text": ["a", None]}))
    with pytest.raises(hf_bpe.TextTypeError, match=r"row 1 of the batch's column 'text' is null, not a str \(to find"):
        tok.batch_encode(pd.DataFrame({"text": pd.array(["a", None], dtype="string")}))  # (pd.NA: "of type NAType")
    with pytest.raises(hf_bpe.TextTypeError, match=r"column 'text' is a 0-d ndarray \(of one str\): expected a str"):
        tok.batch_encode({"text": np.array("hello")})  # (it said "is of type str: expected a str")
    for option in ("add_bos", "add_eos", "return_attention_mask"):
        with pytest.raises(TypeError, match=f"{option} must be True, False or None, not 'False'"):
            tok.batch_encode({"text": ["a"]}, **{option: "False"})
    with pytest.raises(hf_bpe.VocabularyError, match="add_bos=True but the tokenizer has no bos_token"):
        tok.batch_encode({"text": ["a"]}, add_bos=True)  # (the option given, not add_bos_token)


def test_a_text_that_is_not_utf8_is_refused_by_its_row(tmp_path: Path) -> None:
    # An arrow string column may hold any bytes (a parquet file written by other tools):
    # to_pylist raised a bare UnicodeDecodeError, naming no row.
    import pyarrow as pa
    import pyarrow.parquet as pq

    import polars as pl

    tok = build({"kind": "named", "name": "cl100k_base"})
    table = pa.table({"text": pa.array([b"ok", b"bad \xff"], pa.binary()).view(pa.string())})
    pq.write_table(table, tmp_path / "bad.parquet")
    # The same column as polars holds it (with_format("polars"): polars' to_list panicked,
    # a BaseException naming no row) and dictionary-encoded (read_dictionary: an
    # AttributeError from the error's own path).
    for batch in (table, pl.from_arrow(table), pq.read_table(tmp_path / "bad.parquet", read_dictionary=["text"])):
        with pytest.raises(hf_bpe.TextDecodeError, match="row 1 of the batch's column 'text' is not UTF-8 text") as caught:
            tok.batch_encode(batch)
        assert isinstance(caught.value, UnicodeDecodeError) and caught.value.object == b"bad \xff" and caught.value.start == 4
    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "bad.parquet"), split="train", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(hf_bpe.TrainingError, match="row 1 of column 'text' is not UTF-8 text"):
        HfBpeTokenizer.train_from_dataset(ds, 300)
    # In datasets' default format, which decodes the column before hf_bpe sees it (from QA:
    # pyarrow's bare UnicodeDecodeError, no row named, no HfBpeError), in its processes too.
    for num_proc, row in ((None, 1), (2, 0)):  # (the second process's batch is the second row alone)
        with pytest.raises(hf_bpe.TextDecodeError, match=f"row {row} of the batch's column 'text' is not UTF-8 text"):
            ds.map(tok.batch_encode, batched=True, num_proc=num_proc)


def test_every_format_maps_to_the_same_column_types() -> None:
    # datasets writes lists under input_ids as int32 and attention_mask as int8; tables
    # and frames came back int64, and datasets mapped in two formats did not concatenate.
    # (A table or frame is the whole batch to datasets: the text is not kept.)
    tok = build({"kind": "named", "name": "cl100k_base"})
    ds = datasets.Dataset.from_dict({"text": ["hello world", "", "ok"]})
    mapped = [
        ds.with_format(fmt).map(tok.batch_encode, batched=True, fn_kwargs={"return_attention_mask": True},
                                remove_columns=["text"], load_from_cache_file=False).with_format(None)
        for fmt in (None, "arrow", "pandas", "polars", "numpy")
    ]
    assert all(m.features == mapped[0].features for m in mapped), [m.features for m in mapped]
    assert mapped[0].features["input_ids"] == datasets.List(datasets.Value("int32"))
    assert mapped[0].features["attention_mask"] == datasets.List(datasets.Value("int8"))
    both = datasets.concatenate_datasets(mapped)
    assert both["input_ids"] == [tok.encoding.encode_ordinary(t) for t in ds["text"]] * len(mapped)


def test_map_works_in_every_format_batched_or_not_streaming_or_not() -> None:
    # Unbatched, datasets hands an arrow or pandas dataset's function a one-row table (read
    # as a batch of one, its ids came back nested); a streaming dataset of those formats
    # needs a table back; an empty text must not make a column of nulls.
    tok = build({"kind": "named", "name": "cl100k_base"})
    texts = ["hello world", "", "ok", "more text here", ""]
    expected = [tok.encoding.encode_ordinary(t) for t in texts]
    for fmt in (None, "numpy", "arrow", "pandas", "polars"):
        for batched in (True, False):
            ds = datasets.Dataset.from_dict({"text": texts, "n": list(range(len(texts)))})
            mapped = ds.with_format(fmt).map(tok.batch_encode, batched=batched, batch_size=2, load_from_cache_file=False)
            assert mapped.with_format(None)["input_ids"] == expected, (fmt, batched)
            stream = ds.to_iterable_dataset().with_format(fmt).map(tok.batch_encode, batched=batched, batch_size=2)
            assert [list(row["input_ids"]) for row in stream.with_format(None)] == expected, ("streaming", fmt, batched)
            # read in its own format too (a pandas column of ArrowDtype lists failed there)
            got = [row["input_ids"] for row in stream]
            if fmt == "pandas":
                got = [column.iloc[0] for column in got]
            elif fmt == "arrow":
                got = [column.to_pylist()[0] for column in got]
            elif fmt == "polars":
                got = [column.to_list()[0] for column in got]
            assert [list(ids) for ids in got] == expected, ("streaming, read as", fmt, batched)


def test_a_first_batch_of_empty_texts_maps_with_the_column_typed_as_documented() -> None:
    # datasets types a new column from the first batch written: rows without ids make it
    # null and the next batch fails (as with any tokenizer); docs/huggingface.md's remedy.
    tok = build({"kind": "named", "name": "cl100k_base"})
    ds = datasets.Dataset.from_dict({"text": [""] * 4 + ["hello world"] * 4})
    typed = datasets.Features({**ds.features, "input_ids": datasets.List(datasets.Value("int32"))})
    mapped = ds.map(tok.batch_encode, batched=True, batch_size=2, features=typed, load_from_cache_file=False)
    assert mapped["input_ids"][:] == [[]] * 4 + [tok.encoding.encode_ordinary("hello world")] * 4


def test_train_from_dataset_gives_a_ready_tokenizer_that_loads_everywhere(tmp_path: Path) -> None:
    """Train from a datasets column (nanochat's recipe), then the whole round: our ids,
    rustbpe's merges, a saved folder that stock transformers loads with identical ids."""
    import realdata
    import rustbpe
    from hf_support import NANOCHAT_SPECIALS, run_stock

    from hf_bpe.patterns import NANOCHAT_PATTERN

    corpus = realdata.documents("english", max_bytes=300_000) + realdata.documents("multilingual", max_bytes=100_000)
    ds = datasets.Dataset.from_dict({"content": corpus})
    tok = HfBpeTokenizer.train_from_dataset(
        ds, 1024 + len(NANOCHAT_SPECIALS), column="content", pattern="nanochat",
        special_tokens=NANOCHAT_SPECIALS, num_proc=1, bos_token="<|bos|>", add_bos_token=True,
        chat_template="nanochat",
    )
    reference = rustbpe.Tokenizer()
    reference.train_from_iterator(iter(corpus), 1024, pattern=NANOCHAT_PATTERN)
    assert tok.encoding._mergeable_ranks == {bytes(t): r for t, r in reference.get_mergeable_ranks()}
    assert tok.convert_tokens_to_ids("<|bos|>") == 1024
    sample = corpus[::5] + ["<|user_start|>hi<|user_end|>"]
    ours = [tok(t)["input_ids"] for t in sample]
    assert ours == [[1024] + tok.encoding.encode(t, allowed_special="all") for t in sample]
    tok.save_pretrained(tmp_path / "trained")
    assert run_stock(tmp_path / "trained", sample, tmp_path / "stock")["ids"] == ours
    mapped = ds.map(tok.batch_encode, batched=True, num_proc=2, fn_kwargs={"text_column": "content"})
    assert mapped["input_ids"][:] == [[1024] + tok.encoding.encode_ordinary(t) for t in corpus]  # add_bos_token=True
    plain = ds.select(range(3)).map(tok.batch_encode, batched=True, fn_kwargs={"text_column": "content", "add_bos": False})
    assert plain["input_ids"][:] == [tok.encoding.encode_ordinary(t) for t in corpus[:3]]
    # train_new_from_iterator keeps the pattern, the specials and the settings.
    smaller = tok.train_new_from_iterator((corpus[i : i + 8] for i in range(0, len(corpus), 8)), 512 + 9, num_proc=1)
    assert smaller.encoding._pat_str == NANOCHAT_PATTERN
    assert smaller.add_bos_token and smaller.bos_token == "<|bos|>" and len(smaller) == 521


def test_train_from_dataset_takes_the_trainers_options_and_refuses_hf_tokenizers_ones(tmp_path: Path) -> None:
    """batch_size and progress went into tokenizer_config.json as settings, min_frequency too."""
    import realdata

    corpus = realdata.documents("english", max_bytes=60_000)
    ds = datasets.Dataset.from_dict({"text": corpus})
    tok = HfBpeTokenizer.train_from_dataset(ds, 300, batch_size=7, progress=False, num_proc=1)
    assert tok.encoding.mergeable_ranks == hf_bpe.train_bpe(corpus, 300, num_proc=1).mergeable_ranks
    tok.save_pretrained(tmp_path / "t")
    config = json.loads((tmp_path / "t" / "tokenizer_config.json").read_text())
    assert not {"batch_size", "progress"} & set(config)
    with pytest.raises(TypeError, match="train_from_dataset: min_frequency .* no counterpart"):
        HfBpeTokenizer.train_from_dataset(ds, 300, min_frequency=2)
    with pytest.raises(TypeError, match="takes column=, not text_column="):  # trained on "text", silently
        HfBpeTokenizer.train_from_dataset(ds, 300, text_column="text")
    # train_new_from_iterator's name, and the other way round, were saved as settings (from review)
    with pytest.raises(TypeError, match="train_from_dataset takes progress=, not show_progress="):
        HfBpeTokenizer.train_from_dataset(ds, 300, show_progress=False)
    with pytest.raises(TypeError, match="train_new_from_iterator takes show_progress=, not progress="):
        tok.train_new_from_iterator(corpus, 300, progress=False)
    # rustbpe's and tiktoken's names too (saved as settings, they changed nothing)
    with pytest.raises(TypeError, match="train_from_dataset takes batch_size=, not buffer_size="):
        HfBpeTokenizer.train_from_dataset(ds, 300, buffer_size=8192)
    for method in (lambda **kw: HfBpeTokenizer.train_from_dataset(ds, 300, **kw), lambda **kw: tok.train_new_from_iterator(corpus, 300, **kw)):
        with pytest.raises(TypeError, match="takes num_proc=, not num_threads="):
            method(num_threads=2)
    # and each other's (from QA: special_tokens=[...] or pattern= given to
    # train_new_from_iterator, saved as settings, left the new tokenizer without them)
    refused = {"special_tokens": "takes new_special_tokens=, not special_tokens=", "pattern": "has no pattern=",
               "max_chars": "has no max_chars=", "column": "has no column=", "batch_size": "has no batch_size="}
    for name, message in refused.items():
        with pytest.raises(TypeError, match=f"train_new_from_iterator {message}"):
            tok.train_new_from_iterator(corpus, 300, **{name: ["<|im_start|>"]})
    with pytest.raises(TypeError, match="train_from_dataset takes special_tokens=, not new_special_tokens="):
        HfBpeTokenizer.train_from_dataset(ds, 300, new_special_tokens=["<|im_start|>"])
    with pytest.raises(TypeError, match="train_from_dataset has no special_tokens_map="):
        HfBpeTokenizer.train_from_dataset(ds, 300, special_tokens_map={"a": "b"})
    with pytest.raises(hf_bpe.TrainingError, match="batch_size must be an int >= 1"):
        HfBpeTokenizer.train_from_dataset(ds, 300, batch_size=0)
