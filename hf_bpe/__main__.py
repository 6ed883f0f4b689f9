"""``python -m hf_bpe``: the ``hf-bpe`` command line (see :mod:`hf_bpe.cli`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
