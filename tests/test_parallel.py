"""Batches across processes: same results, in order, one persistent pool, no nesting."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest
import realdata
from conftest import FILE_LIMIT_HELPERS
import tiktoken

import hf_bpe
from hf_bpe import parallel


@pytest.fixture(scope="module")
def docs() -> list[str]:
    return realdata.documents("mixed", doc_bytes=4096, max_bytes=600_000)


@pytest.fixture(scope="module")
def enc() -> hf_bpe.Encoding:
    return hf_bpe.get_encoding("o200k_base")


def _custom(cls: type[hf_bpe.Encoding], name: str) -> hf_bpe.Encoding:
    """An encoding that is not a named one (it travels to the workers by value)."""
    ranks = hf_bpe.load_tiktoken_bpe(realdata.vocab_file("r50k_base"))
    return cls(name, pat_str=r"\w+|\s+|[^\w\s]+", mergeable_ranks=ranks, special_tokens={})


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


def test_texts_of_a_subclass_of_str_travel_as_text(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    """A worker could not unpickle a class defined in a function (or after it started): the
    batch failed with a pickling error or "a worker died", where one process gave the ids."""

    class Text(str):
        pass

    expected = tiktoken.get_encoding("o200k_base").encode_ordinary_batch(docs, num_threads=1)
    texts = [Text(d) for d in docs]
    assert parallel.workers_for(2, None, sum(map(len, texts)), len(texts)) == 2
    assert enc.encode_ordinary_batch(texts, num_proc=2) == expected
    assert enc.encode_batch(texts, num_proc=2) == expected


def test_shutdown_pools_stops_the_workers_and_the_next_batch_starts_new_ones(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    enc.encode_ordinary_batch(docs, num_proc=2)
    pids = [p.pid for p in parallel._pool(enc, 1).processes]
    hf_bpe.shutdown_pools()  # public: frees the workers' memory
    assert pids and not any(Path(f"/proc/{pid}").exists() for pid in pids)  # stopped and reaped
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [enc.encode_ordinary(d) for d in docs]
    assert {p.pid for p in parallel._pool(enc, 1).processes}.isdisjoint(pids)


def test_the_pool_persists_between_calls(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    # num_proc=2: this process and one worker.
    enc.encode_ordinary_batch(docs, num_proc=2)
    pool = parallel._pool(enc, 1)
    pids = [p.pid for p in pool.processes]
    assert len(pids) == 1 and os.getpid() not in pids
    enc.encode_ordinary_batch(docs, num_proc=2)
    assert parallel._pool(enc, 1) is pool
    assert [p.pid for p in pool.processes] == pids and pool.processes[0].is_alive()


IDLE_POOL = """
import multiprocessing, sys, time, hf_bpe
multiprocessing.set_start_method(sys.argv[1])
from hf_bpe import parallel
enc = hf_bpe.Encoding("b", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
docs = ["x" * 300_000, "y" * 300_000]
enc.encode_ordinary_batch(docs, num_proc=2)
processes = list(parallel._pool(enc, 1).processes)
time.sleep(3 * parallel.PARENT_CHECK_SECONDS)  # idle: the worker waits for the next batch
alive = [p.is_alive() for p in processes]
enc.encode_ordinary_batch(docs, num_proc=2)
print(alive, parallel._pool(enc, 1).processes == processes)
"""


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_an_idle_pool_persists_with_every_start_method(tmp_path: Path, method: str) -> None:
    """Under forkserver a worker's parent process is the fork server, not the pool's
    process: a worker that took that for its parent's death left after one idle second."""
    out = subprocess.run([sys.executable, "-c", IDLE_POOL, method], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["[True]", "True"], out.stderr[-2000:]


def test_this_process_takes_the_last_share(
    enc: hf_bpe.Encoding, docs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker takes chunks from the front; this process encodes the last ones itself
    # (the last chunk first).
    here: list[str] = []
    encode_here = enc.encode_ordinary

    def recording(text: str) -> list[int]:
        here.append(text)
        return encode_here(text)

    enc.encode_ordinary_batch(docs, num_proc=2)  # the pool exists before the patch
    monkeypatch.setattr(enc, "encode_ordinary", recording)
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [encode_here(d) for d in docs]
    assert 0 < len(here) < len(docs)
    assert sorted(map(id, here)) == sorted(map(id, docs[len(docs) - len(here) :]))


@pytest.mark.parametrize("where", ["first", "last", "both"])
def test_errors_keep_their_type_and_the_earliest_wins(enc: hf_bpe.Encoding, docs: list[str], where: str) -> None:
    # The first item goes to the worker, the last one stays in this process.
    text = list(docs)
    if where in ("first", "both"):
        text[0] = "oops <|endoftext|>"
    if where in ("last", "both"):
        text[-1] = "oops <|endofprompt|>"
    # A note names the item, whichever process raised it.
    bad = len(text) - 1 if where == "last" else 0
    with pytest.raises(hf_bpe.DisallowedSpecialTokenError, match="endofprompt" if where == "last" else "endoftext") as caught:
        enc.encode_batch(text, num_proc=2)
    assert caught.value.__notes__ == [f"(raised for item {bad} of the batch)"]
    ids = [enc.encode_ordinary(d) for d in docs] * 2
    if where in ("first", "both"):
        ids[0] = [10**9]
    if where in ("last", "both"):
        ids[-1] = [10**9 + 1]
    bad = len(ids) - 1 if where == "last" else 0
    with pytest.raises(hf_bpe.UnknownTokenError, match=str(10**9 + 1) if where == "last" else f"{10**9}\\b") as caught:
        enc.decode_bytes_batch(ids, num_proc=2)
    assert caught.value.__notes__ == [f"(raised for item {bad} of the batch)"]


@pytest.mark.parametrize("num_proc", [None, 2])
def test_a_batch_error_names_its_item(enc: hf_bpe.Encoding, docs: list[str], num_proc: Optional[int]) -> None:
    ids = [enc.encode_ordinary(d) for d in docs] * 2
    for k, bad, error, message in [
        (3, [1, "2"], TypeError, "'str' object cannot be interpreted as an integer"),  # converted in this process
        (5, [1, 2**40], OverflowError, "invalid token id 1099511627776"),  # too large to send to a worker
        (len(ids) - 2, [-1], OverflowError, "invalid token id -1"),
        (7, [enc.encode_single_token(b"\xe2\x80")], UnicodeDecodeError, "unexpected end of data"),  # errors="strict"
    ]:
        batch = list(ids)
        batch[k] = bad
        with pytest.raises(error, match=message) as caught:
            enc.decode_batch(batch, num_proc=num_proc, errors="strict")
        assert caught.value.__notes__ == [f"(raised for item {k} of the batch)"]
        if error is not UnicodeDecodeError:
            with pytest.raises(error, match=message) as caught:
                enc.decode_bytes_batch(batch, num_proc=num_proc)
            assert caught.value.__notes__ == [f"(raised for item {k} of the batch)"]
    text = list(docs)
    text[4] = "<|endoftext|>"
    with pytest.raises(hf_bpe.DisallowedSpecialTokenError) as caught:
        enc.encode_batch(text, num_proc=num_proc)
    assert caught.value.__notes__ == ["(raised for item 4 of the batch)"]


def test_an_item_error_keeps_the_workers_and_leaks_nothing(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    # A service that skips a bad document per batch must not run out of file descriptors.
    # The bad one first (a worker's chunk raises) and last (this process's chunk raises).
    bad = "oops <|endoftext|>"
    enc.encode_ordinary_batch(docs, num_proc=2)
    pool = parallel._pool(enc, 1)
    pids = [p.pid for p in pool.processes]
    fds = len(os.listdir("/proc/self/fd"))
    for text in [[bad, *docs], [*docs, bad]] * 10:
        with pytest.raises(hf_bpe.DisallowedSpecialTokenError):
            enc.encode_batch(text, num_proc=2)
    assert parallel._pool(enc, 1) is pool and [p.pid for p in pool.processes] == pids
    assert len(os.listdir("/proc/self/fd")) == fds
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [enc.encode_ordinary(d) for d in docs]


def test_custom_encodings_travel_to_the_workers(docs: list[str]) -> None:
    custom = _custom(hf_bpe.Encoding, "custom")
    assert custom.encode_ordinary_batch(docs, num_proc=2) == [custom.encode_ordinary(d) for d in docs]


def test_small_batches_stay_in_process() -> None:
    assert parallel.workers_for(4, 8, parallel.MIN_BATCH_CHARS - 1, 100) == 1
    assert parallel.workers_for(4, 8, 10**7, 1) == 1
    assert parallel.workers_for(1, 8, 10**7, 100) == 1
    assert parallel.workers_for(None, 1, 10**7, 100) == 1
    # many short items: more work handing them out than sharing saves
    assert parallel.workers_for(2, 8, 10**7, 10**7 // (parallel.MIN_ITEM_CHARS - 1)) == 1
    assert parallel.workers_for(2, 8, 10**7, 10**7 // parallel.MIN_ITEM_CHARS) == 2


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
    assert not parallel.in_worker()
    assert parallel.workers_for(2, 8, 10**7, 100) == 2


def test_processes_only_when_asked() -> None:
    """tiktoken's default call stays in-process; num_threads maps to processes under fork."""
    import multiprocessing

    big = 10**7
    assert parallel.workers_for(None, None, big, 100) == 1
    expected = min(4, os.cpu_count() or 1) if multiprocessing.get_start_method() == "fork" else 1
    assert parallel.workers_for(None, 4, big, 100) == max(1, expected)


@pytest.mark.parametrize(("num_proc", "num_threads", "error"), [(0, None, ValueError), (-3, None, ValueError), (None, 0, ValueError), (2.5, None, TypeError), (True, None, TypeError)])
def test_process_counts_are_checked(enc: hf_bpe.Encoding, num_proc: object, num_threads: object, error: type) -> None:
    # tiktoken: "max_workers must be greater than 0" (a ValueError) for num_threads=0
    with pytest.raises(error, match="num_proc|num_threads"):
        enc.encode_ordinary_batch(["a b"] * 3, num_proc=num_proc, num_threads=num_threads)  # type: ignore[arg-type]
    assert enc.encode_ordinary_batch(["a b"] * 3, num_proc=np.int64(1)) == [enc.encode_ordinary("a b")] * 3


START_METHOD = """
import multiprocessing, hf_bpe
enc = hf_bpe.Encoding("b", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
assert enc.encode_batch(["hello", "world"], num_threads=4) == [list(b"hello"), list(b"world")]
enc.encode_ordinary_batch(["x" * 300_000, "y" * 300_000], num_proc=2)  # with a worker process
multiprocessing.set_start_method("spawn")  # the program's choice stays open, as with tiktoken
print("ok")
"""


def test_batches_leave_the_start_method_to_the_program(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", START_METHOD], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_a_worker_that_died_between_batches_is_replaced(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    expected = enc.encode_ordinary_batch(docs, num_proc=2)
    pool = parallel._pool(enc, 1)
    pool.processes[0].kill()  # out of memory, say, while idle
    pool.processes[0].join()
    assert enc.encode_ordinary_batch(docs, num_proc=2) == expected
    assert parallel._pool(enc, 1) is not pool


class _Dying(hf_bpe.Encoding):
    def encode_ordinary(self, text: str) -> list[int]:
        if text == "die" and os.environ.get(parallel.WORKER_ENV) == "1":
            os._exit(3)
        if text == "signal" and os.environ.get(parallel.WORKER_ENV) == "1":
            os.kill(os.getpid(), signal.SIGRTMIN + 1)  # a real-time signal: signal.Signals has no name for it
        return super().encode_ordinary(text)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the worker must inherit the subclass")
def test_a_worker_dying_in_a_batch_is_a_worker_error_and_the_next_batch_starts_afresh(docs: list[str]) -> None:
    enc = _custom(_Dying, "dying")
    with pytest.raises(hf_bpe.WorkerError, match=r"ended with exit status 3 \(its error is printed above\)$"):
        enc.encode_ordinary_batch(["die", *docs], num_proc=2)  # the first chunk goes to the worker
    with pytest.raises(hf_bpe.WorkerError, match=f"killed by signal {signal.SIGRTMIN + 1};"):  # was a ValueError
        enc.encode_ordinary_batch(["signal", *docs], num_proc=2)
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [enc.encode_ordinary(d) for d in docs]


SPAWNED_FROM_STDIN = """
import multiprocessing, hf_bpe
multiprocessing.set_start_method("spawn")
enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
for _ in range(2):
    try:
        enc.encode_ordinary_batch(["x" * 100_000] * 4, num_proc=2)
    except hf_bpe.WorkerError as err:
        print(err)
"""


def test_a_worker_that_cannot_start_says_why(tmp_path: Path) -> None:
    # A spawned worker of a program read from stdin cannot import its main module again,
    # and fails at start: that was "died (killed, or out of memory?)".
    out = subprocess.run([sys.executable, "-"], input=SPAWNED_FROM_STDIN, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all("ended with exit status 1" in line and "if __name__" in line for line in lines), out.stdout + out.stderr[-2000:]


UNGUARDED = """
import multiprocessing, os, sys, hf_bpe
multiprocessing.set_start_method(sys.argv[1], force=True)
with open("ran.log", "a") as log:
    print(os.getpid(), file=log)
ranks = {bytes([i]): i for i in range(256)}
if sys.argv[2] == "large":  # more than a pipe holds, pickled
    ranks.update({bytes([a, b]): 256 + 128 * a + b for a in range(256) for b in range(128)})
enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+", mergeable_ranks=ranks, special_tokens={})
try:
    enc.encode_ordinary_batch(["x" * 100_000] * 4, num_proc=2)
except hf_bpe.WorkerError as err:
    print(err)
"""


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("method", [m for m in ("spawn", "forkserver") if m in multiprocessing.get_all_start_methods()])
def test_a_script_without_a_main_guard_is_told_so(tmp_path: Path, method: str, size: str) -> None:
    # Its worker ran the whole script again, its batch in-process, before serving: every
    # side effect twice, no word said (multiprocessing raises there). Now the worker's run
    # of the main module fails at the batch, and the batch is a WorkerError saying why.
    # From QA: an encoding larger than a pipe holds, given among the worker's arguments,
    # left the batch waiting for good under spawn (multiprocessing writes them while it
    # keeps the worker's end of their pipe open): it goes over the worker's own pipe.
    (tmp_path / "unguarded.py").write_text(UNGUARDED)
    out = subprocess.run([sys.executable, "unguarded.py", method, size], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and "ended with exit status 1" in lines[0] and "if __name__" in lines[0], out.stdout + out.stderr[-2000:]
    assert "RuntimeError: a batch with 2 processes in a worker process that is starting up" in out.stderr
    assert len((tmp_path / "ran.log").read_text().split()) == 2  # the script, and the worker's run of it up to the batch


def test_a_worker_reaped_by_someone_else_is_still_stopped(docs: list[str]) -> None:
    # Another thread's Process.start() reaps every ended child (multiprocessing's _cleanup);
    # a worker reaped there made shutdown_pools raise "Cannot close a process while it is
    # still running" and leave the other pools running.
    enc = _custom(hf_bpe.Encoding, "reaped")
    enc.encode_ordinary_batch(docs, num_proc=2)
    other = _custom(hf_bpe.Encoding, "other")
    other.encode_ordinary_batch(docs, num_proc=2)
    worker, others = parallel._pools[id(enc)].processes[0], [p.pid for p in parallel._pools[id(other)].processes]
    os.kill(worker.pid, signal.SIGKILL)
    os.waitpid(worker.pid, 0)
    hf_bpe.shutdown_pools()
    assert not parallel._pools and not any(map(_running, others))
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [enc.encode_ordinary(d) for d in docs]


class _StoppingThePool(hf_bpe.Encoding):
    """Does what another thread does when it finds one of the pool's workers dead: stops the
    pool, closing the pipes under the batch running in this thread."""

    def encode_ordinary(self, text: str) -> list[int]:
        if text == "stop" and os.environ.get(parallel.WORKER_ENV) != "1":
            parallel._pools[id(self)].stop()
        return super().encode_ordinary(text)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the worker must inherit the subclass")
def test_a_pool_stopped_under_a_batch_is_a_worker_error(docs: list[str]) -> None:
    enc = _custom(_StoppingThePool, "stopping")
    with pytest.raises(hf_bpe.WorkerError, match="died"):  # was: OSError("handle is closed")
        enc.encode_ordinary_batch([*docs, "stop"], num_proc=2)  # this process takes the last chunk
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [enc.encode_ordinary(d) for d in docs]


def test_pools_leave_with_their_encoding(docs: list[str]) -> None:
    import gc

    before = {p.pid for p in multiprocessing.active_children()}
    for num_proc in (2, 3, 2):
        enc = _custom(hf_bpe.Encoding, "short-lived")
        enc.encode_ordinary_batch(docs, num_proc=num_proc)
        assert len(parallel._pool(enc, 1).processes) == num_proc - 1  # one pool, grown as asked
        del enc
        gc.collect()
    assert {p.pid for p in multiprocessing.active_children()} <= before


def test_ids_no_machine_int_holds_are_unknown_tokens_from_workers_too(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    ids = [enc.encode_ordinary(d) for d in docs] * 2
    for bad in (-1, 1 << 32, 1 << 70):
        for where in (0, len(ids) - 1):  # a worker's chunk, this process's chunk
            broken = [list(row) for row in ids]
            broken[where][5] = bad
            # An UnknownTokenError that is also tiktoken's OverflowError, from either process.
            with pytest.raises(hf_bpe.TokenIdOverflowError, match=str(bad)) as info:
                enc.decode_batch(broken, num_proc=2)
            assert info.value.token == bad  # the error's fields travel from a worker too
            with pytest.raises(hf_bpe.TokenIdOverflowError):
                enc.decode_bytes_batch(broken, num_proc=2)


def test_special_token_names_of_any_collection_travel(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    text = [d + "<|endoftext|>" for d in docs]
    names = {"<|endoftext|>": 0}.keys()  # a keys view does not pickle
    assert enc.encode_batch(text, num_proc=2, allowed_special=names) == [
        enc.encode(t, allowed_special="all") for t in text
    ]


def test_shutting_down_while_another_thread_batches(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    import threading

    expected = enc.encode_ordinary_batch(docs, num_proc=2)
    results: list[bool] = []
    failures: list[BaseException] = []

    def batches() -> None:
        try:
            for _ in range(6):
                results.append(enc.encode_ordinary_batch(docs, num_proc=2) == expected)
        except BaseException as err:
            failures.append(err)

    thread = threading.Thread(target=batches)
    thread.start()
    while thread.is_alive():
        parallel.shutdown_pools()  # waits for the batch in flight, never talks across it
        time.sleep(0.05)
    thread.join()
    assert failures == [] and results == [True] * 6


def test_a_batch_whose_workers_are_shut_down_says_so(
    enc: hf_bpe.Encoding, docs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # shutdown_pools waits CLOSE_WAIT_SECONDS for a batch in flight, then stops its workers
    # under it: the batch's WorkerError said "died (killed, or out of memory?)".
    import threading

    monkeypatch.setattr(parallel, "CLOSE_WAIT_SECONDS", 0.01)
    failures: list[BaseException] = []

    def batch() -> None:
        try:
            enc.encode_ordinary_batch(docs * 30, num_proc=2)
        except BaseException as err:
            failures.append(err)

    thread = threading.Thread(target=batch)
    thread.start()
    while not any(pool.lock.locked() for pool in list(parallel._pools.values())):
        time.sleep(0.001)
    parallel.shutdown_pools()
    thread.join()
    assert len(failures) == 1 and isinstance(failures[0], hf_bpe.WorkerError), failures
    assert str(failures[0]).startswith("the batch's hf_bpe worker processes were stopped by hf_bpe.shutdown_pools()")
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [enc.encode_ordinary(d) for d in docs]  # new workers


def test_a_batch_whose_pipe_is_closed_while_it_sends_says_so(
    enc: hf_bpe.Encoding, docs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """shutdown_pools closing a pipe between multiprocessing's check that it is open and its
    write (the race above, on a busy machine: one CI run in many) made os.write of a None
    handle raise a TypeError out of the batch. Here the shutdown runs at that very moment:
    the real send goes on, on the pipe the real shutdown closed."""
    import threading
    from multiprocessing.connection import Connection

    monkeypatch.setattr(parallel, "CLOSE_WAIT_SECONDS", 0.01)
    send_bytes = Connection._send_bytes
    stopped = []

    def shut_down_then_send(conn: Connection, buf: Any) -> None:
        if not stopped:
            other = threading.Thread(target=parallel.shutdown_pools)
            other.start()
            other.join()
            stopped.append(conn.closed)  # (an assert here would surface as the WorkerError)
        send_bytes(conn, buf)

    monkeypatch.setattr(Connection, "_send_bytes", shut_down_then_send)
    with pytest.raises(hf_bpe.WorkerError, match=r"^the batch's hf_bpe worker processes were stopped by hf_bpe.shutdown_pools\(\)"):
        enc.encode_ordinary_batch(docs * 3, num_proc=2)
    assert stopped == [True]
    monkeypatch.setattr(Connection, "_send_bytes", send_bytes)
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [enc.encode_ordinary(d) for d in docs]  # new workers


ORPHAN = """
import os, hf_bpe, realdata
enc = hf_bpe.get_encoding("r50k_base")
enc.encode_ordinary_batch(realdata.documents("mixed", doc_bytes=4096, max_bytes=600_000), num_proc=3)
from hf_bpe import parallel
print(*[p.pid for pool in parallel._pools.values() for p in pool.processes], flush=True)
os._exit(0)  # no atexit, no goodbye to the workers: as if killed
"""


def test_workers_leave_when_their_parent_dies_without_a_word(tmp_path: Path) -> None:
    paths = [str(Path(realdata.__file__).parent), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    # (the workers hold the pipes too: the run ends when they have left)
    out = subprocess.run([sys.executable, "-c", ORPHAN], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 2, out.stderr

    def running(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")  # zombies have left
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 30
    while any(map(running, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(running, pids))


ORPHANED_MID_BATCH = """
import os, threading, time, hf_bpe
from hf_bpe import parallel

class Slow(hf_bpe.Encoding):
    def encode_ordinary(self, text):
        if os.environ.get(parallel.WORKER_ENV) == "1" and text == "slow":
            open("entered", "w").close()  # the worker is inside the batch
            time.sleep(1.5)  # the parent dies meanwhile
        return super().encode_ordinary(text)

enc = Slow("slow", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
docs = ["slow", *["x" * 50_000] * 40]
threading.Thread(target=enc.encode_ordinary_batch, args=(docs,), kwargs={"num_proc": 2}, daemon=True).start()
deadline = time.monotonic() + 60
while not os.path.exists("entered") and time.monotonic() < deadline:
    time.sleep(0.01)
os._exit(0)
"""


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the worker must inherit the subclass")
def test_a_worker_orphaned_mid_batch_leaves_quietly(tmp_path: Path) -> None:
    # (the worker holds stderr too: the run ends when it has left)
    out = subprocess.run([sys.executable, "-c", ORPHANED_MID_BATCH], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stderr == "", out.stderr[-2000:]
    assert (tmp_path / "entered").exists()  # the parent left while the worker was mid-batch


PARENT_DIES_WRITING = """
import os, signal, struct, sys
import hf_bpe
from hf_bpe import parallel
from hf_bpe.count_pool import CountPool
if sys.argv[1] == "count":  # the trainer's counting processes
    pool = CountPool(r"\\S+|\\s+", 2)
    pipes, processes = [inbox._writer for inbox in pool._inboxes], pool._procs
else:  # a batch's workers
    enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    pool = parallel._pool(enc, 2)
    pipes, processes = pool.conns, pool.processes
# A message of 1 MB whose first bytes only were written: the parent dies writing it. The
# other process holds a copy of the pipe's writing end (forked after it was made), so the
# reader never sees the pipe end.
os.write(pipes[0].fileno(), struct.pack("!i", 1 << 20) + bytes(10))
print(*[process.pid for process in processes], flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("pool", ["count", "batch"])
def test_workers_leave_when_the_parent_dies_writing_to_them(pool: str, tmp_path: Path) -> None:
    # Three times: the workers' watch once ended by itself, reading /proc of a parent that
    # was just going (about one time in three).
    for _ in range(3):
        # Output to files, not pipes: the workers hold them too, and would keep a pipe open.
        with open(tmp_path / "out", "w") as out, open(tmp_path / "err", "w") as err:
            run = subprocess.run([sys.executable, "-c", PARENT_DIES_WRITING, pool], stdout=out, stderr=err, timeout=120)
        assert run.returncode == -signal.SIGKILL, (tmp_path / "err").read_text()[-2000:]
        pids = [int(pid) for pid in (tmp_path / "out").read_text().split()]
        assert len(pids) == 2
        deadline = time.monotonic() + 30
        while any(map(_running, pids)) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [pid for pid in pids if _running(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"workers {left} outlived their parent: {(tmp_path / 'err').read_text()[-2000:]}"


WITHOUT_PROC = """
import time, hf_bpe
from hf_bpe import parallel
enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
docs = [" ".join(f"w{i % 997}x{i % 13 + k}" for i in range(30_000)) for k in range(4)]
pids = []
for _ in range(2):
    assert enc.encode_ordinary_batch(docs, num_proc=2) == [enc.encode_ordinary(d) for d in docs]
    pids.append(parallel._pools[id(enc)].processes[0].pid)
    time.sleep(2.5)  # the workers look for their creator every second
assert pids[0] == pids[1], pids
assert len(hf_bpe.train_bpe(docs, 300, num_proc=2, progress=False).mergeable_ranks) == 300
print("ok")
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs unshare and root")
def test_workers_stay_where_proc_shows_other_processes(tmp_path: Path) -> None:
    # Workers look for their creator in /proc; where /proc does not show this process's
    # processes (not mounted, or another PID namespace's) they took it for dead and left
    # at once, and every batch failed.
    script = tmp_path / "main.py"
    script.write_text(WITHOUT_PROC)
    shell = f"mount -t tmpfs none /proc && exec {sys.executable} {script}"
    out = subprocess.run(["unshare", "-m", "sh", "-c", shell], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    if "mount" in out.stderr and out.returncode != 0 and "ok" not in out.stdout:
        pytest.skip(f"cannot mount here: {out.stderr.strip()}")
    assert out.stdout.strip() == "ok", out.stdout + out.stderr[-2000:]


class _Unpicklable(ValueError):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.callback = lambda: None


class _Exploding(hf_bpe.Encoding):
    def encode_ordinary(self, text: str) -> list[int]:
        if text.startswith("boom"):
            raise _Unpicklable()
        return super().encode_ordinary(text)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the worker must inherit the subclass")
def test_an_error_that_cannot_be_pickled_arrives_as_a_worker_error(docs: list[str]) -> None:
    enc = _custom(_Exploding, "exploding")
    with pytest.raises(hf_bpe.WorkerError, match="_Unpicklable: cannot travel") as caught:
        enc.encode_ordinary_batch(["boom", *docs], num_proc=2)  # the first chunk goes to the worker
    assert caught.value.__notes__ == ["(raised for item 0 of the batch)"]  # kept from the worker's error
    with pytest.raises(_Unpicklable) as raised:
        enc.encode_ordinary_batch([*docs, "boom"], num_proc=2)  # the last one stays here
    assert raised.value.__notes__ == [f"(raised for item {len(docs)} of the batch)"]


CTRL_C = """
import shutil
import signal
# Python's own Ctrl-C handler, as in a terminal (a background job of a script, such as
# this test run in CI, starts with SIGINT ignored, and its children inherit that).
signal.signal(signal.SIGINT, signal.default_int_handler)
import hf_bpe, realdata
enc = hf_bpe.get_encoding("o200k_base")
docs = realdata.documents("mixed", doc_bytes=4096, max_bytes=2_000_000)
enc.encode_ordinary_batch(docs, num_proc=2)
print("ready", hf_bpe.COMPILED, flush=True)
while True:
    enc.encode_ordinary_batch(docs, num_proc=2)
"""


def test_ctrl_c_stops_the_batch_and_its_workers_quietly(tmp_path: Path) -> None:
    # Run from tmp_path, with no empty PYTHONPATH entry: the working directory (the
    # repository's root, the source tree) must not come before the installed build.
    paths = [str(Path(realdata.__file__).parent), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    proc = subprocess.Popen([sys.executable, "-c", CTRL_C], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == f"ready {hf_bpe.COMPILED}\n"  # this build
        time.sleep(0.5)  # inside a batch by now
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0
    assert err.count("KeyboardInterrupt") == 1, err  # the parent's; the workers ignore Ctrl-C
    for _ in range(100):  # the workers leave with the parent
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("worker processes outlived the parent")


def _run(script: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    paths = [str(tmp_path), str(Path(realdata.__file__).parent), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    return subprocess.run([sys.executable, "-c", script, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


COLLECTED_WHILE_STARTING = """
import gc, hf_bpe
from hf_bpe import parallel
ranks = {bytes([i]): i for i in range(256)}
class Holder: pass
held = Holder(); held.me = held
held.enc = hf_bpe.Encoding("a", pat_str=r"\\S+|\\s+", mergeable_ranks=ranks, special_tokens={})
held.enc.encode_ordinary_batch(["x" * 300_000, "y" * 300_000], num_proc=2)
del held  # the encoding (with workers) is only in a cycle now
with parallel._pools_lock:  # as _pool() holds it while it starts workers
    gc.collect()  # collects the encoding: its finalizer stops its workers
print("ok", len(parallel._pools))
"""


def test_an_encoding_collected_while_a_pool_starts_does_not_deadlock(tmp_path: Path) -> None:
    # A collection inside _pool() (it allocates) ran a finalizer that took its lock again.
    out = _run(COLLECTED_WHILE_STARTING, tmp_path)
    assert out.stdout.split() == ["ok", "0"], out.stderr[-2000:]


def _train_in_a_pool_worker(texts: list[str]) -> int:
    return len(hf_bpe.train_bpe(texts, vocab_size=300, num_proc=2).mergeable_ranks)


def test_training_inside_a_pool_worker_counts_in_process() -> None:
    # A multiprocessing.Pool worker is daemonic: it may not start the counting processes.
    texts = realdata.documents("english", doc_bytes=4096, max_bytes=2_500_000)  # more than one batch
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_train_in_a_pool_worker, (texts,)) == 300


IMPORTED_BY_A_SPAWNED_CHILD = """
import hf_bpe
enc = hf_bpe.get_encoding("r50k_base")
TABLE = enc.encode_ordinary_batch(["hello world " * 30_000] * 2, num_proc=2)  # at import
def work():
    print("child", len(TABLE[0]), flush=True)
"""

SPAWN_MAIN = """
import multiprocessing
if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    import batch_at_import
    child = multiprocessing.Process(target=batch_at_import.work)
    child.start(); child.join()
    print("exit", child.exitcode)
"""


def test_a_batch_while_a_spawned_child_starts_runs_in_process(tmp_path: Path) -> None:
    # The child imports the module of its target before multiprocessing calls it a child.
    (tmp_path / "batch_at_import.py").write_text(IMPORTED_BY_A_SPAWNED_CHILD)
    (tmp_path / "main.py").write_text(SPAWN_MAIN)
    paths = [str(tmp_path), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    out = subprocess.run([sys.executable, "main.py"], env=dict(os.environ, PYTHONPATH=os.pathsep.join(paths)),
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["child", "60001", "exit", "0"], out.stderr[-2000:]


AFTER_EXIT = """
import hf_bpe
from hf_bpe import parallel
enc = hf_bpe.get_encoding("r50k_base")
texts = ["hello world " * 30_000] * 2
parallel._at_exit()  # what runs at exit; a daemon thread's batch may still come
print(enc.encode_ordinary_batch(texts, num_proc=2) == [enc.encode_ordinary(t) for t in texts], len(parallel._pools))
"""


def test_batches_after_the_exit_handler_stay_in_process(tmp_path: Path) -> None:
    out = _run(AFTER_EXIT, tmp_path)
    assert out.stdout.split() == ["True", "0"], out.stderr[-2000:]


def test_decode_batch_with_an_errors_handler_registered_after_the_pool_started(enc: hf_bpe.Encoding, docs: list[str]) -> None:
    import codecs

    ids = [[*enc.encode_ordinary(d), enc.encode_single_token(b"\x80")] for d in docs] * 2  # each ends with a stray byte
    assert parallel.workers_for(2, 8, sum(map(len, ids)), len(ids)) == 2
    enc.decode_batch(ids, num_proc=2)  # the workers exist
    codecs.register_error("hf_bpe_test_qmark", lambda err: ("?", err.end))
    expected = tiktoken.get_encoding("o200k_base").decode_batch(ids, errors="hf_bpe_test_qmark", num_threads=1)
    assert enc.decode_batch(ids, num_proc=2, errors="hf_bpe_test_qmark") == expected
    assert all(text.endswith("?") for text in expected)


FORKED_CHILD_EXITS = """
import os, sys, hf_bpe
from hf_bpe import parallel
enc = hf_bpe.get_encoding("r50k_base")
enc.encode_ordinary_batch(["hello world " * 30_000] * 2, num_proc=2)
trainer = hf_bpe.BpeTrainer(300, num_proc=2)
trainer.update(["some words to count " * 50] * 60_000)  # more than one batch: counting processes
pid = os.fork()
if pid == 0:
    sys.exit(0)  # a normal exit runs multiprocessing's exit handler
os.waitpid(pid, 0)
print(*[p.is_alive() for pool in parallel._pools.values() for p in pool.processes], *[p.is_alive() for p in trainer._pool._procs])
"""


#: What a Ctrl-C during the first import of multiprocessing (a first batch's) leaves: the
#: package gone from sys.modules, its submodules there, so that importing it again gives a
#: package without them as attributes (``multiprocessing.process``).
INTERRUPTED_IMPORT = """
import sys, multiprocessing.queues
del sys.modules["multiprocessing"]
"""


@pytest.mark.parametrize("before", ["", INTERRUPTED_IMPORT], ids=["plain", "after-an-interrupted-import"])
def test_a_forked_child_leaves_the_parents_workers_alone(tmp_path: Path, before: str) -> None:
    out = _run(before + FORKED_CHILD_EXITS, tmp_path)
    assert out.stdout.split() == ["True", "True", "True"], out.stderr[-2000:]
    assert "Traceback" not in out.stderr and "AssertionError" not in out.stderr, out.stderr[-2000:]


def test_a_trainer_pickles_and_copies() -> None:
    import copy
    import pickle

    texts = ["low lower lowest newer wider"] * 20
    trainer = hf_bpe.BpeTrainer(270, num_proc=1)
    trainer.update(texts)
    for twin in (pickle.loads(pickle.dumps(trainer)), copy.deepcopy(trainer)):
        assert twin.train().mergeable_ranks == trainer.train().mergeable_ranks
    # With counting processes holding counts: they hand them over first.
    docs = realdata.documents("english", doc_bytes=4096, max_bytes=2_500_000)  # more than one batch
    busy = hf_bpe.BpeTrainer(300, num_proc=2)
    busy.update(docs)
    assert busy._pool is not None
    twin = pickle.loads(pickle.dumps(busy))
    assert twin.train().mergeable_ranks == hf_bpe.train_bpe(docs, 300, num_proc=1).mergeable_ranks
    busy.update(["more text"])
    assert copy.deepcopy(busy).train().mergeable_ranks == busy.train().mergeable_ranks


def test_a_trainer_pickled_by_another_release_is_refused() -> None:
    """A trainer's pickle names its format: another release's is a TrainingError that says
    what to carry instead (without the number, an attribute renamed since would surface
    later as an AttributeError in the middle of training)."""
    import pickle

    from hf_bpe import trainer as trainer_module

    trainer = hf_bpe.BpeTrainer(262, num_proc=1)
    trainer.update(["hello world"] * 3)
    state = trainer.__getstate__()
    assert state[trainer_module._FORMAT_KEY] == trainer_module._PICKLE_FORMAT

    class Newer:  # pickles as a trainer of a later format
        def __reduce__(self) -> Any:
            return (object.__new__, (hf_bpe.BpeTrainer,), {**state, trainer_module._FORMAT_KEY: 2})

    with pytest.raises(hf_bpe.TrainingError, match=r"format 2 .*reads format 1.*piece_counts\(\) as counts.pattern and counts.to_dict\(\)"):
        pickle.loads(pickle.dumps(Newer()))
    assert pickle.loads(pickle.dumps(trainer)).n_documents == 3
    # A pickle from before the format had a name (the same attributes) still loads.
    older = hf_bpe.BpeTrainer.__new__(hf_bpe.BpeTrainer)
    del state[trainer_module._FORMAT_KEY]
    older.__setstate__(state)
    assert older.train().mergeable_ranks == trainer.train().mergeable_ranks
    assert trainer_module._FORMAT_KEY not in vars(older)


def test_a_copy_of_a_trainer_or_of_counts_goes_on_alone() -> None:
    """copy.copy as copy.deepcopy: updating the copy leaves the original's counts as they were."""
    import copy

    texts = ["hello world"] * 10
    alone = hf_bpe.train_bpe(texts, 262, num_proc=1).mergeable_ranks
    for make_copy in (copy.copy, copy.deepcopy):
        trainer = hf_bpe.BpeTrainer(262, num_proc=1, progress=False)
        trainer.update(texts)
        twin = make_copy(trainer)
        twin.update(["lorem ipsum"] * 100)
        assert trainer.train().mergeable_ranks == alone and trainer.n_documents == 10
        assert twin.train().mergeable_ranks != alone and twin.n_documents == 110
        counts = hf_bpe.count_pieces(["hello world"])
        other = make_copy(counts)
        other += hf_bpe.count_pieces(["hello there"])
        assert counts.to_dict() == {b"hello": 1, b" world": 1}
        assert other.to_dict() == {b"hello": 2, b" world": 1, b" there": 1}


REBUILD_FAILS_IN_A_SPAWNED_WORKER = """
import multiprocessing, os, shutil, sys
import hf_bpe
if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    enc = hf_bpe.get_encoding("r50k_base")  # from the copies in this test's caches
    for folder in (os.environ["HF_BPE_CACHE_DIR"], os.environ["TIKTOKEN_CACHE_DIR"]):
        shutil.rmtree(folder)  # the file leaves the caches before any worker starts
    texts = [f"hello world {i} " * 2_000 for i in range(100)]  # many chunks for the worker
    for _ in range(3):  # each batch's new worker says the same
        try:
            enc.encode_ordinary_batch(texts, num_proc=2)
        except Exception as exc:
            print(type(exc).__name__)
    print(enc.encode_ordinary_batch(texts, num_proc=1) == [enc.encode_ordinary(t) for t in texts])
"""


def test_a_spawned_worker_that_cannot_rebuild_its_encoding_reports_why(tmp_path: Path) -> None:
    """Workers that are not forked rebuild the encoding (a named one by name): a failure is
    the batch's error, not "a worker died" with the reason on the worker's stderr."""
    from hf_bpe import download

    tiktoken_cache = tmp_path / "tiktoken"
    tiktoken_cache.mkdir()
    for folder in download.tiktoken_cache_dirs():
        for file in folder.glob("*"):
            if file.is_file():
                shutil.copy(file, tiktoken_cache / file.name)
    (tmp_path / "main.py").write_text(REBUILD_FAILS_IN_A_SPAWNED_WORKER)
    env = dict(os.environ, HF_BPE_CACHE_DIR=str(tmp_path / "hf_bpe"), TIKTOKEN_CACHE_DIR=str(tiktoken_cache), HF_BPE_OFFLINE="1")
    out = subprocess.run([sys.executable, "main.py"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["OfflineError"] * 3 + ["True"], out.stdout + out.stderr[-2000:]


UNPICKLABLE_ENCODING_WITH_SPAWN = """
import multiprocessing
import hf_bpe
def make():
    class Local(hf_bpe.Encoding):  # defined in a function: does not pickle
        pass
    bytes_only = {bytes([i]): i for i in range(256)}
    return Local("local", pat_str=r"\\S+|\\s+", mergeable_ranks=bytes_only, special_tokens={})
if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    enc = make()
    texts = ["some text to encode " * 100] * 300  # 600 K characters: shared with a worker
    try:
        enc.encode_ordinary_batch(texts, num_proc=2)
    except hf_bpe.WorkerError as exc:
        print(exc)
    print(enc.encode_ordinary_batch(texts, num_proc=1) == [enc.encode_ordinary(t) for t in texts])
"""


def test_an_encoding_that_does_not_pickle_is_a_worker_error_where_workers_are_not_forked(tmp_path: Path) -> None:
    """From QA: pickle's own AttributeError came out of the batch, not the WorkerError of a
    batch whose workers cannot start, with its advice."""
    (tmp_path / "main.py").write_text(UNPICKLABLE_ENCODING_WITH_SPAWN)
    out = subprocess.run([sys.executable, "main.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and lines[1] == "True", out.stdout + out.stderr[-2000:]
    assert lines[0].startswith("the encoding cannot be sent to worker processes started by spawn (AttributeError: ")
    assert lines[0].endswith("); num_proc=1 works in this process")


CLASS_OF_A_NOTEBOOK_CELL = """
import multiprocessing, hf_bpe
multiprocessing.set_start_method("spawn")
class MyEnc(hf_bpe.Encoding):  # in __main__ without a file (python -c, a notebook): no worker imports it
    pass
enc = MyEnc("mine", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
texts = ["some text to encode " * 100] * 300  # 600 K characters: shared with a worker
for _ in range(2):
    try:
        enc.encode_ordinary_batch(texts, num_proc=2)
    except hf_bpe.WorkerError as exc:
        print(exc)
    print(len(multiprocessing.active_children()))
print(enc.encode_ordinary_batch(texts, num_proc=1) == [enc.encode_ordinary(t) for t in texts])
"""


def test_a_worker_that_cannot_import_the_encodings_class_is_a_worker_error(tmp_path: Path) -> None:
    """From QA: a subclass defined in a notebook cell pickles, but a spawned worker cannot
    import it: pickle's bare AttributeError came out of every batch, and the worker stayed."""
    out = subprocess.run([sys.executable, "-c", CLASS_OF_A_NOTEBOOK_CELL], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = out.stdout.splitlines()
    assert len(lines) == 5 and lines[1] == lines[3] == "0" and lines[4] == "True", out.stdout + out.stderr[-2000:]
    assert lines[0] == lines[2] and lines[0].startswith("a worker process (not forked) could not rebuild the encoding (AttributeError: ")
    assert lines[0].endswith("define it in a module; num_proc=1 works in this process")


CLASS_THAT_DOES_NOT_REBUILD = """
import multiprocessing, hf_bpe
class OwnInit(hf_bpe.Encoding):  # importable by a worker, but not made again from its parts
    def __init__(self):
        super().__init__("own", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    try:
        OwnInit().encode_ordinary_batch(["some text to encode " * 100] * 300, num_proc=2)
    except hf_bpe.WorkerError as exc:
        print(exc)
"""


def test_a_worker_that_cannot_rebuild_an_importable_class_says_why(tmp_path: Path) -> None:
    # From QA: the advice for a class defined in a notebook cell came with every failure.
    (tmp_path / "main.py").write_text(CLASS_THAT_DOES_NOT_REBUILD)
    out = subprocess.run([sys.executable, "main.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("a worker process (not forked) could not rebuild the encoding (TypeError: "), out.stdout + out.stderr[-2000:]
    assert "notebook" not in out.stdout and out.stdout.rstrip().endswith("; num_proc=1 works in this process")


def test_a_ctrl_c_is_held_back_until_the_block_is_done() -> None:
    import threading

    handler = signal.getsignal(signal.SIGINT)
    reached = []
    with pytest.raises(KeyboardInterrupt):
        with parallel.interrupts_deferred():
            with parallel.interrupts_deferred():  # nested: the outer block holds it
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(1000):  # where Python would run the handler
                    pass
                reached.append("inner")
            reached.append("outer")
    assert reached == ["inner", "outer"]
    assert signal.getsignal(signal.SIGINT) is handler
    with parallel.interrupts_deferred():  # no Ctrl-C: nothing happens
        reached.append("quiet")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(parallel.interrupts_deferred().__enter__()))
    thread.start()
    thread.join()  # another thread cannot set a handler: the block runs as it is
    assert seen == [None] and signal.getsignal(signal.SIGINT) is handler


def _sleep_with_the_parents_handlers(ready: Any) -> None:
    ready.set()  # a child forked a moment ago: it still has the parent's Python handlers
    time.sleep(60)


def test_a_process_that_holds_a_sigterm_back_is_stopped_all_the_same() -> None:
    """A process forked a moment ago runs the parent's Python SIGTERM handler, which may
    hold the signal back for good (hf-bpe's, inside a held-back step): waiting for it
    without a limit hung `hf-bpe train` stopped right as its counting processes started.
    stop_processes gives it a SIGKILL after the grace time."""
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the child must inherit the handler")
    swallowed = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        ctx = parallel.start_context()
        ready = ctx.Event()
        process = ctx.Process(target=_sleep_with_the_parents_handlers, args=(ready,), daemon=True)
        process.start()
        assert ready.wait(30)
        parallel.stop_processes([process], grace=0.5)  # (before: a join that waited for its minute)
        assert not process.is_alive() and process.exitcode == -signal.SIGKILL
    finally:
        signal.signal(signal.SIGTERM, swallowed)


FORKED_WHILE_A_THREAD_WRITES = """
import sys, threading, time
import hf_bpe, realdata
from hf_bpe import parallel

enc = hf_bpe.get_encoding("o200k_base")
docs = realdata.documents("multilingual", doc_bytes=4096, max_bytes=1_000_000)
expected = [hf_bpe.get_encoding("o200k_base").encode_ordinary(d) for d in docs]
enc.clear_cache()
held = threading.Event()

def writer():  # another thread remembering a new piece, caught by the fork mid-write
    with enc._pieces._lock:
        held.set()
        time.sleep(1.5)

threading.Thread(target=writer).start()
held.wait()
got = enc.encode_ordinary_batch(docs, num_proc=2)  # the workers start by fork now
print("equal" if got == expected else "differ")
"""


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="workers start by fork")
def test_workers_forked_while_a_thread_holds_the_piece_table_lock_still_encode(tmp_path: Path) -> None:
    """A worker forked while another thread of this process held an encoding's piece-table
    lock inherited it held, and waited for it at its first new piece, for good (the batch
    with it): the child gets a new lock."""
    out = _run(FORKED_WHILE_A_THREAD_WRITES, tmp_path)
    assert out.stdout.strip() == "equal", out.stdout + out.stderr[-3000:]


TOO_FEW_FILES = r"""
import multiprocessing, resource
import hf_bpe

enc = hf_bpe.Encoding("b", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
docs = ["xy " * 1000] * 200
expected = enc.encode_ordinary_batch(docs)
assert enc.encode_ordinary_batch(docs, num_proc=2) == expected  # one worker, which stays
resource.setrlimit(resource.RLIMIT_NOFILE, (40, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
hf_bpe.parallel.refuse_starts_short_of_files = lambda *args, **kwargs: None  # no check first: out of files part-way
try:
    enc.encode_ordinary_batch(docs, num_proc=30)  # a pipe and a sentinel each: too many files
except hf_bpe.WorkerError as err:
    print("could not start the batch's worker processes (OSError: [Errno 24]" in str(err), type(err.__cause__).__name__)
print(len(multiprocessing.active_children()))
print(enc.encode_ordinary_batch(docs, num_proc=2) == expected)
"""


def test_workers_that_cannot_start_say_so_and_none_of_them_is_left_running(tmp_path: Path) -> None:
    """Out of file descriptors (``ulimit -n``) part-way through starting a batch's workers:
    a bare OSError, and the workers started so far stayed, holding their pipes, so the
    program's own files could not be opened either until ``shutdown_pools()``. The worker
    started before stays (it may be serving another thread's batch)."""
    out = subprocess.run([sys.executable, "-c", TOO_FEW_FILES], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "OSError", "1", "True"], out.stdout + out.stderr[-3000:]


AT_THE_FILE_LIMIT = FILE_LIMIT_HELPERS + r"""
import resource, sys
import hf_bpe

enc = hf_bpe.Encoding("b", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
docs = ["xy " * 1000] * 200
expected = enc.encode_ordinary_batch(docs)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
before = open_files()
for spare in (3, 4, 5):  # a service near its limit (a worker's start takes six)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit_leaving(spare), hard))
    try:
        enc.encode_ordinary_batch(docs, num_proc=2)
    except hf_bpe.WorkerError as err:
        assert "Too many open files" in str(err), err
    else:
        sys.exit(f"started with {spare} descriptors to spare")
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    print(open_files() - before, end=" ")
# Seven workers keep three each and one start three more for a moment: 24 free is enough.
resource.setrlimit(resource.RLIMIT_NOFILE, (limit_leaving(24), hard))
print(enc.encode_ordinary_batch(docs, num_proc=8) == expected, end=" ")
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
print(enc.encode_ordinary_batch(docs, num_proc=2) == expected)
"""


def test_workers_that_cannot_start_for_want_of_files_leave_none_open(tmp_path: Path) -> None:
    """A batch near the process's file limit: CPython's start opens two pipes and, when the
    second fails, never closes the first, so each failed batch kept two descriptors for
    good (a service that reached its limit once stayed there: 0 2 4). The batch
    now checks first that its workers' files can be had, and only that (six each at first:
    seven workers and 24 descriptors free were refused)."""
    out = subprocess.run([sys.executable, "-c", AT_THE_FILE_LIMIT], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["0", "0", "0", "True", "True"], out.stdout + out.stderr[-3000:]
