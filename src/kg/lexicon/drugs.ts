/**
 * @file Which PharmacotherapyDB diseases stand for which graph conditions, and the drug names a
 * US clinical note uses.
 *
 * Why curated: PharmacotherapyDB indexes indications by Disease Ontology id (DOID), the graph by
 * ICD-10; no file in the corpus maps one to the other. The table is small and each row is a
 * judgement a reviewer can check. A disease may stand for several conditions (asthma: both the
 * acute exacerbation and childhood asthma); conditions are named by their ICD-10 code as in
 * their entity id.
 */

export interface DiseaseMapping {
  /** PharmacotherapyDB disease name, checked against indications.tsv by the build. */
  disease: string;
  /** ICD-10 codes of the graph conditions the disease's indications apply to. */
  conditions: readonly string[];
}

export const DISEASE_TO_CONDITIONS: Readonly<Record<string, DiseaseMapping>> = {
  'DOID:2841': { disease: 'asthma', conditions: ['J45', 'J45.909'] },
  'DOID:3083': { disease: 'chronic obstructive pulmonary disease', conditions: ['J44.1'] },
  'DOID:4481': { disease: 'allergic rhinitis', conditions: ['J30', 'J30.89'] },
  'DOID:10763': { disease: 'hypertension', conditions: ['I10'] },
  'DOID:9352': { disease: 'type 2 diabetes mellitus', conditions: ['E11.9'] },
  'DOID:3393': { disease: 'coronary artery disease', conditions: ['I25.10', 'I20.9', 'I20.0', 'I21'] },
  'DOID:1936': { disease: 'atherosclerosis', conditions: ['I25.10'] },
  'DOID:594': { disease: 'panic disorder', conditions: ['F41'] },
  'DOID:9074': { disease: 'systemic lupus erythematosus', conditions: ['M32'] },
  'DOID:1324': { disease: 'lung cancer', conditions: ['C34'] },
  'DOID:1793': { disease: 'pancreatic cancer', conditions: ['C25'] },
  'DOID:635': { disease: 'acquired immunodeficiency syndrome', conditions: ['B20'] },
  'DOID:11476': { disease: 'osteoporosis', conditions: ['M81.0'] },
  'DOID:8398': { disease: 'osteoarthritis', conditions: ['M17.9'] },
  'DOID:10652': { disease: "Alzheimer's disease", conditions: ['G30.9'] },
  'DOID:1826': { disease: 'epilepsy syndrome', conditions: ['G40.909'] },
  'DOID:6364': { disease: 'migraine', conditions: ['G43.719'] },
  'DOID:9970': { disease: 'obesity', conditions: ['E66.9'] },
  'DOID:3310': { disease: 'atopic dermatitis', conditions: ['L20.9'] },
};

/**
 * PharmacotherapyDB name -> the name a US note writes, with the source name kept as a synonym.
 * Only where the two differ in a way that matters for matching Synthea's RxNorm displays or notes.
 */
export const DRUG_NAME_OVERRIDES: Readonly<Record<string, { name: string; synonyms: readonly string[] }>> = {
  'Acetylsalicylic acid': { name: 'Aspirin', synonyms: ['acetylsalicylic acid', 'asa'] },
  Salbutamol: { name: 'Albuterol', synonyms: ['salbutamol'] },
  'Cromoglicic acid': { name: 'Cromolyn', synonyms: ['cromoglicic acid', 'sodium cromoglycate', 'cromoglycate'] },
};

/** Extra surface forms (international or salt names) under which a drug also appears. */
export const DRUG_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  Alendronate: ['alendronic acid'],
  Acetaminophen: ['paracetamol'],
  'Valproic Acid': ['valproate', 'sodium valproate'],
  Isoprenaline: ['isoproterenol'],
  Orciprenaline: ['metaproterenol'],
  Torasemide: ['torsemide'],
  Zoledronate: ['zoledronic acid'],
  'Etidronic acid': ['etidronate'],
  Cholecalciferol: ['vitamin d3'],
  Ergocalciferol: ['vitamin d2'],
  Benzatropine: ['benztropine'],
  Methylergometrine: ['methylergonovine'],
  Nitroglycerin: ['glyceryl trinitrate', 'gtn'],
  Furosemide: ['frusemide'],
  Hydrochlorothiazide: ['hctz'],
};
