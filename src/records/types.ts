/**
 * @file The record model every source is assembled into and every later stage reads.
 *
 * A `ClinicalRecord` is one unit of analysis (a patient, or an encounter with `--unit encounter`)
 * with everything the model can use: note text, images, audio, coded facts and demographics. It
 * keeps raw attachment bytes undecoded (decoding belongs to src/media/) and carries the source
 * position of everything so errors and outputs can point back to the input.
 */
import type { SourcePosition } from '../io/types.js';

/** What one record is: a patient, or one encounter of a patient (`--unit`). */
export const UNITS = ['patient', 'encounter'] as const;
export type RecordUnit = (typeof UNITS)[number];

export interface CodedFact {
  kind: 'condition' | 'medication' | 'allergy' | 'observation' | 'procedure';
  /** All codings of the fact, as in the source (system URI, code, display). */
  codings: { system: string; code: string; display?: string }[];
  text?: string;
  /** Observation value, when numeric. */
  value?: number;
  unit?: string;
  /**
   * Observation value when not numeric: the display or text of a coded value (e.g. a smoking
   * status), a string or a boolean value.
   */
  valueText?: string;
  /**
   * clinicalStatus / status where the resource has one (e.g. `active`, `resolved`); how each is
   * read (current, history, not at all) is src/records/status.ts.
   */
  status?: string;
  /** verificationStatus of a Condition or AllergyIntolerance (e.g. `confirmed`, `provisional`). */
  verification?: string;
  /** ISO date-time of onset / effective / authored time, when present. */
  time?: string;
  /** When a Condition abated (abatementDateTime, else abatementPeriod.start), as written. */
  abatement?: string;
  /**
   * An Observation's interpretation as a v3 ObservationInterpretation code (`POS`, `DET`, `H`,
   * `NEG`, …), from its interpretation flags or else its coded value (src/records/status.ts).
   */
  interpretation?: string;
  /**
   * Set in the record of an encounter (`--unit encounter`) on a Condition that held during that
   * encounter: it is current there, whatever its clinicalStatus says now (e.g. COVID-19 resolved
   * since).
   */
  heldAtEncounter?: true;
  /** FHIR `Type/id` of the source resource. */
  resource?: string;
}

export interface NoteText {
  text: string;
  /** Where the text came from, e.g. `DocumentReference/123`, `DiagnosticReport/9.conclusion`. */
  resource: string;
  contentType: string;
  /** LOINC document type where given. */
  type?: string;
  /** A title for people: the attachment's title, else the resource's description or type text. */
  title?: string;
  time?: string;
  /**
   * Other resources whose text was identical and was therefore not repeated (Synthea writes
   * each note both as a DocumentReference and as a DiagnosticReport.presentedForm).
   */
  duplicates?: string[];
}

/** An image or audio attachment, bytes not yet decoded. */
export interface MediaAttachment {
  modality: 'image' | 'audio';
  contentType: string;
  /** Raw bytes when inline or resolved from a file; absent when only referenced by URL. */
  data?: Uint8Array;
  /** The reference it was loaded from (relative path or URL), when not inline. */
  url?: string;
  resource: string;
  title?: string;
  /** When it was made (Media.createdDateTime, the DocumentReference's date, ...), as written in the source. */
  time?: string;
  /** Body site as a code (SNOMED preferred, e.g. 51185008 thoracic structure) or its text. */
  bodySite?: string;
  /** How the image was made, as the source coded it (Media.modality, e.g. DICOM `DX`, `CT`). */
  imagingModality?: string;
  /** Decoder budgets for an image (`--max-megapixels`, `--max-inflate-mb`); the decoders' defaults when absent. */
  limits?: ImageLimits;
}

/**
 * What decoding one image may cost, set from the read options on each image attachment so the
 * decoder (src/media/, run by the featurizer) holds every record to the budgets the user gave.
 */
export interface ImageLimits {
  /** Most pixels, width × height, read from the header before any pixel is decoded. */
  maxPixels?: number;
  /** Most bytes a deflated DICOM data set may inflate to. */
  maxInflatedBytes?: number;
}

export interface Demographics {
  sex?: 'female' | 'male' | 'other' | 'unknown';
  birthDate?: string;
  /** Age in whole years at the record's reference time, when both dates are known. */
  ageYears?: number;
}

export interface ClinicalRecord {
  /** Record id: the patient id (or encounter id with `--unit encounter`). */
  id: string;
  /** FHIR reference of the patient, e.g. `Patient/123`. */
  patient: string;
  encounter?: string;
  /**
   * The record's reference time (ISO 8601): the start of its encounter, the latest encounter or
   * visit of the patient, or else the latest dated fact or note. Ages are computed at this time,
   * never at the clock's.
   */
  time?: string;
  source: SourcePosition;
  demographics: Demographics;
  notes: NoteText[];
  media: MediaAttachment[];
  facts: CodedFact[];
  /** Problems met while assembling that did not stop the record (no note text or names here). */
  warnings: string[];
}

/** One item of the assembled stream: a record, an input that could not become one, or one skipped on purpose. */
export type RecordItem =
  | { kind: 'record'; record: ClinicalRecord }
  | {
      kind: 'failure';
      position: SourcePosition;
      /** The record (patient or encounter id) the failure concerns, when known. */
      recordId?: string;
      /** Why, naming ids and positions only (never note text or names). */
      reason: string;
      /** Stable machine-readable code, e.g. `INVALID_JSON`, `NO_PATIENT`. */
      code: string;
    }
  /**
   * An input that is deliberately not a record and not a failure either: a Bundle of reference
   * data only (Synthea's hospital and practitioner Bundles). Counted as skipped in the summary.
   */
  | {
      kind: 'skipped';
      position: SourcePosition;
      /** Why, naming types and counts only. */
      reason: string;
      /** Stable machine-readable code, e.g. `REFERENCE_DATA_ONLY`. */
      code: string;
    };
