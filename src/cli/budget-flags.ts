/**
 * @file The budget flags of the commands that read records (`analyze`, `explain`): what one
 * record, attachment, image or input line may cost, each a flag with its default (issue 11,
 * item 2). Declared and parsed here once, so both commands offer the same flags, with the same
 * defaults, bounds and messages, and a new budget is one line in BUDGETS.
 *
 * Each limit is enforced where its input is read: attachments and the record's decoded bytes in
 * src/records/attachments.ts (record-budget.ts), HTML notes there and in notes.ts, pixels and the
 * DICOM inflate cap in src/media/ (carried on each image attachment), lines in src/io/, the Bulk
 * patient bound in src/records/group-bulk.ts. Past one, the attachment is dropped with a warning
 * on the record, or the line is a dead letter; never a crash or a stall.
 */
import type { Command } from 'commander';
import { DEFAULT_MAX_LINE_BYTES } from '../io/ndjson.js';
import { MAX_DICOM_INFLATED_BYTES, MAX_IMAGE_PIXELS } from '../media/dicom.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../records/attachments.js';
import { MAX_HTML_NOTE_BYTES } from '../records/html-text.js';
import { DEFAULT_PATIENT_BOUND } from '../records/patient-bound.js';
import type { ReadOptions } from '../records/read.js';
import { MAX_RECORD_DECODED_BYTES } from '../records/record-budget.js';
import { parseCount } from '../util/errors.js';

/** 1 MiB, and 1 Mi pixels (`--max-megapixels 64` is 8192 × 8192). */
const MI = 1024 * 1024;

/** The read options the budget flags set. */
export type BudgetOptions = Required<
  Pick<
    ReadOptions,
    | 'maxAttachmentBytes'
    | 'maxRecordDecodedBytes'
    | 'maxHtmlNoteBytes'
    | 'maxImagePixels'
    | 'maxDicomInflatedBytes'
    | 'maxLineBytes'
    | 'maxPatientBytes'
  >
>;

/** The flags as commander hands them over (strings, defaults filled in). */
export interface BudgetFlags {
  maxAttachmentMb: string;
  maxRecordMb: string;
  maxHtmlMb: string;
  maxMegapixels: string;
  maxInflateMb: string;
  maxLineMb: string;
  maxPatientMb: string;
}

interface Budget {
  flag: string;
  /** The flag's property in BudgetFlags (commander's camel case of the flag). */
  key: keyof BudgetFlags;
  /** The read option it sets: the flag's value × MI. */
  option: keyof BudgetOptions;
  /** The default, in the option's unit (bytes or pixels); a whole number of MI. */
  defaultValue: number;
  min: number;
  max: number;
  help: string;
}

export const BUDGETS: readonly Budget[] = [
  {
    flag: '--max-attachment-mb',
    key: 'maxAttachmentMb',
    option: 'maxAttachmentBytes',
    defaultValue: DEFAULT_MAX_ATTACHMENT_BYTES,
    min: 0,
    max: 10_000,
    help: 'one attachment (inline, file or URL) larger than this is dropped with a warning',
  },
  {
    flag: '--max-record-mb',
    key: 'maxRecordMb',
    option: 'maxRecordDecodedBytes',
    defaultValue: MAX_RECORD_DECODED_BYTES,
    min: 0,
    max: 65_536,
    help: 'decoded attachment bytes of one record, each Binary counted once however many attachments use it; an attachment past it is dropped with a warning',
  },
  {
    flag: '--max-html-mb',
    key: 'maxHtmlMb',
    option: 'maxHtmlNoteBytes',
    defaultValue: MAX_HTML_NOTE_BYTES,
    min: 0,
    max: 10_000,
    help: 'an HTML note (attachment or narrative) larger than this is dropped with a warning',
  },
  {
    flag: '--max-megapixels',
    key: 'maxMegapixels',
    option: 'maxImagePixels',
    defaultValue: MAX_IMAGE_PIXELS,
    min: 1,
    max: 1024,
    help: 'an image of more pixels (width × height in Mi pixels, 64 = 8192 × 8192; read from the header before decoding) is not read, with a warning',
  },
  {
    flag: '--max-inflate-mb',
    key: 'maxInflateMb',
    option: 'maxDicomInflatedBytes',
    defaultValue: MAX_DICOM_INFLATED_BYTES,
    min: 1,
    max: 4096,
    help: 'a deflated DICOM image whose data set inflates past this is not read, with a warning',
  },
  {
    flag: '--max-line-mb',
    key: 'maxLineMb',
    option: 'maxLineBytes',
    defaultValue: DEFAULT_MAX_LINE_BYTES,
    min: 1,
    max: 4096,
    help: 'an NDJSON line (or a part of a Bundle file) longer than this is not read (LINE_TOO_LONG)',
  },
  {
    flag: '--max-patient-mb',
    key: 'maxPatientMb',
    option: 'maxPatientBytes',
    defaultValue: DEFAULT_PATIENT_BOUND.maxPatientBytes,
    min: 1,
    max: 65_536,
    help: 'Bulk Data: a patient with more resource JSON than this is read in one pass keeping the newest notes, 3 Observations per code and the newest facts, with a warning',
  },
];

/** Declare the budget flags on a command (in BUDGETS order); returns the command for chaining. */
export function addBudgetOptions<C extends Command>(command: C): C {
  for (const b of BUDGETS) command.option(`${b.flag} <n>`, b.help, String(b.defaultValue / MI));
  return command;
}

/** The read options of the budget flags, each checked against its bounds (a UsageError quoting a bad value). */
export function parseBudgetFlags(flags: BudgetFlags): BudgetOptions {
  const out = {} as BudgetOptions;
  for (const b of BUDGETS) out[b.option] = parseCount(b.flag, flags[b.key], { min: b.min, max: b.max }) * MI;
  return out;
}
