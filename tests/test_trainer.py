"""The trainer: exactly rustbpe's merges on real text, for any num_proc and batching.

rustbpe (nanochat's trainer, PyPI ``rustbpe``) is the oracle for the ranks; tiktoken is the
oracle for encoding with the trained ranks.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import realdata
from conftest import FILE_LIMIT_HELPERS

import hf_bpe
from hf_bpe import merges as merges_mod
from hf_bpe import trainer as trainer_mod
from hf_bpe.errors import PatternError, TrainingError, TrainingTypeError
from hf_bpe.patterns import NANOCHAT_PATTERN, RUSTBPE_PATTERN
from hf_bpe.trainer import NANOCHAT_SPECIAL_TOKENS, BpeTrainer, PieceCounts, TrainingWarning, parquet_files, train_bpe

rustbpe = pytest.importorskip("rustbpe")
tiktoken = pytest.importorskip("tiktoken")

KINDS = ("english", "multilingual", "code")
CORPUS_BYTES = 1_200_000


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[str]]:
    return {kind: realdata.documents(kind, max_bytes=CORPUS_BYTES) for kind in KINDS}


_RUSTBPE_CACHE: dict[tuple[str, int, str], dict[bytes, int]] = {}


def rustbpe_ranks(texts: list[str], vocab_size: int, pattern: str, key: str) -> dict[bytes, int]:
    cache_key = (key, vocab_size, pattern)
    if cache_key not in _RUSTBPE_CACHE:
        tok = rustbpe.Tokenizer()
        tok.train_from_iterator(iter(texts), vocab_size, pattern=pattern)
        _RUSTBPE_CACHE[cache_key] = {bytes(b): r for b, r in tok.get_mergeable_ranks()}
    return _RUSTBPE_CACHE[cache_key]


def train(texts: Any, vocab_size: int, **kwargs: Any) -> hf_bpe.Encoding:
    kwargs.setdefault("num_proc", 1)
    kwargs.setdefault("progress", False)
    return train_bpe(texts, vocab_size, **kwargs)


# ----------------------------------------------------------------- exactly rustbpe


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("vocab_size", [1024, 6000])
def test_ranks_equal_rustbpe(corpus: dict[str, list[str]], kind: str, vocab_size: int) -> None:
    texts = corpus[kind]
    expected = rustbpe_ranks(texts, vocab_size, RUSTBPE_PATTERN, kind)
    enc = train(texts, vocab_size)
    assert len(expected) == vocab_size
    assert enc._mergeable_ranks == expected
    assert enc.n_vocab == vocab_size


def test_nanochat_pattern_and_specials_equal_rustbpe(corpus: dict[str, list[str]]) -> None:
    # nanochat: rustbpe trained to V - 9, then its 9 special tokens right after.
    texts = corpus["multilingual"]
    vocab_size = 4096
    k = len(NANOCHAT_SPECIAL_TOKENS)
    expected = rustbpe_ranks(texts, vocab_size - k, NANOCHAT_PATTERN, "multilingual")
    enc = train(texts, vocab_size, pattern="nanochat", special_tokens=NANOCHAT_SPECIAL_TOKENS)
    assert enc._mergeable_ranks == expected
    assert enc._special_tokens == {t: vocab_size - k + i for i, t in enumerate(NANOCHAT_SPECIAL_TOKENS)}
    assert enc.n_vocab == vocab_size
    assert enc._pat_str == NANOCHAT_PATTERN
    assert enc.encode("<|bos|>hi", allowed_special="all")[0] == vocab_size - k


def test_same_ranks_for_any_num_proc_and_batching(
    corpus: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches so that two counting processes really share the work.
    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 50_000)
    texts = corpus["english"] + corpus["multilingual"]
    vocab_size = 3000
    expected = rustbpe_ranks(texts, vocab_size, RUSTBPE_PATTERN, "english+multilingual")
    reference_counts = None
    for num_proc, cuts in [(1, [0]), (2, [0]), (2, [0, 7, 300, 301, 2000]), (1, [0, 1, 999])]:
        trainer = BpeTrainer(vocab_size, num_proc=num_proc, progress=False)
        bounds = cuts + [len(texts)]
        for lo, hi in zip(bounds, bounds[1:]):
            trainer.update(t for t in texts[lo:hi])  # generators too
        counts = trainer.piece_counts()
        if reference_counts is None:
            reference_counts = counts
        assert counts == reference_counts, (num_proc, cuts)
        assert trainer.n_documents == len(texts)
        assert trainer.n_chars == sum(len(t) for t in texts)
        assert trainer.train()._mergeable_ranks == expected, (num_proc, cuts)


def test_trained_encoding_encodes_like_tiktoken(corpus: dict[str, list[str]]) -> None:
    texts = corpus["english"][: len(corpus["english"]) // 2] + corpus["code"][:100]
    specials = ["<|endoftext|>", "<|pad|>"]
    enc = train(texts, 5000, special_tokens=specials)
    oracle = tiktoken.Encoding(
        "trained",
        pat_str=enc._pat_str,
        mergeable_ranks=dict(enc._mergeable_ranks),
        special_tokens=dict(enc._special_tokens),
    )
    held_out = corpus["english"][len(corpus["english"]) // 2 :] + corpus["multilingual"][:200]
    for doc in held_out:
        assert enc.encode_ordinary(doc) == oracle.encode_ordinary(doc)
    sample = "Hello <|endoftext|> world<|pad|>"
    assert enc.encode(sample, allowed_special="all") == oracle.encode(sample, allowed_special="all")
    assert enc.decode(enc.encode(held_out[0])) == held_out[0]


def test_compiled_table_and_reference_loop_agree(corpus: dict[str, list[str]]) -> None:
    # The packed-array loop (used when compiled) and the list/dict loop (used for huge
    # counts and uncompiled) must learn the same merges.
    pytest.importorskip("librt")
    from hf_bpe import merges_packed

    from hf_bpe.piece_counter import PieceCounter

    counts: dict[bytes, int] = {}
    PieceCounter(RUSTBPE_PATTERN).count(corpus["multilingual"][:150], counts)
    reference = merges_mod.learn_merges(counts, 1000)
    assert merges_packed.learn_merges(counts, 1000) == reference
    assert len(reference) == 1000


def test_counts_beyond_64_bits_give_the_same_merges(corpus: dict[str, list[str]]) -> None:
    # Python ints: scaling every count by 2**64 changes no comparison, so no merge.
    pytest.importorskip("librt")
    from hf_bpe import merges_packed
    from hf_bpe.piece_counter import PieceCounter

    counts: dict[bytes, int] = {}
    PieceCounter(RUSTBPE_PATTERN).count(corpus["english"][:300], counts)
    huge = {piece: c << 64 for piece, c in counts.items()}
    assert merges_packed.learn_merges(huge, 10) is None  # too big for the packed loop
    expected = trainer_mod.learn_merges_fast(counts, 1200)
    assert trainer_mod.learn_merges_fast(huge, 1200) == expected
    assert len(expected) == 1200


def test_merge_loops_call_progress_before_and_after_every_merge() -> None:
    # A compiled loop runs no Python code of its own: its progress calls are where Python
    # handles a signal (Ctrl-C), so they come before the first merge and after each one.
    loops = [merges_mod.learn_merges]
    if trainer_mod._merges_packed() is not None:
        loops.append(trainer_mod._merges_packed().learn_merges)
    counts = {b"aaab": 1, b"abab": 2, b"bcbc": 3}
    for learn in loops:
        calls: list[int] = []
        merges = learn(counts, 10, calls.append)
        first = calls.index(1)
        assert first > 0 and set(calls[:first]) == {0} and calls[first:] == list(range(1, len(merges) + 1)), learn
        stopped: list[int] = []

        def stop(done: int) -> None:
            stopped.append(done)
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            learn(counts, 10, stop)
        assert stopped == [0]  # before any merge


def test_ctrl_c_stops_merging_without_progress() -> None:
    # Without a progress bar there was nothing to call, and Ctrl-C waited for the last
    # merge (minutes on a large corpus), only to throw the merges away. A thread sends
    # SIGINT once this thread is inside the loop (its Python frame stays at the call).
    import gc
    import random
    import signal
    import threading
    import time

    rng = random.Random(7)
    counts = dict.fromkeys((bytes(rng.choices(b"abcdefghijklmnop", k=20)) for _ in range(300_000)), 1)
    code = trainer_mod.learn_merges_fast.__code__
    main = threading.main_thread().ident
    assert main == threading.get_ident()

    def merging() -> bool:  # this thread is in learn_merges_fast's call of a merge loop
        frame = sys._current_frames().get(main)
        while frame is not None and frame.f_code is not code:
            frame = frame.f_back  # (uncompiled, the loop's own frames are above it)
        return frame is not None and "learn_merges(" in _line_of(frame)

    def interrupt_inside() -> None:
        deadline = time.monotonic() + 120
        while not merging() and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(0.1)
        signal.pthread_kill(main, signal.SIGINT)

    sender = threading.Thread(target=interrupt_inside, daemon=True)
    returned = []
    # A KeyboardInterrupt raised inside a gc callback is unraisable (printed, then lost):
    # hypothesis installs one once its tests have run in this process, and the uncompiled
    # loop collects often enough for the signal to land there.
    callbacks = gc.callbacks[:]
    gc.callbacks.clear()
    try:
        sender.start()
        with pytest.raises(KeyboardInterrupt):
            returned.append(trainer_mod.learn_merges_fast(counts, 1_000_000, progress=False))  # ~10 s of merging
            time.sleep(60)  # (the interrupt of the old code came here, after the merging)
    finally:
        gc.callbacks.extend(callbacks)
    sender.join()
    assert returned == []


def _line_of(frame: Any) -> str:
    import linecache

    return linecache.getline(frame.f_code.co_filename, frame.f_lineno)


def test_tie_breaks_prefer_larger_count_then_smaller_pair() -> None:
    # 'ab' and 'ba' both occur 3 times, 'ab' < 'ba'; 'cd' occurs 4 times: cd, ab, then ba.
    counts = {b"cd": 4, b"ab": 3, b"ba": 3}
    assert merges_mod.learn_merges(counts, 3) == [(99, 100), (97, 98), (98, 97)]
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(["cd"] * 4 + ["ab"] * 3 + ["ba"] * 3, 259, pattern=r"\S+")
    assert [b for b, r in sorted(tok.get_mergeable_ranks(), key=lambda x: x[1])][256:] == [
        b"cd",
        b"ab",
        b"ba",
    ]


def test_overlapping_pairs_merge_left_to_right() -> None:
    # 'aaa' -> (aa, a); 'aaaa' -> (aa, aa): the count of (aa, aa) is 1, of (aa, a) 2.
    texts = ["aaa", "aaa", "aaaa"]
    enc = train(texts, 259, pattern=r"\S+")
    tok = rustbpe.Tokenizer()
    tok.train_from_iterator(texts, 259, pattern=r"\S+")
    assert enc._mergeable_ranks == {bytes(b): r for b, r in tok.get_mergeable_ranks()}
    assert enc.decode_single_token_bytes(257) == b"aaa"


# ----------------------------------------------------------------- inputs


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("shards")
    paths: list[Path] = realdata.write_parquet_shards(
        out, 3, kind="mixed", max_bytes=900_000, rows_per_group=40, doc_bytes=4096
    )
    return paths


def shard_texts(paths: list[Path]) -> list[str]:
    import pyarrow.parquet as pq

    texts: list[str] = []
    for p in paths:
        texts.extend(pq.read_table(p, columns=["text"]).column("text").to_pylist())
    return texts


@pytest.mark.parametrize("num_proc", [1, 2])
def test_parquet_folder_equals_the_texts(
    shards: list[Path], num_proc: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 50_000)
    texts = shard_texts(shards)
    direct = BpeTrainer(2000, num_proc=1, progress=False)
    direct.update(texts, max_chars=1000)
    from_parquet = BpeTrainer(2000, num_proc=num_proc, progress=False)
    from_parquet.update_from_parquet(shards[0].parent, max_chars=1000)
    assert from_parquet.n_documents == len(texts)
    assert from_parquet.piece_counts() == direct.piece_counts()
    assert from_parquet.train()._mergeable_ranks == direct.train()._mergeable_ranks
    # A list of files, in another order, counts the same.
    again = BpeTrainer(2000, num_proc=num_proc, progress=False)
    again.update_from_parquet([str(p) for p in reversed(shards)], max_chars=1000)
    assert again.piece_counts() == direct.piece_counts()


def test_parquet_folder_reads_sub_folders_not_hidden_files(tmp_path: Path, shards: list[Path]) -> None:
    import pyarrow.dataset

    (tmp_path / "train" / "part").mkdir(parents=True)
    (tmp_path / ".cache").mkdir()
    (tmp_path / "_temporary" / "0").mkdir(parents=True)
    kept = [tmp_path / "train" / "b.parquet", tmp_path / "train" / "part" / "a.parquet", tmp_path / "z.parquet"]
    hidden = [tmp_path / ".cache" / "c.parquet", tmp_path / "train" / ".b.parquet"]  # a partial download, say
    for i, path in enumerate(kept + hidden):
        shutil.copyfile(shards[i % len(shards)], path)
    # Spark's unfinished output, which pyarrow's readers of a folder pass over too (it was
    # read, and this one, cut short, failed the training)
    (tmp_path / "_temporary" / "0" / "part-0.parquet").write_bytes(shards[0].read_bytes()[:100])
    shutil.copyfile(shards[0], tmp_path / "train" / "_c.parquet")
    (tmp_path / "_SUCCESS").touch()
    assert parquet_files(tmp_path) == [str(p) for p in kept]  # sorted by path
    assert sorted(parquet_files(tmp_path)) == sorted(pyarrow.dataset.dataset(tmp_path, format="parquet").files)
    direct = BpeTrainer(2000, num_proc=1, progress=False)
    direct.update(shard_texts(kept), max_chars=1000)
    from_folder = BpeTrainer(2000, num_proc=1, progress=False)
    from_folder.update_from_parquet(tmp_path, max_chars=1000)
    assert from_folder.piece_counts() == direct.piece_counts()


def test_parquet_folder_follows_links_to_folders_but_not_loops(tmp_path: Path, shards: list[Path]) -> None:
    """Shards linked in from another disk: ``Path.rglob`` (Python 3.11) does not follow a
    link to a folder, so its files were left out silently, where pyarrow reads them. A
    link back up is not followed (pyarrow's reading of such a folder never ends)."""
    import pyarrow.dataset

    (tmp_path / "elsewhere" / "en").mkdir(parents=True)
    (tmp_path / "corpus" / "fr").mkdir(parents=True)
    shutil.copyfile(shards[0], tmp_path / "elsewhere" / "en" / "part-0.parquet")
    shutil.copyfile(shards[1], tmp_path / "corpus" / "fr" / "part-0.parquet")
    (tmp_path / "corpus" / "en").symlink_to(tmp_path / "elsewhere" / "en")
    expected = [str(tmp_path / "corpus" / "en" / "part-0.parquet"), str(tmp_path / "corpus" / "fr" / "part-0.parquet")]
    assert parquet_files(tmp_path / "corpus") == expected
    assert sorted(pyarrow.dataset.dataset(tmp_path / "corpus", format="parquet").files) == expected
    direct = BpeTrainer(2000, num_proc=1, progress=False)
    direct.update(shard_texts(shards[:2]), max_chars=1000)
    from_folder = BpeTrainer(2000, num_proc=1, progress=False)
    from_folder.update_from_parquet(tmp_path / "corpus", max_chars=1000)
    assert from_folder.piece_counts() == direct.piece_counts()
    (tmp_path / "corpus" / "fr" / "up").symlink_to("..")  # a loop
    (tmp_path / "corpus" / "gone").symlink_to(tmp_path / "nowhere")  # a broken link: no file
    assert parquet_files(tmp_path / "corpus") == expected


@pytest.mark.parametrize("kind", ["large_string", "dictionary", "string_view"])
def test_parquet_string_columns_of_every_arrow_type(tmp_path: Path, kind: str) -> None:
    """pandas' category columns are dictionaries of strings; polars and newer writers use
    large_string or string_view: each row is its text all the same."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = ["the cat", "the dog", "the cat", "a bird"] * 5
    column = {
        "large_string": pa.array(texts, type=pa.large_string()),
        "dictionary": pa.array(texts).dictionary_encode(),
        "string_view": pa.array(texts, type=pa.string_view()) if hasattr(pa, "string_view") else None,
    }[kind]
    if column is None:
        pytest.skip("this pyarrow has no string_view")
    pq.write_table(pa.table({"text": column}), tmp_path / "t.parquet", row_group_size=7)
    from_parquet = BpeTrainer(270, num_proc=1, progress=False)
    from_parquet.update_from_parquet(tmp_path / "t.parquet")
    direct = BpeTrainer(270, num_proc=1, progress=False)
    direct.update(texts)
    assert from_parquet.piece_counts() == direct.piece_counts()


def test_max_chars_crops_each_document() -> None:
    trainer = BpeTrainer(300, num_proc=1, progress=False)
    trainer.update(["abcdef", "xy"], max_chars=3)
    assert trainer.piece_counts() == {b"abc": 1, b"xy": 1}
    assert trainer.n_chars == 5


def test_a_dataset_is_read_whole_whatever_its_format() -> None:
    # numpy's strings drop trailing NULs; a format may leave the text column out.
    import datasets

    texts = ["a b\x00\x00", "hello world\x00", "x y z"] * 50
    ds = datasets.Dataset.from_dict({"text": texts, "n": list(range(len(texts)))})
    direct = BpeTrainer(300, num_proc=1, progress=False)
    direct.update(texts)
    for source in (ds.with_format("numpy"), ds.with_format(columns=["n"]), ds.to_iterable_dataset().with_format("numpy")):
        trainer = BpeTrainer(300, num_proc=1, progress=False)
        trainer.update_from_dataset(source)
        assert trainer.piece_counts() == direct.piece_counts()
    with pytest.raises(TrainingError, match=r"column must be the name of a column \(a str\), not \['text'\]"):
        BpeTrainer(300, num_proc=1).update_from_dataset(ds, column=["text"])  # type: ignore[arg-type]
    # A transform that makes the column from others: it was refused ("no column 'text'"),
    # and one reading a column besides the text found only the text column.
    parts = datasets.Dataset.from_dict({"title": [t[:2] for t in texts], "body": [t[2:] for t in texts]})
    joined = parts.with_transform(lambda b: {"text": [x + y for x, y in zip(b["title"], b["body"])]})
    trainer = BpeTrainer(300, num_proc=1, progress=False)
    trainer.update_from_dataset(joined)
    assert trainer.piece_counts() == direct.piece_counts()
    with pytest.raises(TrainingError, match="the dataset has no column 'text'"):
        BpeTrainer(300, num_proc=1).update_from_dataset(parts.with_transform(lambda b: {"other": b["body"]}))


def test_datasets_inputs_equal_the_texts(corpus: dict[str, list[str]]) -> None:
    datasets = pytest.importorskip("datasets")
    texts = corpus["code"][:150]
    ds = datasets.Dataset.from_dict({"text": texts, "n": list(range(len(texts)))})
    direct = BpeTrainer(1000, num_proc=1, progress=False)
    direct.update(texts)
    for source in (ds, ds.to_iterable_dataset()):
        trainer = BpeTrainer(1000, num_proc=1, progress=False)
        trainer.update_from_dataset(source, batch_size=64)
        assert trainer.piece_counts() == direct.piece_counts()
    with pytest.raises(TrainingError, match="no column 'body'"):
        BpeTrainer(1000, num_proc=1).update_from_dataset(ds, column="body")
    splits = datasets.DatasetDict({"train": ds, "test": ds})  # what load_dataset gives without split=
    with pytest.raises(TrainingTypeError, match=r"got DatasetDict: pick one of its splits \('train', 'test'\), e.g. dataset\['train'\]"):
        BpeTrainer(1000, num_proc=1).update_from_dataset(splits)
    with pytest.raises(TrainingError, match="no column 'body'"):
        BpeTrainer(1000, num_proc=1).update_from_dataset(ds.to_iterable_dataset(), column="body")
    # Every format a dataset can have; a schema known only once read; nulls; batch sizes.
    for source in (ds.with_format("arrow"), ds.with_format("pandas"), ds.to_iterable_dataset().with_format("arrow")):
        trainer = BpeTrainer(1000, num_proc=1, progress=False)
        trainer.update_from_dataset(source, batch_size=64)
        assert trainer.piece_counts() == direct.piece_counts()
    generated = datasets.IterableDataset.from_generator(lambda: ({"text": t} for t in texts[:5]))
    with pytest.raises(TrainingError, match="no column 'body'"):
        BpeTrainer(1000, num_proc=1).update_from_dataset(generated, column="body")
    with pytest.raises(TrainingError, match="row 1 of column 'text' is null"):
        BpeTrainer(1000, num_proc=1).update_from_dataset(datasets.Dataset.from_dict({"text": ["a", None]}))
    for bad in (None, 5):  # rows made into arrow batches as they come: their schema breaks (was ArrowInvalid)

        def rows(bad: object = bad) -> Iterator[dict[str, object]]:
            yield {"text": "a b"}
            yield {"text": bad}

        trainer = BpeTrainer(1000, num_proc=1, progress=False)
        with pytest.raises(TrainingTypeError, match=r"column 'text' could not be read as strings .*text: (null|int64)"):
            trainer.update_from_dataset(datasets.IterableDataset.from_generator(rows))
        assert trainer.piece_counts() == {}  # all or nothing
    late_null = datasets.Dataset.from_dict({"text": ["a b"] * 2500 + [None]})  # the row in the dataset, not the batch
    for source in (late_null, late_null.to_iterable_dataset()):
        with pytest.raises(TrainingError, match="row 2500 of column 'text' is null"):
            BpeTrainer(1000, num_proc=1).update_from_dataset(source, batch_size=1000)
    with pytest.raises(TrainingError, match="batch_size must be an int >= 1"):
        BpeTrainer(1000, num_proc=1).update_from_dataset(ds, batch_size=0)
    import numpy

    trainer = BpeTrainer(1000, num_proc=1, progress=False)
    trainer.update_from_dataset(ds, batch_size=numpy.int64(64))
    assert trainer.piece_counts() == direct.piece_counts()
    broken = ds.with_transform(lambda b: {"text": [t + 1 for t in b["text"]]})  # the user's bug
    with pytest.raises(TypeError, match="can only concatenate str"):
        BpeTrainer(1000, num_proc=1).update_from_dataset(broken)


def test_importing_the_trainer_pulls_no_heavy_packages(tmp_path: Path) -> None:
    code = (
        "import sys, hf_bpe, hf_bpe.trainer\n"
        "enc = hf_bpe.train_bpe(['hello world'] * 3, 260, num_proc=1, progress=False)\n"
        "heavy = [m for m in ('datasets', 'transformers', 'pyarrow', 'tqdm', 'torch') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[]"


def test_spawned_counting_processes(tmp_path: Path) -> None:
    # CPython 3.14 no longer forks by default: the counting processes must work spawned.
    script = tmp_path / "spawn_train.py"
    script.write_text(
        textwrap.dedent(
            """
            import multiprocessing, sys
            sys.path.insert(0, sys.argv[1])
            import realdata
            import hf_bpe.trainer as t
            if __name__ == "__main__":
                multiprocessing.set_start_method("spawn")
                t.BATCH_CHARS = 20_000
                texts = realdata.documents("english", max_bytes=200_000)
                a = t.train_bpe(texts, 700, num_proc=2, progress=False)
                b = t.train_bpe(texts, 700, num_proc=1, progress=False)
                print(a._mergeable_ranks == b._mergeable_ranks, len(a._mergeable_ranks))
            """
        )
    )
    examples = Path(__file__).resolve().parents[1] / "examples"
    out = subprocess.run(
        [sys.executable, str(script), str(examples)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "700"]


def test_lone_surrogates_are_repaired_as_when_encoding() -> None:
    broken = ["abc\ud800def abc", "x\ud83d\ude00y abc"]
    repaired = ["abc\ufffddef abc", "x\U0001f600y abc"]
    a = train(broken, 262)
    b = train(repaired, 262)
    assert a._mergeable_ranks == b._mergeable_ranks


def test_progress_bars_and_timing_logs(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("tqdm")
    with caplog.at_level(logging.INFO, logger="hf_bpe"):
        train(["the cat sat on the mat"] * 20, 268, progress=True)
    err = capsys.readouterr().err
    assert "counting" in err and "merging" in err
    assert "20/20" in err and "12/12" in err  # small counts as they are (were "20.0/20.0")
    train((t for t in ["the cat sat on the mat"] * 20), 268, progress=True)  # no total
    assert "counting: 20doc" in capsys.readouterr().err  # (was "20.0doc")
    messages = [r.getMessage() for r in caplog.records if r.name == "hf_bpe"]
    assert any(m.startswith("counted 20 documents") for m in messages)
    assert any(m.startswith("learned 12 merges") for m in messages)


# ----------------------------------------------------------------- too few pairs


def test_running_out_of_pairs_warns_and_keeps_specials_after_the_last_merge() -> None:
    with pytest.warns(TrainingWarning, match="ran out of pairs after 3 merges") as caught:
        enc = train(["abcd", "abcd"], 300, special_tokens=["<|a|>", "<|b|>"])
    assert caught[0].filename == __file__  # the warning points at the caller's line
    assert enc.n_vocab == 256 + 3 + 2
    assert enc._special_tokens == {"<|a|>": 259, "<|b|>": 260}
    assert enc.decode_single_token_bytes(258) == b"abcd"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(["abcd"], 259)  # exactly enough pairs: no warning


# ----------------------------------------------------------------- bad input


def test_bad_arguments_fail_before_any_work() -> None:
    with pytest.raises(TrainingError, match=r"vocab_size must be an int >= 258 \(it holds the 256 byte tokens and the 2 special"):
        BpeTrainer(257, special_tokens=["<|a|>", "<|b|>"])
    with pytest.raises(TrainingError, match=r"vocab_size must be an int >= 256 .*, got 100"):
        BpeTrainer(100)
    with pytest.raises(TrainingError, match=r"vocab_size must be an int >= 256 .*, got -5"):  # not ">= 0"
        BpeTrainer(-5)
    # The largest: 2**31 ids (the message said only "too large")
    assert BpeTrainer(2**31, special_tokens=["<|a|>"], num_proc=1).vocab_size == 2**31
    with pytest.raises(TrainingError, match=r"vocab_size=2147483649 is too large: at most 2147483648 \(2\*\*31 ids"):
        BpeTrainer(2**31 + 1, special_tokens=["<|a|>"])
    with pytest.raises(TrainingTypeError, match="must be an int"):
        BpeTrainer(True)
    with pytest.raises(TrainingTypeError, match="must be an int"):
        BpeTrainer(1000.0)  # type: ignore[arg-type]
    with pytest.raises(TrainingError, match="num_proc must be an int >= 1"):
        BpeTrainer(1000, num_proc=0)
    np = pytest.importorskip("numpy")  # numpy's integers are ints for every argument
    assert BpeTrainer(np.int64(1000), num_proc=np.int32(1)).num_proc == 1
    assert train(["abcabc"], np.int16(257), max_chars=np.int64(3)).n_vocab == 257
    with pytest.raises(TrainingError, match="given twice"):
        BpeTrainer(1000, special_tokens=["<|a|>", "<|b|>", "<|a|>"])
    with pytest.raises(TrainingError, match="lone surrogate"):
        BpeTrainer(1000, special_tokens=["<|\ud800|>"])
    with pytest.raises(TrainingError, match="non-empty str"):
        BpeTrainer(1000, special_tokens=["<|a|>", ""])
    with pytest.raises(TrainingTypeError, match="not a single str"):
        BpeTrainer(1000, special_tokens="<|a|>")
    with pytest.raises(TrainingTypeError, match="special_tokens must be a list of str, not NoneType"):
        BpeTrainer(1000, special_tokens=None)  # type: ignore[arg-type]
    with pytest.raises(TrainingError, match="not a dict"):  # tiktoken's {text: id} would lose its ids
        BpeTrainer(1000, special_tokens={"<|endoftext|>": 50256})
    with pytest.raises(TrainingError, match="not a set"):  # no order: ids would change between runs
        BpeTrainer(1000, special_tokens={"<|a|>", "<|b|>"})
    assert BpeTrainer(1000, special_tokens={"<|a|>": 0, "<|b|>": 1}.keys()).special_tokens == ("<|a|>", "<|b|>")
    import numpy

    assert BpeTrainer(numpy.int64(1000)).vocab_size == 1000
    with pytest.raises(PatternError):
        BpeTrainer(1000, pattern=r"(unclosed")
    with pytest.raises(TrainingError, match="num_proc"):
        BpeTrainer(1000, num_proc=0)
    with pytest.raises(TrainingError, match="max_chars"):
        BpeTrainer(1000, num_proc=1).update(["x"], max_chars=-1)
    # Every error is also a ValueError, as tiktoken users catch; one of a wrong type is also a
    # TypeError (the rule every other argument follows), and still a TrainingError.
    assert issubclass(TrainingError, ValueError) and issubclass(PatternError, ValueError)
    wrong_types: list[tuple[Callable[[], object], str]] = [
        (lambda: BpeTrainer("300"), "vocab_size must be an int"),  # type: ignore[arg-type]
        (lambda: BpeTrainer(300, num_proc="2"), "num_proc must be an int"),  # type: ignore[arg-type]
        (lambda: BpeTrainer(300, pattern=5), "pattern must be a str"),  # type: ignore[arg-type]
        (lambda: train_bpe(["a"], 300, pattern=None), 'a name such as "rustbpe", the default'),  # type: ignore[arg-type]
        (lambda: BpeTrainer(300, progress="no"), "progress must be"),  # type: ignore[arg-type]
        (lambda: BpeTrainer(300, special_tokens=["<|a|>", 5]), "non-empty str, got 5"),  # type: ignore[list-item]
        (lambda: BpeTrainer(300, num_proc=1).update(["x"], max_chars=1.5), "max_chars must be an int"),  # type: ignore[arg-type]
        (lambda: train_bpe(["a", 5], 260), "text 1 is an int"),  # type: ignore[list-item]
        (lambda: train_bpe(5, 260), "an iterable of texts, not int"),  # type: ignore[arg-type]
        (lambda: train_bpe(["a"], 260, name=5), "name must be a str"),  # type: ignore[arg-type]
        (lambda: BpeTrainer(300).update_counts({b"a": 1}), "takes PieceCounts"),  # type: ignore[arg-type]
        (lambda: PieceCounts([(b"a", "1")]), "must be a positive int"),  # type: ignore[list-item]
        (lambda: PieceCounts([("a", 1)]), "non-empty bytes"),  # type: ignore[list-item]
        (lambda: hf_bpe.count_pieces("abc"), "count_pieces\\(\\) takes an iterable of texts, not a single str"),
        (lambda: hf_bpe.count_pieces(5), "count_pieces\\(\\) takes an iterable of texts, not int"),  # type: ignore[arg-type]
        (lambda: hf_bpe.count_pieces({"text": ["a"]}), "not a mapping"),  # type: ignore[arg-type]
    ]
    for make, message in wrong_types:
        with pytest.raises(TrainingTypeError, match=message) as caught:
            make()
        assert isinstance(caught.value, TypeError) and isinstance(caught.value, TrainingError)
    # ... and a value of the right type out of its range is not a TypeError.
    for make, message in [
        (lambda: BpeTrainer(100), "got 100"),
        (lambda: BpeTrainer(300, special_tokens=["<|a|>", ""]), "non-empty str"),
        (lambda: PieceCounts([(b"a", 0)]), "must be a positive int"),
        (lambda: PieceCounts([(b"", 1)]), "non-empty bytes"),
    ]:
        with pytest.raises(TrainingError, match=message) as caught:
            make()
        assert not isinstance(caught.value, TypeError)


def test_empty_corpus() -> None:
    for texts in ([], [""], ["", ""]):
        trainer = BpeTrainer(1000, num_proc=1, progress=False)
        trainer.update(texts)
        with pytest.raises(TrainingError, match="nothing to train on"):
            trainer.train()
    with pytest.raises(TrainingError, match="nothing to train on"):
        BpeTrainer(1000).train()
    with pytest.raises(TrainingError, match="found no pieces in the 4 characters"):
        train(["\n\n\n\n"], 300, pattern=".")


@pytest.mark.parametrize("num_proc", [1, 2])
def test_non_str_items_fail_and_count_nothing(num_proc: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 1000)
    trainer = BpeTrainer(400, num_proc=num_proc, progress=False)
    trainer.update(["hello world"] * 200)
    before = trainer.piece_counts()

    def stream() -> Iterator[object]:
        yield from ["more text here"] * 300  # several batches already sent
        yield b"bytes are not text"

    with pytest.raises(TrainingTypeError, match="text 300 is a bytes, not a str"):
        trainer.update(stream())  # type: ignore[arg-type]
    with pytest.raises(TrainingError, match="not a single str"):
        trainer.update("a string is not a list of texts")
    with pytest.raises(TrainingError, match="text 1 is None, not a str$"):
        trainer.update(["ok", None])  # type: ignore[list-item]
    with pytest.raises(TrainingError, match=r"not a mapping \(keys \['text', 'id'\]\): pass the column"):
        trainer.update({"text": ["a batch of datasets' map"], "id": [1]})  # its keys are no texts
    import pandas as pd
    import polars as pl

    for frame in (pd.DataFrame({"text": ["a frame"], "id": [1]}), pl.DataFrame({"text": ["a frame"], "id": [1]})):
        # (iterated, a DataFrame gives its column names: they were trained on as the texts)
        with pytest.raises(TrainingTypeError, match=r"not a table \(a DataFrame of columns \['text', 'id'\]\): pass its column"):
            trainer.update(frame)
    assert trainer.piece_counts() == before
    assert trainer.n_documents == 200
    trainer.update(["more text here"])  # still usable
    assert trainer.n_documents == 201
    assert trainer.piece_counts()[b" here"] == before.get(b" here", 0) + 1


def test_parquet_errors(tmp_path: Path, shards: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    trainer = BpeTrainer(1000, num_proc=2, progress=False)
    with pytest.raises(TrainingError, match="has no column 'body'"):
        trainer.update_from_parquet(shards[0].parent, column="body")
    with pytest.raises(TrainingError, match="no such parquet file or folder"):
        trainer.update_from_parquet(tmp_path / "missing")
    for remote in ("hf://datasets/user/repo/data.parquet", str(shards[0].parent / "*.parquet")):  # 'hf:/...' said nothing more
        with pytest.raises(TrainingError, match=f"no such parquet file or folder: '{re.escape(remote)}' \\(local paths are read, not URLs or globs"):
            trainer.update_from_parquet(remote)
    for not_paths, message in ((None, "or a list of them, not None"), (b"x.parquet", "not b'x.parquet'"), ([3], "folder, not 3")):
        with pytest.raises(TrainingTypeError, match=message):
            trainer.update_from_parquet(not_paths)  # type: ignore[arg-type]
    with pytest.raises(TrainingTypeError, match="column must be the name of a column \\(a str\\), not 5"):
        trainer.update_from_parquet(shards[0], column=5)  # type: ignore[arg-type]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TrainingError, match="no \\*.parquet files"):
        trainer.update_from_parquet(empty)
    numbers = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"text": [1, 2, 3]}), numbers)
    with pytest.raises(TrainingTypeError, match="not strings"):
        trainer.update_from_parquet(numbers)
    not_parquet = tmp_path / "junk.parquet"
    not_parquet.write_bytes(b"this is not parquet")
    with pytest.raises(TrainingError, match="cannot read parquet file"):
        trainer.update_from_parquet([shards[0], not_parquet])
    # A null is found while reading (in a counting process): the update counts nothing.
    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 1)
    rows = ["some real text"] * 50 + [None] + ["more"] * 10
    nulls = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"text": pa.array(rows, type=pa.string())}), nulls, row_group_size=10)
    for counting in (trainer, BpeTrainer(1000, num_proc=1, progress=False)):  # in a counting process, or here
        with pytest.raises(TrainingTypeError, match="has a null in row group 5 \\(row 50 of the file\\)"):
            counting.update_from_parquet([shards[0], nulls])
        assert counting.piece_counts() == {}
    # A string column that is not UTF-8 (a writer that did not check): the file and row are named.
    rows = [b"hello world"] * 25 + [b"bad \xff\xfe text"] + [b"fine"] * 5
    not_utf8 = tmp_path / "not_utf8.parquet"
    pq.write_table(pa.table({"text": pa.array(rows, pa.binary()).view(pa.string())}), not_utf8, row_group_size=10)
    message = "is not UTF-8 text in row group 2 \\(row 25 of the file: invalid byte 0xff at offset 4\\)"
    for num_proc in (1, 2):  # the message alone, from a counting process too: no process failed
        with pytest.raises(TrainingError, match="^column 'text' of parquet file .*" + message):
            BpeTrainer(1000, num_proc=num_proc, progress=False).update_from_parquet(not_utf8)
    trainer.update_from_parquet(shards[1])
    assert trainer.n_documents == pq.ParquetFile(shards[1]).metadata.num_rows


@pytest.mark.parametrize("num_proc", [1, 2])
def test_a_corrupt_data_page_names_the_file_and_counts_nothing(tmp_path: Path, num_proc: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    good, bad = tmp_path / "good.parquet", tmp_path / "bad.parquet"
    pq.write_table(pa.table({"text": [f"some real text {i}" for i in range(2000)]}), good, compression="snappy")
    data = bytearray(good.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")  # the metadata stays readable
    pages_end = len(data) - 8 - footer
    for i in range(pages_end // 3, 2 * pages_end // 3):
        data[i] ^= 0x5A
    bad.write_bytes(bytes(data))
    trainer = BpeTrainer(300, num_proc=num_proc, progress=False)
    with pytest.raises(TrainingError, match=r"cannot read row group 0 of parquet file '.*bad.parquet'"):
        trainer.update_from_parquet([good, bad])
    assert trainer.piece_counts() == {}


@pytest.mark.parametrize("told", [1, 2])
def test_an_update_interrupted_while_committing_counts_nothing(monkeypatch: pytest.MonkeyPatch, told: int) -> None:
    # A Ctrl-C after `told` of the 2 processes were told to commit: all or nothing still.
    from hf_bpe.count_pool import CountPool

    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 1000)
    first = [f"hello world {i}" for i in range(500)]
    second = [f"other words {i}" for i in range(500)]
    expected = BpeTrainer(400, num_proc=1, progress=False)
    expected.update(first)
    trainer = BpeTrainer(400, num_proc=2, progress=False)
    trainer.update(first)
    original = CountPool._barrier

    def interrupted(self: CountPool, kind: str, update: int = -1) -> Iterator[tuple[int, int]]:
        if kind == "commit":
            for inbox in self._inboxes[:told]:
                inbox.put((kind, update))
            raise KeyboardInterrupt
        yield from original(self, kind, update)

    monkeypatch.setattr(CountPool, "_barrier", interrupted)
    with pytest.raises(KeyboardInterrupt):
        trainer.update(second)
    monkeypatch.setattr(CountPool, "_barrier", original)
    assert trainer.n_documents == 500
    trainer.update(second)  # the retry counts it once
    expected.update(second)
    assert trainer.piece_counts() == expected.piece_counts()


def test_an_update_counted_here_and_interrupted_while_adding_counts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C while an update counted in this process is added to the counts (a long
    step for a large update) was raised once they were in: the update raised, its
    counts stayed, and the retry the docs suggest counted them twice (other merges)."""
    import signal

    first = [f"hello world {i}" for i in range(500)]
    second = [f"other words {i} {i * 7}" for i in range(500)]
    expected = BpeTrainer(400, num_proc=1, progress=False)
    expected.update(first + second)
    trainer = BpeTrainer(400, num_proc=1, progress=False)
    trainer.update(first)
    before = trainer.piece_counts()
    real_add = trainer_mod._piece_counter.add_counts

    def add_then_ctrl_c(counts: dict[bytes, int], more: dict[bytes, int]) -> None:
        real_add(counts, more)
        signal.raise_signal(signal.SIGINT)  # arrives as the counts are in

    handler = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        monkeypatch.setattr(trainer_mod._piece_counter, "add_counts", add_then_ctrl_c)
        with pytest.raises(KeyboardInterrupt):
            trainer.update(second)
        monkeypatch.undo()
    finally:
        signal.signal(signal.SIGINT, handler)
    assert trainer.piece_counts() == before and trainer.n_documents == 500
    trainer.update(second)  # the retry counts it once
    assert trainer.piece_counts() == expected.piece_counts()
    assert trainer.train().mergeable_ranks == expected.train().mergeable_ranks


CTRL_C_AT = r"""
import multiprocessing.process, multiprocessing.queues, os, signal, sys, threading, time
import hf_bpe
from hf_bpe import trainer as trainer_mod
from hf_bpe.count_pool import CountPool

where = sys.argv[1]
fired = []


def ctrl_c() -> None:
    # A Ctrl-C that lands here, at this very point: Python runs the handler before the
    # next line of the code it interrupts.
    if not fired and threading.current_thread() is threading.main_thread():
        fired.append(where)
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass


if where == "queue lock":  # put() has taken the queue's lock and not yet given it back
    class Condition(threading.Condition):
        def __enter__(self):
            taken = super().__enter__()
            ctrl_c()
            return taken

    reset = multiprocessing.queues.Queue._reset

    def _reset(self, after_fork=False):
        reset(self, after_fork)
        self._notempty = Condition(threading.Lock())

    multiprocessing.queues.Queue._reset = _reset
elif where == "process start":  # a counting process has started but is not recorded yet
    start = multiprocessing.process.BaseProcess.start

    def started(self):
        start(self)
        if self.name.startswith("hf_bpe-count-1"):
            ctrl_c()

    multiprocessing.process.BaseProcess.start = started
elif where == "tallies":  # train() has taken in the first counting process's tally only
    finish = CountPool.finish

    def one_by_one(self):
        for tally in finish(self):
            yield tally
            ctrl_c()

    CountPool.finish = one_by_one

trainer_mod.BATCH_CHARS = 1000
texts = [f"hello world {i}" for i in range(500)]
trainer = hf_bpe.BpeTrainer(400, num_proc=2, progress=False)
try:
    if where == "tallies":
        trainer.update(texts)
        trainer.train()
    else:
        trainer.update([t.upper() for t in texts])
    print("no interrupt")
except KeyboardInterrupt:
    print("interrupted", trainer.n_documents)
expected = int(sys.argv[2])  # processes that end take a moment: wait for them, up to 30 s
deadline = time.monotonic() + 30
while sum(p.is_alive() for p in multiprocessing.active_children()) > expected and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.2)  # (and none that should end later stays)
print("processes", sum(p.is_alive() for p in multiprocessing.active_children()))
trainer.update(texts)
print("trained", trainer.train().n_vocab, trainer.n_documents)
"""


@pytest.mark.parametrize(("where", "documents", "processes"), [("queue lock", 0, 2), ("process start", 0, 0), ("tallies", 500, 0)])
def test_a_ctrl_c_at_the_worst_moment_leaves_a_working_trainer(tmp_path: Path, where: str, documents: int, processes: int) -> None:
    """A Ctrl-C inside a queue's put (its lock taken): the abort waited for the lock forever.
    Between starting a counting process and recording it: the process outlived the
    trainer. While train() takes in the tallies: the counts were lost ("a counting process
    failed ... start a new trainer"). Each is held back until the step is done."""
    out = subprocess.run([sys.executable, "-c", CTRL_C_AT, where, str(processes)], capture_output=True, text=True, timeout=90, cwd=tmp_path)
    # (An interrupted update keeps its processes; a pool that could not start, or that
    # handed over its counts, has none.)
    expected = [f"interrupted {documents}", f"processes {processes}", f"trained 400 {documents + 500}"]
    assert out.stdout.split("\n")[:3] == expected, out.stdout + out.stderr[-3000:]


#: A trainer whose outbox's get sends a Ctrl-C as it takes a reply of the next kind listed
#: in ``armed`` (each once, in order): the interrupt is raised once the reply is out.
REPLY_TRIPWIRE = r"""
import faulthandler, os, signal
import hf_bpe
from hf_bpe import trainer as trainer_mod

signal.signal(signal.SIGINT, signal.default_int_handler)  # CI may start us with it ignored
faulthandler.dump_traceback_later(60, exit=True)  # a hang ends the test, with where it hung
trainer_mod.BATCH_CHARS = 1000
docs = [f"hello world {i}" for i in range(2000)]
trainer = hf_bpe.BpeTrainer(400, num_proc=2, progress=False)
trainer.update(docs[:100])  # starts the counting processes
outbox = trainer._pool._outbox
armed = []


def get_then_ctrl_c(*args, **kwargs):
    msg = type(outbox).get(outbox, *args, **kwargs)
    if armed and msg[0] == armed[0]:
        armed.pop(0)
        os.kill(os.getpid(), signal.SIGINT)
    return msg


outbox.get = get_then_ctrl_c
"""

CTRL_C_AS_A_REPLY_IS_TAKEN = REPLY_TRIPWIRE + r"""
for _ in range(6):  # more replies lost than the processes have room for tasks
    armed.append("done")  # a Ctrl-C comes as a task's reply is taken
    try:
        trainer.update(docs)
    except KeyboardInterrupt:
        print("interrupted", end=" ")
    trainer.update(docs[:100])
print(trainer.n_documents, trainer._pool._inflight)
"""


def test_ctrl_c_as_a_reply_is_taken_leaves_the_trainer_usable(tmp_path: Path) -> None:
    """A Ctrl-C is held back while the trainer reads its processes' replies, and raised once
    the reply is taken: that reply was lost, its process counted busy for good, and after a
    few interrupted updates (a notebook's Kernel > Interrupt) the next update waited forever."""
    out = subprocess.run([sys.executable, "-c", CTRL_C_AS_A_REPLY_IS_TAKEN], capture_output=True, text=True, timeout=90, cwd=tmp_path)
    assert out.stdout.split() == ["interrupted"] * 6 + ["700", "[0,", "0]"], out.stdout + out.stderr[-3000:]


STUCK_PROCESS = r"""
import os, signal, threading, time
import hf_bpe
from hf_bpe import trainer as trainer_mod

trainer_mod.BATCH_CHARS = 1000
trainer = hf_bpe.BpeTrainer(400, num_proc=2, progress=False)
trainer.update([f"hello world {i}" for i in range(500)])
stuck = trainer._pool._procs[0]
os.kill(stuck.pid, signal.SIGSTOP)  # alive, and never hands over its counts


def ctrl_c_twice():
    for _ in range(2):
        time.sleep(1)
        os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1)
    os.kill(stuck.pid, signal.SIGCONT)  # so that the stopped process can be terminated


threading.Thread(target=ctrl_c_twice, daemon=True).start()
try:
    trainer.train()
except KeyboardInterrupt:
    print("interrupted")
try:
    trainer.train()
except hf_bpe.TrainingError as err:
    # What happened, not "a counting process failed": none did, the user stopped them.
    print("lost" if "stopped by a Ctrl-C while the trainer waited for them, and their counts were lost: start a new trainer" in str(err) else err)
"""


def test_a_second_ctrl_c_stops_a_train_waiting_for_a_stuck_process(tmp_path: Path) -> None:
    """The first Ctrl-C while train() takes in the tallies waits for them (and says so); a
    process that never answers would make that wait forever, so a second one stops now."""
    out = subprocess.run([sys.executable, "-c", STUCK_PROCESS], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.stdout.split() == ["interrupted", "lost"], out.stdout + out.stderr[-3000:]
    assert "waiting for the counting processes to hand over their counts" in out.stderr
    assert "(Ctrl-C again to stop now)" in out.stderr


BUSY_PROCESS = r"""
import faulthandler, os, signal, threading, time
import hf_bpe
from hf_bpe import trainer as trainer_mod

signal.signal(signal.SIGINT, signal.default_int_handler)  # CI may start us with it ignored
faulthandler.dump_traceback_later(60, exit=True)  # a hang ends the test, with where it hung
trainer_mod.BATCH_CHARS = 1000
first, second, third = ([f"{word} {i}" for i in range(500)] for word in ("hello world", "other words", "more text"))
expected = hf_bpe.BpeTrainer(400, num_proc=1, progress=False)
expected.update(first + third)
trainer = hf_bpe.BpeTrainer(400, num_proc=2, progress=False)
trainer.update(first)
busy = trainer._pool._procs[0]
os.kill(busy.pid, signal.SIGSTOP)  # busy for good, as one counting a whole large file is for long


def ctrl_c():
    time.sleep(1)
    os.kill(os.getpid(), signal.SIGINT)


threading.Thread(target=ctrl_c, daemon=True).start()
try:
    trainer.update(second)
except KeyboardInterrupt:
    print("interrupted", trainer.n_documents)
os.kill(busy.pid, signal.SIGCONT)
trainer.update(third)  # waits for the busy process to take the abort, then counts
print(trainer.n_documents, trainer.piece_counts() == expected.piece_counts())
print(trainer.train().mergeable_ranks == expected.train().mergeable_ranks)
"""


def test_a_ctrl_c_during_an_update_is_answered_while_a_process_is_still_counting(tmp_path: Path) -> None:
    """The update a Ctrl-C stops is dropped without waiting for the counting processes to
    finish the texts they hold: it waited for them, silently, for as long as it takes to
    count a document (one text file is one document: a minute for a large one, the grace
    time of a job scheduler's SIGTERM). They take the abort afterwards, and the trainer's
    next step waits for that: the interrupted update counts nothing, the next one counts."""
    out = subprocess.run([sys.executable, "-c", BUSY_PROCESS], capture_output=True, text=True, timeout=90, cwd=tmp_path)
    assert out.stdout.split("\n")[:3] == ["interrupted 500", "1000 True", "True"], out.stdout + out.stderr[-3000:]


CTRL_C_AS_AN_ABORT_IS_ANSWERED = REPLY_TRIPWIRE + r"""
armed[:] = ["done", "abort"]  # stop an update, then stop the retry as an abort's answer is taken
for _ in range(2):
    try:
        trainer.update(docs)
    except KeyboardInterrupt:
        print("interrupted", end=" ")
trainer.update(docs)
print(trainer.n_documents, trainer._pool._inflight)
"""


def test_ctrl_c_as_an_aborts_answer_is_taken_leaves_the_trainer_usable(tmp_path: Path) -> None:
    """The answer to an abort taken just as a Ctrl-C came was lost with it (the interrupt,
    held back while the replies are read, is raised once the reply is out): the trainer's
    next step waited for that answer for good."""
    out = subprocess.run([sys.executable, "-c", CTRL_C_AS_AN_ABORT_IS_ANSWERED], capture_output=True, text=True, timeout=90, cwd=tmp_path)
    assert out.stdout.split() == ["interrupted", "interrupted", "2100", "[0,", "0]"], out.stdout + out.stderr[-3000:]


UNCAUGHT_CTRL_C = r"""
import faulthandler, os, signal, threading, time
import hf_bpe

signal.signal(signal.SIGINT, signal.default_int_handler)  # CI may start us with it ignored
faulthandler.dump_traceback_later(60, exit=True)  # a hang ends the test, with where it hung
# Documents of several MB each: a task waiting for a busy process fills the pipe to it.
texts = [("hello world %d " % i) * 1_500_000 for i in range(6)]
trainer = hf_bpe.BpeTrainer(400, num_proc=2, progress=False)


def ctrl_c():
    time.sleep(1)
    print("ctrl-c", flush=True)
    os.kill(os.getpid(), signal.SIGINT)


threading.Thread(target=ctrl_c, daemon=True).start()
trainer.update(texts)  # not caught: the program ends with the traceback
print("not interrupted", flush=True)
"""


def test_a_program_stopped_by_ctrl_c_during_an_update_exits(tmp_path: Path) -> None:
    """The update's abort does not wait for the processes to take their tasks: at exit,
    multiprocessing then waited to finish writing a large task into the pipe of a process
    it had just stopped, for good (the traceback printed, the program still running)."""
    out = subprocess.run([sys.executable, "-c", UNCAUGHT_CTRL_C], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.stdout.split() == ["ctrl-c"] and "KeyboardInterrupt" in out.stderr, out.stdout + out.stderr[-3000:]
    assert "Timeout" not in out.stderr  # (faulthandler's: a hang)


def test_a_with_block_left_by_an_exception_loses_the_counts_out_loud(monkeypatch: pytest.MonkeyPatch) -> None:
    # The processes are stopped at once, their counts with them: the trainer must not go on
    # training on what is left (it did, silently, after a small in-process update).
    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 1000)
    with pytest.raises(ValueError):
        with BpeTrainer(400, num_proc=2, progress=False) as trainer:
            trainer.update([f"hello world {i}" for i in range(500)])
            assert trainer._pool is not None
            raise ValueError("the caller's own error")
    for again in (trainer.train, lambda: trainer.update(["more"])):
        with pytest.raises(TrainingError, match="the with block ended with an exception.*start a new trainer"):
            again()


def test_counting_processes_leave_ctrl_c_to_the_trainer(monkeypatch: pytest.MonkeyPatch) -> None:
    # A terminal's Ctrl-C reaches every process of the group; the workers must survive it.
    import signal

    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 1000)
    trainer = BpeTrainer(400, num_proc=2, progress=False)
    trainer.update(["hello world"] * 500)
    assert trainer._pool is not None
    for proc in trainer._pool._procs:
        os.kill(proc.pid, signal.SIGINT)
    trainer.update(["hello world"] * 500)
    assert trainer.piece_counts() == {b"hello": 1000, b" world": 1000}


def test_a_dead_counting_process_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 1000)
    trainer = BpeTrainer(400, num_proc=2, progress=False)
    trainer.update(["hello world"] * 500)
    assert trainer._pool is not None
    os.kill(trainer._pool._procs[0].pid, signal.SIGKILL)
    trainer._pool._procs[0].join()
    with pytest.raises(TrainingError, match=r"counting process hf_bpe-count-\d (was killed by SIGKILL|died)"):
        trainer.update(["hello world"] * 500)
    with pytest.raises(TrainingError, match="counts were lost"):
        trainer.train()
    # From QA: close() (a `with` block's clean exit, a `finally`) raised it again, hiding
    # the first error in a `finally` and raising from a block that had handled it.
    trainer.close()
    with BpeTrainer(400, num_proc=2, progress=False) as trainer:
        trainer.update(["hello world"] * 500)
        assert trainer._pool is not None
        os.kill(trainer._pool._procs[1].pid, signal.SIGKILL)
        trainer._pool._procs[1].join()
        with pytest.raises(TrainingError, match="was killed by SIGKILL"):
            trainer.update(["hello world"] * 500)
    assert trainer._pool is None


