/**
 * @file Turns a generated patient (with its rendered note and media) into FHIR R4 resources:
 * Patient, Encounter, Condition (history), Observation (vital signs and labs, LOINC),
 * MedicationRequest, AllergyIntolerance, DocumentReference (the note, and sometimes the image) and
 * Media (chest image, audio recording), attachments inline as base64.
 *
 * References are written by a caller-supplied function because the two output shapes differ: a
 * Bundle links entries by `urn:uuid:` full URLs, a Bulk Data export by `Type/id`.
 * The presenting diagnosis never appears here: it is the label, kept in a separate file. Nor does
 * an open-set patient's problem outside the labels: only its chronic conditions are coded.
 */
import type { Entity } from '../kg/types.js';
import { DICOM, HL7_SYSTEMS, SYSTEMS, UCUM } from '../util/code-systems.js';
import type { Random } from '../util/random.js';
import type { SyntheticPatient } from './sample.js';
import { isCardiac, isEmergencyVisit } from './sample.js';

export interface FhirResource {
  resourceType: string;
  id: string;
  [field: string]: unknown;
}

export type ReferenceStyle = 'urn' | 'relative';

export interface RenderedMedia {
  note: string;
  /** Style of the note, which decides its LOINC document type. */
  noteType: 'hp' | 'soap' | 'narrative';
  image?: Buffer;
  audio?: Buffer;
  audioSeconds?: number;
}

const FAMILY = [
  'Garcia',
  'Smith',
  'Nguyen',
  'Okafor',
  'Kowalski',
  'Haddad',
  'Silva',
  'Johnson',
  'Müller',
  'Tanaka',
  'Brown',
  'Patel',
  'Rossi',
  'Dubois',
  'Larsen',
  'Cohen',
];
const GIVEN_F = ['Maria', 'Aisha', 'Emma', 'Mei', 'Olga', 'Fatima', 'Grace', 'Lucía', 'Ingrid', 'Amara', 'Noor', 'Chloe'];
const GIVEN_M = ['James', 'Omar', 'Liam', 'Kenji', 'Piotr', 'Mateo', 'Samuel', 'Arjun', 'Lars', 'Kwame', 'Hugo', 'David'];

const NOTE_TYPES = {
  hp: { code: '34117-2', display: 'History and physical note' },
  soap: { code: '11506-3', display: 'Progress note' },
  narrative: { code: '34109-9', display: 'Note' },
} as const;

function codeable(entity: Entity, prefer?: string): { coding: { system: string; code: string; display?: string }[]; text: string } {
  const codes = prefer
    ? [...entity.codes.filter((c) => c.system === prefer), ...entity.codes.filter((c) => c.system !== prefer)]
    : entity.codes;
  return {
    coding: codes.map((c) => ({ system: c.system, code: c.code, ...(c.display ? { display: c.display } : {}) })),
    text: entity.name,
  };
}

function allergyCategory(allergen: Entity): 'medication' | 'food' | 'environment' {
  if (allergen.codes.some((c) => c.system === SYSTEMS.rxnorm)) return 'medication';
  return /peanut|shellfish|fish|soya|soy|egg|milk|wheat|nut|food/i.test(allergen.name) ? 'food' : 'environment';
}

