/**
 * @file One CSV row (docs/csv-format.md) to one record.
 *
 * Codes are `system:code` pairs joined by `;` with short system names (`snomed`, `icd10`,
 * `rxnorm`, `drugbank`) mapped to the FHIR system URIs of src/util/code-systems.ts; observations are
 * `LOINC=value` pairs whose units are fixed per code (src/records/loinc-units.ts). Attachment columns
 * hold paths relative to the CSV's folder and go through the same checks as FHIR attachments,
 * including the rule that they never leave that folder.
 */
import type { CsvRowItem } from '../io/types.js';
import { SYSTEMS } from '../util/code-systems.js';
import { CSV_MEASUREMENT_UNITS } from './loinc-units.js';
import { resolveAttachment, type AttachmentOptions, withRecordFetcher } from './attachments.js';
import { MAX_RECORD_DECODED_BYTES, RecordBudget } from './record-budget.js';
import { contentTypeFromPath } from './content-types.js';
import { ageInYears, parseSex } from './demographics.js';
import { ResourceIndex } from './fhir-refs.js';
import type { ClinicalRecord, CodedFact, Demographics, RecordItem } from './types.js';

type Alias = keyof typeof SYSTEMS;

const CODE_COLUMNS: { column: string; kind: CodedFact['kind']; systems: Alias[] }[] = [
  { column: 'condition_codes', kind: 'condition', systems: ['snomed', 'icd10'] },
  { column: 'medication_codes', kind: 'medication', systems: ['rxnorm', 'drugbank'] },
  { column: 'allergy_codes', kind: 'allergy', systems: ['snomed', 'rxnorm'] },
];

const UNITS = new Map(Object.entries(CSV_MEASUREMENT_UNITS));
const NO_REFERENCES = new ResourceIndex();

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function isDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Build the record of a CSV row. `seenIds` (per file) catches repeated ids, which would make
 * two outputs indistinguishable.
 */
export async function recordFromCsvRow(item: CsvRowItem, shared: AttachmentOptions, seenIds?: Set<string>): Promise<RecordItem> {
  const options = withRecordFetcher(shared); // one fetch budget per row
  const budget = new RecordBudget(options.maxRecordDecodedBytes ?? MAX_RECORD_DECODED_BYTES); // and one decoded-bytes budget
  const row = item.row;
  const id = (row.id ?? '').trim();
  const line = item.position.line;
  if (id === '') {
    return { kind: 'failure', position: item.position, code: 'NO_ID', reason: `CSV row${line ? ` at line ${line}` : ''} has an empty id` };
  }
  const where = `CSV/${id}`;
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
  };
  if (seenIds) {
    if (seenIds.has(id)) warn(`${where}: id repeats an earlier row of the file`);
    seenIds.add(id);
  }

  const demographics: Demographics = {};
  const sexText = (row.sex ?? '').trim();
  if (sexText) {
    const sex = parseSex(sexText);
    if (sex) demographics.sex = sex;
    // the bad value is not quoted: in a misaligned row it could be a name or note text
    else warn(`${where}: sex is not one of female, male, other, unknown; ignored`);
  }
  const birthDate = (row.birth_date ?? '').trim();
  if (birthDate) {
    if (isDate(birthDate)) demographics.birthDate = birthDate;
    else warn(`${where}: birth_date is not a YYYY-MM-DD date; ignored`);
  }
  let time: string | undefined = (row.visit_time ?? '').trim() || undefined;
  if (time && Number.isNaN(Date.parse(time))) {
    warn(`${where}: visit_time is not an ISO 8601 date-time; ignored`);
    time = undefined;
  }
  if (demographics.birthDate && time) {
    const age = ageInYears(demographics.birthDate, time);
    if (age !== undefined) demographics.ageYears = age;
  }

  const record: ClinicalRecord = {
    id,
    patient: `Patient/${(row.patient_id ?? '').trim() || id}`,
    source: item.position,
    demographics,
    notes: [],
    media: [],
    facts: [],
    warnings,
  };
  if (time) record.time = time;

  const noteText = (row.note_text ?? '').trim();
  if (noteText) record.notes.push({ text: noteText, resource: `${where}.note_text`, contentType: 'text/plain', ...(time ? { time } : {}) });

  for (const column of ['image_file', 'audio_file'] as const) {
    const path = (row[column] ?? '').trim();
    if (!path) continue;
    const key = `${where}.${column}`;
    const contentType = contentTypeFromPath(path);
    const resolved = await resolveAttachment(contentType ? { url: path, contentType } : { url: path }, key, {
      entry: { key, baseDir: item.baseDir },
      resolver: NO_REFERENCES,
      options,
      warn,
      budget,
    });
    if (resolved.kind === 'media') {
      const expected = column === 'image_file' ? 'image' : 'audio';
      if (resolved.media.modality !== expected)
        warn(`${key}: holds ${resolved.media.contentType}, not ${expected}; kept as ${resolved.media.modality}`);
      record.media.push(resolved.media);
    } else if (resolved.kind === 'text') {
      warn(`${key}: holds text, not ${column === 'image_file' ? 'an image' : 'audio'}; ignored`);
    }
  }

  for (const { column, kind, systems } of CODE_COLUMNS) {
    for (const [n, pair] of splitList(row[column]).entries()) {
      const colon = pair.indexOf(':');
      const alias = colon > 0 ? pair.slice(0, colon).trim().toLowerCase() : '';
      const code = colon > 0 ? pair.slice(colon + 1).trim() : '';
      if (!(systems as string[]).includes(alias) || code === '') {
        warn(`${where}: ${column} entry ${n} is not ${systems.map((s) => `${s}:<code>`).join(' or ')}; ignored`);
        continue;
      }
      record.facts.push({ kind, codings: [{ system: SYSTEMS[alias as Alias], code }], resource: `${where}.${column}` });
    }
  }
  for (const [n, pair] of splitList(row.observations).entries()) {
    const eq = pair.indexOf('=');
    const loinc = eq > 0 ? pair.slice(0, eq).trim() : '';
    const raw = eq > 0 ? pair.slice(eq + 1).trim() : '';
    if (!/^\d{1,7}-\d$/.test(loinc) || raw === '') {
      warn(`${where}: observations entry ${n} is not LOINC=value; ignored`);
      continue;
    }
    const known = UNITS.get(loinc);
    const fact: CodedFact = {
      kind: 'observation',
      codings: [{ system: SYSTEMS.loinc, code: loinc, ...(known ? { display: known.display } : {}) }],
      resource: `${where}.observations`,
    };
    const value = Number(raw);
    if (Number.isFinite(value)) {
      fact.value = value;
      if (known) fact.unit = known.unit;
    } else fact.valueText = raw;
    if (time) fact.time = time;
    record.facts.push(fact);
  }
  return { kind: 'record', record };
}
