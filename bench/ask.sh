#!/usr/bin/env bash
# `clinicalbert ask` beside `clinicalbert analyze` over the same generated patients, in one run
# (the issue's target: ask at no less than half analyze's speed). Questions about the record alone
# run no model; a "why" question runs the model on every record as analyze does; --reader learnt or
# agree runs the learnt note reader's encoder on the candidate sentences of a condition question.
#   bash bench/ask.sh [patients=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-1000}
out=bench/out
mkdir -p "$out"
records="$out/bench-$patients.ndjson"
[ -s "$records" ] || node bin/clinicalbert.js synth --seed 2024 --patients "$patients" --out "$records" --quiet
echo "input: $patients generated patients ($(du -h "$records" | cut -f1)), $(nproc) cores, $(date -u +%Y-%m-%d)"
printf '%-60s %10s %12s\n' "" "records/s" "peak RSS MB"
run() { # label command...
  local label=$1; shift
  local s
  s=$("$@" --log-format json --out /dev/null 2>&1 >/dev/null | grep '"event":"summary"')
  rate=$(node -e 'const a = JSON.parse(process.argv[1]); console.error(process.argv[2].padEnd(60) + a.recordsPerSecond.toFixed(1).padStart(11) + String(a.peakRssMb).padStart(13)); console.log(a.recordsPerSecond)' "$s" "$label" 2>&1 >/dev/null; node -e 'console.log(JSON.parse(process.argv[1]).recordsPerSecond)' "$s")
}
run "analyze (baseline)" node bin/clinicalbert.js analyze "$records" --no-timing
echo "$rate" | head -1
base=$(echo "$rate" | tail -1)
for q in "Does the patient smoke?" "What medications is the patient on?" "Does the patient have hypertension?" "Does the patient have a cough?" "Latest BMI?" "Why pneumonia?"; do
  run "ask \"$q\"" node bin/clinicalbert.js ask "$q" "$records"
  echo "$rate" | head -1
  node -e 'console.log(`  -> ${(Number(process.argv[1]) / Number(process.argv[2])).toFixed(2)}x analyze (target at least 0.5x)`)' "$(echo "$rate" | tail -1)" "$base"
done
# the learnt note reader runs its encoder on every candidate sentence of a condition question
for reader in learnt agree; do
  q="Does the patient have a cough?"
  run "ask --reader $reader \"$q\"" node bin/clinicalbert.js ask --reader "$reader" "$q" "$records"
  echo "$rate" | head -1
  node -e 'console.log(`  -> ${(Number(process.argv[1]) / Number(process.argv[2])).toFixed(2)}x analyze (target at least 0.5x)`)' "$(echo "$rate" | tail -1)" "$base"
done
