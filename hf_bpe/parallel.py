"""Batches across processes: a persistent pool of workers per encoding.

Encoding is CPU-bound Python (compiled, but holding the GIL), so threads do not help;
processes do. The batch methods of :class:`hf_bpe.Encoding` share large batches between
this process and ``num_proc - 1`` worker processes, started for an encoding when first
needed and kept for later calls (until the encoding is collected, or the program ends;
a worker leaves by itself if its parent dies): the vocabulary reaches each worker once (named
encodings travel by name and are loaded from the cache in the worker), and each call
sends only texts or ids. Results come back in order::

    >>> import hf_bpe
    >>> enc = hf_bpe.get_encoding("o200k_base")                        # doctest: +SKIP
    >>> ids = enc.encode_ordinary_batch(texts, num_proc=2)              # doctest: +SKIP

When it runs in-process instead:

* ``num_proc`` (or tiktoken's ``num_threads``) is 1, or only ``num_threads`` is given and
  this process may run on one core only;
* only ``num_threads`` is given and processes do not start by ``fork`` (macOS, Windows);
* the batch is small (fewer than :data:`MIN_BATCH_CHARS` characters, or ids for
  decoding, or one item), or its items are (fewer than :data:`MIN_ITEM_CHARS` on
  average), whatever ``num_proc`` says: the round trips to the workers would cost more
  than they save;
* inside a worker process (hf_bpe's own, ``multiprocessing``/``multiprocess`` ones such as
  ``datasets.map(num_proc=...)``, or daemonic processes), or a spawned process still
  importing its target's module: pools are never nested (but a batch that the program's
  main module, run again in a starting worker, asks processes for raises ``RuntimeError``,
  as ``multiprocessing`` does: the script lacks its ``if __name__ == "__main__":`` guard);
* once the program is exiting (a daemon thread's batch after the exit handlers ran);
* while another thread's batch of the same encoding is using its workers (a threaded web
  server, say): the batch runs here rather than wait for them.

``num_threads`` (tiktoken's name; tiktoken's default of 8 is not applied: without either a
batch runs in-process) is capped at :func:`usable_cpus`; ``num_proc`` is taken as given.
"""

from __future__ import annotations

import atexit
import errno
import multiprocessing
import operator
import os
import pickle
import signal
import sys
import threading
import time
import weakref
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing import process as mp_process  # (not multiprocessing.process: see _after_fork_in_child)
from multiprocessing.connection import Connection, wait
from typing import Any, Optional, cast

from .errors import HfBpeError, WorkerError

#: Batches with fewer characters (or ids, for decoding) than this run in-process.
MIN_BATCH_CHARS = 1 << 18
#: So do batches whose items average fewer: handing out and gathering many short items
#: cost this process more than the worker saves it (lines of 40 and 160 characters were
#: 10% slower with a worker than without, items of 640 characters 30% faster).
MIN_ITEM_CHARS = 512
#: Set in hf_bpe's worker processes (and inherited by their children).
WORKER_ENV = "HF_BPE_WORKER"
#: A batch is cut into about this many chunks per process (workers take the next chunk
#: as they finish one, so uneven chunks even out).
CHUNKS_PER_PROCESS = 16
#: This process looks for finished workers after every this many of its own items.
POLL_EVERY = 4
#: A worker checks this often that its parent is alive.
PARENT_CHECK_SECONDS = 1.0
#: At exit, how long a batch running in another thread may keep the workers.
CLOSE_WAIT_SECONDS = 5.0


def in_worker() -> bool:
    """Whether this process is a worker of some process pool, or a process still starting
    up (importing the modules of a spawned one's target): then no pool is started."""
    if os.environ.get(WORKER_ENV) == "1":
        return True
    current = multiprocessing.current_process()
    if multiprocessing.parent_process() is not None or current.daemon or getattr(current, "_inheriting", False):
        return True
    mp = sys.modules.get("multiprocess")  # the dill-based fork that datasets uses
    if mp is not None:
        try:
            return mp.parent_process() is not None or bool(mp.current_process().daemon)
        except Exception:  # pragma: no cover - a very different multiprocess version
            return False
    return False


