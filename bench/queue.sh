#!/usr/bin/env bash
# One `analyze` process vs the work queue with one and with two workers, on this machine, over the
# same generated patients (the queue adds Redis, the split into shards and the merge at collect).
#   bash bench/queue.sh [patients=1000] [shards=8]
# Needs redis-server (Debian's); it is started here on a free loopback port and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
patients=${1:-1000}
shards=${2:-8}
out=bench/out
mkdir -p "$out"
records="$PWD/$out/bench-$patients.ndjson"
[ -s "$records" ] || node bin/clinicalbert.js synth --seed 2024 --patients "$patients" --out "$records" --quiet
dir=$(mktemp -d)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes --logfile "$dir/redis.log"
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
url="redis://127.0.0.1:$port/0"
sleep 0.3
echo "input: $patients generated patients, $shards shards, $(nproc) cores, threads 1 per process"

t0=$(date +%s.%N)
node bin/clinicalbert.js analyze "$records" --no-timing -q --out "$dir/single.jsonl"
t_single=$(echo "$(date +%s.%N) - $t0" | bc)

run_queue() { # workers run-name
  local workers=$1 run=$2
  node bin/clinicalbert.js queue submit "$records" --redis "$url" --run "$run" --shards "$shards" --no-timing >/dev/null 2>&1
  local t0 pids=()
  t0=$(date +%s.%N)
  for _ in $(seq "$workers"); do node bin/clinicalbert.js worker --redis "$url" --exit-when-idle -q & pids+=($!); done
  wait "${pids[@]}"
  node bin/clinicalbert.js queue collect --redis "$url" --run "$run" --out "$dir/$run.jsonl" --remove -q || [ $? -eq 3 ]
  echo "$(date +%s.%N) - $t0" | bc
  cmp -s "$dir/single.jsonl" "$dir/$run.jsonl" || echo "warning: $run output differs from the single run" >&2
}
t_one=$(run_queue 1 one)
t_two=$(run_queue 2 two)
row() { printf '%-40s %10.1f %10.1f\n' "$1" "$2" "$(echo "$patients / $2" | bc -l)"; }
printf '%-40s %10s %10s\n' "" "seconds" "records/s"
row "analyze, one process (baseline)" "$t_single"
row "queue, 1 worker (submit..collect)" "$t_one"
row "queue, 2 workers" "$t_two"
echo "2 workers / 1 worker: $(echo "scale=2; $t_one / $t_two" | bc)x (target 1.7x); outputs compared byte for byte with the single run"
