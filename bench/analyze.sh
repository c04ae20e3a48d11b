#!/usr/bin/env bash
# Throughput and memory of `clinicalbert analyze` on generated patients, beside raw
# onnxruntime-node running the same batches through the same graphs (bench/raw-ort.ts).
#   bash bench/analyze.sh [patients=1000] [batch=16] [threads=1] [precision=the package's default: fp32|int8]
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-1000}
batch=${2:-16}
threads=${3:-1}
precision=()
if [ -n "${4:-}" ]; then precision=(--precision "$4"); fi
out=bench/out
mkdir -p "$out"
records="$out/bench-$patients.ndjson"
if [ ! -s "$records" ]; then
  node bin/clinicalbert.js synth --seed 2024 --patients "$patients" --out "$records" --quiet
fi
echo "input: $patients generated patients ($(du -h "$records" | cut -f1)), batch $batch, threads $threads, precision ${4:-default}, $(nproc) cores"

summary=$(node bin/clinicalbert.js analyze "$records" --batch-size "$batch" --threads "$threads" "${precision[@]}" \
  --no-timing --log-format json --out "$out/predictions.jsonl" 2>&1 >/dev/null | grep '"event":"summary"')
raw=$(node --import tsx bench/raw-ort.ts "$records" "$batch" "$threads" ${4:-})

node -e '
const a = JSON.parse(process.argv[1]); const r = JSON.parse(process.argv[2]);
const row = (name, rps, rss, note) => console.log(name.padEnd(34) + rps.toFixed(1).padStart(12) + String(rss).padStart(14) + "  " + note);
console.log("".padEnd(34) + "records/s".padStart(12) + "peak RSS MB".padStart(14));
row(`clinicalbert analyze (${a.precision})`, a.recordsPerSecond, a.peakRssMb, `read ${a.read}, written ${a.written}, ${a.seconds.toFixed(1)} s incl. parsing, decoding, output`);
row(`raw onnxruntime-node (${r.precision})`, r.recordsPerSecond, r.peakRssMb, `${r.seconds.toFixed(1)} s in session.run only (featurized up front)`);
console.log(`analyze runs at ${(100 * a.recordsPerSecond / r.recordsPerSecond).toFixed(0)}% of the raw inference rate`);
' "$summary" "$raw"
