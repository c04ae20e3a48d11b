#!/usr/bin/env bash
# Cost of each explanation method per record, from the method timings `analyze --explain full`
# writes, and the end-to-end rate of analyze at --explain none, fast and full, on generated patients.
#   bash bench/explain.sh [patients=100] [batch=16] [threads=1]
# The model package is $CLINICALBERT_MODEL_DIR (default: the embedded clinicalbert-mini).
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-100}
batch=${2:-16}
threads=${3:-1}
out=bench/out
mkdir -p "$out"
model=()
if [ -n "${CLINICALBERT_MODEL_DIR:-}" ]; then model=(--model "$CLINICALBERT_MODEL_DIR"); fi
records="$out/explain-$patients.ndjson"
if [ ! -s "$records" ]; then
  node bin/clinicalbert.js synth --seed 2025 --patients "$patients" --out "$records" --quiet
fi
echo "input: $patients generated patients, batch $batch, threads $threads, $(nproc) cores"

rate() {
  node bin/clinicalbert.js analyze "$records" --batch-size "$batch" --threads "$threads" --explain "$1" \
    --log-format json --out "$out/explain-$1.jsonl" "${model[@]}" 2>&1 >/dev/null |
    grep '"event":"summary"' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).recordsPerSecond.toFixed(2)))'
}
none=$(rate none)
fast=$(rate fast)
full=$(rate full)

node -e '
const fs = require("fs");
const [file, none, fast, full] = process.argv.slice(1);
const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map(JSON.parse);
const per = new Map();
for (const l of lines) for (const m of l.explanations.methods) {
  const e = per.get(m.name) ?? { ms: [], passes: 0, faithful: m.faithful };
  e.ms.push(m.ms); e.passes += m.forwardPasses; per.set(m.name, e);
}
const q = (xs, p) => { const s = xs.slice().sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
console.log("method".padEnd(20) + "records".padStart(8) + "mean ms".padStart(10) + "p50 ms".padStart(10) + "p95 ms".padStart(10) + "rows/rec".padStart(10) + "  faithful");
for (const [name, e] of per) {
  const mean = e.ms.reduce((a, b) => a + b, 0) / e.ms.length;
  console.log(name.padEnd(20) + String(e.ms.length).padStart(8) + mean.toFixed(2).padStart(10) + q(e.ms, 0.5).toFixed(2).padStart(10) +
    q(e.ms, 0.95).toFixed(2).padStart(10) + (e.passes / e.ms.length).toFixed(1).padStart(10) + "  " + e.faithful);
}
console.log(`analyze records/s: --explain none ${none}, fast ${fast}, full ${full}`);
' "$out/explain-full.jsonl" "$none" "$fast" "$full"