UNGUARDED_TRAINING = """
import multiprocessing, os, sys, hf_bpe
multiprocessing.set_start_method(sys.argv[1], force=True)
with open("ran.log", "a") as log:
    print(os.getpid(), file=log)
try:
    hf_bpe.train_bpe(["hello world %d " % i * 100 for i in range(2000)], 300, num_proc=2, progress=False)
except hf_bpe.TrainingError as err:
    print(err)
"""


@pytest.mark.parametrize("method", [m for m in ("spawn", "forkserver") if m in multiprocessing.get_all_start_methods()])
def test_training_in_a_script_without_a_main_guard_is_told_so(tmp_path: Path, method: str) -> None:
    # Each counting process ran the whole script again, training in-process (and so every
    # side effect of the script, once per process) before serving: now its run of the main
    # module fails where it would train, and the training is a TrainingError saying why.
    (tmp_path / "unguarded.py").write_text(UNGUARDED_TRAINING)
    out = subprocess.run([sys.executable, "unguarded.py", method], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and "ended with exit status 1" in lines[0] and "if __name__" in lines[0], out.stdout + out.stderr[-2000:]
    # Both processes write their traceback to the same stderr: a traceback's parts are written
    # one by one and may interleave ("RuntimeErrorRuntimeError: : ..."), each message is one write.
    assert "RuntimeError" in out.stderr
    assert "training with num_proc=2 in a worker process that is starting up" in out.stderr
    assert len((tmp_path / "ran.log").read_text().split()) in (2, 3)  # the script, and the processes' runs up to training


@pytest.mark.parametrize("victim", [0, 1])
def test_a_process_dying_before_training_loses_the_trainer(monkeypatch: pytest.MonkeyPatch, victim: int) -> None:
    # The tallies are handed over when training starts: one that never arrives must not
    # leave a trainer that trains on the others' counts as if they were the corpus.
    import signal

    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 1000)
    trainer = BpeTrainer(400, num_proc=2, progress=False)
    trainer.update([f"hello world {i}" for i in range(500)])
    assert trainer._pool is not None
    os.kill(trainer._pool._procs[victim].pid, signal.SIGKILL)
    trainer._pool._procs[victim].join()
    with pytest.raises(TrainingError, match=r"counting process hf_bpe-count-\d (was killed by SIGKILL|died)"):
        trainer.train()
    for again in (trainer.train, trainer.piece_counts, lambda: trainer.update(["more"])):
        with pytest.raises(TrainingError, match="counts were lost: start a new trainer"):
            again()


