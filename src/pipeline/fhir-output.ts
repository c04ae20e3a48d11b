/**
 * @file `analyze --output-format fhir`: one record's prediction line as a FHIR R4 Bundle, so that
 * predictions can go back into a FHIR server or an EHR's decision-support inbox as resources it
 * already knows, instead of our own JSON shape.
 *
 * Built from the `PredictionLine` (src/pipeline/prediction.ts) and, when given, the assembled
 * record (for the coded facts it read) and the model's head specs (for the extra codings of a
 * label, e.g. SNOMED CT beside ICD-10-CM). A pure function: the same inputs give the same Bundle,
 * key order included, so output is byte-identical across runs with `--no-timing`.
 *
 * Layout of one Bundle (type `collection`, or `transaction` with POST requests for a write-back):
 *  1. RiskAssessment: status `preliminary` (machine output no clinician has reviewed yet; a
 *     reviewer makes it `final`), subject, encounter, occurrenceDateTime = the record's date,
 *     method and performer = the model (method's text adds the precision that ran), basis = the resources the model read, prediction[] = the
 *     diagnoses (outcome coded ICD-10-CM / SNOMED CT, probabilityDecimal). Other heads (severity,
 *     specialty) are not likelihoods of an outcome, so not `qualitativeRisk` (whose value set,
 *     risk-probability, grades likelihood): each label is a `head-prediction` extension. A
 *     diagnosis head that abstained with a score gets one prediction whose outcome is "none of the
 *     labels fits"; every abstention and every warning of the line is a `note` (ids and positions
 *     only, never note text). NO_EVIDENCE gives no prediction and notes saying why.
 *  2. One MedicationRequest per drug suggestion: status `draft`, intent `proposal` (R4's intent for
 *     a suggestion made without authority to act, e.g. by decision support), RxNorm / DrugBank
 *     codings, reasonReference = the RiskAssessment, its score as a `probability` extension.
 *  3. Provenance: target = the resources above, recorded = the run's time (fixed at
 *     FIXED_RECORDED with `--no-timing`), agent = the model Device, entity = each source resource
 *     read (role `source`).
 *  4. Device: the model (name, version, package sha as identifier). Not the precision: one package
 *     is one Device (a write-back creates it once, by its sha), whichever precision a run used.
 * fullUrls are `urn:uuid:` UUIDs (version 5) of the model sha, the record id and the resource's
 * role, so they are stable across runs and differ between models and records.
 */
import { createHash } from 'node:crypto';
import type {
  Annotation,
  Bundle,
  BundleEntry,
  CodeableConcept,
  Coding,
  Device,
  Extension,
  FhirResource,
  MedicationRequest,
  Provenance,
  Reference,
  RiskAssessment,
  RiskAssessmentPrediction,
} from 'fhir/r4.js';
import type { HeadSpec } from '../model/manifest.js';
import type { ClinicalRecord } from '../records/types.js';
import { SYSTEMS } from '../util/code-systems.js';
import type { LineAbstention, PredictionLine, ScoredLabel } from './prediction.js';

