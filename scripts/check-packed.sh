#!/usr/bin/env bash
# Why: what users install is the packed tarball, not this checkout. A module the built CLI loads
# but package.json lists only under devDependencies works here and fails for every user (it did:
# `Cannot find module 'ajv'`). This packs the tarball, installs it with npm into an empty folder
# outside the repository and runs analyze, explain, report and kg from there.
#
#   bash scripts/check-packed.sh            # needs `npm run build` first; .ci/run runs it
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
[ -f dist/cli.js ] || { echo "check-packed: dist/cli.js missing: run npm run build first" >&2; exit 1; }

work=$(mktemp -d -t clinicalbert-packed.XXXXXX)
chmod 700 "$work"
trap 'rm -rf "$work"' EXIT
export ONNXRUNTIME_NODE_INSTALL=skip

echo "== npm pack"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "$tarball: $(du -h "$work/$tarball" | cut -f1)"

echo "== npm install into an empty folder"
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
# --prefer-offline: the packages are in npm's cache after `npm ci`; the registry fills any gap.
npm install --no-audit --no-fund --prefer-offline "$work/$tarball" >/dev/null
bin=./node_modules/.bin/clinicalbert
[ -x "$bin" ] || { echo "check-packed: the tarball installed no clinicalbert bin" >&2; exit 1; }
# The installed package must not reach back into the checkout: no tsx fallback, no repo paths.
[ -f node_modules/clinicalbert/dist/cli.js ] || { echo "check-packed: dist/ is not in the tarball" >&2; exit 1; }

cp "$repo/samples/records.ndjson" records.ndjson
first=$(head -n 1 records.ndjson | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const b=JSON.parse(s);console.log(b.entry.find(e=>e.resource.resourceType==="Patient").resource.id)})')

echo "== analyze"
"$bin" analyze records.ndjson --out predictions.jsonl --quiet
lines=$(wc -l < predictions.jsonl)
records=$(wc -l < records.ndjson)
[ "$lines" -eq "$records" ] || { echo "check-packed: analyze wrote $lines lines for $records records" >&2; exit 1; }
node -e 'const l=require("fs").readFileSync("predictions.jsonl","utf8").trim().split("\n").map(JSON.parse);if(!l.every(x=>x.schemaVersion&&x.predictions))process.exit(1)' \
  || { echo "check-packed: analyze output is not prediction lines" >&2; exit 1; }

echo "== analyze --workers 1 (the featurizing thread, started after the first window of 8 records) against --workers 0"
"$bin" analyze records.ndjson --no-timing --batch-size 2 --workers 1 --out pool.jsonl --quiet
"$bin" analyze records.ndjson --no-timing --batch-size 2 --workers 0 --out main.jsonl --quiet
cmp -s pool.jsonl main.jsonl || { echo "check-packed: --workers 1 and --workers 0 wrote different bytes" >&2; exit 1; }

echo "== ask"
"$bin" ask "Does the patient smoke?" records.ndjson --out answers.jsonl --quiet
[ "$(wc -l < answers.jsonl)" -eq "$records" ] || { echo "check-packed: ask wrote $(wc -l < answers.jsonl) lines for $records records" >&2; exit 1; }
"$bin" ask --kg "What treats hypertension?" > kg-answer.json
grep -q '"answeredFrom":"graph"' kg-answer.json || { echo "check-packed: ask --kg gave no graph answer" >&2; exit 1; }

echo "== explain"
"$bin" explain records.ndjson --record "$first" --json > explain.json
node -e 'const e=JSON.parse(require("fs").readFileSync("explain.json","utf8"));if(!JSON.stringify(e).includes(process.argv[1]))process.exit(1)' "$first" \
  || { echo "check-packed: explain did not explain record $first" >&2; exit 1; }

echo "== report"
"$bin" report predictions.jsonl -o report.html
grep -q '<html' report.html || { echo "check-packed: report.html is not HTML" >&2; exit 1; }

echo "== kg"
"$bin" kg query pneumonia > kg-query.txt
grep -qi pneumonia kg-query.txt || { echo "check-packed: kg query found no pneumonia" >&2; exit 1; }
"$bin" kg link "Denies chest pain. Reports wheezing." --json > kg-link.json
grep -q '"negated": true' kg-link.json || { echo "check-packed: kg link found no negated mention" >&2; exit 1; }

echo "check-packed: the installed tarball analyzes (with and without its featurizing thread), answers questions, explains, reports and queries the graph ($lines records)"