def test_duplicate_merge_bytes_are_refused() -> None:
    # (a, bc) after (b, c) makes b"abc"; so does (ab, c) after (a, b).
    merges = [(98, 99), (97, 256), (97, 98), (258, 99)]
    with pytest.raises(TrainingError, match="already token 257"):
        trainer_mod.ranks_from_merges(merges)


def test_special_token_text_in_the_corpus_is_ordinary_text() -> None:
    # rustbpe knows no special tokens: their text trains like any other text.
    texts = ["<|bos|> hello <|bos|> world"] * 20
    enc = train(texts, 256 + 15 + 1, special_tokens=["<|bos|>"], pattern="rustbpe")
    plain = train(texts, 256 + 15)
    assert enc._mergeable_ranks == plain._mergeable_ranks
    bos = enc._special_tokens["<|bos|>"]
    assert enc.encode("<|bos|>", allowed_special="all") == [bos]
    assert bos not in enc.encode_ordinary("<|bos|>")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["multilingual", "code"])
def test_big_corpus_equals_rustbpe(kind: str) -> None:
    texts = realdata.documents(kind, max_bytes=20_000_000)
    expected = rustbpe_ranks(texts, 32768, RUSTBPE_PATTERN, kind + "-20MB")
    enc = train_bpe(texts, 32768, num_proc=os.cpu_count() or 1, progress=False)
    assert enc._mergeable_ranks == expected


