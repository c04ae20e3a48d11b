/**
 * @file Curated facts about conditions that no input file states: names and synonyms as notes
 * write them, SNOMED codes as Synthea records them, pain and swelling sites, hallmark evidences,
 * one ICD-10 correction, and the chronic conditions taken from Synthea.
 *
 * Why here and not in the build code: these are clinical judgements, and a reviewer should be
 * able to read and challenge them in one place without reading any parsing code. The build fails
 * if DDXPlus gains or loses a condition this table does not know, so the table cannot silently
 * drift from its source.
 */
import type { PainSite, SwellingSite } from './sites.js';

export interface AcuteCuration {
  /** Preferred English name when DDXPlus's differs (a typo fix or an expansion). */
  name?: string;
  synonyms: readonly string[];
  /** Forms the linker matches that are not noun phrases ("anemic"); see Entity.linkOnly. */
  linkOnly?: readonly string[];
  /** SNOMED CT codes Synthea uses for the same diagnosis (codes_in_synthea_bundles.csv). */
  snomed?: readonly string[];
  painSite?: PainSite;
  swellingSite?: SwellingSite;
  /**
   * Evidences that define the condition clinically (E_53/E_151 mean its sited pain/swelling).
   * Their edge probability is raised to at least HALLMARK_P.
   */
  hallmarks?: readonly string[];
}

/** Edge probability given to hallmark evidences (see HALLMARKS above). */
export const HALLMARK_P = 0.85;

/**
 * ICD-10 codes in DDXPlus that are wrong for the condition they label. DDXPlus gives "M34"
 * (systemic sclerosis) for SLE; systemic lupus erythematosus is M32.
 */
export const ICD10_CORRECTIONS: Readonly<Record<string, { from: string; to: string; why: string }>> = {
  SLE: { from: 'M34', to: 'M32', why: 'M34 is systemic sclerosis; systemic lupus erythematosus is M32' },
};