export function buildResources(p: SyntheticPatient, media: RenderedMedia, style: ReferenceStyle, rng: Random): FhirResource[] {
  const ref = (type: string, id: string) => ({ reference: style === 'urn' ? `urn:uuid:${id}` : `${type}/${id}` });
  const subject = ref('Patient', p.patientId);
  const encounter = ref('Encounter', p.encounterId);
  const at = p.visitTime;
  const ids = () => rng.uuid();
  const resources: FhirResource[] = [];

  resources.push({
    resourceType: 'Patient',
    id: p.patientId,
    identifier: [{ system: 'urn:clinicalbert:synth', value: `synth-${p.index}` }],
    name: [{ use: 'official', family: rng.pick(FAMILY), given: [rng.pick(p.sex === 'female' ? GIVEN_F : GIVEN_M)] }],
    gender: p.sex,
    birthDate: p.birthDate,
  });
  const emergency = isEmergencyVisit(p);
  resources.push({
    resourceType: 'Encounter',
    id: p.encounterId,
    status: 'finished',
    class: {
      system: HL7_SYSTEMS.actCode,
      code: emergency ? 'EMER' : 'AMB',
      display: emergency ? 'emergency' : 'ambulatory',
    },
    subject,
    period: { start: at, end: at },
  });

  const conditionIds = new Map<string, string>();
  for (const c of p.chronic) {
    const id = ids();
    conditionIds.set(c.id, id);
    const onsetYears = 1 + rng.int(Math.max(1, Math.min(15, p.ageYears - 1)));
    resources.push({
      resourceType: 'Condition',
      id,
      clinicalStatus: { coding: [{ system: HL7_SYSTEMS.conditionClinical, code: 'active' }] },
      verificationStatus: { coding: [{ system: HL7_SYSTEMS.conditionVerification, code: 'confirmed' }] },
      category: [
        {
          coding: [{ system: HL7_SYSTEMS.conditionCategory, code: 'problem-list-item', display: 'Problem List Item' }],
        },
      ],
      code: codeable(c, SYSTEMS.snomed),
      subject,
      onsetDateTime: `${Number(at.slice(0, 4)) - onsetYears}${at.slice(4, 10)}`,
      recordedDate: at,
    });
  }

  const byCode = new Map(p.measurements.map((m) => [m.spec.loinc, m]));
  const quantity = (value: number, unit: string) => ({ value, unit, system: UCUM, code: unit });
  const category = (code: 'vital-signs' | 'laboratory') => [
    {
      coding: [
        {
          system: HL7_SYSTEMS.observationCategory,
          code,
          display: code === 'vital-signs' ? 'Vital Signs' : 'Laboratory',
        },
      ],
    },
  ];
  for (const m of p.measurements) {
    if (m.spec.loinc === '8480-6' || m.spec.loinc === '8462-4') continue;
    resources.push({
      resourceType: 'Observation',
      id: ids(),
      status: 'final',
      category: category(m.spec.lab ? 'laboratory' : 'vital-signs'),
      code: { coding: [{ system: SYSTEMS.loinc, code: m.spec.loinc, display: m.spec.display }], text: m.spec.display },
      subject,
      encounter,
      effectiveDateTime: at,
      valueQuantity: quantity(m.value, m.spec.unit),
    });
  }
  const sbp = byCode.get('8480-6');
  const dbp = byCode.get('8462-4');
  if (sbp && dbp) {
    resources.push({
      resourceType: 'Observation',
      id: ids(),
      status: 'final',
      category: category('vital-signs'),
      code: {
        coding: [{ system: SYSTEMS.loinc, code: '85354-9', display: 'Blood pressure panel with all children optional' }],
        text: 'Blood pressure',
      },
      subject,
      encounter,
      effectiveDateTime: at,
      component: [sbp, dbp].map((m) => ({
        code: { coding: [{ system: SYSTEMS.loinc, code: m.spec.loinc, display: m.spec.display }] },
        valueQuantity: quantity(m.value, m.spec.unit),
      })),
    });
  }

  for (const m of p.medications) {
    const reason = conditionIds.get(m.forCondition.id);
    resources.push({
      resourceType: 'MedicationRequest',
      id: ids(),
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: codeable(m.drug, SYSTEMS.rxnorm),
      subject,
      encounter,
      authoredOn: at,
      ...(reason ? { reasonReference: [ref('Condition', reason)] } : {}),
      dosageInstruction: [{ text: 'Take as directed' }],
    });
  }
  for (const a of p.allergies) {
    resources.push({
      resourceType: 'AllergyIntolerance',
      id: ids(),
      clinicalStatus: { coding: [{ system: HL7_SYSTEMS.allergyClinical, code: 'active' }] },
      verificationStatus: {
        coding: [{ system: HL7_SYSTEMS.allergyVerification, code: 'confirmed' }],
      },
      type: 'allergy',
      category: [allergyCategory(a)],
      code: codeable(a),
      patient: subject,
      recordedDate: at,
    });
  }

  const noteType = NOTE_TYPES[media.noteType];
  resources.push({
    resourceType: 'DocumentReference',
    id: ids(),
    status: 'current',
    type: { coding: [{ system: SYSTEMS.loinc, code: noteType.code, display: noteType.display }] },
    category: [
      {
        coding: [
          {
            system: HL7_SYSTEMS.usCoreDocumentReferenceCategory,
            code: 'clinical-note',
            display: 'Clinical Note',
          },
        ],
      },
    ],
    subject,
    date: at,
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(media.note, 'utf8').toString('base64') } }],
    context: { encounter: [encounter], period: { start: at } },
  });

  if (media.image) {
    const data = media.image.toString('base64');
    // Some systems file radiographs as documents rather than Media: produce both shapes.
    if (rng.chance(0.2)) {
      resources.push({
        resourceType: 'DocumentReference',
        id: ids(),
        status: 'current',
        type: { coding: [{ system: SYSTEMS.loinc, code: '36554-4', display: 'XR Chest Single view' }] },
        subject,
        date: at,
        content: [{ attachment: { contentType: 'image/png', data, title: 'Chest radiograph' } }],
        context: { encounter: [encounter] },
      });
    } else {
      resources.push({
        resourceType: 'Media',
        id: ids(),
        status: 'completed',
        type: { coding: [{ system: HL7_SYSTEMS.mediaType, code: 'image', display: 'Image' }] },
        modality: { coding: [{ system: DICOM, code: 'DX', display: 'Digital Radiography' }] },
        subject,
        encounter,
        createdDateTime: at,
        bodySite: { coding: [{ system: SYSTEMS.snomed, code: '51185008', display: 'Thoracic structure' }] },
        content: { contentType: 'image/png', data, title: 'Chest radiograph, frontal' },
      });
    }
  }
  if (media.audio && p.audio) {
    const heart = isCardiac(p.audio.pattern);
    const cough = /cough/.test(p.audio.pattern);
    resources.push({
      resourceType: 'Media',
      id: ids(),
      status: 'completed',
      type: { coding: [{ system: HL7_SYSTEMS.mediaType, code: 'audio', display: 'Audio' }] },
      subject,
      encounter,
      createdDateTime: at,
      bodySite: heart
        ? { coding: [{ system: SYSTEMS.snomed, code: '80891009', display: 'Heart structure' }] }
        : { coding: [{ system: SYSTEMS.snomed, code: '39607008', display: 'Lung structure' }] },
      ...(media.audioSeconds ? { duration: media.audioSeconds } : {}),
      content: {
        contentType: 'audio/wav',
        data: media.audio.toString('base64'),
        title: heart ? 'Heart auscultation recording' : cough ? 'Cough recording' : 'Lung auscultation recording',
      },
    });
  }
  return resources;
}

/** One patient's resources as a FHIR collection Bundle (entries linked by urn:uuid). */
export function toBundle(resources: FhirResource[], bundleId: string, timestamp: string): FhirResource {
  return {
    resourceType: 'Bundle',
    id: bundleId,
    type: 'collection',
    timestamp,
    entry: resources.map((r) => ({ fullUrl: `urn:uuid:${r.id}`, resource: r })),
  };
}
