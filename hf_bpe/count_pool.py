"""The counting processes of :class:`~hf_bpe.trainer.BpeTrainer`.

``num_proc`` processes each count the tasks they are handed (see
:mod:`hf_bpe.training_sources`) into their own tally; the trainer adds the tallies when
it trains. An update is all or nothing: a failed task drops what every process counted
since the last update. The trainer drives the pool like this::

    pool = CountPool(pattern, num_proc)
    for task in tasks:
        for docs, chars in pool.submit(task): ...   # progress as tasks finish
    for docs, chars in pool.sync(): ...             # every task done (or raise, keeping none)
    pool.commit()                                   # keep this update
    for tally in pool.finish(): ...                 # stop; one tally per process

A commit that an error or a Ctrl-C cuts short is taken back by :meth:`CountPool.abort`;
one that returned stays (each process drops what it needs to take it back at its next task).
An abort does not wait for the processes (a Ctrl-C is answered at once, not after the
texts being counted, which may be one whole file): each takes it after the text it is
counting, skipping the tasks it has not begun, and the pool's next step waits for that.
"""

from __future__ import annotations

import os
import queue
import signal
from collections import deque
from collections.abc import Iterator
from multiprocessing.queues import Queue  # (from-import: see parallel._after_fork_in_child)
from typing import Any, Optional

from . import piece_counter as _piece_counter
from .piece_counter import PieceCounter
from .errors import TrainingError, TrainingTypeError
from .parallel import (
    FILES_KEPT_BY_A_COUNTER,
    how_it_ended,
    interrupts_deferred,
    leave_with_parent,
    refuse_starts_short_of_files,
    start_context,
    stop_processes,
)
from .training_sources import run_task, Task

#: A counting process holds at most this many batches not yet counted.
_MAX_INFLIGHT = 2