def test_scanner_and_regex_counting_agree(corpus: dict[str, list[str]]) -> None:
    # The known patterns are counted with hand-written scanners, others with the regex:
    # the same pattern in a group (no scanner) must count the same pieces.
    from hf_bpe.piece_counter import PieceCounter
    from hf_bpe.scanners import NONE

    for pattern in (RUSTBPE_PATTERN, NANOCHAT_PATTERN):
        fast, slow = PieceCounter(pattern), PieceCounter(f"(?:{pattern})")
        assert fast.family != NONE and slow.family == NONE
        texts = [doc for kind in KINDS for doc in corpus[kind][:60]] + ["a\ud800b c\ud83d\ude00"]
        a: dict[bytes, int] = {}
        b: dict[bytes, int] = {}
        assert fast.count(texts, a, 3000) == slow.count(texts, b, 3000)
        assert a == b


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base", "r50k_base", "nanochat", "llama3", "qwen2", "qwen3.5", "tekken"])
def test_named_patterns_equal_rustbpe(corpus: dict[str, list[str]], name: str) -> None:
    from hf_bpe.patterns import get_pattern

    texts = [doc for kind in KINDS for doc in corpus[kind][:25]]
    expected = rustbpe_ranks(texts, 1500, get_pattern(name), "mixed-75")
    assert train(texts, 1500, pattern=name)._mergeable_ranks == expected


