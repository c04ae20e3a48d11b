/**
 * @file QA set 3, generated held-out records: patients from the project's generator
 * (`clinicalbert synth`), asked about what their labels file says they have, answered twice: from
 * the notes alone (`generated-notes`) and from the whole record (`generated-full`).
 *
 * Why: the generator knows the truth of every patient, including the presenting diagnosis, which
 * it never writes into the record (src/synth/fhir.ts), and the findings it drew as present or
 * absent; the gap between the two runs shows what the coded data adds.
 *
 * Held out: drawn with QA_GENERATED_SEED = 4004, a seed the training recipe does not use (its
 * splits use 1001, 2002 and 3003, training/mm_config.py; pretraining 20240611, training/config.py;
 * tests and benchmarks 7, 8, 9, 2024, 2025, 4242), so no QA patient was seen in training.
 *
 * Questions per patient (label fields of src/synth/generate.ts `PatientLabel`):
 * - `acute`: "Does the patient have <label condition>?" `yes`, and 2 other acute conditions `no`
 *   (an open-set patient, with no label condition, gets only the 2 `no`);
 * - `chronic`: each coded chronic condition `yes`, and as many (at least 2) other chronic
 *   conditions `no`;
 * - `finding`: each finding drawn present `yes`, and as many (at least 2) findings not drawn `no`
 *   (the generator draws every finding of the graph, so one not present is absent).
 * - `conditions-list`: "What conditions does the patient have?", the chronic conditions expected
 *   (a values question: exact match and token F1 of the list).
 * Negatives are drawn as in src/ask/qa-sample.ts, never an `is_a` relative of a true condition.
 */
import { readFile } from 'node:fs/promises';
import type { KnowledgeGraph } from '../kg/graph.js';
import type { Entity } from '../kg/types.js';
import { readRecords } from '../records/read.js';
import type { ClinicalRecord } from '../records/types.js';
import { generate, type PatientLabel, type SynthSummary } from '../synth/generate.js';
import { ClinicalBertError, quote } from '../util/errors.js';
import type { QaCase, QaItem, YesNoTruth } from './qa-types.js';
import { hasQuestion, sampleNegatives, withRelated } from './qa-sample.js';
import type { RecordSetStats } from './qa-synthea.js';

export const QA_GENERATED_SEED = 4004;
export const GENERATED_SETS = { notes: 'generated-notes', full: 'generated-full' } as const;
const MIN_NEGATIVES = 2;

/** Write `patients` generated QA records (NDJSON bundles) and their labels, with the held-out seed. */
export function synthesizeQaRecords(graph: KnowledgeGraph, records: string, labels: string, patients: number): Promise<SynthSummary> {
  return generate(graph.file, { seed: QA_GENERATED_SEED, patients, format: 'ndjson', out: records, labels });
}

/** The questions about one generated patient, each twice (notes only, then full). */
export function generatedItems(record: ClinicalRecord, label: PatientLabel, graph: KnowledgeGraph): QaItem[] {
  const asked: { kind: string; entity: Entity; truth: YesNoTruth }[] = [];
  const entities = (ids: readonly string[]): Entity[] => ids.map((id) => graph.get(id)).filter((e): e is Entity => e !== undefined);
  const ask = (kind: string, truths: Entity[], pool: Entity[], min: number): void => {
    for (const e of truths) asked.push({ kind, entity: e, truth: 'yes' });
    const exclude = withRelated(
      graph,
      truths.map((e) => e.id),
    );
    for (const e of sampleNegatives(pool, exclude, Math.max(min, truths.length), GENERATED_SETS.notes, label.patientId, kind)) {
      asked.push({ kind, entity: e, truth: 'no' });
    }
  };
  const conditions = graph.ofType('condition');
  const acuteTruth = entities(label.condition ? [label.condition.id] : []);
  ask(
    'acute',
    acuteTruth,
    conditions.filter((c) => c.course === 'acute'),
    MIN_NEGATIVES,
  );
  ask(
    'chronic',
    entities(label.chronic.map((c) => c.id)),
    conditions.filter((c) => c.course === 'chronic'),
    MIN_NEGATIVES,
  );
  const findings = entities(label.presentEvidences).filter((e) => e.type === 'finding');
  ask('finding', findings, graph.ofType('finding'), MIN_NEGATIVES);

  const items: QaItem[] = [];
  // a values question: the chronic conditions the generator gave the patient (the acute one is
  // kept out of the record by design, so it is not expected)
  const chronicNames = entities(label.chronic.map((c) => c.id)).map((e) => e.name);
  for (const coded of [false, true]) {
    items.push({
      set: coded ? GENERATED_SETS.full : GENERATED_SETS.notes,
      kind: 'conditions-list',
      recordId: record.id,
      question: { text: 'What conditions does the patient have?', intent: 'conditions', kind: 'values', time: 'now' },
      truth: chronicNames,
      coded,
    });
  }
  for (const coded of [false, true]) {
    for (const a of asked) {
      items.push({
        set: coded ? GENERATED_SETS.full : GENERATED_SETS.notes,
        kind: a.kind,
        recordId: record.id,
        question: hasQuestion(a.entity),
        truth: a.truth,
        coded,
      });
    }
  }
  return items;
}

/** Labels of a labels file (JSON lines), by patient id. */
export async function readLabels(path: string): Promise<Map<string, PatientLabel>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ClinicalBertError(`cannot read the generated records' labels ${quote(path)}`, { code: 'QA_LABELS_READ', cause: error });
  }
  const out = new Map<string, PatientLabel>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let label: PatientLabel;
    try {
      label = JSON.parse(line) as PatientLabel;
    } catch (error) {
      throw new ClinicalBertError(`labels file ${quote(path)} line ${i + 1} is not valid JSON`, { code: 'QA_LABELS_PARSE', cause: error });
    }
    if (typeof label?.patientId !== 'string') {
      throw new ClinicalBertError(`labels file ${quote(path)} line ${i + 1} has no patientId`, { code: 'QA_LABELS_PARSE' });
    }
    out.set(label.patientId, label);
  }
  return out;
}

/** Cases of the generated records, each matched to its label by patient id (records without one are skipped). */
export async function* generatedCases(
  records: string,
  labelsPath: string,
  graph: KnowledgeGraph,
  stats?: RecordSetStats,
): AsyncGenerator<QaCase> {
  const counts = stats ?? { records: 0, skipped: {} };
  const skip = (reason: string): void => {
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
  };
  const labels = await readLabels(labelsPath);
  for await (const item of readRecords([records])) {
    if (item.kind !== 'record') {
      skip(item.kind === 'failure' ? `failed: ${item.code}` : `skipped: ${item.code}`);
      continue;
    }
    counts.records++;
    const label = labels.get(item.record.id) ?? labels.get(item.record.patient.replace(/^Patient\//, ''));
    if (!label) {
      skip('no label');
      continue;
    }
    yield { record: item.record, items: generatedItems(item.record, label, graph) };
  }
}
