#!/usr/bin/env bash
# Peak RSS of `clinicalbert analyze` on a Bulk Data folder where one patient holds all the
# Observations, beside the same bytes spread over many patients, and the one patient again with
# the per-patient bound (--max-patient-mb) lifted, i.e. the join as it was before the bound.
#   bash bench/bulk-join.sh [megabytes=128] [patients=5000]
# The data is generated into a temp folder (removed at the end); nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-128}
patients=${2:-5000}
work=$(mktemp -d "${TMPDIR:-/tmp}/cb-bench-bulk-join-XXXXXX")
trap 'rm -rf "$work"' EXIT

# one folder per layout: Patient.ndjson + Observation.ndjson of about $mb MB (+ 3 notes per patient id used)
node - "$work" "$mb" "$patients" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [work, mb, patients] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const codes = ['8867-4', '8480-6', '8462-4', '2339-0', '2160-0', '718-7', '6690-2', '777-3', '2951-2', '2823-3'];
for (const [name, n] of [['one', 1], ['many', patients]]) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const pat = fs.openSync(path.join(dir, 'Patient.ndjson'), 'w');
  const notes = fs.openSync(path.join(dir, 'DocumentReference.ndjson'), 'w');
  for (let p = 0; p < n; p++) {
    fs.writeSync(pat, JSON.stringify({ resourceType: 'Patient', id: `p${p}`, gender: p % 2 ? 'female' : 'male', birthDate: '1960-01-01' }) + '\n');
    for (let k = 0; k < 3; k++) {
      const text = Buffer.from(`Progress note ${k}: chest pain, shortness of breath; assessment: stable angina.`).toString('base64');
      fs.writeSync(notes, JSON.stringify({ resourceType: 'DocumentReference', id: `d${p}-${k}`, status: 'current', subject: { reference: `Patient/p${p}` }, date: `20${10 + k}-01-01T00:00:00Z`, content: [{ attachment: { contentType: 'text/plain', data: text } }] }) + '\n');
    }
  }
  fs.closeSync(pat);
  fs.closeSync(notes);
  const obs = fs.openSync(path.join(dir, 'Observation.ndjson'), 'w');
  let bytes = 0;
  let chunk = '';
  for (let i = 0; bytes < mb * 1e6; i++) {
    const code = codes[i % codes.length];
    const day = new Date(Date.UTC(2000, 0, 1) + (i % 9000) * 86400000).toISOString();
    const line = JSON.stringify({ resourceType: 'Observation', id: `o${i}`, status: 'final', subject: { reference: `Patient/p${i % n}` }, effectiveDateTime: day,
      code: { coding: [{ system: 'http://loinc.org', code, display: `code ${code}` }] }, valueQuantity: { value: 50 + (i % 100), unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }] }) + '\n';
    bytes += line.length;
    chunk += line;
    if (chunk.length > 1 << 20) { fs.writeSync(obs, chunk); chunk = ''; }
  }
  fs.writeSync(obs, chunk);
  fs.closeSync(obs);
}
EOF

echo "input: Observation.ndjson of $(du -m "$work/one/Observation.ndjson" | cut -f1) MB; $(nproc) cores"
run() {
  # the summary's peakRssMb is process.resourceUsage().maxRSS of the run
  nice -n 19 node bin/clinicalbert.js analyze "$1" --no-timing --log-format json --out /dev/null "${@:2}" 2>&1 >/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=s.split("\n").filter(Boolean).map(x=>JSON.parse(x));
      const sum=l.find(x=>x.event==="summary"); const w=l.filter(x=>x.event==="record_warning"&&/per-patient bound/.test(x.message)).length;
      console.log(String(sum.peakRssMb).padStart(12)+String(sum.read).padStart(9)+String(sum.seconds.toFixed(1)).padStart(9)+"   "+(w?`bounded (${w} warning)`:"whole"));})'
}
printf '%-44s%12s%9s%9s\n' '' 'peak RSS MB' 'records' 'seconds'
printf '%-44s' "1 patient, default bound (--max-patient-mb 32)"; run "$work/one"
printf '%-44s' "1 patient, bound lifted (as before)"; run "$work/one" --max-patient-mb 65536
printf '%-44s' "$patients patients, same bytes"; run "$work/many"
