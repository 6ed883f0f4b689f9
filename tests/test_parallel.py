"""Batches across processes: same results, in order, one persistent pool, no nesting."""

from __future__ import annotations

import multiprocessing
import os

import pytest
import realdata
import tiktoken

import hf_bpe
from hf_bpe import parallel


@pytest.fixture(scope="module")
def docs() -> list[str]:
    return realdata.documents("mixed", doc_bytes=4096, max_bytes=600_000)


@pytest.fixture(scope="module")
def enc() -> hf_bpe.Encoding:
    return hf_bpe.get_encoding("o200k_base")


def test_encode_batches_in_processes_equal_tiktoken_in_order(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    assert parallel.workers_for(2, 8, sum(map(len, docs)), len(docs)) == 2
    expected = tiktoken.get_encoding("o200k_base").encode_ordinary_batch(docs, num_threads=1)
    assert enc.encode_ordinary_batch(docs, num_proc=2) == expected
    text = [d + "<|endoftext|>" for d in docs]
    assert enc.encode_batch(text, num_proc=2, allowed_special="all") == [
        enc.encode(t, allowed_special="all") for t in text
    ]


def test_decode_batches_in_processes(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    ids = [enc.encode_ordinary(d) for d in docs] * 2
    assert parallel.workers_for(2, 8, sum(map(len, ids)), len(ids)) == 2
    assert enc.decode_batch(ids, num_proc=2) == docs * 2
    assert enc.decode_bytes_batch(ids, num_proc=2) == [d.encode() for d in docs] * 2


def test_the_pool_persists_between_calls(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    enc.encode_ordinary_batch(docs, num_proc=2)
    pool = parallel._pool(enc, 2)
    pids = {p.pid for p in pool._processes.values()}  # type: ignore[attr-defined]
    enc.encode_ordinary_batch(docs, num_proc=2)
    assert parallel._pool(enc, 2) is pool
    assert {p.pid for p in pool._processes.values()} == pids  # type: ignore[attr-defined]


def test_worker_errors_keep_their_type(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    text = [*docs, "oops <|endoftext|>"]
    with pytest.raises(hf_bpe.DisallowedSpecialTokenError):
        enc.encode_batch(text, num_proc=2)
    ids = [enc.encode_ordinary(d) for d in docs] + [[10**9]]
    with pytest.raises(hf_bpe.UnknownTokenError):
        enc.decode_bytes_batch(ids * 100, num_proc=2)


def test_custom_encodings_travel_to_the_workers(docs: list[str]) -> None:
    ranks = hf_bpe.load_tiktoken_bpe(realdata.vocab_file("r50k_base"))
    custom = hf_bpe.Encoding("custom", pat_str=r"\w+|\s+|[^\w\s]+", mergeable_ranks=ranks, special_tokens={})
    assert custom.encode_ordinary_batch(docs, num_proc=2) == [custom.encode_ordinary(d) for d in docs]


def test_small_batches_stay_in_process() -> None:
    assert parallel.workers_for(4, 8, parallel.MIN_BATCH_CHARS - 1, 100) == 1
    assert parallel.workers_for(4, 8, 10**7, 1) == 1
    assert parallel.workers_for(1, 8, 10**7, 100) == 1
    assert parallel.workers_for(None, 1, 10**7, 100) == 1


def _nested(_: int) -> tuple[bool, int]:
    text = ["word " * 20_000] * 30
    return parallel.in_worker(), parallel.workers_for(2, 8, sum(map(len, text)), len(text))


def test_no_pools_inside_worker_processes() -> None:
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ctx.Pool(1) as pool:
        inside, workers = pool.map(_nested, [0])[0]
    assert inside and workers == 1
    assert not parallel.in_worker()


def test_worker_environment_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.WORKER_ENV, "1")
    assert parallel.in_worker()
    assert parallel.workers_for(2, 8, 10**7, 100) == 1
    monkeypatch.delenv(parallel.WORKER_ENV)
    assert os.environ.get(parallel.WORKER_ENV) is None


def test_processes_only_when_asked() -> None:
    """tiktoken's default call stays in-process; num_threads maps to processes under fork."""
    import multiprocessing

    big = 10**7
    assert parallel.workers_for(None, None, big, 100) == 1
    expected = min(4, os.cpu_count() or 1) if multiprocessing.get_start_method() == "fork" else 1
    assert parallel.workers_for(None, 4, big, 100) == max(1, expected)
