"""Progress of a training stage: a tqdm bar on a terminal, else INFO log lines.

``progress=None`` shows a bar only where a terminal shows it (elsewhere the ``hf_bpe.progress``
logger says how far the stage got, every 5% and at least once a minute, or every 10
seconds when the total is not known); ``False`` shows nothing::

    >>> bar = progress_bar(False, 100, "counting", "doc")
    >>> bar is None
    True
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Optional

#: A child of the ``hf_bpe`` logger, so that the command line can show progress without
#: the rest of the INFO lines (``-v``).
logger = logging.getLogger("hf_bpe.progress")


def progress_bar(progress: Optional[bool], total: Optional[int], desc: str, unit: str) -> Optional[_Progress]:
    """Progress for one stage, or None when ``progress`` is False."""
    return None if progress is False else _Progress(progress, total, desc, unit)


class _Progress:
    """A tqdm bar where a terminal or a notebook shows it (``tqdm.auto``); elsewhere an
    INFO log line every 5% and at least once a minute (every 10 seconds without a total:
    the first merges of a large corpus can take minutes before 5% of them are done)."""

    STEP = 0.05
    SECONDS = 10.0
    MAX_SECONDS = 60.0  # between two lines, with a total

    def __init__(self, progress: Optional[bool], total: Optional[int], desc: str, unit: str) -> None:
        self._total, self._desc, self._unit = total, desc, unit
        self._done = 0
        self._next = self.STEP  # of the total, for the next line
        self._next_time = self.SECONDS if total is None else self.MAX_SECONDS
        self._start = time.perf_counter()
        self._bar: Any = None  # a tqdm bar; None: log lines; False: nothing (the bar failed)
        if sys.stderr is None:  # no stream for a bar (pythonw, `2>&-`, a daemon): log lines
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        # unit_scale writes "3.00/3.00" for small counts: only for totals that need it
        scaled = total is not None and total >= 10_000
        try:
            bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=scaled, disable=None if progress is None else False)
        except OSError:  # standard error closed by its reader (see _drop_bar)
            self._bar = False
            return
        if bar.disable:
            bar.close()
        else:
            self._bar = bar

    def update(self, n: int) -> None:
        if self._bar is not None:
            if self._bar is not False:
                try:
                    self._bar.update(n)
                except OSError:
                    self._drop_bar()
            return
        self._done += n
        elapsed = time.perf_counter() - self._start
        if self._total is None:  # how many so far, every SECONDS
            if elapsed >= self._next_time:
                logger.info("%s: %d %ss in %.1fs", self._desc, self._done, self._unit, elapsed)
                self._next_time = (int(elapsed / self.SECONDS) + 1) * self.SECONDS
        elif self._total and (self._done >= self._next * self._total or elapsed >= self._next_time):
            logger.info(
                "%s: %d of %d %ss (%.0f%%) in %.1fs", self._desc, self._done, self._total,
                self._unit, 100 * self._done / self._total, elapsed,
            )
            self._next = (int(self._done / self._total / self.STEP) + 1) * self.STEP
            self._next_time = elapsed + self.MAX_SECONDS

    def close(self) -> None:
        if self._bar is not None and self._bar is not False:  # (a bar's bool() may raise: tqdm without a total)
            try:
                self._bar.close()
            except OSError:
                self._drop_bar()

    def _drop_bar(self) -> None:
        """The bar could not be drawn (its reader went away: ``2>&1 | head``, a dead ``tee``):
        the work goes on without it, as it does when log lines cannot be written."""
        self._bar.disable = True  # (so that tqdm's own close, when it is collected, writes nothing)
        self._bar = False
