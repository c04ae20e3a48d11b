/**
 * @file Pairs and features for the learnt note reader (src/ask/reader.ts, trained by training/reader.py).
 *
 *   OMP_NUM_THREADS=1 nice -n 19 node_modules/.bin/tsx training/reader_pairs.ts \
 *     --real training/work/full/data/real_train.ndjson --gen training/work/reader/gen.ndjson \
 *     --context /work/shared/corpus/text/negex-context/context-annotations-dev.tsv --out training/work/reader
 *
 * Why a Node script: the reader's features must be computed as the runtime computes them, so they
 * come from src/ask/reader.ts `readBatch` on the shipped int8 text encoder, never from a Python copy.
 *
 * Pairs (sentence, mention span, class):
 * - `silver`: sentences of the MTSamples TRAINING half (real_train, never real_val/real_test) with
 *   the entity mentions the ask code finds (src/ask/note-search.ts `linkedNotes`: the linker plus
 *   src/ask/assertion.ts), each labelled with the RULE reader's assertion (`mention.assertion`, the
 *   value record-conditions.ts reads). SILVER labels: the rules' output, not a physician's;
 * - `gen`: generated notes (`clinicalbert synth`), labelled by the generator's truth as
 *   training/reader_experiment.py `note_pairs` does (present finding: affirmed; chronic condition or
 *   present antecedent: historical; any other finding named: negated; "family history of X" /
 *   "history of X" also give X as family / historical); the generator writes no hypotheticals;
 * - `context`: the ConText dev rows, EVALUATION ONLY: the condition's span as qa-context.ts finds it
 *   (src/kg/context-eval.ts `findPhrase`), the gold class (another experiencer: family; else
 *   "Not particular": hypothetical; else negated; else historical; else affirmed: the rules'
 *   precedence), the raw annotation, the rule reader's assertion of that span (`mentionsOf`) and the
 *   full rule answerer's "now" and "past" answers (`answerRecord`, as `evaluate --qa` asks them).
 *
 * Training pairs are deduplicated by (sentence, span) (first kept) and capped per class and source
 * (seeded); any training sentence whose text (case and spaces folded) is a ConText sentence is
 * dropped and counted. Output under --out: features.f32 (float32 little-endian, one row of 1536 per
 * pair, in meta order), meta.jsonl, ids.jsonl (each pair's `readerInput`: ids and the prefix, mention
 * and suffix ranges, what training/reader_finetune.py feeds the torch encoder), summary.json.
 * `--context` is optional: without it there are no ConText rows (and no overlap to drop), so no ConText
 * figures. `--model` is the package whose kg.json, tokenizer and encoder are read (the recipe's reader
 * step passes its --out). `--encoder onnx/reader_encoder.int8.onnx` computes the features with the fine-tuned reader encoder
 * instead of the shipped text encoder (default onnx/text_encoder.int8.onnx).
 */
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { answerRecord } from '../src/ask/answer-record.js';
import { mentionsOf } from '../src/ask/assertion.js';
import { linkedNotes } from '../src/ask/note-search.js';
import { conditionQuestion, contextRecord, contextTruths } from '../src/ask/qa-context.js';
import { FEATURE_SIZE, type ReaderItem, readBatch, readerInput } from '../src/ask/reader.js';
import { sentenceSpans } from '../src/ask/sentences.js';
import { mulberry32 } from '../src/util/random.js';
import type { Assertion } from '../src/ask/types.js';
import { findPhrase, parseContextTsv } from '../src/kg/context-eval.js';
import { KnowledgeGraph } from '../src/kg/graph.js';
import { EntityLinker } from '../src/kg/link.js';
import { tokenize } from '../src/kg/normalize.js';
import { createSession, ort } from '../src/model/session.js';
import { loadTokenizer } from '../src/model/tokenizer.js';
import { readRecords } from '../src/records/read.js';

