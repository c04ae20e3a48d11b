#!/usr/bin/env bash
# @file The one entry point of the training recipe: builds the model package step by step.
#
#   training/build.sh --config full|ci [--out DIR] [--threads N] [--extra-text FILE] [--steps a,b,...] [--init-from HF_DIR]
#
# Why a shell script: every step is a separate `python3 -m training.<module>` process on Debian's
# /usr/bin/python3 (PyTorch 1.13; the pyenv python3 on PATH has no torch), so one failing step
# stops the build with its own message, and later stages add steps to STEPS below.
# Intermediate artefacts go to training/work/<config>/ (git-ignored; $CLINICALBERT_WORK_ROOT/<config>/
# when that is set); package files go to --out (default models/clinicalbert-mini for full;
# training/work/ci/package for ci, so a CI run never overwrites the committed model).
#
# --init-from HF_DIR starts from a Hugging Face BERT checkpoint folder (training/hf_checkpoint.py):
# the import step replaces the tokenizer, mlm and random-init steps, every later step is unchanged,
# and --out defaults to <work>/package for both configs (never the committed model).
#
# Thread variables are set here because Debian's PyTorch 1.13 would otherwise use
# hardware_concurrency()/2 = 1 thread on a 2-vCPU machine.
set -euo pipefail

# Steps in order. Later stages append theirs (each is a function step_<name> below).
STEPS=(corpus tokenizer reference mlm random-init package)
# Stages 2-4 (multimodal fine-tuning, export, evaluation, package manifest and model card, parity).
STEPS+=(synth real text text-random fusion export quantize evaluate publish parity cli-check int8-check faithfulness)
# The learnt note reader (`ask --reader learnt|agree`): reader.json and onnx/reader_encoder.int8.onnx in the package.
STEPS+=(reader)

usage() {
  sed -n '4p' "$0" | sed 's/^#   /usage: /' >&2
  echo "steps: ${STEPS[*]}" >&2
  exit 2
}

config=""
out=""
threads="${CLINICALBERT_TRAIN_THREADS:-2}"
extra_text=""
only=""
init_from=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config) config="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --threads) threads="${2:-}"; shift 2 ;;
    --extra-text) extra_text="${2:-}"; shift 2 ;;
    --steps) only="${2:-}"; shift 2 ;;
    --init-from) init_from="${2:-}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "build.sh: unknown argument \"$1\"" >&2; usage ;;
  esac
done
case "$config" in
  full|ci) ;;
  *) echo "build.sh: --config must be one of full, ci; got \"$config\"" >&2; usage ;;
esac
if ! [[ "$threads" =~ ^[1-9][0-9]*$ ]]; then
  echo "build.sh: --threads must be a positive integer, got \"$threads\"" >&2
  exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "build.sh: $PY cannot import torch; install Debian's python3-torch python3-onnx libopenblas0-openmp" >&2
  exit 1
fi
# The same folder training/config.py uses (a relative CLINICALBERT_WORK_ROOT is from the repository root).
work="${CLINICALBERT_WORK_ROOT:-training/work}/$config"
if [[ -n "$init_from" ]]; then
  [[ -d "$init_from" ]] || { echo "build.sh: --init-from must be a Hugging Face BERT checkpoint folder, got \"$init_from\"" >&2; exit 2; }
  init_from="$(cd "$init_from" && pwd)"
  # Stage 1 comes from the checkpoint: one import step instead of tokenizer, mlm and random-init.
  imported=()
  for s in "${STEPS[@]}"; do
    case "$s" in
      tokenizer) imported+=(import) ;;
      mlm|random-init) ;;
      *) imported+=("$s") ;;
    esac
  done
  STEPS=("${imported[@]}")
fi
if [[ -z "$out" ]]; then
  if [[ "$config" == full && -z "$init_from" ]]; then out="models/clinicalbert-mini"; else out="$work/package"; fi
fi
mkdir -p "$work" "$out"

export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
export CLINICALBERT_TRAIN_THREADS="$threads"
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

extra=()
if [[ -n "$extra_text" ]]; then
  [[ -f "$extra_text" ]] || { echo "build.sh: --extra-text file not found: $extra_text" >&2; exit 2; }
  extra=(--extra-text "$extra_text")
fi

