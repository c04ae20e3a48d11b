/**
 * @file QA set 2, real records: the corpus's Synthea bundles, asked questions whose truth comes from
 * their coded data, answered with the coded data hidden (`coded: false`), from the notes alone.
 *
 * Why: Synthea writes notes and coded facts from the same simulated patient, so the coded facts
 * are a truth for what the notes should let a reader answer, over long real-shaped records.
 *
 * Questions per record (records without notes are skipped and counted: nothing could answer):
 * - `condition`: "Does the patient have X?" for each graph condition or finding that a current
 *   coded Condition links to (`factState` current; `yes`), and as many (at least 2) graph
 *   conditions with a SNOMED code (the ones Synthea can code, so the negatives are conditions its
 *   patients do get) that no Condition of the record links to in any state, nor is an `is_a`
 *   relative of one (`no`; src/ask/qa-sample.ts draws them);
 * - `resolved-now` / `resolved-ever`: for each graph condition or finding whose coded Conditions
 *   all no longer hold (resolved, inactive, remission: `factState` history), "Does the patient have
 *   X?" (`not-yes`: a yes is wrong, a no right, unknown abstains) and "Has the patient ever had X?"
 *   (`yes`): Synthea's notes keep listing past problems ("has a history of viral sinusitis"), so
 *   these ask whether a reader tells the past from the present;
 * - `medication`: "Is the patient on X?" for each graph drug a current MedicationRequest links to
 *   (`yes`), and as many (at least 2) graph drugs with an RxNorm code that no medication of the
 *   record links to in any state (`no`);
 * - `smoking`: "Does the patient smoke?" from the latest coded tobacco smoking status (LOINC
 *   72166-2): current smokers (every day, some day, light, heavy, status unknown) `yes`; never and
 *   former smokers `no`; "unknown if ever smoked" or no status: not asked.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KnowledgeGraph } from '../kg/graph.js';
import type { Entity } from '../kg/types.js';
import { readRecords } from '../records/read.js';
import { factState } from '../records/status.js';
import type { ClinicalRecord, CodedFact } from '../records/types.js';
import { SYSTEMS } from '../util/code-systems.js';
import type { QaCase, QaItem, YesNoTruth } from './qa-types.js';
import { SMOKING_STATUS_LOINC } from './record-habits.js';
import { hasQuestion, onDrugQuestion, sampleNegatives, smokingQuestion, withRelated } from './qa-sample.js';

export const SYNTHEA_SET = 'synthea';
/** Folders of the corpus read, relative to it; a folder whose records have no notes adds only skips. */
export const SYNTHEA_FOLDERS = ['fhir/synthea-bundles-with-notes', 'fhir/synthea-bundles-2019-r4'];
/**
 * The bundle files of the set's folders under `corpus`, sorted (the reader takes a folder for a
 * Bulk Data export, so Bundle files are named one by one); folders that are not there add none.
 */
export function syntheaInputs(corpus: string): string[] {
  return SYNTHEA_FOLDERS.map((f) => join(corpus, f))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => join(dir, name)),
    );
}

/** Fewest negatives asked per kind and record. */
const MIN_NEGATIVES = 2;

/** `yes` for a current smoker, `no` for a never or former smoker, undefined when it does not say. */
export function smokingTruth(status: string): YesNoTruth | undefined {
  const s = status.toLowerCase();
  if (/unknown if ever|never assessed/.test(s)) return undefined;
  if (/\bnever\b|\bformer\b|\bex-?smoker|\bnon-?smoker/.test(s)) return 'no';
  if (/\bcurrent\b|smoker/.test(s)) return 'yes';
  return undefined;
}

/** The latest coded smoking status of a record, as text. */
export function latestSmokingStatus(record: ClinicalRecord): string | undefined {
  let best: { at: number; text: string } | undefined;
  for (const f of record.facts) {
    if (f.kind !== 'observation' || !f.valueText) continue;
    if (!f.codings.some((c) => c.code === SMOKING_STATUS_LOINC)) continue;
    const at = f.time ? Date.parse(f.time) : Number.NEGATIVE_INFINITY;
    const time = Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
    if (!best || time >= best.at) best = { at: time, text: f.valueText };
  }
  return best?.text;
}

