/**
 * @file Every code-system URI the tool reads or writes, spelled once, as FHIR spells them.
 *
 * Why one module: the same URIs are matched when records are read (a LOINC note type, a SNOMED
 * body site), joined in the knowledge graph, mapped from the CSV's short names and written by the
 * synthetic generator. A typo in one copy would silently stop a match, so there is one copy. It
 * lives in util/, below every layer, so records, kg, synth and cli can all import it.
 */

/** Clinical code systems: what coded facts, graph entities and CSV short names (`snomed:…`) use. */
export const SYSTEMS = {
  icd10: 'http://hl7.org/fhir/sid/icd-10-cm',
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  drugbank: 'http://www.drugbank.ca',
  doid: 'http://purl.obolibrary.org/obo/doid',
  ddxplus: 'urn:ddxplus:evidence',
  /** DDXPlus condition names (the keys of release_conditions.json), kept for joins with DDXPlus data. */
  ddxplusCondition: 'urn:ddxplus:condition',
} as const;

/** UCUM, the system of Quantity units (`mm[Hg]`, `/min`). */
export const UCUM = 'http://unitsofmeasure.org';

/** HL7 terminology code systems for statuses, categories and types that FHIR R4 resources carry. */
export const HL7_SYSTEMS = {
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  mediaType: 'http://terminology.hl7.org/CodeSystem/media-type',
  /** US Core's DocumentReference category (`clinical-note`). */
  usCoreDocumentReferenceCategory: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
} as const;

/** DICOM's controlled terminology (imaging modalities such as `DX`). */
export const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