class CountPool:
    """``num_proc`` counting processes; each keeps its own tally until ``finish``.

    An update is all or nothing: its tasks are counted into each process's *pending*
    tally; :meth:`commit` first waits until every process has counted all its tasks
    (``sync``), then tells them all to keep (``commit``) or, if any task failed, to drop
    (``abort``) what they counted since the last commit.
    """

    def __init__(self, pattern: str, num_proc: int) -> None:
        refuse_starts_short_of_files(num_proc, FILES_KEPT_BY_A_COUNTER, more=2)  # (+2: the shared outbox's ends)
        ctx = start_context()
        self._outbox: Any = _QuietQueue(ctx=ctx)
        self._inboxes: list[Any] = []
        self._procs: list[Any] = []
        self._inflight: list[int] = []
        self._error: Optional[TrainingError] = None  # a task's, as its process told it
        self._finished: set[int] = set()  # processes that sent their tally and exit
        self._dead: Optional[str] = None  # what ended a process that died, once seen
        # Commits are numbered: an abort that comes while the processes commit (a Ctrl-C)
        # undoes the commits of that number, so an update stays all or nothing.
        self._update = 0
        self._committing = False
        self._aborts_unanswered = 0  # sent, and not yet taken by a process (see abort)
        try:
            for wid in range(num_proc):
                inbox = _QuietQueue(ctx=ctx)
                # A task still being written when the program exits (after a Ctrl-C, the
                # abort does not wait for the processes to take their tasks) is for a
                # process that ends with it: exiting must not wait to finish the write,
                # which nothing reads once the process is gone (it waited for good).
                inbox.cancel_join_thread()
                self._inboxes.append(inbox)
                proc = ctx.Process(
                    target=_worker_main,
                    args=(pattern, wid, inbox, self._outbox, os.getpid()),
                    daemon=True,
                    name=f"hf_bpe-count-{wid}",
                )
                with interrupts_deferred():  # a started process is always recorded, so stopped
                    proc.start()
                    self._procs.append(proc)
                    self._inflight.append(0)
        except BaseException:  # an interrupt, or fork failing: no process may be left behind
            self.terminate()
            raise

    def submit(self, task: Task) -> Iterator[tuple[int, int]]:
        """Hand ``task`` to the least busy process; yields (docs, chars) counted meanwhile."""
        self._finish_aborts()
        while min(self._inflight) >= _MAX_INFLIGHT:
            yield from self._receive(block=True)
        yield from self._receive(block=False)
        wid = self._inflight.index(min(self._inflight))
        _put(self._inboxes[wid], task)
        self._inflight[wid] += 1

    def sync(self) -> Iterator[tuple[int, int]]:
        """Wait for every task (or drop the update's counts and raise, if one failed)."""
        self._finish_aborts()
        yield from self._barrier("sync")
        if self._error is not None:
            error = self._error
            self.abort()
            raise error

    def commit(self) -> None:
        """Keep the update's counts (after :meth:`sync`). Once this returns, the update is
        kept: nothing is sent after the last answer, so a Ctrl-C arriving now is raised
        in the caller's code, not here (where it would cut short a commit already made)."""
        self._finish_aborts()
        self._update += 1
        self._committing = True
        for _ in self._barrier("commit", self._update):
            pass
        self._committing = False

    def abort(self) -> None:
        """Drop what this update counted (also what a process already committed of it, if
        the commit was under way), without waiting: each process takes the abort after the
        text it is counting now and skips the tasks it holds after that one; the next step
        of the pool waits until all have taken it (:meth:`_finish_aborts`)."""
        if self._dead is not None:  # its counts are gone: the trainer's are lost
            raise TrainingError(self._dead)
        update = self._update if self._committing else -1
        with interrupts_deferred():  # every abort sent is counted, so answered before the next step
            for inbox in self._inboxes:
                _put(inbox, ("abort", update))
                self._aborts_unanswered += 1
        self._committing = False
        self._error = None

    def _finish_aborts(self) -> None:
        """Wait until every process has taken the aborts sent to it; what it answered
        before (its tasks', syncs' and commits' replies) belongs to the dropped update."""
        if not self._aborts_unanswered:
            return
        while self._aborts_unanswered:
            self._get()  # (counted as taken, see _taken)
        # Every task is answered now (a process answers in order). A reply taken just as a
        # Ctrl-C came was lost (the interrupt, held back while the queue is read, is raised
        # once the reply is out of it): its process would stay counted busy for good, and
        # after a few such the next update waited forever for a free one.
        self._inflight = [0] * len(self._procs)
        self._error = None

    def _barrier(self, kind: str, update: int = -1) -> Iterator[tuple[int, int]]:
        for inbox in self._inboxes:
            _put(inbox, (kind, update))
        waiting = set(range(len(self._procs)))
        while waiting:
            msg = self._get()
            if msg[0] == kind:
                waiting.discard(msg[1])
            else:
                yield from self._handle(msg)

    def finish(self) -> Iterator[dict[bytes, int]]:
        """Stop the processes, yielding their tallies one by one as they arrive."""
        self._finish_aborts()
        for inbox in self._inboxes:
            _put(inbox, ("finish",))
        while len(self._finished) < len(self._procs):
            msg = self._get()
            if msg[0] == "finish":
                self._finished.add(msg[1])
                yield msg[2]
        for proc in self._procs:
            proc.join()
        self._close_queues()

    def _close_queues(self) -> None:
        for q in [*self._inboxes, self._outbox]:
            q.close()
            q.join_thread()

    def terminate(self) -> None:
        stop_processes(self._procs)
        for q in [*self._inboxes, self._outbox]:
            q.cancel_join_thread()
            reader = getattr(q, "_reader", None)
            if reader is not None:  # a feeder thread blocked on a dead reader's pipe gets EPIPE
                reader.close()
            q.close()

    def _receive(self, block: bool) -> Iterator[tuple[int, int]]:
        while True:
            if block:
                msg = self._get()
                block = False
            else:
                try:
                    with interrupts_deferred():
                        msg = self._taken(self._outbox.get_nowait())
                except queue.Empty:
                    return
            yield from self._handle(msg)
            if self._error is not None:
                raise type(self._error)(str(self._error))  # (a copy: sync raises it again)

    def _taken(self, msg: Any) -> Any:
        """``msg``, just taken from the processes' replies, an abort's answer counted: a
        Ctrl-C held back while it was taken is raised next, and the reply is lost to the
        caller, but not to this count (else the next step waited for it for good)."""
        if msg[0] == "abort":
            self._aborts_unanswered -= 1
        return msg

    def _handle(self, msg: Any) -> Iterator[tuple[int, int]]:
        if msg[0] == "done":
            self._inflight[msg[1]] -= 1
            yield msg[2], msg[3]
        elif msg[0] == "error":
            self._inflight[msg[1]] -= 1
            self._error = self._error or (TrainingTypeError if msg[3] else TrainingError)(msg[2])

    def _get(self) -> Any:
        while True:
            try:
                with interrupts_deferred():  # as in _put (a Ctrl-C waits at most 0.5 s)
                    return self._taken(self._outbox.get(timeout=0.5))
            except queue.Empty:
                for wid, proc in enumerate(self._procs):
                    if wid not in self._finished and not proc.is_alive():
                        how = how_it_ended(proc.exitcode) if proc.exitcode else "died"
                        self._dead = f"counting process {proc.name} {how}"
                        raise TrainingError(self._dead) from None


