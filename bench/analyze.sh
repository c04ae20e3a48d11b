#!/usr/bin/env bash
# Throughput and memory of `clinicalbert analyze` on generated patients, beside raw
# onnxruntime-node running the same batches through the same graphs (bench/raw-ort.ts), in one run:
# 1 and 2 ONNX Runtime threads, featurizing on the main thread (--workers 0) or in a worker thread,
# and --batch-size 1 as the naive baseline; int8 (the package's default) and fp32 (PRECISIONS to
# choose).
#   bash bench/analyze.sh [patients=1000] [batch=16]
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-1000}
batch=${2:-16}
precisions=${PRECISIONS:-int8 fp32}
out=bench/out
mkdir -p "$out"
records="$out/bench-$patients.ndjson"
if [ ! -s "$records" ]; then
  node bin/clinicalbert.js synth --seed 2024 --patients "$patients" --out "$records" --quiet
fi
echo "input: $patients generated patients ($(du -h "$records" | cut -f1)), batch $batch, $(nproc) cores, $(date -u +%Y-%m-%d)"
printf '%-52s %10s %12s  %s\n' "" "records/s" "peak RSS MB" "note"

analyze() { # label args...
  local label=$1; shift
  local s
  s=$(node bin/clinicalbert.js analyze "$records" --no-timing --log-format json --out "$out/predictions.jsonl" "$@" 2>&1 >/dev/null | grep '"event":"summary"')
  node -e 'const a = JSON.parse(process.argv[1]); console.log(process.argv[2].padEnd(52) + a.recordsPerSecond.toFixed(1).padStart(11) + String(a.peakRssMb).padStart(13) + `  ${a.written} written, ${a.seconds.toFixed(1)} s`)' "$s" "$label"
  echo "$s" > "$out/last-summary.json"
}
raw() { # label threads [precision]
  local r
  r=$(node --import tsx bench/raw-ort.ts "$records" "$batch" "$2" ${3:+"$3"})
  node -e 'const r = JSON.parse(process.argv[1]); console.log(process.argv[2].padEnd(52) + r.recordsPerSecond.toFixed(1).padStart(11) + String(r.peakRssMb).padStart(13) + "  session.run only (featurized up front)")' "$r" "$1"
  echo "$r" > "$out/last-raw.json"
}
ratio() { node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1])); const r = JSON.parse(require("fs").readFileSync(process.argv[2])); console.log(`  -> analyze at ${(100 * a.recordsPerSecond / r.recordsPerSecond).toFixed(0)}% of raw ORT (target 90%)`)' "$out/last-summary.json" "$out/last-raw.json"; }

for precision in $precisions; do
  extra=(--precision "$precision")
  for threads in 1 2; do
    raw "raw onnxruntime-node, $precision, $threads thread(s)" "$threads" "$precision"
    analyze "analyze, $precision, $threads thread(s), --workers 1" --batch-size "$batch" --threads "$threads" --workers 1 "${extra[@]}"
    ratio
    analyze "analyze, $precision, $threads thread(s), --workers 0" --batch-size "$batch" --threads "$threads" --workers 0 "${extra[@]}"
    ratio
  done
done
analyze "analyze, int8, 1 thread, --batch-size 1 (naive)" --batch-size 1 --threads 1 --workers 0 --precision int8
