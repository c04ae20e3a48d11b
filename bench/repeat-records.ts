/**
 * @file For bench/scale.sh: writes N records by repeating generated patients (one Bundle per NDJSON
 * line) with new ids, so a run of any size can be made from a small synthetic set without holding
 * it in memory. Every occurrence of the patient's id in the line is replaced (its resources
 * reference it), so each copy is a distinct patient.
 *
 *   node --import tsx bench/repeat-records.ts <bundles.ndjson> <count> > out.ndjson
 */
import { readFileSync } from 'node:fs';

const [input, countArg] = process.argv.slice(2);
if (!input || !countArg) {
  process.stderr.write('usage: repeat-records.ts <bundles.ndjson> <count>\n');
  process.exit(2);
}
const count = Number(countArg);
const lines = readFileSync(input, 'utf8').trim().split('\n');
const ids = lines.map((line) => {
  const bundle = JSON.parse(line) as { entry: { resource: { resourceType: string; id: string } }[] };
  const patient = bundle.entry.find((e) => e.resource.resourceType === 'Patient');
  if (!patient) throw new Error('a line has no Patient');
  return patient.resource.id;
});
let written = 0;
const write = (text: string) => (process.stdout.write(text) ? Promise.resolve() : new Promise((r) => process.stdout.once('drain', r)));
for (let copy = 0; written < count; copy++) {
  for (let i = 0; i < lines.length && written < count; i++, written++) {
    const id = ids[i] as string;
    const line = copy === 0 ? (lines[i] as string) : (lines[i] as string).split(id).join(`${id}-r${copy}`);
    await write(`${line}\n`);
  }
}
