/**
 * @file Shapes one record's model outputs into the published output line
 * (`schema/prediction.schema.json`, version PREDICTION_SCHEMA_VERSION).
 *
 * Scores are rounded to 4 decimals and keys are written in a fixed order so that the same input
 * gives byte-identical output (with `--no-timing`). Change the shape only together with the
 * schema and its version.
 */
import type { HeadSpec } from '../model/manifest.js';
import type { RecordFeatures } from '../model/features.js';
import type { RecordOutputs } from '../model/runtime.js';
import type { ClinicalRecord } from '../records/types.js';

export const PREDICTION_SCHEMA_VERSION = '1.0';

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
}

export interface PredictionLine {
  schemaVersion: string;
  id: string;
  patient: string;
  encounter?: string;
  source: { file: string; line?: number; entry?: number };
  model: ModelRef;
  inputs: {
    notes: number;
    tokens: number;
    truncated: boolean;
    entities: number;
    image: string | null;
    audio: string | null;
  };
  predictions: Record<string, ScoredLabel[]>;
  explanations?: unknown;
  warnings: string[];
  timing?: { ms: number };
}

export const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Top-k labels of a head; sigmoid heads keep only labels at or above their threshold. */
export function topLabels(head: HeadSpec, scores: Float32Array, topK: number): ScoredLabel[] {
  const order = Array.from(scores.keys()).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const threshold = head.activation === 'sigmoid' ? (head.threshold ?? 0.5) : -Infinity;
  const out: ScoredLabel[] = [];
  for (const i of order) {
    if (out.length >= topK) break;
    const score = scores[i] as number;
    if (score < threshold) break;
    const label = head.labels[i];
    if (!label) continue;
    out.push({
      id: label.id,
      ...(label.system ? { system: label.system } : {}),
      ...(label.code ? { code: label.code } : {}),
      display: label.display,
      score: round4(score),
    });
  }
  return out;
}

export function buildPredictionLine(
  record: ClinicalRecord,
  features: RecordFeatures,
  outputs: RecordOutputs,
  heads: Record<string, HeadSpec>,
  model: ModelRef,
  options: { topK: number; maxLength: number; timingMs?: number; explanations?: unknown },
): PredictionLine {
  const predictions: Record<string, ScoredLabel[]> = {};
  for (const name of Object.keys(heads).sort()) {
    const scores = outputs.heads[name];
    if (scores) predictions[name] = topLabels(heads[name] as HeadSpec, scores, options.topK);
  }
  return {
    schemaVersion: PREDICTION_SCHEMA_VERSION,
    id: record.id,
    patient: record.patient,
    ...(record.encounter ? { encounter: record.encounter } : {}),
    source: {
      file: record.source.file,
      ...(record.source.line !== undefined ? { line: record.source.line } : {}),
      ...(record.source.entry !== undefined ? { entry: record.source.entry } : {}),
    },
    model,
    inputs: {
      notes: record.notes.length,
      tokens: features.inputIds.length,
      truncated: features.inputIds.length >= options.maxLength,
      entities: features.entities.length,
      image: features.imageResource ?? null,
      audio: features.audioResource ?? null,
    },
    predictions,
    ...(options.explanations !== undefined ? { explanations: options.explanations } : {}),
    warnings: [...record.warnings, ...features.warnings],
    ...(options.timingMs !== undefined ? { timing: { ms: Math.round(options.timingMs * 100) / 100 } } : {}),
  };
}
