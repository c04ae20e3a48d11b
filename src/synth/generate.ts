/**
 * @file The generator's driver: for each patient index, sample the patient, render the note, the
 * chest image and the audio, build the FHIR resources, hand them to a format writer, and write the
 * ground truth to a separate labels file.
 *
 * Same seed, same graph, same count, same open-set fraction → byte-identical output: every random
 * draw comes from a stream derived from (seed, concern, patient index) and nothing reads the clock.
 * With `openSet` above 0, a share of the patients are open-set ones (open-set.ts); the others are
 * the same bytes as with 0.
 *
 * Labels file (`<out>.labels.jsonl`, format 2), one JSON object per patient, in record order:
 * `labelsVersion` (2), `index`, `patientId`, `encounterId`;
 * `condition`: the acute diagnosis label `{id, name, icd10, severity}`, or null for an open-set
 * patient; `openSet`: null, or `{kind: "no-acute"}` (a routine visit) or
 * `{kind: "outside", problem: "<display>"}` (a problem outside the labels);
 * `chronic`: `[{id, name, icd10}]`; `recommendedDrugs`: `[{id, name, rxnorm}]`, the first-line drug
 * of the acute condition and of each chronic one (only the chronic ones' for open-set patients);
 * `presentEvidences`: evidence ids; `image`, `audio`: `{pattern, shown}` or null; `ageYears`; `sex`.
 * Format 1 had no `openSet` and never a null `condition`.
 */
import type { KnowledgeGraphFile } from '../kg/types.js';
import { SYSTEMS } from '../util/code-systems.js';
import { quote, UsageError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { renderAudio } from './audio.js';
import { renderChestImage } from './chest-image.js';
import { buildResources, toBundle } from './fhir.js';
import { GeneratorGraphView } from './graph-view.js';
import { renderNote } from './note.js';
import { drawPatient } from './open-set.js';
import { REFERENCE_DATE, type SyntheticPatient } from './sample.js';
import { createWriter, LineFile, type SynthFormat } from './writers.js';

export const LABELS_FORMAT_VERSION = 2;
export const IMAGE_SIZE = 128;
export const AUDIO_SECONDS = 2;
export const AUDIO_SAMPLE_RATE = 16_000;

export interface SynthOptions {
  seed: number;
  patients: number;
  format: SynthFormat;
  out: string;
  labels: string;
  /** Share of open-set patients (no acute condition, or a problem outside the labels), 0 to 1; default 0. */
  openSet?: number;
  /** Called after each patient, for progress display. */
  onProgress?: (done: number) => void;
}

export interface SynthSummary {
  patients: number;
  /** Open-set patients among them. */
  openSet: number;
  withImage: number;
  withAudio: number;
  files: string[];
  labels: string;
}

/** The ground truth for one patient: what the model should predict, never shown to it. */
export interface PatientLabel {
  labelsVersion: number;
  index: number;
  patientId: string;
  encounterId: string;
  /** The acute diagnosis label; null for an open-set patient. */
  condition: { id: string; name: string; icd10?: string; severity?: number } | null;
  /** Null, or why an open-set patient has no diagnosis label. */
  openSet: { kind: 'no-acute' } | { kind: 'outside'; problem: string } | null;
  chronic: { id: string; name: string; icd10?: string }[];
  recommendedDrugs: { id: string; name: string; rxnorm?: string }[];
  presentEvidences: string[];
  image: { pattern: string; shown: string } | null;
  audio: { pattern: string; shown: string } | null;
  ageYears: number;
  sex: string;
}

export function toLabel(p: SyntheticPatient): PatientLabel {
  const icd10 = (e: { codes: { system: string; code: string }[] }) => e.codes.find((c) => c.system === SYSTEMS.icd10)?.code;
  return {
    labelsVersion: LABELS_FORMAT_VERSION,
    index: p.index,
    patientId: p.patientId,
    encounterId: p.encounterId,
    condition: p.condition
      ? { id: p.condition.id, name: p.condition.name, icd10: icd10(p.condition), severity: p.condition.severity }
      : null,
    openSet: !p.openSet
      ? null
      : p.openSet.kind === 'outside'
        ? { kind: 'outside', problem: p.openSet.problem.display }
        : { kind: 'no-acute' },
    chronic: p.chronic.map((c) => ({ id: c.id, name: c.name, icd10: icd10(c) })),
    recommendedDrugs: p.recommended.map((d) => ({
      id: d.id,
      name: d.name,
      rxnorm: d.codes.find((c) => c.system === SYSTEMS.rxnorm)?.code,
    })),
    presentEvidences: p.present.map((e) => e.id),
    image: p.image ?? null,
    audio: p.audio ?? null,
    ageYears: p.ageYears,
    sex: p.sex,
  };
}

export async function generate(kg: KnowledgeGraphFile, options: SynthOptions): Promise<SynthSummary> {
  const openSetFraction = options.openSet ?? 0;
  if (!(openSetFraction >= 0 && openSetFraction <= 1)) {
    throw new UsageError(`the open-set fraction must be from 0 to 1, got ${quote(options.openSet)}`);
  }
  const view = new GeneratorGraphView(kg);
  if (view.acute.length === 0) throw new Error('the knowledge graph has no acute conditions to draw patients from');
  const writer = createWriter(options.format, options.out);
  const labels = new LineFile(options.labels);
  const timestamp = new Date(REFERENCE_DATE).toISOString().replace('.000Z', 'Z');
  let withImage = 0;
  let withAudio = 0;
  let openSet = 0;
  try {
    for (let i = 0; i < options.patients; i++) {
      const patient = drawPatient(view, options.seed, i, openSetFraction);
      if (patient.openSet) openSet++;
      const note = renderNote(patient, view.findings, Random.derive(options.seed, 'note', i));
      const image = patient.image ? renderChestImage(patient.image.shown, Random.derive(options.seed, 'image', i), IMAGE_SIZE) : undefined;
      const audio = patient.audio
        ? renderAudio(patient.audio.shown, Random.derive(options.seed, 'audio', i), AUDIO_SECONDS, AUDIO_SAMPLE_RATE)
        : undefined;
      if (image) withImage++;
      if (audio) withAudio++;
      const media = {
        note: note.text,
        noteType: note.style,
        ...(image ? { image } : {}),
        ...(audio ? { audio, audioSeconds: AUDIO_SECONDS } : {}),
      };
      // Each shape is built only when its format needs it; both draw from the same stream.
      const fhirRng = () => Random.derive(options.seed, 'fhir', i);
      const bundle =
        options.format === 'ndjson'
          ? toBundle(buildResources(patient, media, 'urn', fhirRng()), Random.derive(options.seed, 'bundle', i).uuid(), timestamp)
          : undefined;
      const resources = options.format === 'bulk' ? buildResources(patient, media, 'relative', fhirRng()) : [];
      await writer.write({
        patient,
        ...(bundle ? { bundle } : {}),
        resources,
        note: note.text,
        ...(image ? { image } : {}),
        ...(audio ? { audio } : {}),
      });
      await labels.write(`${JSON.stringify(toLabel(patient))}\n`);
      options.onProgress?.(i + 1);
    }
  } finally {
    await writer.close();
    await labels.close();
  }
  return { patients: options.patients, openSet, withImage, withAudio, files: writer.files, labels: options.labels };
}
