/**
 * @file The three output shapes of `clinicalbert synth`: NDJSON with one Bundle per line, a Bulk
 * Data folder with one NDJSON file per resource type, and CSV with attachment files beside it.
 *
 * Writers stream: each patient is written as soon as it is generated, with backpressure, so
 * memory stays flat however many patients are asked for. The CSV columns are the ones
 * `clinicalbert analyze` reads (see docs/csv-format.md).
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { once } from 'node:events';
import type { Entity } from '../kg/types.js';
import { SYSTEMS } from '../util/code-systems.js';
import type { FhirResource } from './fhir.js';
import type { SyntheticPatient } from './sample.js';

export const SYNTH_FORMATS = ['ndjson', 'bulk', 'csv'] as const;
export type SynthFormat = (typeof SYNTH_FORMATS)[number];

/** A line-oriented file writer that waits when the stream's buffer is full. */
export class LineFile {
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { encoding: 'utf8' });
  }

  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

export interface PatientOutput {
  patient: SyntheticPatient;
  /** Resources with `urn:uuid:` references in a Bundle (NDJSON format only). */
  bundle?: FhirResource;
  /** Resources with `Type/id` references, for a Bulk Data export. */
  resources: FhirResource[];
  note: string;
  image?: Buffer;
  audio?: Buffer;
}

export interface RecordWriter {
  write(out: PatientOutput): Promise<void>;
  close(): Promise<void>;
  /** Files written, relative to the output path's folder. */
  readonly files: string[];
}

export class NdjsonBundleWriter implements RecordWriter {
  private readonly file: LineFile;
  readonly files: string[];

  constructor(path: string) {
    this.file = new LineFile(path);
    this.files = [path];
  }

  write(out: PatientOutput): Promise<void> {
    if (!out.bundle) throw new Error('NdjsonBundleWriter: the patient output has no bundle');
    return this.file.write(`${JSON.stringify(out.bundle)}\n`);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** Bulk Data layout: `<Type>.000.ndjson` per resource type, as servers name them. */
export class BulkFolderWriter implements RecordWriter {
  private readonly byType = new Map<string, LineFile>();

  constructor(private readonly folder: string) {
    mkdirSync(folder, { recursive: true });
  }

  get files(): string[] {
    return [...this.byType.values()].map((f) => f.path).sort();
  }

  async write(out: PatientOutput): Promise<void> {
    for (const resource of out.resources) {
      let file = this.byType.get(resource.resourceType);
      if (!file) {
        file = new LineFile(join(this.folder, `${resource.resourceType}.000.ndjson`));
        this.byType.set(resource.resourceType, file);
      }
      await file.write(`${JSON.stringify(resource)}\n`);
    }
  }

  async close(): Promise<void> {
    for (const file of this.byType.values()) await file.close();
  }
}

export const CSV_COLUMNS = [
  'id',
  'patient_id',
  'sex',
  'birth_date',
  'visit_time',
  'note_text',
  'image_file',
  'audio_file',
  'condition_codes',
  'medication_codes',
  'allergy_codes',
  'observations',
] as const;

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** `system-alias:code` pairs joined by `;`, e.g. `snomed:38341003;icd10:I10`. */
function codeList(entities: Entity[]): string {
  const alias: Record<string, string> = {
    [SYSTEMS.snomed]: 'snomed',
    [SYSTEMS.icd10]: 'icd10',
    [SYSTEMS.rxnorm]: 'rxnorm',
    [SYSTEMS.loinc]: 'loinc',
    [SYSTEMS.drugbank]: 'drugbank',
  };
  return entities.flatMap((e) => e.codes.filter((c) => alias[c.system]).map((c) => `${alias[c.system]}:${c.code}`)).join(';');
}

/**
 * CSV with one row per patient; images and audio go to `<name>_files/` beside the CSV and the
 * row holds their paths relative to the CSV's folder.
 */
export class CsvWriter implements RecordWriter {
  private readonly file: LineFile;
  private readonly attachmentDir: string;
  private readonly attachments: string[] = [];

  constructor(private readonly path: string) {
    this.file = new LineFile(path);
    this.attachmentDir = join(dirname(path), `${basename(path, extname(path))}_files`);
    void this.file.write(`${CSV_COLUMNS.join(',')}\n`);
  }

  get files(): string[] {
    return [this.path, ...this.attachments];
  }

  async write(out: PatientOutput): Promise<void> {
    const p = out.patient;
    const attach = (buffer: Buffer | undefined, suffix: string): string => {
      if (!buffer) return '';
      mkdirSync(this.attachmentDir, { recursive: true });
      const file = join(this.attachmentDir, `${p.patientId}-${suffix}`);
      writeFileSync(file, buffer);
      this.attachments.push(file);
      return relative(dirname(this.path), file).split('\\').join('/');
    };
    const row = [
      `synth-${p.index}`,
      p.patientId,
      p.sex,
      p.birthDate,
      p.visitTime,
      out.note,
      attach(out.image, 'chest.png'),
      attach(out.audio, 'audio.wav'),
      codeList(p.chronic),
      codeList(p.medications.map((m) => m.drug)),
      codeList(p.allergies),
      p.measurements.map((m) => `${m.spec.loinc}=${m.value}`).join(';'),
    ];
    await this.file.write(`${row.map(csvCell).join(',')}\n`);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

export function createWriter(format: SynthFormat, out: string): RecordWriter {
  switch (format) {
    case 'ndjson':
      return new NdjsonBundleWriter(out);
    case 'bulk':
      return new BulkFolderWriter(out);
    case 'csv':
      return new CsvWriter(out);
  }
}

/** Where labels go by default: beside the output, never inside what the model reads. */
export function defaultLabelsPath(out: string): string {
  // The full name is kept (records.ndjson -> records.ndjson.labels.jsonl) so that outputs of
  // different formats in one folder never share a labels file; the format itself is not needed.
  return `${out.replace(/[\\/]+$/, '')}.labels.jsonl`;
}
