#!/usr/bin/env bash
# Peak RSS of `clinicalbert analyze` on the worst inputs of issue 11 (bench/worst-inputs.ts: a
# 2 MiB HTML note, a WAV declaring 1 Hz, a deflated DICOM that would inflate to 2 GiB and the
# largest one that is decoded, a 10 MiB Binary referenced by 300 Media, a 48 MiB Bundle id, an
# 80 MiB NDJSON line, an 8192 x 8192 PNG, a 110 MB Bulk patient), beside the committed samples,
# each against the documented bound (1 GB by default: 1024 MiB).
#   bash bench/hostile-rss.sh [bound_mib=1024]
# Peak RSS is the kernel's high-water mark of the child process (getrusage: /usr/bin/time -v, else
# python3's resource.getrusage(RUSAGE_CHILDREN)). The inputs are generated into a temp folder,
# removed at the end; nothing is downloaded. Exit status 1 when any input is over the bound.
set -euo pipefail
cd "$(dirname "$0")/.."
bound=${1:-1024}
work=$(mktemp -d "${TMPDIR:-/tmp}/cb-bench-hostile-XXXXXX")
trap 'rm -rf "$work"' EXIT
# the CLI as users run it (dist/, rebuilt when a source is newer), not the sources through tsx
if [ ! -f dist/cli.js ] || [ -n "$(find src package.json -newer dist/cli.js -print -quit)" ]; then npm run build --silent >/dev/null; fi

mkdir "$work/in"
node --import tsx bench/worst-inputs.ts "$work/in" >"$work/list"

# runs "$@" and prints "<peak RSS in KiB> <exit status>"
peak() {
  if [ -x /usr/bin/time ]; then
    local rc=0
    /usr/bin/time -v -o "$work/time.txt" "$@" || rc=$?
    echo "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt") $rc"
  else
    /usr/bin/python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)' "$@"
  fi
}
lines() { if [ -f "$1" ]; then grep -c . "$1" || true; else echo 0; fi; }

over=0
row() { # name input flags what
  local name=$1 input=$2 flags=$3 what=$4 out="$work/$1.out.jsonl" dead="$work/$1.dead.jsonl"
  local start end kb rc
  start=$(date +%s%N)
  # shellcheck disable=SC2086 # flags are words
  read -r kb rc < <(peak nice -n 19 node bin/clinicalbert.js analyze "$input" $flags --no-timing -q --out "$out" --dead-letter "$dead" 2>"$work/$name.err" </dev/null)
  end=$(date +%s%N)
  local mib=$((kb / 1024)) verdict=OK
  if [ "$mib" -ge "$bound" ]; then verdict=OVER; over=1; fi
  # exit 0 or 3 is a finished run; anything else is shown with the last line it printed
  [ "$rc" = 0 ] || [ "$rc" = 3 ] || what="$what; FAILED: $(tail -n 1 "$work/$name.err")"
  printf '%-16s %9s %8s %5s %8s %6s %6s  %s\n' "$name" "$mib" "$(awk "BEGIN {printf \"%.1f\", ($end - $start) / 1e9}")" "$rc" \
    "$(lines "$out")" "$(lines "$dead")" "$verdict" "$what"
}

echo "clinicalbert analyze, peak RSS against a bound of $bound MiB; $(nproc) cores, node $(node --version), $(date -u +%Y-%m-%d)"
printf '%-16s %9s %8s %5s %8s %6s %6s  %s\n' input 'peak MiB' seconds exit written dead bound what
row samples samples/records.ndjson '' 'baseline: the 20 committed sample records'
while IFS=$'\x1f' read -r name input flags what; do row "$name" "$input" "$flags" "$what"; done <"$work/list"
exit "$over"