@pytest.mark.parametrize(
    "pattern",
    [  # split by hf_bpe's compiled matcher (Seed-Coder's as reported; a cousin of o200k's; \w;
        # DeepSeek's last split, of \p{P} and \p{S}), and by regex (\p{Alphabetic})
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+|\s*[\r\n]+|\s+(?!\S)|\s+",
        r"\p{Lu}*\p{Ll}+|\p{Lu}+|\p{N}{1,2}|[^\s\p{L}\p{N}]+[\r\n/]*|\s+(?!\S)|\s",
        r"\w+|\d|\s+|[^\w\s]+",
        r"[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+|\p{N}{1,3}",
        r"\p{Alphabetic}+|\d|\s+|[^\p{Alphabetic}\d\s]+",
    ],
)
def test_patterns_without_a_scanner_equal_rustbpe(corpus: dict[str, list[str]], pattern: str) -> None:
    texts = [doc for kind in KINDS for doc in corpus[kind][:25]]
    expected = rustbpe_ranks(texts, 1500, pattern, "mixed-75")
    enc = train(texts, 1500, pattern=pattern)
    assert enc._splitter.family == 0 and (enc._splitter.program is None) == ("Alphabetic" in pattern)
    assert enc._mergeable_ranks == expected


@pytest.mark.parametrize("pattern", [r"\w*|\s+", r"[a-z]*|\s|\S", r"\s*|\S+", r"\b|\w+|\s+"])
def test_patterns_that_match_nothing_equal_rustbpe(corpus: dict[str, list[str]], pattern: str) -> None:
    # After an empty match, rustbpe's engine searches on from the next character: the
    # character where the empty match was may be in no piece, so it is not counted.
    texts = corpus["english"][:20] + ["hello  world\n\nfoo  bar"] * 10
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", hf_bpe.TrainingWarning)
        ours = train(texts, 400, pattern=pattern)._mergeable_ranks
    assert ours == rustbpe_ranks(texts, 400, pattern, "empty")
    # \s*|\S+ makes few pieces of more than one byte: the pairs run out, as for rustbpe
    assert [str(w.message)[:33] for w in caught] == (["the corpus ran out of pairs after"] if len(ours) < 400 else [])


