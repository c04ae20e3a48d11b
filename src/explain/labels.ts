/**
 * @file Reads a ground-truth labels file (JSON Lines, as `clinicalbert synth` writes beside its
 * records: `<out>.labels.jsonl`) for `clinicalbert evaluate`, keeping only what the metrics use.
 *
 * Labels join records by id: `patientId` for one record per patient (the default), or
 * `encounterId` with `--unit encounter`. A line that cannot be a label is a usage error naming
 * the file and line, never its content beyond the field at fault.
 */
import { readFile } from 'node:fs/promises';
import { UsageError, quote } from '../util/errors.js';

export interface GroundTruth {
  patientId: string;
  encounterId?: string;
  /** The diagnosis label id, e.g. `condition:J17`. */
  condition: string;
  /** The diagnosis's severity (1 most severe … 5), when given. */
  severity?: number;
  /** Recommended drug label ids, e.g. `drug:DB00381`. */
  drugs: string[];
}

function fail(path: string, line: number, what: string): never {
  throw new UsageError(`${path}:${line}: not a labels line: ${what}`, { code: 'LABELS_INVALID' });
}

/** Parses labels text; `path` only names the file in errors. */
export function parseLabels(text: string, path: string): GroundTruth[] {
  const out: GroundTruth[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      fail(path, line, 'invalid JSON');
    }
    const d = data as Record<string, unknown> | null;
    if (typeof d !== 'object' || d === null) fail(path, line, 'expected a JSON object');
    if (typeof d.patientId !== 'string' || !d.patientId) fail(path, line, 'missing "patientId"');
    const condition = d.condition as Record<string, unknown> | null | undefined;
    if (typeof condition !== 'object' || condition === null || typeof condition.id !== 'string') fail(path, line, 'missing "condition.id"');
    const drugs = d.recommendedDrugs ?? [];
    if (!Array.isArray(drugs) || drugs.some((x) => typeof (x as { id?: unknown } | null)?.id !== 'string')) {
      fail(path, line, '"recommendedDrugs" must be a list of objects with an "id"');
    }
    out.push({
      patientId: d.patientId,
      ...(typeof d.encounterId === 'string' ? { encounterId: d.encounterId } : {}),
      condition: condition.id,
      ...(typeof condition.severity === 'number' ? { severity: condition.severity } : {}),
      drugs: (drugs as { id: string }[]).map((x) => x.id),
    });
  });
  return out;
}

export async function readLabels(path: string): Promise<GroundTruth[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`labels file not found or unreadable: ${quote(path)}`, { code: 'LABELS_NOT_FOUND', cause: error });
  }
  return parseLabels(text, path);
}
