"""Batches across processes: a persistent pool of workers per encoding.

Encoding is CPU-bound Python (compiled, but holding the GIL), so threads do not help;
processes do. The batch methods of :class:`hf_bpe.Encoding` hand large batches to a pool
of worker processes that is started once per encoding and worker count and kept for
later calls: the vocabulary reaches each worker once, when the pool starts (named
encodings travel by name and are loaded from the cache in the worker), and each call
sends only the texts or ids. Results come back in order::

    >>> import hf_bpe
    >>> enc = hf_bpe.get_encoding("o200k_base")                        # doctest: +SKIP
    >>> ids = enc.encode_ordinary_batch(texts, num_proc=2)              # doctest: +SKIP

When it runs in-process instead:

* ``num_proc`` (or tiktoken's ``num_threads``) is 1, or the machine has one core;
* only ``num_threads`` is given and processes do not start by ``fork`` (macOS, Windows);
* the batch is small (fewer than :data:`MIN_BATCH_CHARS` characters, or one text): the
  round trip to the workers would cost more than it saves;
* inside a worker process (hf_bpe's own, ``multiprocessing``/``multiprocess`` ones such as
  ``datasets.map(num_proc=...)``, or daemonic processes): pools are never nested.

``num_threads`` (tiktoken's name, default 8) is capped at the number of cores.
"""

from __future__ import annotations

import atexit
from array import array
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Optional

#: Batches with fewer characters (or ids, for decoding) than this run in-process.
MIN_BATCH_CHARS = 1 << 18
#: Set in hf_bpe's worker processes (and inherited by their children).
WORKER_ENV = "HF_BPE_WORKER"

_pools: dict[tuple[int, int], tuple[Any, ProcessPoolExecutor]] = {}
_lock = threading.Lock()
_worker_encoding: Any = None


def in_worker() -> bool:
    """Whether this process is a worker of some process pool (then no pool is started)."""
    if os.environ.get(WORKER_ENV) == "1":
        return True
    if multiprocessing.parent_process() is not None or multiprocessing.current_process().daemon:
        return True
    mp = sys.modules.get("multiprocess")  # the dill-based fork that datasets uses
    if mp is not None:
        try:
            return mp.parent_process() is not None or bool(mp.current_process().daemon)
        except Exception:  # pragma: no cover - a very different multiprocess version
            return False
    return False


def workers_for(num_proc: Optional[int], num_threads: Optional[int], size: int, count: int) -> int:
    """How many processes a batch of ``count`` items and ``size`` characters gets (1: in-process).

    Neither given: in-process. Without ``num_proc``, tiktoken's ``num_threads`` turns
    processes on only where they start by ``fork`` (Linux): elsewhere a script without an
    ``if __name__ == "__main__":`` guard would break, so there it takes ``num_proc``.
    """
    if num_proc is None:
        if num_threads is None or multiprocessing.get_start_method() != "fork":
            return 1
        wanted = min(num_threads, os.cpu_count() or 1)
    else:
        wanted = num_proc
    if wanted <= 1 or count < 2 or size < MIN_BATCH_CHARS or in_worker():
        return 1
    return min(wanted, count)


def _init_worker(encoding: Any) -> None:
    global _worker_encoding
    os.environ[WORKER_ENV] = "1"
    _worker_encoding = encoding


def _run(method: str, items: list[Any], kwargs: dict[str, Any], packed: bool) -> Any:
    fn: Callable[..., Any] = getattr(_worker_encoding, method)
    results = [fn(item, **kwargs) for item in items]
    if not packed:
        return results
    # Lists of ids travel as one machine-int array (pickling a million ints one by one
    # costs about as much as encoding them).
    flat = array(_typecode(_worker_encoding))
    for ids in results:
        flat.fromlist(ids)  # in C: 4x faster than flattening into one list first
    return flat.tobytes(), [len(ids) for ids in results]


def _typecode(encoding: Any) -> str:
    return "I" if encoding.max_token_value < 1 << 32 else "q"


def _unpack(encoding: Any, payload: tuple[bytes, list[int]]) -> list[list[int]]:
    data, lengths = payload
    flat = array(_typecode(encoding))
    flat.frombytes(data)
    ids = flat.tolist()
    out = []
    start = 0
    for n in lengths:
        out.append(ids[start : start + n])
        start += n
    return out


def _pool(encoding: Any, workers: int) -> ProcessPoolExecutor:
    key = (id(encoding), workers)
    with _lock:
        entry = _pools.get(key)
        if entry is not None and entry[0] is encoding:
            return entry[1]
        if entry is not None:  # a dead encoding's id was reused
            entry[1].shutdown(wait=False, cancel_futures=True)
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(encoding,))
        _pools[key] = (encoding, pool)
        return pool


def shutdown_pools() -> None:
    """Stop every worker pool (they are also stopped at exit)."""
    with _lock:
        entries = list(_pools.values())
        _pools.clear()
    for _, pool in entries:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pools)


def _chunks(items: Sequence[Any], sizes: Sequence[int], parts: int) -> list[list[Any]]:
    """Consecutive chunks of about equal total size, several per worker (for balance)."""
    total = sum(sizes)
    target = max(1, total // (parts * 4))
    chunks: list[list[Any]] = []
    current: list[Any] = []
    filled = 0
    for item, size in zip(items, sizes):
        current.append(item)
        filled += size
        if filled >= target:
            chunks.append(current)
            current, filled = [], 0
    if current:
        chunks.append(current)
    return chunks


def map_batch(
    encoding: Any,
    method: str,
    items: Sequence[Any],
    sizes: Sequence[int],
    workers: int,
    kwargs: Optional[dict[str, Any]] = None,
) -> list[Any]:
    """``[encoding.method(item, **kwargs) for item in items]``, computed by ``workers`` processes.

    Errors raised in a worker (``DisallowedSpecialTokenError``, ``UnknownTokenError``...)
    are raised here, with their type.
    """
    kwargs = kwargs or {}
    packed = method.startswith("encode")
    pool = _pool(encoding, workers)
    futures = [pool.submit(_run, method, chunk, kwargs, packed) for chunk in _chunks(items, sizes, workers)]
    out: list[Any] = []
    for future in futures:
        out.extend(_unpack(encoding, future.result()) if packed else future.result())
    return out