# ----------------------------------------------------------------- the example scripts

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_tokenizer_trainer_example_prints_the_full_report(tmp_path: Path) -> None:
    shards = realdata.write_parquet_shards(
        tmp_path / "shards", 4, kind="mixed", max_bytes=400_000, rows_per_group=16
    )
    saved = tmp_path / "tok.tiktoken"
    out = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "tokenizer_trainer.py"),
            "--dataset-dir", str(shards[0].parent),
            "--shards", "1-3",
            "--vocab-size", "1200",
            "--batch-size", "16",
            "--num-proc", "2",
            "--time-encode-decode",
            "--tiktoken-save-path", str(saved),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    report = out.stdout
    for line in [
        "Loading Shards: [1, 2, 3]",
        "- training_duration: ",
        "- vocab_size: 1200",
        "Samples Summary:",
        "- avg size: ",
        "- batch size: 16",
        "Timing Encode:",
        "- avg bps: ",
        "Observed Bytes/Token Stats:",
        "- sample byte/token: ",
        "Timing Decode:",
        "- sample avg: ",
    ]:
        assert line in report, line
    # The saved ranks are those of training on the same three shards.
    expected = BpeTrainer(1200, num_proc=1, progress=False)
    expected.update(shard_texts(shards[1:]), max_chars=10_000)
    assert hf_bpe.load_tiktoken_bpe(saved) == expected.train()._mergeable_ranks
    bad = subprocess.run(
        [sys.executable, str(EXAMPLES / "tokenizer_trainer.py"), "--dataset-dir", str(shards[0].parent),
         "--shards", "2-9"],
        capture_output=True, text=True, timeout=60,
    )
    assert bad.returncode != 0 and "no shard 4" in bad.stderr
    # Bad options are usage errors before any training (they were tracebacks, some after it).
    for option, message in ((["--shards", "3-1"], "empty shard range"), (["--shards", "a"], "bad shard number"),
                            (["--shards", "0", "--batch-size", "0"], "at least 1"),
                            (["--shards", "0", "--tiktoken-save-path", str(tmp_path)], "is a directory")):
        bad = subprocess.run(
            [sys.executable, str(EXAMPLES / "tokenizer_trainer.py"), "--dataset-dir", str(shards[0].parent), *option],
            capture_output=True, text=True, timeout=60,
        )
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr, bad.stderr