function linked(graph: KnowledgeGraph, facts: readonly CodedFact[], types: readonly Entity['type'][]): Entity[] {
  const out = new Map<string, Entity>();
  for (const f of facts) {
    for (const id of graph.linkCodes(f.codings)) {
      const e = graph.get(id);
      if (e && types.includes(e.type)) out.set(id, e);
    }
  }
  return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The questions of one record (see the file comment), all with `coded: false`. */
export function syntheaItems(record: ClinicalRecord, graph: KnowledgeGraph): QaItem[] {
  const items: QaItem[] = [];
  const add = (kind: string, question: QaItem['question'], truth: YesNoTruth): void => {
    items.push({ set: SYNTHEA_SET, kind, recordId: record.id, question, truth, coded: false });
  };
  const hasCode = (e: Entity, system: string): boolean => e.codes.some((c) => c.system === system);

  const conditions = record.facts.filter((f) => f.kind === 'condition');
  const current = linked(
    graph,
    conditions.filter((f) => factState(f) === 'current'),
    ['condition', 'finding'],
  );
  for (const e of current) add('condition', hasQuestion(e), 'yes');
  const ever = withRelated(
    graph,
    linked(graph, conditions, ['condition', 'finding']).map((e) => e.id),
  );
  // resolved: coded as no longer holding (and not also current): not "now", but "ever"
  const currentIds = new Set(current.map((e) => e.id));
  const resolved = linked(
    graph,
    conditions.filter((f) => factState(f) === 'history'),
    ['condition', 'finding'],
  ).filter((e) => !currentIds.has(e.id));
  for (const e of resolved) {
    add('resolved-now', hasQuestion(e), 'not-yes');
    add('resolved-ever', hasQuestion(e, 'ever'), 'yes');
  }
  const conditionPool = graph.ofType('condition').filter((e) => hasCode(e, SYSTEMS.snomed));
  for (const e of sampleNegatives(conditionPool, ever, Math.max(MIN_NEGATIVES, current.length), SYNTHEA_SET, record.id, 'condition')) {
    add('condition', hasQuestion(e), 'no');
  }

  const medications = record.facts.filter((f) => f.kind === 'medication');
  const taking = linked(
    graph,
    medications.filter((f) => factState(f) === 'current'),
    ['drug'],
  );
  for (const e of taking) add('medication', onDrugQuestion(e), 'yes');
  const everTaken = new Set(linked(graph, medications, ['drug']).map((e) => e.id));
  const drugPool = graph.ofType('drug').filter((e) => hasCode(e, SYSTEMS.rxnorm));
  for (const e of sampleNegatives(drugPool, everTaken, Math.max(MIN_NEGATIVES, taking.length), SYNTHEA_SET, record.id, 'medication')) {
    add('medication', onDrugQuestion(e), 'no');
  }

  const status = latestSmokingStatus(record);
  const smoking = status === undefined ? undefined : smokingTruth(status);
  if (smoking) add('smoking', smokingQuestion(graph), smoking);
  return items;
}

/** Counts of what the set read (filled while its cases stream). */
export interface RecordSetStats {
  records: number;
  skipped: Record<string, number>;
}

/** Cases of the records in `inputs` (files or folders of Synthea bundles), records without notes skipped. */
export async function* syntheaCases(inputs: readonly string[], graph: KnowledgeGraph, stats?: RecordSetStats): AsyncGenerator<QaCase> {
  const counts = stats ?? { records: 0, skipped: {} };
  const skip = (reason: string): void => {
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
  };
  for await (const item of readRecords(inputs)) {
    if (item.kind !== 'record') {
      skip(item.kind === 'failure' ? `failed: ${item.code}` : `skipped: ${item.code}`);
      continue;
    }
    counts.records++;
    if (item.record.notes.length === 0) {
      skip('no notes');
      continue;
    }
    yield { record: item.record, items: syntheaItems(item.record, graph) };
  }
}