def start_context() -> Any:
    """The multiprocessing context to start processes with: the one the program chose, else
    the platform's default, without choosing it for the program (``get_context()`` would,
    and a later ``set_start_method("spawn")`` would then fail)."""
    method = multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]
    return multiprocessing.get_context(method)


#: File descriptors a started process keeps open in this one: a batch worker three (its
#: connection's end, multiprocessing's sentinel and pipe), a counting process four (its
#: queue's two ends besides); and those one start holds besides for a moment (its pipes'
#: other ends). Measured: one batch worker started with six free and not with five, two
#: counting processes (and their shared queue's two) with twelve.
FILES_KEPT_BY_A_WORKER = 3
FILES_KEPT_BY_A_COUNTER = 4
FILES_WHILE_STARTING = 3


def refuse_starts_short_of_files(processes: int, kept_each: int, more: int = 0) -> None:
    """Raise ``OSError(EMFILE)`` before any of ``processes`` processes start when they could
    run out of file descriptors (``ulimit -n``): each keeps ``kept_each``, one start holds
    :data:`FILES_WHILE_STARTING` more for a moment, and ``more`` are shared. CPython cannot
    fail there cleanly: its start opens two pipes and, when the second fails, never closes
    the first, so each failed start would keep two descriptors for good (3.11; the same
    with ``Process.start`` alone) and a long-running program that once reached its limit
    would stay there. Nothing is checked where ``/proc/self/fd`` cannot be read.

        >>> refuse_starts_short_of_files(1, FILES_KEPT_BY_A_WORKER)  # far from the limit: nothing to say
    """
    try:
        import resource  # (POSIX only)

        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        listed = os.listdir("/proc/self/fd")  # (the listing's own descriptor among them)
    except OSError as err:
        if err.errno == errno.EMFILE:
            raise
        return
    except ImportError:
        return
    if limit == resource.RLIM_INFINITY:
        return
    below_limit = sum(1 for fd in listed if fd.isdigit() and int(fd) < limit) - 1
    free, needed = limit - below_limit, kept_each * processes + FILES_WHILE_STARTING + more
    if free < needed:
        raise OSError(
            errno.EMFILE,
            f"Too many open files: {free} of the limit's {limit} file descriptors are free, "
            f"{processes} more processes need about {needed}",
        )


def workers_for(num_proc: Optional[int], num_threads: Optional[int], size: int, count: int) -> int:
    """How many processes a batch of ``count`` items and ``size`` characters gets (1: in-process).

    Neither given: in-process. Without ``num_proc``, tiktoken's ``num_threads`` turns
    processes on only where they start by ``fork`` (Linux): elsewhere a script without an
    ``if __name__ == "__main__":`` guard would break, so there it takes ``num_proc``.
    """
    num_proc, num_threads = _processes("num_proc", num_proc), _processes("num_threads", num_threads)
    if num_proc is None:
        if num_threads is None or start_context().get_start_method() != "fork":
            return 1
        wanted = min(num_threads, usable_cpus())
    else:
        wanted = num_proc
    if wanted <= 1 or count < 2 or size < max(MIN_BATCH_CHARS, MIN_ITEM_CHARS * count) or _exiting:
        return 1
    if in_worker():
        refuse_in_main_run_again(f"a batch with {wanted} processes")
        return 1
    return min(wanted, count)


def refuse_in_main_run_again(what: str) -> None:
    """Raise ``RuntimeError`` (as ``multiprocessing`` does) when ``what`` (work that would
    start processes) is asked for by the program's main module run again in a worker
    starting up: else each worker would do all of the script's work again, in silence."""
    if _main_run_again():
        raise RuntimeError(
            f"{what} in a worker process that is starting up: it runs the program's main module "
            "again (processes start by spawn or forkserver), and that module starts its work at "
            "import. Start it under `if __name__ == \"__main__\":`, as multiprocessing requires "
            "(else each worker does all of that work again before serving)"
        )


def _main_run_again() -> bool:
    """Whether this call comes from the program's main module run again (as
    ``__mp_main__``) in a process started by spawn or forkserver, before its target runs."""
    if not getattr(multiprocessing.current_process(), "_inheriting", False):
        return False
    frame: Any = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals.get("__name__") == "__mp_main__":
            return True
        frame = frame.f_back
    return False