def test_bench_train_runs_and_checks_ranks() -> None:
    pytest.importorskip("tokenizers")
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "bench_train.py"), "--kind", "english",
         "--max-bytes", "150000", "--vocab-sizes", "600", "--repeats", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "identical to rustbpe" in out.stdout
    assert "hf_tokenizers" in out.stdout


def test_progress_is_logged_every_few_percent_without_a_terminal(caplog: pytest.LogCaptureFixture) -> None:
    """No tty shows a bar under pytest: the stages log INFO lines in 5% steps instead."""
    import logging

    texts = realdata.documents("english", max_bytes=200_000)
    with caplog.at_level(logging.INFO, logger="hf_bpe"):
        train_bpe(texts, 600, num_proc=1, progress=None)
    merging = [r.getMessage() for r in caplog.records if r.getMessage().startswith("merging:")]
    assert 10 <= len(merging) <= 21, merging
    assert merging[-1].startswith("merging: 344 of 344 merges (100%)")
    assert any(r.getMessage().startswith("counting:") for r in caplog.records)


def test_progress_is_logged_at_least_once_a_minute(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The first merges of a large corpus take the longest: before 5% of them were done, the
    log said nothing for minutes. (Here the minute is a moment: a line for each call.)"""
    import logging

    from hf_bpe import progress

    monkeypatch.setattr(progress._Progress, "MAX_SECONDS", 1e-9)
    with caplog.at_level(logging.INFO, logger="hf_bpe"):
        train_bpe(["the cat sat on the mat"] * 10, 268, num_proc=1, progress=None)
    merging = [r.getMessage() for r in caplog.records if r.getMessage().startswith("merging:")]
    assert [m.split(" merges")[0] for m in merging] == [f"merging: {i} of 12" for i in range(13)]  # 0: before the first


def test_progress_of_an_input_of_unknown_length_is_logged_as_it_goes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A generator has no length: counting logged nothing until the summary (every 10
    seconds now; here every update)."""
    import logging

    from hf_bpe import progress

    monkeypatch.setattr(progress._Progress, "SECONDS", 1e-9)
    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 10_000)
    with caplog.at_level(logging.INFO, logger="hf_bpe"):
        train_bpe((f"word{i} " * 100 for i in range(300)), 258, num_proc=1, progress=None)
    counting = [r.getMessage() for r in caplog.records if r.getMessage().startswith("counting:")]
    assert len(counting) >= 3 and counting[-1].startswith("counting: 300 docs in "), counting


# ----------------------------------------------------------------- two phases: counts, then merges


def test_counts_of_any_split_train_exactly_rustbpe(corpus: dict[str, list[str]]) -> None:
    import random

    from hf_bpe.trainer import PieceCounts, count_pieces

    texts = corpus["english"] + corpus["multilingual"]
    vocab_size = 3000
    expected = rustbpe_ranks(texts, vocab_size, RUSTBPE_PATTERN, "english+multilingual")
    whole = count_pieces(texts)
    rng = random.Random(7)
    for n_parts in (2, 5, 17):
        cuts = sorted(rng.sample(range(1, len(texts)), n_parts - 1))
        bounds = [0, *cuts, len(texts)]
        parts = [count_pieces(texts[lo:hi]) for lo, hi in zip(bounds, bounds[1:])]
        rng.shuffle(parts)
        total = PieceCounts(pattern="rustbpe")
        for part in parts:
            total += part
        tree = parts
        while len(tree) > 1:  # pairwise, as a cluster's reduction would
            tree = [a + b if b is not None else a for a, b in zip(tree[::2], [*tree[1::2], None])]
        assert total == tree[0] == whole == sum(parts)
        trainer = BpeTrainer(vocab_size, num_proc=1, progress=False)
        for part in parts:
            trainer.update_counts(pickle_roundtrip(part))
        assert trainer.train()._mergeable_ranks == expected, n_parts


def pickle_roundtrip(obj: Any) -> Any:
    import pickle

    return pickle.loads(pickle.dumps(obj))


def test_update_counts_mixes_with_update_and_piece_counts(corpus: dict[str, list[str]]) -> None:
    from hf_bpe.trainer import PieceCounts, count_pieces

    texts = corpus["code"]
    half = len(texts) // 2
    first = BpeTrainer(2000, pattern="o200k_base", num_proc=1, progress=False)
    first.update(texts[:half], max_chars=3000)
    counts = first.piece_counts()
    assert isinstance(counts, PieceCounts) and counts.pattern == hf_bpe.patterns.O200K_PATTERN
    assert counts == count_pieces(texts[:half], pattern="o200k_base", max_chars=3000)
    assert counts == counts.to_dict() and pickle_roundtrip(counts) == counts
    second = BpeTrainer(2000, pattern="o200k_base", num_proc=1, progress=False)
    second.update_counts(counts)
    second.update(texts[half:], max_chars=3000)
    direct = train(texts, 2000, pattern="o200k_base", max_chars=3000)
    assert second.train()._mergeable_ranks == direct._mergeable_ranks
    assert second.n_documents == len(texts) - half  # update_counts adds no documents


