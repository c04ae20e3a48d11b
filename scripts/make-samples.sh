#!/usr/bin/env bash
# Rebuilds samples/ from the generator: about 20 patients per format, fixed seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf samples/bulk samples/records_files
rm -f samples/*.ndjson samples/*.csv samples/*.labels.jsonl
cb() { node bin/clinicalbert.js "$@"; }
cb synth --seed 7 --patients 20 --format ndjson --out samples/records.ndjson
cb synth --seed 8 --patients 20 --format bulk --out samples/bulk
cb synth --seed 9 --patients 20 --format csv --out samples/records.csv
du -sh samples
