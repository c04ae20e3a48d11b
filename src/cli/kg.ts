/**
 * @file `clinicalbert kg`: build, inspect, query the knowledge graph and link text against it.
 *
 * Argument parsing and output formatting only; the work is done by src/kg/. Output is an aligned
 * table (coloured only on a terminal) or, with --json, one JSON document on stdout. Errors name
 * terms and files; they never echo the text given to `kg link` (it may be a patient's note).
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { KnowledgeGraph, type Neighbour } from '../kg/graph.js';
import { EntityLinker } from '../kg/link.js';
import { phraseKey } from '../kg/normalize.js';
import type { Coding, Entity, SurfaceFormOrigin } from '../kg/types.js';
import { SYSTEMS } from '../util/code-systems.js';
import { ClinicalBertError, UsageError, quote } from '../util/errors.js';

interface GraphFlags {
  kg?: string;
  json?: boolean;
}

const color = new Chalk({ level: process.stdout.isTTY ? new Chalk().level : 0 });

const SYSTEM_LABELS: Record<string, string> = {
  [SYSTEMS.icd10]: 'ICD-10',
  [SYSTEMS.snomed]: 'SNOMED',
  [SYSTEMS.loinc]: 'LOINC',
  [SYSTEMS.rxnorm]: 'RxNorm',
  [SYSTEMS.drugbank]: 'DrugBank',
  [SYSTEMS.doid]: 'DOID',
  [SYSTEMS.ddxplus]: 'DDXPlus',
  [SYSTEMS.ddxplusCondition]: 'DDXPlus',
};

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Aligned columns; the header is dimmed on a terminal. Cells are padded by visible width. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [color.bold(line(header)), ...rows.map(line)].join('\n');
}

async function loadGraph(flags: GraphFlags): Promise<KnowledgeGraph> {
  return flags.kg ? KnowledgeGraph.load(resolve(flags.kg)) : KnowledgeGraph.loadDefault();
}

function codeText(c: Coding): string {
  return `${SYSTEM_LABELS[c.system] ?? c.system} ${c.code}`;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** Up to five entities whose name or synonym is close to `term` (edit distance or containment). */
function suggestions(graph: KnowledgeGraph, term: string): Entity[] {
  const wanted = term.trim().toLowerCase();
  const key = phraseKey(term);
  const scored: { entity: Entity; score: number }[] = [];
  for (const entity of graph.entities) {
    let best = Number.POSITIVE_INFINITY;
    for (const form of [entity.name, ...entity.synonyms, entity.id]) {
      const f = form.toLowerCase();
      const distance = levenshtein(wanted, f);
      const limit = Math.max(2, Math.floor(wanted.length / 3));
      if (distance <= limit) best = Math.min(best, distance);
      else if (wanted.length >= 4 && (f.includes(wanted) || (key.length >= 4 && phraseKey(form).includes(key))))
        best = Math.min(best, limit + 1);
    }
    if (best < Number.POSITIVE_INFINITY) scored.push({ entity, score: best });
  }
  scored.sort((a, b) => a.score - b.score || a.entity.name.length - b.entity.name.length || (a.entity.id < b.entity.id ? -1 : 1));
  return scored.slice(0, 5).map((s) => s.entity);
}

/** An id, a code in any system, or a name/synonym. */
function resolveTerm(graph: KnowledgeGraph, term: string): Entity {
  const hit = graph.get(term.trim()) ?? graph.findByCode(undefined, term) ?? graph.findByName(term)[0];
  if (hit) return hit;
  const close = suggestions(graph, term);
  const hint = close.length > 0 ? `; did you mean: ${close.map((e) => `${e.name} (${e.id})`).join(', ')}?` : '; no close matches';
  throw new UsageError(`unknown term ${quote(term)} in the knowledge graph${hint}`, { code: 'KG_UNKNOWN_TERM' });
}

