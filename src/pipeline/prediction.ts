/**
 * @file Shapes one record's model outputs into the published output line
 * (`schema/prediction.schema.json`, version PREDICTION_SCHEMA_VERSION).
 *
 * Scores are rounded to 4 decimals and keys are written in a fixed order so that the same input
 * gives byte-identical output (with `--no-timing`). Change the shape only together with the
 * schema and its version.
 *
 * What each head reports is decided in src/model/decide.ts: a head that abstains ("none of these")
 * writes an empty list and an entry in the top-level `abstained` object with the reason, and the
 * abstention label never appears among the predictions. Lines of records where no head abstained
 * have no `abstained` key (1.1 adds it; 1.0 lines are 1.1 lines without abstentions).
 *
 * 1.2 adds `subject` (age, sex, the record's date) and `inputs.attachments` (each note, image and
 * audio resource with its title and date) so that a reader such as the HTML report can say whose
 * record it is and what it contained. They are copied from the assembled record (src/records),
 * which computes the age at the record's own date; no note text and no names are written.
 *
 * 1.3 adds `model.precision` (`fp32` or `int8`, src/model/precision.ts): the graphs that ran, so
 * that `analyze --resume` refuses to continue a run at another precision of the same package and
 * the HTML report can say which ran. Lines before 1.3 do not say.
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import { type Abstention, decideHeads, hasEvidence } from '../model/decide.js';
import type { HeadSpec } from '../model/manifest.js';
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel, RecordOutputs } from '../model/runtime.js';
import type { ClinicalRecord } from '../records/types.js';

export const PREDICTION_SCHEMA_VERSION = '1.3';

export interface ScoredLabel {
  id: string;
  system?: string;
  code?: string;
  display: string;
  score: number;
}

export interface ModelRef {
  name: string;
  version: string;
  sha: string;
  /**
   * The precision of the graphs that ran (`Precision` of src/model/manifest.ts when written; schema
   * 1.3, absent before). A string here: readers of saved lines may meet precisions later 1.x add.
   */
  precision?: string;
}

/** A line's `model` for this run's model (precision after sha: key order is part of the output). */
export function modelRef(model: Pick<ClinicalModel, 'manifest' | 'pkg' | 'precision'>): ModelRef {
  return { name: model.manifest.name, version: model.manifest.version, sha: model.pkg.sha, precision: model.precision };
}

/** Who the record is about (schema 1.2); null where the record does not say. */
export interface LineSubject {
  /** Whole years at the record's date (`encounterDate`). */
  ageYears: number | null;
  /** Administrative sex as the record gives it; null when absent or `unknown`. */
  sex: string | null;
  /** The record's date as written in the source (ISO 8601): its encounter's start, else the latest dated item. */
  encounterDate: string | null;
}

/** One note, image or audio resource of the record (schema 1.2): no text, no file names. */
export interface LineAttachment {
  kind: 'note' | 'image' | 'audio';
  /** FHIR `Type/id` it came from (a note may add a part, e.g. `DiagnosticReport/9.conclusion`). */
  resource: string;
  title: string | null;
  /** ISO 8601 date or date-time as written in the source. */
  date: string | null;
}

export interface PredictionLine {
  schemaVersion: string;
  id: string;
  patient: string;
  encounter?: string;
  source: { file: string; line?: number; entry?: number };
  /** Absent in lines before 1.2. */
  subject?: LineSubject;
  model: ModelRef;
  inputs: {
    notes: number;
    tokens: number;
    truncated: boolean;
    entities: number;
    image: string | null;
    audio: string | null;
    /** Absent in lines before 1.2. */
    attachments?: LineAttachment[];
  };
  predictions: Record<string, ScoredLabel[]>;
  /** Heads that reported no label, keyed by head name (absent when none did). */
  abstained?: Record<string, LineAbstention>;
  explanations?: unknown;
  warnings: string[];
  timing?: { ms: number };
}

/**
 * One head's abstention as written (`Abstention` of src/model/decide.ts, numbers rounded). The
 * reason is typed as a string here: readers of saved lines meet codes that later 1.x versions add.
 */
export interface LineAbstention {
  reason: string;
  message: string;
  score?: number;
  threshold?: number;
  head?: string;
}

export const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** A label as written in a line. */
function scoredLabel(head: HeadSpec, index: number, scores: Float32Array): ScoredLabel | undefined {
  const label = head.labels[index];
  if (!label) return undefined;
  return {
    id: label.id,
    ...(label.system ? { system: label.system } : {}),
    ...(label.code ? { code: label.code } : {}),
    display: label.display,
    score: round4(scores[index] as number),
  };
}