def _put(inbox: Any, msg: Any) -> None:
    # A Ctrl-C inside put could leave the queue's lock taken: the abort that follows would
    # wait for it forever.
    with interrupts_deferred():
        inbox.put(msg)


class _QuietQueue(Queue):  # type: ignore[type-arg]
    """A multiprocessing queue whose feeder thread stays quiet when the process at the
    other end is gone (killed, say): the pool reports that itself, once."""

    @staticmethod
    def _on_queue_feeder_error(e: Exception, obj: object) -> None:
        if not isinstance(e, (BrokenPipeError, ConnectionResetError)):
            Queue._on_queue_feeder_error(e, obj)  # type: ignore[attr-defined]


def _worker_main(pattern: str, wid: int, inbox: Any, outbox: Any, creator: int) -> None:
    """A counting process: count tasks into ``pending``; sync/commit/abort/finish on request."""
    leave_with_parent(creator)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it aborts)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent stops us with it, whatever its own handler
    counter = PieceCounter(pattern)
    total: dict[bytes, int] = {}
    pending: dict[bytes, int] = {}
    last: Optional[dict[bytes, int]] = None  # what the last commit added, until the next task or abort
    last_update = -1
    failed = False
    backlog: deque[Any] = deque()  # messages taken from the inbox ahead of their turn
    while True:
        msg = backlog.popleft() if backlog else inbox.get()
        kind = msg[0]
        if kind in ("texts", "parquet"):
            last, last_update = None, -1  # a new update: the last one cannot be undone now
            _take_waiting(inbox, backlog)
            if failed or any(waiting[0] == "abort" for waiting in backlog):  # the update is lost anyway: skip the work
                outbox.put(("done", wid, 0, 0))
                continue
            try:
                docs, chars = run_task(msg, counter, pending)
            except Exception as err:  # reported to the parent, which aborts the update
                failed = True
                pending = {}
                # A TrainingError is about the data (a null in a parquet column, say): its
                # message stands alone. Anything else is the process's failure.
                told = str(err) if isinstance(err, TrainingError) else (
                    f"a counting process failed: {type(err).__name__}: {err}"
                )
                outbox.put(("error", wid, told, isinstance(err, TrainingTypeError)))
                continue
            outbox.put(("done", wid, docs, chars))
        elif kind == "sync":
            outbox.put(("sync", wid))
        elif kind == "commit":
            if total:
                _piece_counter.add_counts(total, pending)
            else:
                total = pending
            last, last_update = pending, msg[1]
            pending = {}
            outbox.put(("commit", wid))
        elif kind == "abort":
            if last is not None and msg[1] == last_update:  # committed already: take it back
                if last is total:
                    total = {}
                else:
                    _piece_counter.subtract_counts(total, last)
            last, last_update = None, -1
            pending = {}
            failed = False
            outbox.put(("abort", wid))
        elif kind == "finish":
            last = None
            outbox.put(("finish", wid, total))
            return


def _take_waiting(inbox: Any, backlog: deque[Any]) -> None:
    """Move what is waiting in ``inbox`` to ``backlog``: an abort there (a Ctrl-C in the
    parent) drops the update's counts, so its tasks before it need not be counted."""
    while True:
        try:
            backlog.append(inbox.get_nowait())
        except queue.Empty:
            return
