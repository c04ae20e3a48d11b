/**
 * @file The per-patient memory bound of the Bulk Data join: a patient with more resource JSON
 * than the bound is read in one streaming pass that keeps only what the model can use.
 *
 * Why: the join (src/records/group-bulk.ts) holds one bucket of spilled lines, and a bucket
 * cannot be split below one patient. One patient with 126 MB of Observations took 1 GB of RSS
 * (the same bytes over 5,000 patients: 157 MB), since every line was held as text and then
 * parsed at once. Past the bound, lines go one by one through a `PatientReducer` instead, which
 * keeps (the rule, documented in README "Bulk Data"):
 *
 * - the first Patient;
 * - the newest `notes` note resources (DocumentReference, DiagnosticReport, Communication,
 *   Media, Composition: by their time, undated ones oldest) within `noteBytes` of JSON (the
 *   newest one always): the featurizer reads only `maxLength × CHARS_PER_TOKEN` characters
 *   (8,192) of the most recent notes, so older ones never reach the model anyway;
 * - the newest `observationsPerCode` Observations of each code (first coding), for at most
 *   `observationCodes` codes (the first seen);
 * - the newest `factsPerType` of each other fact type (Condition, MedicationRequest,
 *   MedicationStatement, AllergyIntolerance, Procedure) and of Encounters;
 * - nothing of the other types, which the record does not read.
 *
 * Every line still counts as used; the record gets one warning naming how many resources of
 * which types were left out (counts only, never content). Memory: the kept lines (at most twice
 * the caps between trims) plus one line being parsed. A patient under the bound takes the old
 * path unchanged, so its record is byte for byte what it was.
 */
import { CONTENT_TYPES } from './notes.js';
import { FACT_TYPES } from './facts.js';
import { asResource, type FhirResource, type fhir4, items, obj, resourceTime, str, timeValue } from './fhir.js';

/** A line of a spill bucket: its order, origin, patient key and raw resource JSON. */
export interface SpilledLine {
  seq: number;
  file: number;
  line: number;
  key: string;
  text: string;
}

export interface PatientBound {
  /** Patients with more resource JSON (characters) than this are reduced on the way. */
  maxPatientBytes: number;
  /** Newest note resources kept. */
  notes: number;
  /** JSON characters of note resources kept (the newest one is kept whatever its size). */
  noteBytes: number;
  /** Newest Observations kept per code. */
  observationsPerCode: number;
  /** Observation codes kept (the first seen); later codes are left out. */
  observationCodes: number;
  /** Newest resources kept of each other fact type and of Encounters. */
  factsPerType: number;
}

/**
 * Defaults. 32 MiB of JSON: parsed resources take about 5–8 times their text in memory, so one
 * patient at the bound stays near 250 MB; a Synthea patient with decades of history is 2–10 MB.
 * 64 notes / 16 MiB: far more than the 8,192 characters the featurizer reads, with room for
 * notes without text and inline attachments. 3 Observations per code for 2,000 codes and 2,000
 * of each other type: the record's facts of a large chart, a few MB.
 */
export const DEFAULT_PATIENT_BOUND: PatientBound = {
  maxPatientBytes: 32 * 1024 * 1024,
  notes: 64,
  noteBytes: 16 * 1024 * 1024,
  observationsPerCode: 3,
  observationCodes: 2000,
  factsPerType: 2000,
};

interface Kept {
  line: SpilledLine;
  type: string;
  /** Milliseconds of the resource's time; -Infinity when undated. */
  time: number;
}

/** Newest first; ties in input order. */
const newestFirst = (a: Kept, b: Kept): number => (a.time !== b.time ? (b.time > a.time ? 1 : -1) : a.line.seq - b.line.seq);

