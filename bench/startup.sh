#!/usr/bin/env bash
# Start-up: time from launch to the first output line of `clinicalbert analyze` for one record,
# beside a bare `node -e ''` and `clinicalbert --version`, median of several interleaved runs
# (bench/first-line.ts), with where the time goes (CLINICALBERT_STARTUP_TRACE=1).
# Times the built CLI, as users run it: dist/ is rebuilt first when a source is newer.
#   bash bench/startup.sh [runs=7] [baseline commit]
# With a commit (e.g. aab3288, before issue 12's fast start), that commit is extracted into
# bench/out/, built, and its `analyze` row timed in the same run, interleaved with the others, so a
# before/after on a busy machine is measured under the same load.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
baseline=${2:-}
out=bench/out
mkdir -p "$out"
if [ ! -f dist/cli.js ] || [ -n "$(find src package.json schema -newer dist/cli.js -type f -print -quit)" ]; then
  npm run build --silent >/dev/null
fi
record="$out/one-record.ndjson"
head -n 1 samples/records.ndjson >"$record"
# A cache folder of the bench's own, so the "verified before" row is not the user's cache.
cache="$(pwd)/$out/startup-cache"
rm -rf "$cache"
mkdir -p "$cache"
tab=$'\t'
cli="node${tab}bin/clinicalbert.js"
cases=(
  "node -e ''${tab}${tab}exit${tab}${tab}node${tab}-e${tab}"
  "clinicalbert --version${tab}${tab}exit${tab}${tab}$cli${tab}--version"
)
if node bin/clinicalbert.js analyze --help | grep -q -- '--verify'; then
  cases+=(
    "analyze, 1 record (package verified before)${tab}$record${tab}line${tab}XDG_CACHE_HOME=$cache CLINICALBERT_STARTUP_TRACE=1${tab}$cli${tab}analyze${tab}-${tab}--no-timing${tab}--quiet"
    "analyze --verify, 1 record (full sha256)${tab}$record${tab}line${tab}XDG_CACHE_HOME=$cache${tab}$cli${tab}analyze${tab}-${tab}--no-timing${tab}--quiet${tab}--verify"
  )
else
  cases+=(
    "analyze, 1 record${tab}$record${tab}line${tab}CLINICALBERT_STARTUP_TRACE=1${tab}$cli${tab}analyze${tab}-${tab}--no-timing${tab}--quiet"
  )
fi
if [ -n "$baseline" ]; then
  rev=$(git rev-parse --short "$baseline")
  old="$out/baseline-$rev"
  if [ ! -f "$old/dist/cli.js" ]; then
    rm -rf "$old"
    mkdir -p "$old"
    git archive "$rev" | tar -x -C "$old"
    # its own package.json, models and schema; node_modules found by walking up to this checkout's
    (cd "$old" && ../../../node_modules/.bin/tsup >/dev/null)
  fi
  cases+=("analyze at $rev, 1 record${tab}$record${tab}line${tab}${tab}node${tab}$old/bin/clinicalbert.js${tab}analyze${tab}-${tab}--no-timing${tab}--quiet")
fi
echo "first output line for one record, $runs runs each, $(nproc) cores, node $(node --version), load $(cut -d' ' -f1-3 /proc/loadavg)"
node --import tsx bench/first-line.ts "$runs" "${cases[@]}"
