/**
 * @file Reads a ground-truth labels file (JSON Lines, as `clinicalbert synth` writes beside its
 * records: `<out>.labels.jsonl`) for `clinicalbert evaluate`, keeping only what the metrics use.
 *
 * Labels join records by id: `patientId` for one record per patient (the default), or
 * `encounterId` with `--unit encounter`. A line that cannot be a label is a usage error naming
 * the file and line, never its content beyond the field at fault.
 *
 * Versions (`labelsVersion`, absent means 1): 1 has a `condition` object on every line; 2 adds
 * open-set records, whose true answer is "none of these labels": `"condition": null` with an
 * `openSet` object saying what kind of record it is (`no-acute`: a visit with no acute problem,
 * `outside`: a problem outside the label set, `real-note`: a real note whose problem is not one of
 * the labels); in-label lines carry `"openSet": null` or no `openSet`.
 */
import { readFile } from 'node:fs/promises';
import { UsageError, quote } from '../util/errors.js';

export const LABELS_VERSIONS = [1, 2] as const;
export const OPEN_SET_KINDS = ['no-acute', 'outside', 'real-note'] as const;
export type OpenSetKind = (typeof OPEN_SET_KINDS)[number];

export interface GroundTruth {
  patientId: string;
  encounterId?: string;
  /** The diagnosis label id, e.g. `condition:J17`; null for an open-set record ("none of these"). */
  condition: string | null;
  /** The diagnosis's severity (1 most severe … 5), when given. */
  severity?: number;
  /** Recommended drug label ids, e.g. `drug:DB00381` (for open-set records: those of its coded conditions). */
  drugs: string[];
  /** Open-set records: what kind of record has no label. */
  openSet?: { kind: OpenSetKind };
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
    const version = d.labelsVersion ?? 1;
    if (!(LABELS_VERSIONS as readonly unknown[]).includes(version)) {
      fail(path, line, `"labelsVersion" ${quote(version)} is not one this clinicalbert reads (${LABELS_VERSIONS.join(', ')})`);
    }
    if (typeof d.patientId !== 'string' || !d.patientId) fail(path, line, 'missing "patientId"');
    const condition = d.condition as Record<string, unknown> | null | undefined;
    const openSet = d.openSet as Record<string, unknown> | null | undefined;
    if (condition === null) {
      if (version === 1) fail(path, line, '"condition" is null, which needs "labelsVersion": 2 (open-set records)');
    } else if (typeof condition !== 'object' || typeof condition.id !== 'string') {
      fail(path, line, 'missing "condition.id"');
    }
    if (openSet !== undefined && openSet !== null) {
      if (typeof openSet !== 'object' || !(OPEN_SET_KINDS as readonly unknown[]).includes(openSet.kind)) {
        fail(
          path,
          line,
          `"openSet.kind" must be one of ${OPEN_SET_KINDS.join(', ')}; got ${quote(typeof openSet === 'object' ? openSet.kind : openSet)}`,
        );
      }
      if (condition !== null) fail(path, line, '"openSet" is set but "condition" is not null (an open-set record has no label)');
    }
    const drugs = d.recommendedDrugs ?? [];
    if (!Array.isArray(drugs) || drugs.some((x) => typeof (x as { id?: unknown } | null)?.id !== 'string')) {
      fail(path, line, '"recommendedDrugs" must be a list of objects with an "id"');
    }
    out.push({
      patientId: d.patientId,
      ...(typeof d.encounterId === 'string' ? { encounterId: d.encounterId } : {}),
      condition: condition === null ? null : (condition.id as string),
      ...(condition !== null && typeof condition.severity === 'number' ? { severity: condition.severity } : {}),
      drugs: (drugs as { id: string }[]).map((x) => x.id),
      ...(openSet ? { openSet: { kind: openSet.kind as OpenSetKind } } : {}),
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
