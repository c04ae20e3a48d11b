/**
 * @file Reads a line's `explanations` (shape: src/explain/types.ts) part by part, keeping every
 * part that is well formed and naming the ones that are not.
 *
 * The report draws from a live run or from a saved file that may be old, edited or produced by
 * another version, so nothing here is trusted: word spans must lie inside the note and not
 * overlap, the occlusion grid must have n×n cells, and so on. A broken part is left out and
 * listed as a problem on that record; the rest of the record still renders. Sizes are capped so
 * one huge record cannot make the report unusable.
 */
import type {
  AudioSaliency,
  DiagnosisEvidence,
  EvidenceFact,
  ExplainTarget,
  Explanations,
  ImageSaliency,
  MethodInfo,
  ModalityContribution,
  WordAttribution,
  WordExplanation,
} from '../explain/types.js';
import { isJsonObject } from '../util/json.js';

/** Longest note text drawn per record; the rest is summarized as a count of characters. */
export const MAX_NOTE_CHARS = 20_000;
const MAX_GRID = 64;
const MAX_ENVELOPE = 4_000;
const MAX_SEGMENTS = 1_000;
const MAX_FACTS = 200;
const MAX_DIAGNOSES = 50;

/** `Explanations` after checking: every part optional, note text possibly shortened. */
export interface ReportExplanations extends Omit<Explanations, 'target' | 'level' | 'methods'> {
  level?: Explanations['level'];
  target?: ExplainTarget;
  methods: MethodInfo[];
  /** Characters of the note text left out of `words.text` / `attention.text` by the size cap. */
  textCut?: number;
}