def _processes(name: str, value: Optional[int]) -> Optional[int]:
    """``value`` (``num_proc`` or ``num_threads``) as an int of at least 1, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if operator.index(value) < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")  # as tiktoken's thread pool says
    return operator.index(value)


def usable_cpus() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no sched_getaffinity (macOS, Windows)
        return max(1, os.cpu_count() or 1)


# ---------------------------------------------------------------------- lists of ids on the wire


def _returns_ids(method: str) -> bool:
    """Whether ``method``'s results are lists of ids (encoding), packed on the way back;
    otherwise (decoding) its items are, on the way out."""
    return method.startswith("encode")


def _typecode(encoding: Any) -> str:
    return "I" if encoding.max_token_value < 1 << 32 else "q"


def _pack(encoding: Any, lists: list[list[int]]) -> tuple[bytes, list[int]]:
    """Lists of ids as one machine-int array (pickling a million ints one by one costs
    about as much as encoding them)."""
    flat = array(_typecode(encoding))
    for ids in lists:
        flat.fromlist(ids)  # in C: 4x faster than flattening into one list first
    return flat.tobytes(), [len(ids) for ids in lists]


def _unpack(encoding: Any, packed: tuple[bytes, list[int]]) -> list[list[int]]:
    data, lengths = packed
    flat = array(_typecode(encoding))
    flat.frombytes(data)
    ids = flat.tolist()
    out = []
    start = 0
    for n in lengths:
        out.append(ids[start : start + n])
        start += n
    return out


# ---------------------------------------------------------------------- Ctrl-C


@contextmanager
def interrupts_deferred(waiting_for: Optional[str] = None) -> Iterator[None]:
    """Hold a Ctrl-C back until the block is done, then raise it: for steps that an
    exception half-way would leave broken (a queue whose lock was taken but never given
    back, a process started but not recorded, so never stopped). ::

        with interrupts_deferred():
            process.start()
            processes.append(process)

    For a block that may wait long (on other processes), ``waiting_for`` says what for: a
    first Ctrl-C then prints that it waits, and a second one is raised at once.

    A SIGTERM whose handler is Python code (the command line's, which stops as Ctrl-C
    does) is held back the same way, also where Ctrl-C itself is ignored (a background job
    of a script, ``nohup``): raised in the middle of such a step, it left the step broken.
    Python runs signal handlers in the main thread only, so elsewhere this does nothing;
    it does nothing either for a signal that is not Python's to handle (ignored, or the
    system's default), or inside another such block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: dict[int, Any] = {}  # signal -> the handler it had
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(sig)
        if callable(previous) and not getattr(previous, "_hf_bpe_deferring", False):
            held[sig] = previous
    if not held:
        yield
        return
    caught: dict[int, Any] = {}  # signal -> the frame it came in, the first time

    def deliver() -> None:
        # Each signal held back goes to its own handler, a SIGTERM's first: the command
        # line's notes the SIGTERM, then stops as Ctrl-C does (so a Ctrl-C's handler,
        # which raises, comes last: neither handler is skipped).
        pending = sorted(caught.items(), key=lambda item: item[0] == signal.SIGINT)
        caught.clear()
        for number, frame in pending:
            held[number](number, frame)

    def hold(signum: int, frame: Any) -> None:
        caught.setdefault(signum, frame)
        if waiting_for is None:
            return
        if len(caught) == 1 and signum not in repeated:
            repeated.add(signum)
            again = "Ctrl-C" if signum == signal.SIGINT else "the signal"
            print(f"hf_bpe: waiting for {waiting_for} ({again} again to stop now)", file=sys.stderr, flush=True)
            return
        for number, previous in held.items():  # a second signal: stop now
            signal.signal(number, previous)
        deliver()

    repeated: set[int] = set()
    hold._hf_bpe_deferring = True  # type: ignore[attr-defined]
    for number in held:
        signal.signal(number, hold)
    try:
        yield
    finally:
        for number, previous in held.items():
            signal.signal(number, previous)
        deliver()  # Python's own Ctrl-C handler raises KeyboardInterrupt here


#: How long a process may take to end after a SIGTERM before it gets a SIGKILL.
STOP_GRACE_SECONDS = 2.0


