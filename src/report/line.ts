/**
 * @file Checks that a value read from a predictions file is an output line the report can draw
 * (schema 1.x), and copies out only the fields it knows.
 *
 * A saved file may be hand-edited, truncated or from another tool; one bad line must cost only
 * that line, with a reason naming the field (never its value: it may be patient data). Unknown
 * extra fields are ignored, since minor schema versions may add them. `explanations` is left as
 * `unknown` here and checked part by part in ./explanations.ts.
 */
import type { LineAbstention, LineAttachment, LineSubject, PredictionLine, ScoredLabel } from '../pipeline/prediction.js';
import { isJsonObject } from '../util/json.js';

export type LineCheck = { ok: true; line: PredictionLine } | { ok: false; reason: string };

class Invalid extends Error {}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (!isJsonObject(v)) throw new Invalid(`${path} is not an object`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new Invalid(`${path} is not a string`);
  return v;
}

function optStr(v: unknown, path: string): string | undefined {
  return v === undefined ? undefined : str(v, path);
}

function num(v: unknown, path: string, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new Invalid(`${path} is not a number${min > -Infinity ? ` in [${min}, ${max}]` : ''}`);
  }
  return v;
}

function int(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new Invalid(`${path} is not an integer ≥ ${min}`);
  return v;
}

function nullableStr(v: unknown, path: string): string | null {
  if (v === null) return null;
  return str(v, path);
}

function label(v: unknown, path: string): ScoredLabel {
  const o = obj(v, path);
  const system = optStr(o.system, `${path}.system`);
  const code = optStr(o.code, `${path}.code`);
  return {
    id: str(o.id, `${path}.id`),
    ...(system !== undefined ? { system } : {}),
    ...(code !== undefined ? { code } : {}),
    display: str(o.display, `${path}.display`),
    score: num(o.score, `${path}.score`, 0, 1),
  };
}

/** An entry of `abstained` (schema 1.1): a reason code and message; score and threshold or the head followed. */
function abstention(v: unknown, path: string): LineAbstention {
  const o = obj(v, path);
  const reason = str(o.reason, `${path}.reason`);
  if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(reason)) throw new Invalid(`${path}.reason is not a reason code`);
  const score = o.score === undefined ? undefined : num(o.score, `${path}.score`, 0, 1);
  const threshold = o.threshold === undefined ? undefined : num(o.threshold, `${path}.threshold`, 0, 1);
  const head = optStr(o.head, `${path}.head`);
  return {
    reason,
    message: str(o.message, `${path}.message`),
    ...(score !== undefined ? { score } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(head !== undefined ? { head } : {}),
  };
}

/** `subject` (schema 1.2): age, sex and date, each possibly null. */
function subject(v: unknown): LineSubject {
  const o = obj(v, 'subject');
  return {
    ageYears: o.ageYears === null ? null : int(o.ageYears, 'subject.ageYears', 0),
    sex: nullableStr(o.sex, 'subject.sex'),
    encounterDate: nullableStr(o.encounterDate, 'subject.encounterDate'),
  };
}

const ATTACHMENT_KINDS: readonly string[] = ['note', 'image', 'audio'] satisfies LineAttachment['kind'][];

/** An entry of `inputs.attachments` (schema 1.2). */
function attachment(v: unknown, path: string): LineAttachment {
  const o = obj(v, path);
  const kind = str(o.kind, `${path}.kind`);
  if (!ATTACHMENT_KINDS.includes(kind)) throw new Invalid(`${path}.kind is not note, image or audio`);
  return {
    kind: kind as LineAttachment['kind'],
    resource: str(o.resource, `${path}.resource`),
    title: nullableStr(o.title, `${path}.title`),
    date: nullableStr(o.date, `${path}.date`),
  };
}