export interface ExplanationsCheck {
  explanations: ReportExplanations;
  problems: string[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

const MODALITIES = ['text', 'image', 'audio', 'entities'] as const;

function readTarget(v: unknown): ExplainTarget | undefined {
  if (!isJsonObject(v) || !isStr(v.head) || !isInt(v.index) || !isStr(v.id) || !isStr(v.display) || !isNum(v.score)) return undefined;
  const abstention = v.abstention === 'label' || v.abstention === 'one-minus-max' ? v.abstention : undefined;
  return { head: v.head, index: v.index, id: v.id, display: v.display, score: v.score, ...(abstention ? { abstention } : {}) };
}

function readMethod(v: unknown): MethodInfo | undefined {
  if (!isJsonObject(v) || !isStr(v.name) || typeof v.faithful !== 'boolean' || !isInt(v.forwardPasses) || v.forwardPasses < 0)
    return undefined;
  return {
    name: v.name,
    faithful: v.faithful,
    forwardPasses: v.forwardPasses,
    ...(isNum(v.ms) && v.ms >= 0 ? { ms: v.ms } : {}),
  };
}

function readModality(v: unknown): ModalityContribution | undefined {
  if (!isJsonObject(v) || !(MODALITIES as readonly unknown[]).includes(v.modality) || typeof v.present !== 'boolean') return undefined;
  const without = v.scoreWithout === null || isNum(v.scoreWithout) ? v.scoreWithout : undefined;
  const contribution = v.contribution === null || isNum(v.contribution) ? v.contribution : undefined;
  if (without === undefined || contribution === undefined) return undefined;
  return { modality: v.modality as ModalityContribution['modality'], present: v.present, scoreWithout: without, contribution };
}

function readFact(v: unknown, textLength: number | undefined): EvidenceFact | undefined {
  if (!isJsonObject(v) || !isStr(v.entityId) || !isStr(v.name) || !isStr(v.flag) || !isStr(v.edge) || !isNum(v.attention)) return undefined;
  const fact: EvidenceFact = { entityId: v.entityId, name: v.name, flag: v.flag, edge: v.edge, attention: v.attention };
  if (isNum(v.p)) fact.p = v.p;
  const span = v.span;
  if (Array.isArray(span) && span.length === 2 && isInt(span[0]) && isInt(span[1]) && span[0] >= 0 && span[0] < span[1]) {
    if (textLength === undefined || span[1] <= textLength) fact.span = [span[0], span[1]];
  }
  return fact;
}

function readEvidence(v: unknown, textLength: number | undefined): DiagnosisEvidence | undefined {
  if (!isJsonObject(v) || !isStr(v.id) || !isStr(v.display) || !isNum(v.score) || !Array.isArray(v.facts)) return undefined;
  const facts = v.facts.slice(0, MAX_FACTS).map((f) => readFact(f, textLength));
  const againstIn = Array.isArray(v.against) ? v.against : [];
  const against = againstIn.slice(0, MAX_FACTS).map((f) => readFact(f, textLength));
  if (facts.some((f) => !f) || against.some((f) => !f)) return undefined;
  return { id: v.id, display: v.display, score: v.score, facts: facts as EvidenceFact[], against: against as EvidenceFact[] };
}

/** Word spans sorted, inside the (possibly shortened) text, without overlaps. */
function readWords(v: unknown, method: WordExplanation['method']): { value?: WordExplanation; cut: number; dropped: number } {
  if (!isJsonObject(v) || !isStr(v.text) || !Array.isArray(v.words)) return { cut: 0, dropped: 0 };
  const full = v.text;
  const text = full.length > MAX_NOTE_CHARS ? full.slice(0, MAX_NOTE_CHARS) : full;
  const candidates: WordAttribution[] = [];
  let dropped = 0;
  for (const w of v.words) {
    if (isJsonObject(w) && isInt(w.start) && isInt(w.end) && isNum(w.weight) && w.start >= 0 && w.start < w.end && w.end <= full.length) {
      if (w.end <= text.length) candidates.push({ start: w.start, end: w.end, weight: w.weight });
    } else {
      dropped++;
    }
  }
  candidates.sort((a, b) => a.start - b.start || a.end - b.end);
  const words: WordAttribution[] = [];
  let last = 0;
  for (const w of candidates) {
    if (w.start < last) {
      dropped++;
      continue;
    }
    words.push(w);
    last = w.end;
  }
  return { value: { method, text, words }, cut: full.length - text.length, dropped };
}

function readImage(v: unknown): ImageSaliency | undefined {
  if (!isJsonObject(v) || !isInt(v.grid) || v.grid < 1 || v.grid > MAX_GRID || !Array.isArray(v.cells) || !isStr(v.thumbnail))
    return undefined;
  if (v.cells.length !== v.grid * v.grid || !v.cells.every(isNum)) return undefined;
  return {
    method: 'image-occlusion',
    ...(isStr(v.resource) ? { resource: v.resource } : {}),
    grid: v.grid,
    cells: v.cells as number[],
    thumbnail: v.thumbnail,
  };
}

function readAudio(v: unknown): AudioSaliency | undefined {
  if (!isJsonObject(v) || !isNum(v.seconds) || v.seconds <= 0 || !Array.isArray(v.segments) || !Array.isArray(v.envelope)) return undefined;
  if (!v.envelope.every(isNum)) return undefined;
  const seconds = v.seconds;
  const segments: AudioSaliency['segments'] = [];
  for (const s of v.segments.slice(0, MAX_SEGMENTS)) {
    if (!isJsonObject(s) || !isNum(s.start) || !isNum(s.end) || !isNum(s.weight)) return undefined;
    const start = Math.max(0, Math.min(seconds, s.start));
    const end = Math.max(start, Math.min(seconds, s.end));
    segments.push({ start, end, weight: s.weight });
  }
  const envelope = v.envelope as number[];
  return {
    method: 'audio-occlusion',
    ...(isStr(v.resource) ? { resource: v.resource } : {}),
    seconds,
    segments,
    envelope: envelope.length > MAX_ENVELOPE ? downsamplePeaks(envelope, MAX_ENVELOPE) : envelope,
  };
}

/** Keeps peaks when shrinking an envelope: each output slice is the max of its inputs. */
function downsamplePeaks(values: number[], size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    const from = Math.floor((i * values.length) / size);
    const to = Math.max(from + 1, Math.floor(((i + 1) * values.length) / size));
    let peak = 0;
    for (let j = from; j < to; j++) peak = Math.max(peak, Math.abs(values[j] as number));
    out.push(peak);
  }
  return out;
}

/** Checks a line's `explanations` value (already known to be an object or undefined). */
export function checkExplanations(value: unknown): ExplanationsCheck {
  const problems: string[] = [];
  if (!isJsonObject(value)) return { explanations: { methods: [] }, problems: ['explanations is not an object'] };
  const out: ReportExplanations = { methods: [] };

  if (value.level === 'fast' || value.level === 'full') out.level = value.level;
  else problems.push('explanations.level is not fast or full');

  const target = readTarget(value.target);
  if (target) out.target = target;
  else problems.push('explanations.target is malformed');

  if (Array.isArray(value.methods)) {
    const methods = value.methods.map(readMethod);
    out.methods = methods.filter((m): m is MethodInfo => m !== undefined);
    if (out.methods.length < methods.length)
      problems.push(`${methods.length - out.methods.length} malformed entries in explanations.methods`);
  } else if (value.methods !== undefined) {
    problems.push('explanations.methods is not an array');
  }

  if (value.modalities !== undefined) {
    const list = Array.isArray(value.modalities) ? value.modalities.map(readModality) : [undefined];
    if (list.every((m) => m !== undefined)) out.modalities = list as ModalityContribution[];
    else problems.push('explanations.modalities is malformed');
  }

  let cut = 0;
  for (const key of ['words', 'attention'] as const) {
    if (value[key] === undefined) continue;
    const part = value[key];
    const named = isJsonObject(part) ? part.method : undefined;
    const method: WordExplanation['method'] =
      named === 'word-occlusion' || named === 'attention-rollout' ? named : key === 'words' ? 'word-occlusion' : 'attention-rollout';
    const read = readWords(part, method);
    if (!read.value) {
      problems.push(`explanations.${key} is malformed`);
      continue;
    }
    out[key] = read.value;
    cut = Math.max(cut, read.cut);
    if (read.dropped > 0) problems.push(`${read.dropped} word spans in explanations.${key} were out of range or overlapping`);
  }
  if (cut > 0) out.textCut = cut;

  if (value.evidence !== undefined) {
    const textLength = out.words?.text.length ?? out.attention?.text.length;
    const list = Array.isArray(value.evidence)
      ? value.evidence.slice(0, MAX_DIAGNOSES).map((e) => readEvidence(e, textLength))
      : [undefined];
    if (list.every((e) => e !== undefined)) out.evidence = list as DiagnosisEvidence[];
    else problems.push('explanations.evidence is malformed');
  }

  if (value.image !== undefined) {
    const image = readImage(value.image);
    if (image) out.image = image;
    else problems.push('explanations.image is malformed');
  }

  if (value.audio !== undefined) {
    const audio = readAudio(value.audio);
    if (audio) out.audio = audio;
    else problems.push('explanations.audio is malformed');
  }
  return { explanations: out, problems };
}