def test_piece_counts_refuse_other_patterns_and_bad_values() -> None:
    from hf_bpe.trainer import PieceCounts, count_pieces

    a = count_pieces(["hello world"], pattern="rustbpe")
    same = count_pieces(["hello world"], pattern=RUSTBPE_PATTERN)  # the name or the regex
    assert a == same and (a + same)[b"hello"] == 2
    assert sum([a]) == a and sum([a]) is not a  # 0 + a: a copy
    with pytest.raises(TypeError):
        1 + a  # type: ignore[operator]
    other = count_pieces(["hello world"], pattern="cl100k_base")
    assert a != other and a.to_dict() == other.to_dict()
    with pytest.raises(TrainingError, match="pattern 'cl100k_base' to piece counts of pattern 'rustbpe'"):
        a + other
    with pytest.raises(TrainingError, match="pattern 'cl100k_base'"):
        a.add(other)
    trainer = BpeTrainer(300, num_proc=1)
    with pytest.raises(TrainingError, match="to a trainer of pattern 'rustbpe'"):
        trainer.update_counts(other)
    with pytest.raises(TrainingError, match="takes PieceCounts"):
        trainer.update_counts({b"hello": 1})  # type: ignore[arg-type]
    with pytest.raises(TrainingError, match="wrap it in a list"):
        count_pieces("hello")
    with pytest.raises(TrainingError, match="text 1 is an int"):
        count_pieces(["a", 1])  # type: ignore[list-item]
    with pytest.raises(TrainingError, match="max_chars"):
        count_pieces(["a"], max_chars=-1)
    with pytest.raises(PatternError):
        count_pieces(["a"], pattern="(unclosed")
    for bad in ({"a": 1}, {b"": 1}, {b"a": 0}, {b"a": True}, {b"a": 1.0}, [(b"a",)]):
        with pytest.raises(TrainingError):
            PieceCounts(bad, pattern="rustbpe")  # type: ignore[arg-type]
    assert PieceCounts([(b"ab", 1), (b"ab", 2)], pattern="nanochat") == {b"ab": 3}
    # A pickle is checked as the constructor checks (one cut or made by hand trained
    # silently, on a negative count too: from QA).
    import pickle

    restore, (form, pattern, counts) = a.__reduce__()
    assert pickle.loads(pickle.dumps(a)) == a and counts == a.to_dict()

    class Forged:  # pickles as PieceCounts with other contents
        def __init__(self, *args: Any) -> None:
            self.args = args

        def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
            return restore, self.args

    assert pickle.loads(pickle.dumps(Forged(form, pattern, counts))) == a
    for bad in ({b"ab": -5, b"cd": 1}, {b"a": 0}, {b"": 1}, {"a": 1}, {b"a": 1.0}, {b"a": True}, [(b"a", 1)]):
        with pytest.raises(TrainingError, match="pickled piece counts"):
            pickle.loads(pickle.dumps(Forged(form, pattern, bad)))
    with pytest.raises(PatternError):
        pickle.loads(pickle.dumps(Forged(form, "(unclosed", counts)))
    with pytest.raises(TrainingError, match="pattern name 'rustbpe', not a regex"):
        pickle.loads(pickle.dumps(Forged(form, "rustbpe", counts)))
    with pytest.raises(TrainingError, match="format 2; this hf_bpe reads format 1"):
        pickle.loads(pickle.dumps(Forged(2, pattern, counts)))
    assert repr(a) == "<PieceCounts: 2 pieces, 2 in all, pattern 'rustbpe'>"
    with pytest.raises(TrainingError, match="nothing to train on"):
        empty = BpeTrainer(300, num_proc=1)
        empty.update_counts(PieceCounts(pattern="rustbpe"))
        empty.train()


COUNTING_PROCESSES_CANNOT_START = r"""
import multiprocessing, resource
import hf_bpe
from hf_bpe import trainer as trainer_mod

trainer_mod.BATCH_CHARS = 1000
texts = [f"hello world {i}" for i in range(500)]
expected = hf_bpe.train_bpe(texts, 300, num_proc=1, progress=False).mergeable_ranks
resource.setrlimit(resource.RLIMIT_NOFILE, (40, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
import hf_bpe.count_pool
hf_bpe.count_pool.refuse_starts_short_of_files = lambda *args, **kwargs: None  # no check first: out of files part-way
try:
    hf_bpe.train_bpe(texts, 300, num_proc=30, progress=False)  # queues and sentinels: too many files
except hf_bpe.TrainingError as err:
    print("could not start 30 counting processes (OSError: [Errno 24]" in str(err), "num_proc=1" in str(err))
print(len(multiprocessing.active_children()))
print(hf_bpe.train_bpe(texts, 300, num_proc=2, progress=False).mergeable_ranks == expected)
"""


def test_counting_processes_that_cannot_start_say_why_and_what_to_do(tmp_path: Path) -> None:
    """Out of file descriptors, or without a writable /dev/shm (AWS Lambda, some sandboxes:
    multiprocessing's queues need it for their locks), training failed with a bare
    OSError ("Read-only file system"), naming neither the cause nor ``num_proc=1``."""
    out = subprocess.run([sys.executable, "-c", COUNTING_PROCESSES_CANNOT_START], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "True", "0", "True"], out.stdout + out.stderr[-3000:]


COUNTING_AT_THE_FILE_LIMIT = FILE_LIMIT_HELPERS + r"""
import resource
import hf_bpe
from hf_bpe import trainer as trainer_mod

trainer_mod.BATCH_CHARS = 1000  # batches for two processes
texts = [f"hello world {i} " * 50 for i in range(1000)]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
before = open_files()
for spare in (6, 7, 10, 11):  # a program near its limit (two processes start with 12)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit_leaving(spare), hard))
    try:
        hf_bpe.train_bpe(texts, 300, num_proc=2, progress=False)
    except hf_bpe.TrainingError as err:
        assert "Too many open files" in str(err), err
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    print(open_files() - before, end=" ")
# Four processes keep four each, their shared queue two, one start three more: 21 free do.
resource.setrlimit(resource.RLIMIT_NOFILE, (limit_leaving(21), hard))
print(hf_bpe.train_bpe(texts, 300, num_proc=4, progress=False).mergeable_ranks == hf_bpe.train_bpe(texts, 300, num_proc=1).mergeable_ranks)
"""


def test_counting_processes_that_cannot_start_for_want_of_files_leave_none_open(tmp_path: Path) -> None:
    """Near the process's file limit, a failed start of the counting processes could keep
    descriptors for good (CPython's start leaks its first pipe when the second fails: here
    2 4 4 8): the trainer checks first that the processes' files can be had, and only
    that (six each at first: four processes and 21 descriptors free were refused)."""
    out = subprocess.run([sys.executable, "-c", COUNTING_AT_THE_FILE_LIMIT], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["0", "0", "0", "0", "True"], out.stdout + out.stderr[-3000:]


def test_file_names_and_batches_given_as_texts_say_what_to_give(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Users of HF tokenizers' ``train(files=[...])`` give paths, users of
    ``train_new_from_iterator`` batches: paths as str trained on the file names, in silence."""
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"part{i}.txt")
        paths[-1].write_text("hello world " * 50, encoding="utf-8")
    with pytest.warns(TrainingWarning, match=r"text 0 is the name of a file \(.*part0.txt'\): training takes texts, not paths"):
        train_bpe([str(p) for p in paths], 260, num_proc=1)
    with pytest.raises(TrainingTypeError, match=r"text 0 is a PosixPath, not a str: .* \(to train on files, read them"):
        train_bpe(paths, 260, num_proc=1)
    with pytest.raises(TrainingTypeError, match=r"text 0 is a list, not a str: .* \(give the texts one by one"):
        train_bpe([["hello", "world"]], 260, num_proc=1)
    import pyarrow as pa

    with pytest.raises(TrainingTypeError, match=r"text 0 is a StringScalar, not a str: .* \(to train on a pyarrow array, give its texts: array.to_pylist"):
        train_bpe(pa.chunked_array([["hello world"]]), 260, num_proc=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        train_bpe([p.read_text(encoding="utf-8") for p in paths], 260, num_proc=1)  # texts: no warning
        # A first document that is one word, also a file's name here, is taken for text.
        (tmp_path / "README").write_text("hello", encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        train_bpe(["README", "hello world " * 50], 260, num_proc=1)


def test_a_trainer_shows_what_it_holds() -> None:
    """It showed ``<hf_bpe.trainer.BpeTrainer object at 0x...>``: an empty trainer and a
    filled one looked alike in a notebook."""
    trainer = BpeTrainer(300, num_proc=1)
    assert repr(trainer) == "<BpeTrainer: vocab_size 300, pattern 'rustbpe', 0 documents counted>"
    trainer.update(["the cat sat", "the hat"])
    assert repr(trainer) == "<BpeTrainer: vocab_size 300, pattern 'rustbpe', 2 documents counted>"
    assert repr(BpeTrainer(300, pattern=r"\S+|\s+", num_proc=1)).startswith("<BpeTrainer: vocab_size 300, pattern '\\\\S+|\\\\s+'")


@pytest.mark.parametrize("num_proc", [1, 2])
def test_parquet_files_whose_names_are_not_utf8_are_read(tmp_path: Path, shards: list[Path], num_proc: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Linux file name may hold any bytes (b"\\xff": "\\udcff" in Python); pyarrow takes a
    name as UTF-8, so training from a folder holding one failed with a bare
    UnicodeEncodeError that named no file (text files and datasets read such names)."""
    import os

    monkeypatch.setattr(trainer_mod, "BATCH_CHARS", 50_000)
    odd = tmp_path / os.fsdecode(b"shard\xff")
    odd.mkdir()
    for i, shard in enumerate(shards):
        shutil.copy(shard, odd / os.fsdecode(b"part-%d-\xfe.parquet" % i))
    direct = BpeTrainer(2000, num_proc=1, progress=False)
    direct.update(shard_texts(shards), max_chars=1000)
    from_parquet = BpeTrainer(2000, num_proc=num_proc, progress=False)
    from_parquet.update_from_parquet(odd, max_chars=1000)
    assert from_parquet.piece_counts() == direct.piece_counts()