/** DDXPlus condition name (release_conditions.json key) -> curation. All 49 must be present. */
export const ACUTE_CURATION: Readonly<Record<string, AcuteCuration>> = {
  'Spontaneous pneumothorax': {
    synonyms: ['pneumothorax', 'collapsed lung', 'ptx'],
    painSite: 'chest',
    swellingSite: 'chest',
    hallmarks: ['E_53', 'E_66', 'E_220'],
  },
  'Cluster headache': { synonyms: ['cluster headache'], painSite: 'head', hallmarks: ['E_53', 'E_127'] },
  Boerhaave: {
    name: 'Boerhaave syndrome',
    synonyms: ['boerhaave', 'esophageal rupture', 'oesophageal rupture', 'esophageal perforation', 'oesophageal perforation'],
    painSite: 'chest',
    hallmarks: ['E_53', 'E_211'],
  },
  'Spontaneous rib fracture': {
    synonyms: ['rib fracture', 'fractured rib', 'broken rib'],
    painSite: 'chest',
    swellingSite: 'chest',
    hallmarks: ['E_53', 'E_216'],
  },
  GERD: {
    synonyms: ['gastroesophageal reflux disease', 'gastro-oesophageal reflux disease', 'acid reflux', 'reflux', 'reflux disease', 'gord'],
    painSite: 'chest',
    hallmarks: ['E_173'],
  },
  'HIV (initial infection)': {
    synonyms: ['acute hiv', 'acute hiv infection', 'primary hiv infection', 'acute retroviral syndrome', 'hiv seroconversion'],
    painSite: 'head',
    hallmarks: ['E_91', 'E_9'],
  },
  Anemia: { synonyms: ['anaemia'], linkOnly: ['anemic', 'anaemic'], snomed: ['271737000'], painSite: 'head', hallmarks: ['E_89', 'E_154'] },
  'Viral pharyngitis': {
    synonyms: ['pharyngitis', 'acute pharyngitis', 'acute viral pharyngitis'],
    snomed: ['195662009'],
    painSite: 'throat',
    hallmarks: ['E_53'],
  },
  'Inguinal hernia': { synonyms: ['groin hernia'], painSite: 'groin', hallmarks: ['E_53', 'E_221'] },
  'Myasthenia gravis': { synonyms: ['myasthenia'], hallmarks: ['E_172', 'E_52', 'E_90'] },
  'Whooping cough': { synonyms: ['pertussis'], hallmarks: ['E_203', 'E_166'] },
  Anaphylaxis: {
    synonyms: ['anaphylactic reaction', 'anaphylactic shock'],
    painSite: 'abdomen',
    swellingSite: 'face',
    hallmarks: ['E_42', 'E_66', 'E_129'],
  },
  Epiglottitis: { synonyms: ['supraglottitis'], painSite: 'throat', hallmarks: ['E_53', 'E_190', 'E_65'] },
  'Guillain-Barré syndrome': {
    // Not "gbs": in real notes it is group B streptococcus (5 of 5 uses in MTSamples' training half).
    synonyms: ['guillain-barre syndrome', 'guillain-barre', 'acute inflammatory demyelinating polyneuropathy', 'aidp'],
    hallmarks: ['E_84', 'E_93'],
  },
  'Acute laryngitis': { synonyms: ['laryngitis'], painSite: 'throat', hallmarks: ['E_212'] },
  Croup: { synonyms: ['laryngotracheobronchitis', 'laryngotracheitis'], hallmarks: ['E_194', 'E_202'] },
  PSVT: {
    synonyms: ['svt', 'supraventricular tachycardia', 'paroxysmal supraventricular tachycardia'],
    painSite: 'chest',
    hallmarks: ['E_155'],
  },
  // Not "af": in real notes it is ankle flexion ("AF 5/5"), initials or a brand ("Lotrimin AF"): 0 of 11 uses in
  // MTSamples' training half meant atrial fibrillation. "AF with RVR" is in abbreviations.ts.
  'Atrial fibrillation': { synonyms: ['afib', 'a-fib', 'a fib'], snomed: ['49436004'], hallmarks: ['E_155', 'E_164'] },
  Bronchiectasis: { synonyms: ['bronchiectases'], hallmarks: ['E_77', 'E_201'] },
  'Allergic sinusitis': {
    synonyms: ['allergic rhinitis', 'hay fever', 'hayfever', 'seasonal allergies', 'seasonal allergic rhinitis'],
    hallmarks: ['E_181', 'E_169', 'E_170'],
  },
  Chagas: {
    name: 'Chagas disease',
    synonyms: ['chagas', 'american trypanosomiasis', 'trypanosoma cruzi infection'],
    painSite: 'chest',
    swellingSite: 'face',
    hallmarks: ['E_204'],
  },
  'Scombroid food poisoning': {
    synonyms: ['scombroid', 'scombroid poisoning', 'histamine fish poisoning'],
    hallmarks: ['E_92', 'E_187'],
  },
  Myocarditis: { synonyms: ['viral myocarditis'], painSite: 'chest', hallmarks: ['E_155', 'E_66'] },
  Larygospasm: { name: 'Laryngospasm', synonyms: ['laryngeal spasm'], hallmarks: ['E_194'] },
  'Acute dystonic reactions': {
    name: 'Acute dystonic reaction',
    synonyms: ['acute dystonia', 'dystonic reaction', 'drug-induced dystonia'],
    hallmarks: ['E_193', 'E_15', 'E_192'],
  },
  'Localized edema': {
    synonyms: ['localised edema', 'localized oedema', 'localised oedema', 'localized swelling'],
    painSite: 'leg',
    swellingSite: 'leg',
    hallmarks: ['E_151'],
  },
  SLE: {
    synonyms: ['lupus', 'systemic lupus erythematosus', 'systemic lupus'],
    painSite: 'joint',
    swellingSite: 'joint',
    hallmarks: ['E_53', 'E_129', 'E_89'],
  },
  Tuberculosis: { synonyms: ['tb', 'pulmonary tuberculosis', 'pulmonary tb'], hallmarks: ['E_201', 'E_162'] },
  'Unstable angina': { synonyms: ['crescendo angina'], painSite: 'chest', hallmarks: ['E_53', 'E_14', 'E_13'] },
  'Stable angina': {
    synonyms: ['angina', 'angina pectoris', 'exertional angina', 'chronic stable angina'],
    painSite: 'chest',
    hallmarks: ['E_53', 'E_218'],
  },
  Ebola: { synonyms: ['ebola virus disease', 'evd', 'ebola hemorrhagic fever'], hallmarks: ['E_91', 'E_73', 'E_204'] },
  'Acute otitis media': {
    synonyms: ['otitis media', 'aom', 'ear infection', 'middle ear infection'],
    snomed: ['65363002'],
    painSite: 'ear',
    hallmarks: ['E_53', 'E_91'],
  },
  'Panic attack': {
    synonyms: ['panic disorder', 'anxiety attack', 'panic'],
    snomed: ['80583007'],
    painSite: 'chest',
    hallmarks: ['E_155', 'E_16', 'E_111'],
  },
  'Bronchospasm / acute asthma exacerbation': {
    synonyms: [
      'asthma exacerbation',
      'asthma attack',
      'acute asthma',
      'bronchospasm',
      'exacerbation of asthma',
      'status asthmaticus',
      'asthma flare',
    ],
    hallmarks: ['E_214', 'E_66', 'E_124'],
  },
  Bronchitis: { synonyms: ['acute bronchitis'], snomed: ['10509002'], painSite: 'chest', hallmarks: ['E_201', 'E_77'] },
  'Acute COPD exacerbation / infection': {
    synonyms: ['copd exacerbation', 'aecopd', 'acute exacerbation of copd', 'exacerbation of copd', 'copd flare'],
    hallmarks: ['E_123', 'E_66', 'E_77', 'E_214'],
  },
  'Pulmonary embolism': {
    synonyms: ['pulmonary embolus', 'pulmonary emboli', 'pulmonary thromboembolism'],
    snomed: ['706870000'],
    painSite: 'chest',
    swellingSite: 'leg',
    hallmarks: ['E_66', 'E_220'],
  },
  URTI: {
    synonyms: ['uri', 'upper respiratory tract infection', 'upper respiratory infection', 'common cold', 'head cold', 'viral uri'],
    painSite: 'head',
    hallmarks: ['E_181', 'E_201', 'E_97'],
  },
  Influenza: {
    synonyms: ['flu', 'the flu', 'influenza-like illness', 'flu-like illness'],
    painSite: 'head',
    hallmarks: ['E_91', 'E_144', 'E_201'],
  },
  Pneumonia: {
    synonyms: ['community-acquired pneumonia', 'lobar pneumonia', 'bronchopneumonia', 'lung infection', 'chest infection'],
    snomed: ['233604007'],
    painSite: 'chest',
    hallmarks: ['E_91', 'E_201', 'E_66'],
  },
  'Acute rhinosinusitis': {
    synonyms: ['acute sinusitis', 'sinusitis', 'rhinosinusitis', 'sinus infection', 'viral sinusitis', 'bacterial sinusitis'],
    snomed: ['444814009', '75498004'],
    painSite: 'face',
    hallmarks: ['E_181', 'E_53', 'E_182'],
  },
  'Chronic rhinosinusitis': {
    synonyms: ['chronic sinusitis'],
    snomed: ['40055000'],
    painSite: 'face',
    hallmarks: ['E_181', 'E_53'],
  },
  Bronchiolitis: { synonyms: ['rsv bronchiolitis'], hallmarks: ['E_214', 'E_201'] },
  'Pulmonary neoplasm': {
    synonyms: [
      'lung cancer',
      'lung mass',
      'lung tumor',
      'lung tumour',
      'lung carcinoma',
      'bronchogenic carcinoma',
      'nsclc',
      'pulmonary mass',
    ],
    painSite: 'chest',
    hallmarks: ['E_201', 'E_79'],
  },
  'Possible NSTEMI / STEMI': {
    synonyms: [
      'myocardial infarction',
      'heart attack',
      'mi',
      'stemi',
      'nstemi',
      'acute myocardial infarction',
      'acute coronary syndrome',
      'acs',
    ],
    painSite: 'chest',
    hallmarks: ['E_53', 'E_50'],
  },
  Sarcoidosis: { synonyms: ['sarcoid'], painSite: 'joint', hallmarks: ['E_66', 'E_9'] },
  'Pancreatic neoplasm': {
    synonyms: ['pancreatic cancer', 'pancreatic adenocarcinoma', 'pancreatic tumor', 'pancreatic mass', 'cancer of the pancreas'],
    painSite: 'abdomen',
    hallmarks: ['E_53', 'E_162', 'E_188'],
  },
  'Acute pulmonary edema': {
    synonyms: ['pulmonary edema', 'pulmonary oedema', 'acute pulmonary oedema', 'flash pulmonary edema', 'fluid in the lungs'],
    painSite: 'chest',
    swellingSite: 'leg',
    hallmarks: ['E_66', 'E_217', 'E_67'],
  },
  Pericarditis: { synonyms: ['acute pericarditis'], painSite: 'chest', hallmarks: ['E_53', 'E_220', 'E_217'] },
};