function check(value: unknown): PredictionLine {
  const o = obj(value, 'the line');
  const version = str(o.schemaVersion, 'schemaVersion');
  if (!/^1\.\d+$/.test(version)) {
    throw new Invalid(`schemaVersion ${JSON.stringify(version.slice(0, 20))} is not 1.x (this report reads schema 1.x)`);
  }
  const source = obj(o.source, 'source');
  const model = obj(o.model, 'model');
  const inputs = obj(o.inputs, 'inputs');
  const predictionsIn = obj(o.predictions, 'predictions');
  const predictions: Record<string, ScoredLabel[]> = {};
  for (const [head, labels] of Object.entries(predictionsIn)) {
    if (!Array.isArray(labels)) throw new Invalid(`predictions.${head} is not an array`);
    predictions[head] = labels.map((l, i) => label(l, `predictions.${head}[${i}]`));
  }
  let abstained: Record<string, LineAbstention> | undefined;
  if (o.abstained !== undefined) {
    abstained = {};
    for (const [head, entry] of Object.entries(obj(o.abstained, 'abstained'))) abstained[head] = abstention(entry, `abstained.${head}`);
  }
  if (!Array.isArray(o.warnings)) throw new Invalid('warnings is not an array');
  const warnings = o.warnings.map((w, i) => str(w, `warnings[${i}]`));
  const encounter = optStr(o.encounter, 'encounter');
  const line = source.line === undefined ? undefined : int(source.line, 'source.line', 1);
  const entry = source.entry === undefined ? undefined : int(source.entry, 'source.entry', 0);
  const subjectOut = o.subject === undefined ? undefined : subject(o.subject);
  const precision = optStr(model.precision, 'model.precision');
  let attachments: LineAttachment[] | undefined;
  if (inputs.attachments !== undefined) {
    if (!Array.isArray(inputs.attachments)) throw new Invalid('inputs.attachments is not an array');
    attachments = inputs.attachments.map((a, i) => attachment(a, `inputs.attachments[${i}]`));
  }
  let timing: { ms: number } | undefined;
  if (o.timing !== undefined) timing = { ms: num(obj(o.timing, 'timing').ms, 'timing.ms', 0) };
  if (o.explanations !== undefined && !isJsonObject(o.explanations)) throw new Invalid('explanations is not an object');
  return {
    schemaVersion: version,
    id: str(o.id, 'id'),
    patient: str(o.patient, 'patient'),
    ...(encounter !== undefined ? { encounter } : {}),
    source: {
      file: str(source.file, 'source.file'),
      ...(line !== undefined ? { line } : {}),
      ...(entry !== undefined ? { entry } : {}),
    },
    ...(subjectOut ? { subject: subjectOut } : {}),
    model: {
      name: str(model.name, 'model.name'),
      version: str(model.version, 'model.version'),
      sha: str(model.sha, 'model.sha'),
      ...(precision !== undefined ? { precision } : {}),
    },
    inputs: {
      notes: int(inputs.notes, 'inputs.notes', 0),
      tokens: int(inputs.tokens, 'inputs.tokens', 0),
      truncated: typeof inputs.truncated === 'boolean' ? inputs.truncated : invalid('inputs.truncated is not a boolean'),
      entities: int(inputs.entities, 'inputs.entities', 0),
      image: nullableStr(inputs.image, 'inputs.image'),
      audio: nullableStr(inputs.audio, 'inputs.audio'),
      ...(attachments ? { attachments } : {}),
    },
    predictions,
    ...(abstained && Object.keys(abstained).length > 0 ? { abstained } : {}),
    ...(o.explanations !== undefined ? { explanations: o.explanations } : {}),
    warnings,
    ...(timing ? { timing } : {}),
  };
}

function invalid(reason: string): never {
  throw new Invalid(reason);
}

/** Checks one parsed JSON value; never throws for bad input. */
export function checkPredictionLine(value: unknown): LineCheck {
  try {
    return { ok: true, line: check(value) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    throw error;
  }
}
