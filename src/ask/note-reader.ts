/**
 * @file Which reader decides how a note states a condition (`ask --reader`): the rules, the learnt
 * reader, or both together, and the learnt reader's pass over a record's candidate mentions.
 *
 * Why a pass before answering: the answerers are synchronous and read every mention once; the
 * learnt reader (src/ask/reader.ts: the package's encoder named in reader.json and its head) runs
 * ONNX Runtime, which is asynchronous and pays per batch. So for a question about a condition, the
 * candidate mentions of its entity are read in one batch first (`readRecordMentions`), and the
 * answerer then takes each mention's assertion from the chosen reader (`readFound`):
 * - `rules` (default): src/ask/assertion.ts's ConText rules, nothing learnt runs;
 * - `learnt`: the learnt reader's class replaces the rules' assertion;
 * - `agree`: a mention counts only where both say the same: fewer answers, fewer wrong ones.
 * The mentions keep their rule flags (`negated` for "no family history of"), and each note citation
 * read by the learnt reader says what it read and how sure it was (`reader` in the evidence).
 *
 * Only yes/no questions about a graph condition or finding use the learnt reader: it was trained
 * and measured on condition mentions (training/reader.py); medication, habit, allergy and phrase
 * questions keep the rules whatever the mode.
 */
import type * as ort from 'onnxruntime-node';
import type { ModelPackage } from '../model/package.js';
import type { Device } from '../model/devices.js';
import type { Tokenizer } from '../model/tokenizer.js';
import type { ClinicalRecord } from '../records/types.js';
import { UsageError, quote } from '../util/errors.js';
import type { NoteMention } from './assertion.js';
import { entityMentions, type Found, specificForms } from './note-search.js';
import { DEFAULT_READER_ENCODER, loadReaderHead, READER_FILE, type ReaderHead, type ReaderItem, readBatch, topClass } from './reader.js';
import type { AskContext } from './record-context.js';
import type { Assertion, ParsedQuestion } from './types.js';

export const READER_MODES = ['rules', 'learnt', 'agree'] as const;
export type ReaderMode = (typeof READER_MODES)[number];

/** Mentions read at once (one ONNX Runtime call). */
const READ_BATCH = 32;

/** What the learnt reader made of one mention. */
export interface Reading {
  assertion: Assertion;
  /** Its probability for that class (rounded when written). */
  probability: number;
}

/** Whether the learnt reader has anything to read for this question. */
export function readsQuestion(question: ParsedQuestion): boolean {
  return question.intent === 'condition' && question.entity !== undefined;
}

/** The found mentions as the mode reads them (see the file comment); `readings` absent: the rules. */
export function readFound(found: readonly Found[], mode: ReaderMode, readings?: ReadonlyMap<NoteMention, Reading>): Found[] {
  if (mode === 'rules' || !readings) return [...found];
  const out: Found[] = [];
  for (const f of found) {
    const reading = readings.get(f.mention);
    if (!reading) {
      out.push(f);
      continue;
    }
    if (mode === 'agree' && reading.assertion !== f.mention.assertion) continue;
    out.push({ linked: f.linked, mention: { ...f.mention, assertion: reading.assertion, reading } });
  }
  return out;
}

/** One found mention as the reader's input: its sentence and its span in it. */
export function readerItem(f: Found): ReaderItem {
  const { sentence } = f.mention;
  const text = f.linked.note.text;
  const end = Math.min(f.mention.end, sentence.end);
  return { sentence: text.slice(sentence.start, sentence.end), start: f.mention.start - sentence.start, end: end - sentence.start };
}

/** The learnt reader: an encoder session, the package tokenizer and the head. */
export class NoteReader {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly Tensor: typeof ort.Tensor,
    private readonly tokenizer: Tokenizer,
    readonly head: ReaderHead,
    /** The package-relative encoder file it runs. */
    readonly encoder: string,
  ) {}

  /** Load the package's reader (reader.json and the encoder it names); a clear error when the package has none. */
  static async load(pkg: ModelPackage, options: { device: Device; threads: number; onWarning?: (m: string) => void }): Promise<NoteReader> {
    const headPath = pkg.path(READER_FILE);
    const head = await loadReaderHead(headPath).catch((cause: unknown) => {
      throw new UsageError(`the model package ${quote(pkg.dir)} has no usable learnt reader (${READER_FILE}); use --reader rules`, {
        code: 'ASK_NO_READER',
        cause,
      });
    });
    const encoder = head.encoder ?? DEFAULT_READER_ENCODER;
    const [{ createSession }, { loadTokenizer }, ortModule] = await Promise.all([
      import('../model/session.js'),
      import('../model/tokenizer.js'),
      import('onnxruntime-node'),
    ]);
    const tokenizer = await loadTokenizer(pkg.dir);
    const { session } = await createSession(pkg.path(encoder), options, options.onWarning);
    return new NoteReader(session, ortModule.Tensor, tokenizer, head, encoder);
  }

  /** Readings of the found mentions, by mention. */
  async read(found: readonly Found[]): Promise<Map<NoteMention, Reading>> {
    const out = new Map<NoteMention, Reading>();
    for (let i = 0; i < found.length; i += READ_BATCH) {
      const part = found.slice(i, i + READ_BATCH);
      const results = await readBatch(this.session, this.Tensor, this.tokenizer, part.map(readerItem), this.head);
      part.forEach((f, j) => {
        const probabilities = results[j]?.probabilities;
        if (probabilities) out.set(f.mention, topClass(this.head, probabilities));
      });
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The readings a question needs from one record (none when the question is not the reader's). */
export async function readRecordMentions(
  reader: NoteReader,
  record: ClinicalRecord,
  question: ParsedQuestion,
  context: AskContext,
): Promise<Map<NoteMention, Reading>> {
  if (!readsQuestion(question) || !question.entity) return new Map();
  const ids = specificForms(context.graph, question.entity.id);
  return reader.read(entityMentions(record, context.linker, ids));
}