def stop_processes(processes: Sequence[Any], grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop ``processes`` (``multiprocessing`` processes of ours) and wait for them: a
    SIGTERM, then a SIGKILL for any still running after ``grace`` seconds.

    A process forked a moment ago still has this process's Python signal handlers until
    it sets its own, and those may hold a SIGTERM back for a block the child never leaves
    (see :func:`interrupts_deferred`): waiting for it without a limit waited for good (a
    SIGTERM to ``hf-bpe train`` right as its counting processes started hung it)."""
    running = [process for process in processes if process.is_alive()]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()) if process in running else None)
    for process in running:
        if process.is_alive():
            process.kill()
            process.join()


# ---------------------------------------------------------------------- the workers


def _running(pid: int, proc: bool) -> bool:
    """Whether process ``pid`` exists and has not ended: from ``/proc`` if ``proc`` (a
    zombie has ended), else by whether a signal could reach it."""
    if proc:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[-1].split()  # "pid (name) state ..."
        except (FileNotFoundError, ProcessLookupError):  # gone, or going (ESRCH)
            return False
        except OSError:
            pass  # cannot tell from /proc: ask by signal
        else:
            return bool(fields) and fields[0] != b"Z"  # nothing to read: going
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _proc_is_ours() -> bool:
    """Whether ``/proc`` shows this process's processes (not so without /proc, or in a PID
    namespace that kept another one's)."""
    try:
        return os.readlink("/proc/self") == str(os.getpid())
    except OSError:
        return False


def leave_with_parent(creator: int) -> None:
    """In a worker process: end it as soon as the process that started it, ``creator``
    (its pid), dies, wherever the worker waits.

    A thread of its own looks every :data:`PARENT_CHECK_SECONDS`: the worker's parent as
    the system sees it changed (it died and the worker was adopted), or ``creator`` is no
    longer running (it died before this worker got here, or multiprocessing's fork server
    is the parent). Waiting for the end of a pipe is not enough: a message the parent died
    writing never ends while another worker, forked with a copy of the pipe's writing end,
    lives (the trainer's counting processes stayed for good after ``kill -9`` of their
    parent)."""
    parent = os.getppid()
    proc = _proc_is_ours()

    def alive() -> bool:
        try:
            return os.getppid() == parent and _running(creator, proc)
        except Exception:  # the watch must not end: then the parent's pid alone tells
            return os.getppid() == parent

    def watch() -> None:
        while alive():
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="hf_bpe-parent-watch", daemon=True).start()


def _serve(encoding: Any, conn: Connection, parent_end: Optional[Connection], creator: int) -> None:
    """A worker's life: receive ``(method, items, kwargs, first)`` (``first``: the index of
    ``items[0]`` in the batch, for errors), send back the results in order
    (or the first error), until told to stop (``None``) or the parent goes away.

    A worker that was not forked (``encoding`` None) gets the encoding pickled, first thing
    on its pipe, and rebuilds it here: if that fails (a named encoding whose file left the
    cache, offline; a subclass defined in a notebook cell, which the worker cannot
    import), each chunk it is handed gets that error, not "a worker died", marked so that
    the batch stops the pool."""
    leave_with_parent(creator)
    os.environ[WORKER_ENV] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # as the parent stops us, whatever its own handler
    if parent_end is not None:
        parent_end.close()  # a forked worker holds the parent's end too: then no EOF would come
    failure: Optional[Exception] = None
    if encoding is None:  # not forked: the encoding comes pickled, first on the pipe
        try:
            shipped = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            encoding = pickle.loads(shipped)
        except HfBpeError as exc:  # (an OfflineError says what to do)
            failure = _picklable(exc)
        except Exception as exc:
            hint = ""
            if isinstance(exc, (AttributeError, ImportError)):  # its class is not to be found here
                hint = "; a class defined in a notebook cell or `python -c` cannot be imported there: define it in a module"
            failure = WorkerError(
                f"a worker process (not forked) could not rebuild the encoding ({type(exc).__name__}: {exc}){hint}; "
                "num_proc=1 works in this process"
            )
        del shipped
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        method, items, kwargs, first = job
        encodes = _returns_ids(method)
        reply: tuple[str, Any] = ("unusable", failure)  # every batch would get it: the pool is stopped
        if failure is None:
            try:
                fn = getattr(encoding, method)
                results = apply_each(fn, items if encodes else _unpack(encoding, items), kwargs, first)
                reply = ("ok", _pack(encoding, results) if encodes else results)
            except Exception as exc:
                reply = ("error", _picklable(exc))
        try:
            conn.send(reply)
        except OSError:  # the parent went away mid-batch: nobody to tell
            return


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        error = WorkerError(f"a worker raised {type(exc).__name__}: {exc}")
        for note in getattr(exc, "__notes__", ()):  # which item it was
            error.add_note(note)
        return error


