"""``python -m hf_bpe``: the ``hf-bpe`` command line (see :mod:`hf_bpe.cli`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    status = main()
    # Under `python -m`, CPython ends the process by SIGINT at exit, whatever the status,
    # when a KeyboardInterrupt (a Ctrl-C, or hf-bpe's SIGTERM) ended any exec of a string on
    # its way (dataclasses make methods so), even one caught since: a SIGTERM's 143 came out
    # as a death by SIGINT. A string exec that ends cleanly clears that mark.
    exec("")
    sys.exit(status)