/** The first `topK` of a head's reported label indices (best first), as written in a line. */
export function topLabels(head: HeadSpec, scores: Float32Array, indices: readonly number[], topK: number): ScoredLabel[] {
  const out: ScoredLabel[] = [];
  for (const i of indices) {
    if (out.length >= topK) break;
    const label = scoredLabel(head, i, scores);
    if (label) out.push(label);
  }
  return out;
}

/** An abstention as written: reason and message, then score (rounded) and threshold, or the head followed. */
export function lineAbstention(a: Abstention): LineAbstention {
  return {
    reason: a.reason,
    message: a.message,
    ...(a.score !== undefined ? { score: round4(a.score) } : {}),
    ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
    ...(a.head !== undefined ? { head: a.head } : {}),
  };
}

/** Where the record was read: file, and line and entry where the source has them (keys in a fixed order). */
export function lineSource(record: ClinicalRecord): { file: string; line?: number; entry?: number } {
  return {
    file: record.source.file,
    ...(record.source.line !== undefined ? { line: record.source.line } : {}),
    ...(record.source.entry !== undefined ? { entry: record.source.entry } : {}),
  };
}

/** The record's subject as written: age at the record's date, sex, the date. */
export function lineSubject(record: ClinicalRecord): LineSubject {
  const { ageYears, sex } = record.demographics;
  return {
    ageYears: ageYears ?? null,
    sex: sex === undefined || sex === 'unknown' ? null : sex,
    encounterDate: record.time ?? null,
  };
}

/** The record's notes, then its images and audio, each in the record's order (by time). */
export function lineAttachments(record: ClinicalRecord): LineAttachment[] {
  return [
    ...record.notes.map((n): LineAttachment => ({ kind: 'note', resource: n.resource, title: n.title ?? null, date: n.time ?? null })),
    ...record.media.map((m): LineAttachment => ({ kind: m.modality, resource: m.resource, title: m.title ?? null, date: m.time ?? null })),
  ];
}

/** The warning a line without evidence carries (the summary counts these records). */
export const NO_EVIDENCE_WARNING =
  'NO_EVIDENCE: nothing to read (no note text, linked finding, coded fact, image or audio); no predictions';

/** Whether the record gives the model anything to read (`hasEvidence`). */
export function recordEvidence(record: ClinicalRecord, features: RecordFeatures): boolean {
  return hasEvidence({
    notes: record.notes.length,
    entities: features.entities.length,
    image: features.imageResource !== undefined,
    audio: features.audioResource !== undefined,
  });
}

export function buildPredictionLine(
  record: ClinicalRecord,
  features: RecordFeatures,
  outputs: RecordOutputs,
  heads: Record<string, HeadSpec>,
  model: ModelRef,
  options: {
    topK: number;
    maxLength: number;
    /** The package's knowledge graph: required when a drug head follows the diagnoses. */
    graph?: KnowledgeGraph;
    timingMs?: number;
    explanations?: unknown;
  },
): PredictionLine {
  const evidence = recordEvidence(record, features);
  const decisions = decideHeads(heads, outputs.heads, {
    ...(options.graph ? { graph: options.graph } : {}),
    facts: record.facts,
    evidence,
  });
  const predictions: Record<string, ScoredLabel[]> = {};
  const abstained: Record<string, LineAbstention> = {};
  for (const name of Object.keys(heads).sort()) {
    const scores = outputs.heads[name];
    const decision = decisions[name];
    if (!scores || !decision) continue;
    predictions[name] = topLabels(heads[name] as HeadSpec, scores, decision.labels, options.topK);
    if (decision.abstained) abstained[name] = lineAbstention(decision.abstained);
  }
  return {
    schemaVersion: PREDICTION_SCHEMA_VERSION,
    id: record.id,
    patient: record.patient,
    ...(record.encounter ? { encounter: record.encounter } : {}),
    source: lineSource(record),
    subject: lineSubject(record),
    model,
    inputs: {
      notes: record.notes.length,
      tokens: features.inputIds.length,
      truncated: features.inputIds.length >= options.maxLength,
      entities: features.entities.length,
      image: features.imageResource ?? null,
      audio: features.audioResource ?? null,
      attachments: lineAttachments(record),
    },
    predictions,
    ...(Object.keys(abstained).length > 0 ? { abstained } : {}),
    ...(options.explanations !== undefined ? { explanations: options.explanations } : {}),
    warnings: [...record.warnings, ...features.warnings, ...(evidence ? [] : [NO_EVIDENCE_WARNING])],
    ...(options.timingMs !== undefined ? { timing: { ms: Math.round(options.timingMs * 100) / 100 } } : {}),
  };
}