const { values: args } = parseArgs({
  options: {
    real: { type: 'string' },
    gen: { type: 'string' },
    context: { type: 'string' },
    out: { type: 'string' },
    model: { type: 'string', default: 'models/clinicalbert-mini' },
    cap: { type: 'string', default: '6000' },
    batch: { type: 'string', default: '32' },
    seed: { type: 'string', default: '5005' },
    limit: { type: 'string' },
    /** The package-relative ONNX text encoder the features come from (a fine-tuned reader encoder, say). */
    encoder: { type: 'string', default: 'onnx/text_encoder.int8.onnx' },
  },
});
if (!args.real || !args.gen || !args.out) {
  process.stderr.write(
    'usage: reader_pairs.ts --real <real_train.ndjson> --gen <gen.ndjson> [--context <dev.tsv>] --out <dir> [--model <package>]\n',
  );
  process.exit(2);
}
const CAP = Number(args.cap);
const BATCH = Number(args.batch);
const LIMIT = args.limit ? Number(args.limit) : Number.POSITIVE_INFINITY;
const model = args.model as string;

interface Pair extends ReaderItem {
  source: 'silver' | 'gen' | 'context';
  label: Assertion;
  /** Held-out slices split by group (a record), never by pair. */
  group: string;
  entity?: string;
  extra?: Record<string, unknown>;
}

const random = mulberry32(Number(args.seed));
function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}
const fold = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();
const timings: Record<string, number> = {};
let clock = Date.now();
const lap = (name: string): void => {
  timings[name] = (Date.now() - clock) / 1000;
  clock = Date.now();
  process.stderr.write(`${name}: ${timings[name]} s\n`);
};

const graph = await KnowledgeGraph.load(join(model, 'kg.json'));
const linker = new EntityLinker(graph);

// ---------------------------------------------------------------- silver: MTSamples training half, rule labels
const silver: Pair[] = [];
let realRecords = 0;
let realFailures = 0;
for await (const item of readRecords([args.real])) {
  if (realRecords >= LIMIT) break;
  if (item.kind !== 'record') {
    if (item.kind === 'failure') realFailures++;
    continue;
  }
  const record = item.record;
  realRecords++;
  for (const linked of linkedNotes(record, linker)) {
    const text = linked.note.text;
    for (const m of linked.mentions) {
      const s = m.sentence;
      if (m.start < s.start || m.end > s.end) continue;
      const raw = text.slice(s.start, s.end);
      // the reader sees the sentence trimmed; shift the span with it
      const lead = raw.length - raw.trimStart().length;
      const sentence = raw.trim();
      const start = m.start - s.start - lead;
      const end = m.end - s.start - lead;
      if (start < 0 || end > sentence.length || end <= start) continue;
      silver.push({ source: 'silver', sentence, start, end, label: m.assertion, group: `real-${record.id}`, entity: m.entityId });
    }
  }
}
lap('silver pairs');

