/**
 * @file Links the fields of real notes (title, description, transcription) to knowledge-graph
 * entities with the runtime's own linker, for the recipe's weak labels and its "naming sentences
 * removed" variant (training/real_notes.py).
 *
 *   node --import tsx training/link_notes.ts --in notes.jsonl --kg kg.json --out mentions.jsonl
 *
 * Input: one JSON object per line, `{"id": "...", "fields": {"title": "...", ...}}`.
 * Output: one line per input line, same order:
 * `{"id": "...", "fields": {"title": [mention, ...], ...}}` where a mention is
 * `{"entity", "type", "course", "start", "end", "negated", "historical", "family"}` with character
 * offsets into the field's text (JavaScript string indices, i.e. UTF-16 code units; the recipe
 * converts them). Why Node: the weak labels must read notes exactly as the linker the model is
 * fed with does (same surface forms, same negation and history rules).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { KnowledgeGraph } from '../src/kg/graph.js';
import { EntityLinker } from '../src/kg/link.js';

const { values: args } = parseArgs({ options: { in: { type: 'string' }, kg: { type: 'string' }, out: { type: 'string' } } });
if (!args.in || !args.kg || !args.out) {
  process.stderr.write('usage: link_notes.ts --in <notes.jsonl> --kg <kg.json> --out <mentions.jsonl>\n');
  process.exit(2);
}
const graph = await KnowledgeGraph.load(args.kg);
const linker = new EntityLinker(graph);
const out = createWriteStream(args.out);
let lines = 0;
for await (const raw of createInterface({ input: createReadStream(args.in), crlfDelay: Infinity })) {
  if (!raw.trim()) continue;
  const item = JSON.parse(raw) as { id: string; fields: Record<string, string> };
  const fields: Record<string, unknown[]> = {};
  for (const [name, text] of Object.entries(item.fields)) {
    fields[name] = linker.link(text ?? '').map((m) => ({
      entity: m.entityId,
      type: m.type,
      course: graph.get(m.entityId)?.course ?? null,
      start: m.start,
      end: m.end,
      negated: m.negated,
      historical: m.historical,
      family: m.experiencer === 'family',
    }));
  }
  out.write(`${JSON.stringify({ id: item.id, fields })}\n`);
  lines++;
}
await new Promise((resolve) => out.end(resolve));
process.stderr.write(`link_notes: ${lines} notes linked\n`);