/** What `analyze --output-format` accepts: the prediction lines, or one FHIR R4 Bundle per record. */
export const OUTPUT_FORMATS = ['jsonl', 'fhir'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Base of the URIs of our own code systems, extensions and identifiers. */
export const FHIR_BASE = 'https://clinicalbert.dev/fhir';
export const FHIR_URIS = {
  /** Tag code system: `<name>@<version>+<sha>` of the model package that made a resource. */
  model: `${FHIR_BASE}/CodeSystem/model`,
  /** Tag code system: the prediction schema version the Bundle was built from. */
  predictionSchema: `${FHIR_BASE}/CodeSystem/prediction-schema`,
  /** Abstention reasons (NO_LABEL_FITS, FOLLOWS_ABSTAINED, NO_EVIDENCE): the "none of the labels fits" outcome. */
  abstention: `${FHIR_BASE}/CodeSystem/abstention`,
  /** Labels without a standard code (severity, specialty): `<base>/CodeSystem/head/<head>`. */
  headLabels: `${FHIR_BASE}/CodeSystem/head`,
  /** Identifier system of the model Device: the package sha (12 hex digits). */
  modelSha: `${FHIR_BASE}/model-sha`,
  /** Identifier system of the Bundle: the record id. */
  record: `${FHIR_BASE}/record`,
  /** Extension: one label of a head that is not a likelihood of an outcome (head, label, probability). */
  headPrediction: `${FHIR_BASE}/StructureDefinition/head-prediction`,
  /** Extension: the model's probability for a MedicationRequest it suggests (valueDecimal). */
  probability: `${FHIR_BASE}/StructureDefinition/probability`,
} as const;

/** Provenance.recorded with `--no-timing`: the Unix epoch, a value nobody can take for a real time. */
export const FIXED_RECORDED = '1970-01-01T00:00:00Z';

/** The namespace of our version-5 UUIDs (random, fixed forever: changing it changes every fullUrl). */
const UUID_NAMESPACE = '3c0b9f1e-6a2d-4e57-9b8c-2f4d7a1e5c60';

/** The head whose labels are the RiskAssessment's predictions, and the one whose labels are drugs. */
const DIAGNOSES = 'diagnoses';
const DRUGS = 'drugs';

/** The outcome text of a diagnosis head that abstained with a score. */
export const NONE_FITS = 'none of the labels fits';

const FHIR_DATE_TIME =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;
const FHIR_REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;
/** Parts of a resource a note may name (src/records/notes.ts): `DiagnosticReport/9.conclusion`. */
const RESOURCE_PART = /\.(conclusion|(content|presentedForm|payload)\[\d+\])$/;

export interface FhirOutputOptions {
  /** Provenance.recorded: an instant (the run's start), or FIXED_RECORDED with `--no-timing`. */
  recorded: string;
  /** `transaction` adds a POST request to each entry (a Device only if none with its sha exists). */
  bundleType?: 'collection' | 'transaction';
  /** The assembled record: its coded facts' resources join the basis and the Provenance's entities. */
  record?: ClinicalRecord;
  /** The model's heads: a label's further codings (SNOMED CT of a diagnosis, DrugBank of a drug). */
  heads?: Record<string, HeadSpec>;
}

/** A version-5 (name-based, SHA-1) UUID of `name` in our namespace. */
export function uuidV5(name: string): string {
  const ns = Buffer.from(UUID_NAMESPACE.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The FHIR reference a record's resource string names (a note's part dropped), or undefined (e.g. a CSV row). */
export function sourceReference(resource: string): string | undefined {
  const ref = resource.replace(RESOURCE_PART, '');
  return FHIR_REFERENCE.test(ref) && !ref.startsWith('CSV/') ? ref : undefined;
}

/** The resources the model read, each once, in the record's order: notes, images and audio, then coded facts. */
export function sourceReferences(line: PredictionLine, record?: ClinicalRecord): string[] {
  const names: string[] = [];
  if (record) {
    for (const note of record.notes) names.push(note.resource, ...(note.duplicates ?? []));
    for (const media of record.media) names.push(media.resource);
    for (const fact of record.facts) if (fact.resource) names.push(fact.resource);
  } else {
    for (const a of line.inputs.attachments ?? []) names.push(a.resource);
    if (line.inputs.image) names.push(line.inputs.image);
    if (line.inputs.audio) names.push(line.inputs.audio);
  }
  const seen = new Set<string>();
  for (const name of names) {
    const ref = sourceReference(name);
    if (ref) seen.add(ref);
  }
  return [...seen];
}

/** The label's codings: its own system and code, then the head's further codings with a web system, deduplicated. */
function labelCodings(label: ScoredLabel, head: HeadSpec | undefined, fallbackSystem: string): Coding[] {
  const out: Coding[] = [];
  const add = (system: string, code: string, display?: string) => {
    if (!/^[^\s]+(\s[^\s]+)*$/.test(code) || out.some((c) => c.system === system && c.code === code)) return;
    out.push({ system, code, ...(display ? { display } : {}) });
  };
  if (label.system && label.code) add(label.system, label.code, label.display);
  const spec = head?.labels.find((l) => l.id === label.id);
  for (const c of spec?.codings ?? []) if (/^https?:\/\//.test(c.system)) add(c.system, c.code, c.display ?? label.display);
  // A drug's id names its DrugBank entry (`drug:DB00381`) even where the head spec is not at hand.
  const drugbank = /^drug:(DB\d+)$/.exec(label.id)?.[1];
  if (drugbank) add(SYSTEMS.drugbank, drugbank, label.display);
  if (out.length === 0) add(fallbackSystem, label.code ?? label.id, label.display);
  return out;
}

const concept = (codings: Coding[], text: string): CodeableConcept => ({ ...(codings.length ? { coding: codings } : {}), text });

/** `<name>@<version>+<sha>`: one code for the exact model package. */
const modelCode = (line: PredictionLine) => `${line.model.name}@${line.model.version}+${line.model.sha}`;
const modelText = (line: PredictionLine) => `${line.model.name} ${line.model.version} (package sha ${line.model.sha})`;
/** How the assessment was made: the package and, from schema 1.3, the precision its graphs ran at. */
const methodText = (line: PredictionLine) =>
  line.model.precision === undefined
    ? modelText(line)
    : `${line.model.name} ${line.model.version} (package sha ${line.model.sha}, precision ${line.model.precision})`;

/** One note for heads that abstained alike (NO_EVIDENCE makes every head abstain with the same message). */
function abstentionNotes(abstained: Record<string, LineAbstention>): Annotation[] {
  const groups = new Map<string, { heads: string[]; a: LineAbstention }>();
  for (const head of Object.keys(abstained).sort()) {
    const a = abstained[head] as LineAbstention;
    const key = JSON.stringify([a.reason, a.message, a.score, a.threshold, a.head]);
    const group = groups.get(key);
    if (group) group.heads.push(head);
    else groups.set(key, { heads: [head], a });
  }
  return [...groups.values()].map(({ heads, a }) => {
    const numbers = [
      ...(a.score !== undefined ? [`score ${a.score}`] : []),
      ...(a.threshold !== undefined ? [`threshold ${a.threshold}`] : []),
    ];
    return { text: `abstained (${a.reason}): ${heads.join(', ')}: ${a.message}${numbers.length ? ` (${numbers.join(', ')})` : ''}` };
  });
}

/** The line as one FHIR R4 Bundle (see the file comment for its layout). */
export function predictionBundle(line: PredictionLine, options: FhirOutputOptions): Bundle {
  const bundleType = options.bundleType ?? 'collection';
  const heads = options.heads;
  const key = (role: string) => `urn:uuid:${uuidV5(`${line.model.sha}|${line.id}|${role}`)}`;
  const deviceUrl = `urn:uuid:${uuidV5(`${line.model.sha}|Device`)}`;
  const riskUrl = key('RiskAssessment');
  const tag: Coding = { system: FHIR_URIS.model, code: modelCode(line), display: modelText(line) };
  const meta = { tag: [tag] };
  const subject: Reference = { reference: line.patient };
  const encounter: Reference | undefined = line.encounter ? { reference: line.encounter } : undefined;
  const date = line.subject?.encounterDate;
  const sources = sourceReferences(line, options.record);
  const device: Reference = { reference: deviceUrl, display: `${line.model.name} ${line.model.version}` };

  const predictions: RiskAssessmentPrediction[] = (line.predictions[DIAGNOSES] ?? []).map((label) => ({
    outcome: concept(labelCodings(label, heads?.[DIAGNOSES], `${FHIR_URIS.headLabels}/${DIAGNOSES}`), label.display),
    probabilityDecimal: label.score,
  }));
  const dxAbstained = line.abstained?.[DIAGNOSES];
  if (dxAbstained?.score !== undefined) {
    predictions.push({
      outcome: concept([{ system: FHIR_URIS.abstention, code: dxAbstained.reason, display: NONE_FITS }], NONE_FITS),
      probabilityDecimal: dxAbstained.score,
    });
  }
  const others: Extension[] = [];
  for (const head of Object.keys(line.predictions).sort()) {
    if (head === DIAGNOSES || head === DRUGS) continue;
    for (const label of line.predictions[head] ?? []) {
      others.push({
        url: FHIR_URIS.headPrediction,
        extension: [
          { url: 'head', valueString: head },
          {
            url: 'label',
            valueCodeableConcept: concept(labelCodings(label, heads?.[head], `${FHIR_URIS.headLabels}/${head}`), label.display),
          },
          { url: 'probability', valueDecimal: label.score },
        ],
      });
    }
  }
  const notes: Annotation[] = [
    ...abstentionNotes(line.abstained ?? {}),
    ...line.warnings.map((w): Annotation => ({ text: `warning: ${w}` })),
  ];
  const risk: RiskAssessment = {
    resourceType: 'RiskAssessment',
    meta,
    ...(others.length ? { extension: others } : {}),
    status: 'preliminary',
    method: {
      coding: [{ system: FHIR_URIS.model, code: modelCode(line), display: `${line.model.name} ${line.model.version}` }],
      text: methodText(line),
    },
    subject,
    ...(encounter ? { encounter } : {}),
    ...(date && FHIR_DATE_TIME.test(date) ? { occurrenceDateTime: date } : {}),
    performer: device,
    ...(sources.length ? { basis: sources.map((reference) => ({ reference })) } : {}),
    ...(predictions.length ? { prediction: predictions } : {}),
    ...(notes.length ? { note: notes } : {}),
  };

  const drugs = line.predictions[DRUGS] ?? [];
  const requests = drugs.map((label): { url: string; resource: MedicationRequest } => ({
    url: key(`MedicationRequest|${label.id}`),
    resource: {
      resourceType: 'MedicationRequest',
      meta,
      extension: [{ url: FHIR_URIS.probability, valueDecimal: label.score }],
      status: 'draft',
      intent: 'proposal',
      medicationCodeableConcept: concept(labelCodings(label, heads?.[DRUGS], `${FHIR_URIS.headLabels}/${DRUGS}`), label.display),
      subject,
      ...(encounter ? { encounter } : {}),
      requester: device,
      reasonReference: [{ reference: riskUrl }],
    },
  }));

  const provenanceUrl = key('Provenance');
  const provenance: Provenance = {
    resourceType: 'Provenance',
    meta,
    target: [{ reference: riskUrl }, ...requests.map((r) => ({ reference: r.url }))],
    recorded: options.recorded,
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE', display: 'create' }] },
    agent: [
      {
        type: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }],
        },
        who: device,
      },
    ],
    ...(sources.length ? { entity: sources.map((reference) => ({ role: 'source' as const, what: { reference } })) } : {}),
  };

  const modelDevice: Device = {
    resourceType: 'Device',
    identifier: [{ system: FHIR_URIS.modelSha, value: line.model.sha }],
    status: 'active',
    deviceName: [{ name: line.model.name, type: 'model-name' }],
    type: { text: 'clinical prediction model (software)' },
    version: [{ value: line.model.version }],
  };

  const entry = (fullUrl: string, resource: FhirResource, ifNoneExist?: string): BundleEntry => ({
    fullUrl,
    resource,
    ...(bundleType === 'transaction'
      ? { request: { method: 'POST' as const, url: resource.resourceType, ...(ifNoneExist ? { ifNoneExist } : {}) } }
      : {}),
  });
  return {
    resourceType: 'Bundle',
    meta: {
      tag: [
        { system: FHIR_URIS.predictionSchema, code: line.schemaVersion, display: `clinicalbert prediction schema ${line.schemaVersion}` },
        tag,
      ],
    },
    identifier: { system: FHIR_URIS.record, value: line.id },
    type: bundleType,
    entry: [
      entry(riskUrl, risk),
      ...requests.map((r) => entry(r.url, r.resource)),
      entry(provenanceUrl, provenance),
      entry(deviceUrl, modelDevice, `identifier=${FHIR_URIS.modelSha}|${line.model.sha}`),
    ],
  };
}