// ---------------------------------------------------------------- gen: generated notes, generator truth (reader_experiment.py)
interface KgEntity {
  id: string;
  name: string;
  type?: string;
  synonyms?: string[];
}
const kgJson = JSON.parse(readFileSync(join(model, 'kg.json'), 'utf8')) as { entities: KgEntity[] };
const surfaceSet = new Map<string, [string, string]>();
for (const e of kgJson.entities) {
  if (!['finding', 'antecedent', 'condition'].includes(e.type ?? '')) continue;
  for (const s0 of [e.name, ...(e.synonyms ?? [])]) {
    const s = s0.toLowerCase().trim();
    if (s.length > 2) surfaceSet.set(`${s}\u0000${e.id}`, [s, e.id]);
  }
}
const surfaces = [...surfaceSet.values()].sort(
  (a, b) => b[0].length - a[0].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1),
);
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const surfaceRes = surfaces.map(([s, id]) => [new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRe(s)}(?![\\p{L}\\p{N}_])`, 'gu'), id] as const);

function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    for (const part of line.trim().split(/(?<=[.!?])\s+(?=[A-Z])/)) if (part.trim()) out.push(part.trim());
  }
  return out;
}
function findMentions(sentence: string): [string, number, number][] {
  const low = sentence.toLowerCase();
  const taken = new Uint8Array(low.length);
  const found: [string, number, number][] = [];
  for (const [re, id] of surfaceRes) {
    for (const m of low.matchAll(re)) {
      const a = m.index ?? 0;
      const b = a + m[0].length;
      if (taken.subarray(a, b).some((x) => x)) continue;
      taken.fill(1, a, b);
      found.push([id, a, b]);
    }
  }
  return found.sort((x, y) => x[1] - y[1]);
}
interface GenLabel {
  openSet?: unknown;
  presentEvidences?: string[];
  chronic?: { id: string }[];
}
function entityTruth(id: string, label: GenLabel): Assertion | undefined {
  const present = new Set(label.presentEvidences ?? []);
  const chronic = new Set((label.chronic ?? []).map((c) => c.id));
  if (chronic.has(id)) return 'historical';
  if (present.has(id)) return id.startsWith('finding:') ? 'affirmed' : 'historical';
  if (id.startsWith('finding:')) return 'negated';
  return undefined;
}
const gen: Pair[] = [];
const labels = readFileSync(`${args.gen}.labels.jsonl`, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as GenLabel);
let genIndex = 0;
for await (const line of createInterface({ input: createReadStream(args.gen) })) {
  const i = genIndex++;
  if (!line.trim()) continue;
  const label = labels[i] as GenLabel;
  if (label.openSet !== undefined && label.openSet !== null) continue;
  const bundle = JSON.parse(line) as {
    entry?: { resource?: { resourceType?: string; content?: { attachment?: { data?: string; contentType?: string } }[] } }[];
  };
  for (const entry of bundle.entry ?? []) {
    const res = entry.resource;
    if (res?.resourceType !== 'DocumentReference') continue;
    for (const content of res.content ?? []) {
      const att = content.attachment;
      if (!att?.data || !String(att.contentType ?? '').startsWith('text/plain')) continue;
      const text = Buffer.from(att.data, 'base64').toString('utf8');
      for (const sentence of splitSentences(text)) {
        for (const [id, start, end] of findMentions(sentence)) {
          const truth = entityTruth(id, label);
          if (!truth) continue;
          gen.push({ source: 'gen', sentence, start, end, label: truth, group: `gen-${i}`, entity: id });
          const written = sentence.slice(start, end).toLowerCase();
          for (const [prefix, cls] of [
            ['family history of ', 'family'],
            ['history of ', 'historical'],
          ] as const) {
            if (truth === 'historical' && written.startsWith(prefix) && written.length > prefix.length + 2) {
              gen.push({ source: 'gen', sentence, start: start + prefix.length, end, label: cls, group: `gen-${i}`, entity: id });
              break;
            }
          }
        }
      }
    }
  }
}
lap('generated pairs');

// ---------------------------------------------------------------- context: evaluation only
const contextFile = args.context;
const rows = contextFile ? parseContextTsv(readFileSync(contextFile, 'utf8')) : [];
const contextPairs: Pair[] = [];
let contextSkipped = 0;
for (const row of rows) {
  const tokens = tokenize(row.sentence);
  const span = findPhrase(tokens, row.condition, row.sentence);
  if (!span) {
    contextSkipped++;
    continue;
  }
  const start = tokens[span.first]?.start as number;
  const end = tokens[span.last]?.end as number;
  const exp = row.experiencer.toLowerCase();
  const neg = row.negation.toLowerCase();
  const tmp = row.temporality.toLowerCase();
  const gold: Assertion =
    exp !== 'patient'
      ? 'family'
      : tmp === 'not particular'
        ? 'hypothetical'
        : neg === 'negated'
          ? 'negated'
          : tmp === 'historical'
            ? 'historical'
            : 'affirmed';
  const rule = mentionsOf(row.sentence, tokens, [span], sentenceSpans(row.sentence))[0]?.assertion;
  const record = contextRecord(row, contextFile as string);
  const answer = (time: 'now' | 'past'): unknown =>
    answerRecord(record, conditionQuestion(row.condition, time, graph), { graph, linker }, { coded: false }).answer;
  const truths = contextTruths(row);
  contextPairs.push({
    source: 'context',
    sentence: row.sentence,
    start,
    end,
    label: gold,
    group: `context-${row.line}`,
    extra: {
      line: row.line,
      negation: row.negation,
      temporality: row.temporality,
      experiencer: row.experiencer,
      truthNow: truths.now ?? null,
      truthPast: truths.past,
      rule,
      ruleAnswerNow: truths.now ? answer('now') : null,
      ruleAnswerPast: answer('past'),
    },
  });
}
lap('context rows');

// ---------------------------------------------------------------- dedupe, ConText overlap, caps
const contextSentences = new Set(rows.map((r) => fold(r.sentence)));
const seen = new Set<string>();
const overlap = { silver: 0, gen: 0 };
const raw = { silver: silver.length, gen: gen.length };
const dupes = { silver: 0, gen: 0 };
const byClass = new Map<string, Pair[]>();
for (const p of [...silver, ...gen]) {
  const key = `${p.sentence}\u0000${p.start}\u0000${p.end}`;
  if (seen.has(key)) {
    dupes[p.source as 'silver' | 'gen']++;
    continue;
  }
  seen.add(key);
  if (contextSentences.has(fold(p.sentence))) {
    overlap[p.source as 'silver' | 'gen']++;
    continue;
  }
  const k = `${p.source}:${p.label}`;
  const list = byClass.get(k) ?? [];
  list.push(p);
  byClass.set(k, list);
}
const available: Record<string, number> = {};
const kept: Record<string, number> = {};
const training: Pair[] = [];
for (const [k, list] of [...byClass.entries()].sort()) {
  available[k] = list.length;
  const chosen = shuffle(list).slice(0, CAP);
  kept[k] = chosen.length;
  training.push(...chosen);
}
const all = [...training, ...contextPairs];
process.stderr.write(`pairs: ${JSON.stringify(kept)}; context ${contextPairs.length}; overlap ${JSON.stringify(overlap)}\n`);

// ---------------------------------------------------------------- features
const tokenizer = await loadTokenizer(model);
const encoder = args.encoder as string;
const { session } = await createSession(join(model, encoder), { device: 'cpu', threads: 1 });
// batches of similar length (padding costs time), written back in `all` order
const order = all.map((_, i) => i).sort((a, b) => (all[a] as Pair).sentence.length - (all[b] as Pair).sentence.length);
const features = new Float32Array(all.length * FEATURE_SIZE);
for (let b = 0; b < order.length; b += BATCH) {
  const idx = order.slice(b, b + BATCH);
  const results = await readBatch(
    session,
    ort.Tensor,
    tokenizer,
    idx.map((i) => all[i] as Pair),
  );
  for (const [k, r] of results.entries()) features.set(r.features, (idx[k] as number) * FEATURE_SIZE);
  if ((b / BATCH) % 50 === 0) process.stderr.write(`features ${b + idx.length}/${all.length}\n`);
}
lap('features');

writeFileSync(join(args.out, 'features.f32'), Buffer.from(features.buffer, features.byteOffset, features.byteLength));
const meta = createWriteStream(join(args.out, 'meta.jsonl'));
for (const p of all)
  meta.write(
    `${JSON.stringify({ source: p.source, label: p.label, group: p.group, entity: p.entity, sentence: p.sentence, start: p.start, end: p.end, ...(p.extra ?? {}) })}\n`,
  );
await new Promise((resolve) => meta.end(resolve));
// the encoder's input of every pair, as readBatch builds it (training/reader_finetune.py feeds the same ids)
const idsOut = createWriteStream(join(args.out, 'ids.jsonl'));
for (const p of all) idsOut.write(`${JSON.stringify(readerInput(tokenizer, p.sentence, p.start, p.end))}\n`);
await new Promise((resolve) => idsOut.end(resolve));
const summary = {
  featureSize: FEATURE_SIZE,
  rows: all.length,
  realRecords,
  realFailures,
  raw,
  duplicatesDropped: dupes,
  contextSentenceOverlapDropped: overlap,
  availablePerSourceClass: available,
  keptPerSourceClass: kept,
  cap: CAP,
  seed: Number(args.seed),
  context: contextFile ? { rows: rows.length, used: contextPairs.length, skipped: contextSkipped } : null,
  encoder,
  timings,
};
writeFileSync(join(args.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
process.stderr.write(`${JSON.stringify(summary, null, 2)}\n`);