def _pickled(encoding: Any, start_method: str) -> bytes:
    """``encoding`` pickled for a worker that is not forked; a :class:`WorkerError` if it
    does not pickle (a subclass defined in a function, say)."""
    try:
        return pickle.dumps(encoding, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as err:  # (pickle raises PicklingError, AttributeError, TypeError ...)
        raise WorkerError(
            f"the encoding cannot be sent to worker processes started by {start_method} "
            f"({type(err).__name__}: {err}); num_proc=1 works in this process"
        ) from err


class _Pool:
    """Worker processes for one encoding, each with its own pipe; one batch at a time
    (``lock``). Grown when a batch asks for more workers; a batch uses the first ones."""

    def __init__(self, encoding: Any) -> None:
        self.encoding = weakref.ref(encoding)  # the pool must not keep the encoding alive
        self.pid = os.getpid()  # a forked child must not talk to its parent's workers
        self.lock = threading.Lock()
        self.conns: list[Connection] = []
        self.processes: list[Any] = []
        self.finalizer: Optional[weakref.finalize] = None  # type: ignore[type-arg]
        self.shut_down = False  # by shutdown_pools: a batch running then says so

    def grow(self, encoding: Any, size: int) -> None:
        """Start workers until there are ``size``.

        A worker that is not forked gets the encoding pickled over its pipe once started
        (then unpickled by :func:`_serve`, so that a failure there is reported), not among
        the arguments of its start: multiprocessing writes those while it keeps the
        worker's end of their pipe open, so a worker that died starting (a script without
        its ``__main__`` guard) left that write, of an encoding larger than a pipe holds,
        waiting for good."""
        context = start_context()
        fork = context.get_start_method() == "fork"
        had = len(self.processes)
        shipped = b""  # the pickled encoding, made only if a worker starts (every batch calls this)
        try:
            if had < size:
                refuse_starts_short_of_files(size - had, FILES_KEPT_BY_A_WORKER)
                if not fork:
                    shipped = _pickled(encoding, context.get_start_method())
            while len(self.processes) < size:
                here, there = context.Pipe()
                try:
                    process = context.Process(
                        target=_serve,
                        args=(encoding if fork else None, there, here if fork else None, os.getpid()),
                        daemon=True,
                        name="hf_bpe-worker",
                    )
                    with interrupts_deferred():  # a started process is always recorded, so stopped
                        process.start()
                        self.conns.append(here)
                        self.processes.append(process)
                except OSError:
                    here.close()
                    raise
                finally:
                    there.close()
            if not fork:
                for conn, process in zip(self.conns[had:], self.processes[had:]):
                    try:
                        conn.send_bytes(shipped)  # (the workers start meanwhile)
                    except OSError:  # it died starting
                        raise WorkerError(_death_of([process])) from None
        except BaseException:
            # Too many open files or processes, a worker that died starting, a Ctrl-C amid
            # an encoding's bytes: stop the workers this call started (those before it may
            # be serving another thread's batch), then say so.
            added, self.processes[had:] = self.processes[had:], []
            conns, self.conns[had:] = self.conns[had:], []
            stop_processes(added)
            for process in added:
                try:
                    process.close()  # its sentinel pipe
                except ValueError:  # reaped by another thread's start (see close)
                    pass
            for conn in conns:
                conn.close()
            raise

    def healthy(self) -> bool:
        return all(process.is_alive() for process in self.processes)

    def stop(self) -> None:
        """Stop the workers at once, and let the encoding's finalizer go (else it would keep
        this pool, and its pipes, for as long as the encoding lives)."""
        if self.finalizer is not None:
            self.finalizer.detach()
        self.close(0)

    def close(self, wait_for: float = 1.0) -> None:
        # Sending while another thread's batch is talking to the workers would mix the
        # messages: wait for it a little, else stop the workers without a word.
        polite = self.lock.acquire(timeout=CLOSE_WAIT_SECONDS if wait_for else 0)
        try:
            for conn in self.conns if polite else ():
                try:
                    conn.send(None)
                except OSError:
                    pass
            # Take the lists first: a second close (another thread's) finds them empty.
            processes, conns = self.processes, self.conns
            self.processes, self.conns = [], []
            for process in processes:
                process.join(wait_for if polite else 0)
            stop_processes(processes)
            for process in processes:
                try:
                    process.close()  # its sentinel pipe
                except ValueError:
                    # Another thread's Process.start() reaped it (multiprocessing's
                    # _cleanup waits for every ended child), so this Process never learnt
                    # its exit status; its pipe closes when it is collected.
                    pass
            for conn in conns:
                conn.close()
        finally:
            if polite:
                self.lock.release()


_pools: dict[int, _Pool] = {}
# Reentrant: a garbage collection while _pool() holds it may collect another encoding,
# whose finalizer (_forget) takes it again on the same thread.
_pools_lock = threading.RLock()
#: Set at exit, once the workers are stopped: a batch still running in a daemon thread
#: then stays in-process (a new worker would be killed under it).
_exiting = False


def _pool(encoding: Any, size: int) -> _Pool:
    """``encoding``'s worker processes, at least ``size`` of them (started on first use)."""
    key = id(encoding)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is not None and (pool.encoding() is not encoding or pool.pid != os.getpid() or not pool.healthy()):
            if pool.pid == os.getpid():  # a dead encoding's id reused, or a worker died idle
                pool.stop()
            pool = None
        if pool is None:
            pool = _pools[key] = _Pool(encoding)
            pool.finalizer = weakref.finalize(encoding, _forget, pool)
            pool.finalizer.atexit = False  # shutdown_pools does it
        try:
            pool.grow(encoding, size)
        except OSError as err:  # too many open files or processes (grow left no new one running)
            raise WorkerError(
                f"could not start the batch's worker processes ({type(err).__name__}: {err}); "
                "num_proc=1 works in this process"
            ) from err
        return pool


def _forget(pool: _Pool) -> None:
    """The encoding is gone: so are its workers (a forked child's copy leaves them alone)."""
    if pool.pid == os.getpid():
        _discard(pool)


def _discard(pool: _Pool) -> None:
    with _pools_lock:
        for key, value in list(_pools.items()):
            if value is pool:
                del _pools[key]
    pool.stop()


def shutdown_pools() -> None:
    """Stop every worker process of this process's batches, to free their memory (each
    holds its encoding); they are also stopped at exit, and when their encoding is
    garbage-collected (a named encoding never is). The next batch that needs workers
    starts new ones. A batch running in another thread is waited for, up to 5 seconds
    (so is one at the program's exit); one still running after that fails with
    :class:`~hf_bpe.WorkerError`.

        >>> import hf_bpe
        >>> hf_bpe.shutdown_pools()
    """
    with _pools_lock:
        pools = [pool for pool in list(_pools.values()) if pool.pid == os.getpid()]
        _pools.clear()
    for pool in pools:
        pool.shut_down = True
        pool.close()


def _at_exit() -> None:
    global _exiting
    _exiting = True
    shutdown_pools()


def _after_fork_in_child() -> None:
    """In a child made by ``os.fork()``: the parent's processes (batch workers, a trainer's
    counting processes) are not this process's children. multiprocessing lists them as
    such, and at the child's exit would stop them (killing the parent's workers, with a
    traceback): take them off its list. The pools' lock starts afresh (another thread of
    the parent may have held it). (The module is reached by ``from multiprocessing import
    process``, which finds it in ``sys.modules`` where ``multiprocessing.process`` does
    not: a Ctrl-C during multiprocessing's first import leaves the package without it.)"""
    global _pools_lock
    _pools_lock = threading.RLock()
    children = getattr(mp_process, "_children", None)
    if children is not None:
        pid = os.getpid()
        children.difference_update({p for p in list(children) if getattr(p, "_parent_pid", pid) != pid})


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):  # (not on Windows, which has no fork)
    os.register_at_fork(after_in_child=_after_fork_in_child)