step_corpus() { "$PY" -m training.corpus --config "$config" "${extra[@]}"; }
step_tokenizer() { "$PY" -m training.tokenizer_files --config "$config" "${extra[@]}"; }
step_reference() { "$PY" -m training.tokenizer_reference --config "$config" "${extra[@]}"; }
step_mlm() { "$PY" -m training.mlm --config "$config" "${extra[@]}"; }
step_random-init() { "$PY" -m training.mlm --config "$config" --random-init "${extra[@]}"; }
step_import() { "$PY" -m training.hf_checkpoint --config "$config" --init-from "$init_from" "${extra[@]}"; }
step_package() { "$PY" -m training.package --config "$config" --out "$out"; }
step_synth() { "$PY" -m training.synth_data --config "$config"; }
# Weak-labelled MTSamples notes as records (training half for training, test half for the evaluation).
step_real() { "$PY" -m training.real_notes --config "$config"; }
step_text() { "$PY" -m training.text_stage --config "$config" --init pretrained; }
step_text-random() { "$PY" -m training.text_stage --config "$config" --init random; }
step_fusion() { "$PY" -m training.fusion_stage --config "$config"; }
step_export() { "$PY" -m training.export_onnx --config "$config"; }
# The int8 text encoder (per-row activation scales) beside the exported fp32 one.
step_quantize() { "$PY" -m training.quantize_int8 --config "$config"; }
step_evaluate() { "$PY" -m training.evaluate --config "$config"; }
step_publish() { "$PY" -m training.publish --config "$config" --out "$out"; }
# The package's graphs against the recipe's PyTorch outputs, and its tokenizer against Python's ids.
# `clinicalbert evaluate --faithfulness` on the published package, then publish again with its numbers.
step_faithfulness() { "$PY" -m training.faithfulness --config "$config" --out "$out"; }
# `clinicalbert evaluate` on the real-note test files must reproduce the recipe's numbers; then publish again with them.
step_cli-check() { "$PY" -m training.cli_check --config "$config" --out "$out"; }
# `clinicalbert evaluate` at fp32 and int8 on the card's test sets, and the determinism check; then publish again
# (int8 becomes the package's default only if it costs at most 0.5 points and never moves with batch-mates).
step_int8-check() { "$PY" -m training.int8_check --config "$config" --out "$out"; }
# The learnt note reader, from the published package (tokenizer, kg.json, text encoders) and text_pretrained.pt:
# generated notes (synth --seed 5005), pairs and token ids (training/reader_pairs.ts: silver MTSamples training-half
# pairs, generated pairs, ConText dev rows for evaluation only when the corpus has them), the fine-tuned encoder and
# head (training/reader_finetune.py writes reader.json and onnx/reader_encoder.int8.onnx into --out), the ConText
# figures through that int8 path stamped into reader.json, then the manifest lists both files (training/reader_manifest.py).
# ci: 40 patients, 150 MTSamples records, 300 fitted pairs, 1 epoch. Work files: <work>/reader/.
step_reader() {
  local dir="$work/reader" patients=400 real_limit=() fit=()
  if [[ "$config" == ci ]]; then patients=40; real_limit=(--limit 150); fit=(--limit 300 --epochs 1); fi
  local context="${CLINICALBERT_CORPUS:-$repo/../shared/corpus}/text/negex-context/context-annotations-dev.tsv" ctx=()
  if [[ -f "$context" ]]; then ctx=(--context "$context"); else echo "build.sh: reader: $context not found; no ConText figures" >&2; fi
  local encoder=onnx/text_encoder.int8.onnx
  [[ -f "$out/$encoder" ]] || encoder=onnx/text_encoder.onnx
  mkdir -p "$dir/pairs" "$dir/scored"
  node --import tsx src/cli/main.ts synth --seed 5005 --patients "$patients" --out "$dir/gen.ndjson" --quiet
  node --import tsx training/reader_pairs.ts --real "$work/data/real_train.ndjson" --gen "$dir/gen.ndjson" "${ctx[@]}" \
    --model "$out" --encoder "$encoder" --out "$dir/pairs" "${real_limit[@]}"
  "$PY" -m training.reader_finetune --work "$dir/pairs" --model "$out" --head "$out/reader.json" \
    --checkpoint "$work/text_pretrained.pt" --patients "$patients" --threads "$threads" "${fit[@]}"
  if [[ ${#ctx[@]} -gt 0 ]]; then
    node --import tsx training/reader_pairs.ts --real "$work/data/real_train.ndjson" --gen "$dir/gen.ndjson" "${ctx[@]}" \
      --model "$out" --encoder onnx/reader_encoder.int8.onnx --out "$dir/scored" "${real_limit[@]}"
    "$PY" -m training.reader --score-only --work "$dir/scored" --head "$out/reader.json" \
      --torch-probs "$dir/pairs/finetune_context_probs.npy" --stamp
  fi
  "$PY" -m training.reader_manifest --model "$out"
}
step_parity() { CLINICALBERT_MODEL_DIR="$out" npx vitest run test/model/parity.test.ts test/model/tokenizer-parity.test.ts; }

selected=("${STEPS[@]}")
if [[ -n "$only" ]]; then
  IFS=',' read -r -a selected <<< "$only"
  for s in "${selected[@]}"; do
    if ! declare -F "step_$s" > /dev/null; then
      echo "build.sh: unknown step \"$s\"; steps: ${STEPS[*]}" >&2
      exit 2
    fi
    if [[ " ${STEPS[*]} " != *" $s "* ]]; then
      if [[ -n "$init_from" ]]; then why="--init-from imports stage 1 instead"; else why="it needs --init-from"; fi
      echo "build.sh: step \"$s\" is not part of this build ($why); steps: ${STEPS[*]}" >&2
      exit 2
    fi
  done
fi

timings="$work/timings.tsv"
echo "build.sh: config $config, $threads threads, out $out, steps ${selected[*]}" >&2
for s in "${selected[@]}"; do
  start=$(date +%s.%N)
  "step_$s"
  end=$(date +%s.%N)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  printf '%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$s" "$seconds" >> "$timings"
  echo "build.sh: step $s done in ${seconds}s" >&2
done
