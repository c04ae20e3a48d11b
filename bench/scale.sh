#!/usr/bin/env bash
# Peak RSS of `clinicalbert analyze` as the input grows (the generated patients repeated with new
# ids: bench/repeat-records.ts), to show memory is flat in the number of records. Each size is run
# end to end; sizes whose full run would take too long here can be read with --shard 1/64 instead
# (every record is read, assembled and counted; 1 in 64 goes through the model), which still shows
# whether reading and accounting grow with the input.
#   bash bench/scale.sh [sizes="10000 100000 1000000"] [full-up-to=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"10000 100000 1000000"}
full_up_to=${2:-10000}
out=bench/out
mkdir -p "$out"
base="$out/bench-1000.ndjson"
[ -s "$base" ] || node bin/clinicalbert.js synth --seed 2024 --patients 1000 --out "$base" --quiet
echo "$(nproc) cores, $(date -u +%Y-%m-%d); bound: 1024 MB"
printf '%-10s %-14s %12s %10s %12s\n' records mode "peak RSS MB" seconds "records/s"
for n in $sizes; do
  mode=full; extra=()
  if [ "$n" -gt "$full_up_to" ]; then mode="--shard 1/64"; extra=(--shard 1/64); fi
  # the input streams from the generator into analyze: nothing of size n is written to disk
  s=$(node --import tsx bench/repeat-records.ts "$base" "$n" |
    node bin/clinicalbert.js analyze - --no-timing --log-format json --out /dev/null "${extra[@]}" 2>&1 >/dev/null | grep '"event":"summary"')
  node -e 'const a = JSON.parse(process.argv[1]); const seen = a.read + (a.otherShards ?? 0); console.log(String(seen).padEnd(10) + " " + process.argv[2].padEnd(14) + String(a.peakRssMb).padStart(12) + a.seconds.toFixed(0).padStart(10) + (seen / a.seconds).toFixed(0).padStart(12) + (a.peakRssMb > 1024 ? "  OVER 1 GB" : ""))' "$s" "$mode"
done