function entitySummary(e: Entity): string {
  const parts: string[] = [e.type];
  if (e.course) parts.push(e.course);
  if (e.prior !== undefined) parts.push(`prior ${e.prior}`);
  if (e.severity !== undefined) parts.push(`severity ${e.severity}`);
  if (e.system) parts.push(e.system);
  if (e.category) parts.push(e.category);
  if (e.unit) parts.push(`unit ${e.unit}`);
  if (e.normalRange) parts.push(`normal ${e.normalRange[0]}–${e.normalRange[1]}`);
  return parts.join(', ');
}

function neighbourRows(neighbours: Neighbour[]): string[][] {
  return neighbours.map((n) => [
    n.direction === 'out' ? '->' : '<-',
    n.edge.type,
    n.edge.p === undefined ? '' : n.edge.p.toFixed(3),
    n.edge.direction ?? '',
    n.entity.id,
    n.entity.name,
  ]);
}

async function runBuild(flags: { from: string; out?: string; json?: boolean }): Promise<void> {
  const out = resolve(flags.out ?? KnowledgeGraph.defaultPath());
  // the builder (lexicons, source readers, csv-parse) is only for `kg build`
  const [{ buildKnowledgeGraph }, { serializeKnowledgeGraph }] = await Promise.all([
    import('../kg/build/index.js'),
    import('../kg/build/serialize.js'),
  ]);
  const graph = await buildKnowledgeGraph(resolve(flags.from));
  const text = serializeKnowledgeGraph(graph);
  try {
    await mkdir(dirname(out), { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    await writeFile(tmp, text);
    await rename(tmp, out);
  } catch (error) {
    throw new ClinicalBertError(`kg build: cannot write ${quote(out)}`, { code: 'KG_WRITE', cause: error });
  }
  const summary = {
    out,
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
    entities: graph.entities.length,
    edges: graph.edges.length,
  };
  if (flags.json) printJson(summary);
  else
    print(
      `kg build: wrote ${summary.out} (${summary.bytes} bytes, sha256 ${summary.sha256.slice(0, 16)}…): ${summary.entities} entities, ${summary.edges} edges`,
    );
}

/** Surface forms the build added, counted by source (see provenance.surfaceForms). */
function addedFormCounts(graph: KnowledgeGraph): Record<SurfaceFormOrigin['source'], number> {
  const counts = { icd10cm: 0, abbreviation: 0 };
  for (const o of graph.file.provenance?.surfaceForms ?? []) counts[o.source]++;
  return counts;
}

function originsOf(graph: KnowledgeGraph, entityId: string): SurfaceFormOrigin[] {
  return (graph.file.provenance?.surfaceForms ?? []).filter((o) => o.entity === entityId);
}

/** "paroxysmal atrial fibrillation [ICD-10-CM I48.0]", "paf [abbreviation]", or the bare form. */
function formWithOrigin(form: string, origins: readonly SurfaceFormOrigin[]): string {
  const o = origins.find((x) => x.form === form);
  if (!o) return form;
  return o.source === 'icd10cm' ? `${form} [ICD-10-CM ${o.code ?? ''}]` : `${form} [abbreviation]`;
}

async function runStats(flags: GraphFlags): Promise<void> {
  const graph = await loadGraph(flags);
  const stats = graph.stats();
  const added = addedFormCounts(graph);
  if (flags.json) return printJson({ ...stats, addedSurfaceForms: added });
  const rows: string[][] = [
    ...Object.entries(stats.entities).map(([k, v]) => ['entity', k, String(v)]),
    ['condition', 'acute', String(stats.conditionsByCourse.acute)],
    ['condition', 'chronic', String(stats.conditionsByCourse.chronic)],
    ...Object.entries(stats.edges).map(([k, v]) => ['edge', k, String(v)]),
    ['other', 'icd10 descriptions', String(stats.icd10Descriptions)],
    ['other', 'surface forms', String(stats.surfaceForms)],
    ['other', 'added from ICD-10-CM', String(added.icd10cm)],
    ['other', 'added abbreviations', String(added.abbreviation)],
  ];
  print(`${color.bold(stats.name)} (format ${stats.formatVersion})\n${table(['KIND', 'WHAT', 'COUNT'], rows)}`);
}

async function runQuery(term: string, flags: GraphFlags): Promise<void> {
  const graph = await loadGraph(flags);
  const entity = resolveTerm(graph, term);
  const neighbours = graph.neighbours(entity.id);
  const origins = originsOf(graph, entity.id);
  if (flags.json) {
    return printJson({
      entity,
      surfaceFormOrigins: origins,
      neighbours: neighbours.map((n) => ({
        direction: n.direction,
        edge: n.edge,
        entity: { id: n.entity.id, type: n.entity.type, name: n.entity.name },
      })),
    });
  }
  const head = [
    `${color.bold(entity.id)}  ${entity.name}  (${entitySummary(entity)})`,
    `codes:     ${entity.codes.map((c) => (c.display ? `${codeText(c)} ${c.display}` : codeText(c))).join('; ')}`,
  ];
  if (entity.synonyms.length > 0) head.push(`synonyms:  ${entity.synonyms.join(', ')}`);
  if (entity.linkOnly?.length) head.push(`link-only: ${entity.linkOnly.map((f) => formWithOrigin(f, origins)).join(', ')}`);
  const body = neighbours.length > 0 ? table(['DIR', 'EDGE', 'P', 'ABNORMAL', 'ID', 'NAME'], neighbourRows(neighbours)) : '(no edges)';
  print(`${head.join('\n')}\n\n${body}`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function runLink(text: string, flags: GraphFlags): Promise<void> {
  const graph = await loadGraph(flags);
  const input = text === '-' ? await readStdin() : text;
  const mentions = new EntityLinker(graph).link(input).map((m) => ({ ...m, name: graph.get(m.entityId)?.name ?? '' }));
  if (flags.json) return printJson(mentions);
  if (mentions.length === 0) return print('(no mentions)');
  const yes = (flag: boolean, word: string): string => (flag ? color.yellow(word) : '');
  const rows = mentions.map((m) => [
    `${m.start}-${m.end}`,
    m.text,
    m.entityId,
    m.name,
    [yes(m.negated, 'negated'), yes(m.historical, 'historical'), m.experiencer === 'family' ? color.yellow('family') : '']
      .filter(Boolean)
      .join(' '),
  ]);
  print(table(['SPAN', 'TEXT', 'ENTITY', 'NAME', 'CONTEXT'], rows));
}

export function registerKg(program: Command): void {
  const kg = program.command('kg').description('Build, inspect and query the medical knowledge graph, and link text to it');
  const kgOption = '--kg <file>';
  const kgHelp = 'knowledge graph file (default: the embedded model package)';

  kg.command('build')
    .description('Build kg.json from the knowledge sources (DDXPlus, PharmacotherapyDB, ICD-10-CM, Synthea codes)')
    .requiredOption('--from <dir>', 'folder holding ddxplus/, pharmacotherapydb/, icd10cm/ and synthea-codes/')
    .option('--out <file>', 'output file (default: the embedded model package kg.json)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExample:\n  clinicalbert kg build --from ../shared/corpus/knowledge --out models/clinicalbert-mini/kg.json')
    .action((flags: { from: string; out?: string; json?: boolean }) => runBuild(flags));

  kg.command('stats')
    .description('Count entities and edges by type')
    .option(kgOption, kgHelp)
    .option('--json', 'print JSON')
    .action((flags: GraphFlags) => runStats(flags));

  kg.command('query')
    .description('Show an entity (by id, code or name) and its neighbours')
    .argument('<term>', 'entity id (condition:J45), code (J45, j45.9, 314076, 8867-4) or name/synonym (fever, SOB)')
    .option(kgOption, kgHelp)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  clinicalbert kg query J45\n  clinicalbert kg query "shortness of breath" --json')
    .action((term: string, flags: GraphFlags) => runQuery(term, flags));

  kg.command('link')
    .description('Find graph entities in text, with negation, history and family flags ("-" reads stdin)')
    .argument('<text>', 'text to link, or - to read it from stdin')
    .option(kgOption, kgHelp)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  clinicalbert kg link "Denies fever or chills; mother has asthma."')
    .action((text: string, flags: GraphFlags) => runLink(text, flags));
}