# ---------------------------------------------------------------------- one batch


def apply_each(fn: Any, items: Sequence[Any], kwargs: Optional[dict[str, Any]] = None, first: int = 0) -> list[Any]:
    """``[fn(item, **kwargs) for item in items]``, where an item's error says which item it
    was: a note added to the exception (its type and message stay), counted from
    ``first`` (the index of ``items[0]`` in the whole batch).

        >>> apply_each(int, ["1", "2", "x"])
        Traceback (most recent call last):
        ...
        ValueError: invalid literal for int() with base 10: 'x'
        (raised for item 2 of the batch)
    """
    kwargs = kwargs or {}
    results: list[Any] = []
    for item in items:
        try:
            results.append(fn(item, **kwargs))
        except Exception as exc:
            _noted(exc, first + len(results))
            raise
    return results


def _noted(exc: Exception, index: int) -> Exception:
    """``exc`` with a note naming the batch's item it was raised for."""
    exc.add_note(f"(raised for item {index} of the batch)")
    return exc


def _chunks(items: Sequence[Any], sizes: Sequence[int], parts: int) -> list[list[Any]]:
    """Consecutive chunks of about equal total size, ``CHUNKS_PER_PROCESS`` per process."""
    total = sum(sizes)
    target = max(1, total // (parts * CHUNKS_PER_PROCESS))
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
    """``[encoding.method(item, **kwargs) for item in items]``, computed by ``workers`` processes:
    this one and ``workers - 1`` workers.

    The workers take chunks from the front, one at a time; this process takes them from
    the back, and every few items of its own hands the next chunk to whichever worker has
    finished. No helper threads: nothing competes with this process's own work for the
    GIL. Errors raised in a worker (``DisallowedSpecialTokenError``,
    ``UnknownTokenError``...) are raised here with their type and a note naming the item
    (see :func:`apply_each`); of several, the earliest item's. A worker that dies raises
    :class:`~hf_bpe.errors.WorkerError`.
    """
    kwargs = kwargs or {}
    pool = _pool(encoding, workers - 1)
    if not pool.lock.acquire(blocking=False):  # another thread's batch is using the workers
        return apply_each(getattr(encoding, method), items, kwargs)
    try:
        results = _share(pool.conns[: workers - 1], encoding, method, _chunks(items, sizes, workers), kwargs)
    except _ItemError as err:
        if err.unusable:  # a worker could not rebuild the encoding: none will serve
            _discard(pool)
        raise err.error from None  # (else every reply was read: the workers stay)
    except Exception as err:
        # A worker died, or another thread stopped the pool (shutdown_pools, or a batch that
        # found a worker dead), closing the pipes under this batch. A pipe closed between
        # multiprocessing's check and its write fails with a TypeError (os.write of None).
        if not isinstance(err, (WorkerError, OSError)) and pool.conns and not pool.shut_down:
            _discard(pool)  # not the pipes: a pipe may hold a half-read reply, start afresh
            raise
        message = _STOPPED if pool.shut_down else _death_of(pool.processes)
        _discard(pool)
        raise WorkerError(message) from None
    except BaseException:
        _discard(pool)  # a pipe may hold a half-read reply: start afresh next time
        raise
    finally:
        pool.lock.release()
    out: list[Any] = []
    for chunk_results in results:
        out.extend(chunk_results)
    return out


def _error_of(fn: Any, items: list[Any], kwargs: dict[str, Any], first: int) -> BaseException:
    """The error ``fn`` raises on one of ``items`` (which are known to hold a bad one; the
    first is item ``first`` of the batch)."""
    try:
        apply_each(fn, items, kwargs, first)
    except Exception as exc:
        return exc
    return WorkerError("a batch item could not be sent to a worker")  # pragma: no cover


_DIED = "an hf_bpe worker process died (killed, or out of memory?); the next batch starts new ones"
_STOPPED = (
    "the batch's hf_bpe worker processes were stopped by hf_bpe.shutdown_pools() (called by another "
    "thread, or at exit) while it ran; the next batch starts new ones"
)


def _death_of(processes: Sequence[Any]) -> str:
    """How a batch's worker died, for its WorkerError (see :func:`how_it_ended`)."""
    # A worker whose pipe just closed may still be exiting: wait a little, for all at once.
    ended = wait([process.sentinel for process in processes], timeout=0.1) if processes else []
    for process in processes:
        if process.sentinel in ended:
            process.join(1.0)  # it has ended (its sentinel closed): its exit status comes at once
        if process.exitcode:
            how = how_it_ended(process.exitcode)
            again = "" if process.exitcode > 0 else "; the next batch starts new ones"
            return f"an hf_bpe worker process {how}{again}"
    return _DIED


def how_it_ended(exitcode: int) -> str:
    """How a process of ours ended, from its nonzero exit code: killed by a signal (by
    someone, or for want of memory), or ended by an error of its own, which it printed (a
    process that is not forked does so when it cannot import the program's main module
    again, or runs work there that starts processes).

    >>> how_it_ended(-9)
    'was killed by SIGKILL (out of memory?)'
    """
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:  # a real-time signal has no name of its own
            name = f"signal {-exitcode}"
        why = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return f"was killed by {name}{why}"
    hint = "" if start_context().get_start_method() == "fork" else (
        "; a process that is not forked imports the program's main module again: it must be a "
        "file, and start its work under `if __name__ == \"__main__\":`"
    )
    return f"ended with exit status {exitcode} (its error is printed above{hint})"


def _share(
    conns: list[Connection], encoding: Any, method: str, chunks: list[list[Any]], kwargs: dict[str, Any]
) -> list[Any]:
    fn = getattr(encoding, method)
    encodes = _returns_ids(method)
    results: list[Any] = [None] * len(chunks)
    errors: dict[int, BaseException] = {}
    unusable = False  # a worker could not rebuild the encoding
    firsts = [0] * len(chunks)  # where each chunk starts in the batch
    for k in range(1, len(chunks)):
        firsts[k] = firsts[k - 1] + len(chunks[k - 1])
    front, back = 0, len(chunks)  # chunks[front:back] are not started yet
    running: dict[Connection, int] = {}

    def hand_out(conn: Connection) -> None:
        nonlocal front
        while front < back:
            try:
                chunk = chunks[front] if encodes else _pack(encoding, chunks[front])
            except (OverflowError, TypeError):  # an id no machine int holds: decode here for the error
                errors[front] = _error_of(fn, chunks[front], kwargs, firsts[front])
                front += 1
                continue
            try:
                conn.send((method, chunk, kwargs, firsts[front]))
            except OSError:
                raise WorkerError(_DIED) from None
            running[conn] = front
            front += 1
            return

    def collect(conn: Connection) -> None:
        nonlocal unusable
        k = running.pop(conn)
        try:
            status, value = conn.recv()
        except (EOFError, OSError):
            raise WorkerError(_DIED) from None
        if status == "ok":
            results[k] = _unpack(encoding, value) if encodes else value
        else:
            errors[k] = value
            unusable = unusable or status == "unusable"
        hand_out(conn)

    def poll() -> None:
        if running:
            for ready in wait(list(running), timeout=0):
                collect(cast(Connection, ready))

    for conn in conns:
        hand_out(conn)
    while front < back:
        back -= 1
        done: list[Any] = []
        for item in chunks[back]:
            try:
                done.append(fn(item, **kwargs))
            except Exception as exc:
                errors[back] = _noted(exc, firsts[back] + len(done))
                break
            if len(done) % POLL_EVERY == 0:
                poll()  # a worker that has finished gets its next chunk now
        results[back] = done
        poll()
    while running:
        for ready in wait(list(running)):
            collect(cast(Connection, ready))
    if errors:
        raise _ItemError(errors[min(errors)], unusable=unusable)
    return results


class _ItemError(Exception):
    """An item's error, raised once every reply has been read: the workers are fine,
    unless ``unusable`` (a worker could not rebuild the encoding)."""

    def __init__(self, error: BaseException, unusable: bool = False) -> None:
        super().__init__()
        self.error = error
        self.unusable = unusable