/** A list that keeps the newest `count` items within `bytes`, trimmed when it holds twice that. */
class NewestList {
  private items: Kept[] = [];
  private bytes = 0;
  constructor(
    private readonly count: number,
    private readonly maxBytes: number,
    private readonly onDrop: (k: Kept) => void,
  ) {}
  add(k: Kept): void {
    this.items.push(k);
    this.bytes += k.line.text.length;
    if (this.items.length > 2 * this.count || this.bytes > 2 * this.maxBytes) this.trim();
  }
  trim(): Kept[] {
    this.items.sort(newestFirst);
    const kept: Kept[] = [];
    let bytes = 0;
    for (const k of this.items) {
      const size = k.line.text.length;
      if (kept.length < this.count && (kept.length === 0 || bytes + size <= this.maxBytes)) {
        kept.push(k);
        bytes += size;
      } else this.onDrop(k);
    }
    this.items = kept;
    this.bytes = bytes;
    return kept;
  }
}

/** `system|code` of the first coding of an Observation's code. */
function codeKey(resource: fhir4.Observation): string {
  const coding = items(obj(resource.code)?.coding)[0];
  return `${str(coding?.system) ?? ''}|${str(coding?.code) ?? ''}`;
}

/** Keeps a bounded subset of one patient's lines (see the file comment). */
export class PatientReducer {
  private patient: SpilledLine | undefined;
  private readonly notes: NewestList;
  private readonly byType = new Map<string, NewestList>();
  private readonly byCode = new Map<string, NewestList>();
  /** Resources left out, by type. */
  readonly leftOut = new Map<string, number>();
  lines = 0;
  bytes = 0;

  constructor(private readonly bound: PatientBound) {
    this.notes = new NewestList(bound.notes, bound.noteBytes, this.drop);
  }

  private readonly drop = (k: { type: string }): void => {
    this.leftOut.set(k.type, (this.leftOut.get(k.type) ?? 0) + 1);
  };

  add(line: SpilledLine): void {
    this.lines++;
    this.bytes += line.text.length;
    let resource: FhirResource | undefined;
    try {
      resource = asResource(JSON.parse(line.text));
    } catch {
      resource = undefined; // cannot happen: the reader parsed this line before it was spilled
    }
    if (!resource) return;
    const type = resource.resourceType;
    if (type === 'Patient') {
      if (!this.patient) this.patient = line;
      else this.drop({ type });
      return;
    }
    const kept: Kept = { line, type, time: timeValue(resourceTime(resource)) ?? Number.NEGATIVE_INFINITY };
    if (CONTENT_TYPES.has(type)) {
      this.notes.add(kept);
      return;
    }
    if (type === 'Observation') {
      const code = codeKey(resource as fhir4.Observation);
      let list = this.byCode.get(code);
      if (!list) {
        if (this.byCode.size >= this.bound.observationCodes) {
          this.drop(kept);
          return;
        }
        list = new NewestList(this.bound.observationsPerCode, Number.POSITIVE_INFINITY, this.drop);
        this.byCode.set(code, list);
      }
      list.add(kept);
      return;
    }
    if (FACT_TYPES.has(type) || type === 'Encounter') {
      let list = this.byType.get(type);
      if (!list) {
        list = new NewestList(this.bound.factsPerType, Number.POSITIVE_INFINITY, this.drop);
        this.byType.set(type, list);
      }
      list.add(kept);
      return;
    }
    this.drop(kept);
  }

  /** The kept lines in input order (call once, at the end). */
  kept(): SpilledLine[] {
    const out: SpilledLine[] = this.patient ? [this.patient] : [];
    for (const list of [this.notes, ...this.byType.values(), ...this.byCode.values()]) for (const k of list.trim()) out.push(k.line);
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** The warning put on the patient's record: the bound, the rule and the counts left out. */
  warning(patientKey: string): string {
    const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);
    const left = [...this.leftOut.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([type, n]) => `${n} ${type}`)
      .join(', ');
    const total = [...this.leftOut.values()].reduce((a, b) => a + b, 0);
    return (
      `${patientKey}: ${mb(this.bytes)} MiB of resources (${this.lines} lines), over the per-patient bound of ` +
      `${mb(this.bound.maxPatientBytes)} MiB (--max-patient-mb): read in one pass keeping the newest ${this.bound.notes} notes, ` +
      `${this.bound.observationsPerCode} Observations per code and ${this.bound.factsPerType} of each other type; ` +
      `left out ${total} resources${left ? ` (${left})` : ''}`
    );
  }
}