export interface ChronicCuration {
  /** Preferred ICD-10-CM code, dotted; becomes the id `condition:<icd10>`. */
  icd10: string;
  name: string;
  synonyms: readonly string[];
  linkOnly?: readonly string[];
  /** SNOMED CT codes as Synthea records them; their counts in the Synthea code list set the prior. */
  snomed: readonly string[];
  /** DDXPlus antecedents that a patient with this condition has (`implies` edges). */
  implies?: readonly string[];
  /** Acute conditions (DDXPlus names) it raises the odds of, beyond those derived via `implies`. */
  predisposesTo?: readonly string[];
  note?: string;
}

/** Chronic conditions seen in the Synthea bundles of the corpus, with curated ICD-10 codes. */
export const CHRONIC_CONDITIONS: readonly ChronicCuration[] = [
  {
    icd10: 'I10',
    name: 'Hypertension',
    synonyms: ['htn', 'essential hypertension', 'hypertensive disorder', 'hypertensive disease'],
    snomed: ['59621000', '38341003'],
    implies: ['E_104'],
  },
  {
    icd10: 'R73.03',
    name: 'Prediabetes',
    synonyms: ['pre-diabetes', 'impaired glucose tolerance', 'impaired fasting glucose', 'borderline diabetes'],
    linkOnly: ['prediabetic'],
    snomed: ['15777000'],
  },
  {
    icd10: 'E78.5',
    name: 'Hyperlipidemia',
    synonyms: ['hyperlipidaemia', 'dyslipidemia', 'dyslipidaemia', 'high lipids', 'elevated lipids'],
    snomed: ['55822004'],
    implies: ['E_71'],
  },
  {
    icd10: 'E66.9',
    name: 'Obesity',
    synonyms: ['morbid obesity'],
    linkOnly: ['obese', 'morbidly obese', 'bmi 30+'],
    snomed: ['162864005'],
    implies: ['E_70'],
  },
  {
    icd10: 'E11.9',
    name: 'Type 2 diabetes mellitus',
    synonyms: ['type 2 diabetes', 'type ii diabetes', 't2dm', 'dm2', 'diabetes mellitus type 2', 'niddm'],
    snomed: ['44054006'],
    implies: ['E_69'],
    note: "SNOMED 44054006 is Synthea's diabetes code; it does not occur in the corpus sample, so its prior uses a count of 0.",
  },
  {
    icd10: 'I50.9',
    name: 'Chronic congestive heart failure',
    synonyms: ['congestive heart failure', 'chf', 'chronic heart failure', 'ccf', 'hfref', 'hfpef'],
    snomed: ['88805009'],
    implies: ['E_106'],
  },
  {
    icd10: 'I25.10',
    name: 'Coronary heart disease',
    synonyms: ['coronary artery disease', 'cad', 'ischemic heart disease', 'ischaemic heart disease', 'ihd'],
    snomed: ['53741008'],
    implies: ['E_105'],
  },
  {
    icd10: 'J45.909',
    name: 'Childhood asthma',
    synonyms: ['pediatric asthma', 'paediatric asthma'],
    snomed: ['233678006'],
    implies: ['E_124'],
  },
  {
    icd10: 'M81.0',
    name: 'Osteoporosis',
    synonyms: ['osteoporotic bone disease'],
    snomed: ['64859006'],
    implies: ['E_153'],
  },
  {
    icd10: 'M17.9',
    name: 'Osteoarthritis of knee',
    synonyms: ['knee osteoarthritis', 'osteoarthritis', 'degenerative joint disease', 'djd'],
    snomed: ['239873007'],
  },
  {
    icd10: 'G30.9',
    name: "Alzheimer's disease",
    synonyms: ['alzheimer disease', 'alzheimers', "alzheimer's dementia", 'dementia'],
    snomed: ['26929004'],
    predisposesTo: ['Pneumonia'],
    note: "Alzheimer's disease predisposes to (aspiration) pneumonia; DDXPlus has no antecedent for it.",
  },
  {
    icd10: 'G40.909',
    name: 'Epilepsy',
    synonyms: ['seizure disorder', 'epileptic disorder', 'epilepsy syndrome'],
    snomed: ['84757009', '128613002'],
  },
  {
    icd10: 'J30.89',
    name: 'Perennial allergic rhinitis',
    synonyms: ['perennial rhinitis', 'year-round allergies'],
    snomed: ['446096008'],
    implies: ['E_226'],
  },
  {
    icd10: 'L20.9',
    name: 'Atopic dermatitis',
    synonyms: ['eczema', 'atopic eczema'],
    snomed: ['24079001'],
    implies: ['E_226'],
  },
  {
    icd10: 'G89.29',
    name: 'Chronic pain',
    synonyms: ['chronic pain syndrome'],
    snomed: ['82423001'],
  },
  {
    icd10: 'G43.719',
    name: 'Chronic intractable migraine',
    synonyms: ['chronic migraine', 'intractable migraine', 'chronic migraine without aura'],
    snomed: ['124171000119105'],
    implies: ['E_99'],
  },
];

/**
 * Acute DDXPlus conditions that Synthea also records as a chronic problem. One entity is kept for
 * each, with course `acute`: DDXPlus describes how each presents (its evidences), which is what
 * the acute course means in this graph ("the presenting diagnosis"). Synthea's SNOMED code is
 * added to the acute entity so coded problem lists still link to it.
 */
export const ACUTE_CHRONIC_OVERLAPS: readonly string[] = ['Atrial fibrillation', 'Anemia', 'Chronic rhinosinusitis'];
