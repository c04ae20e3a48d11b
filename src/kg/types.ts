/**
 * @file The knowledge-graph data model: the shape of `kg.json` in a model package.
 *
 * Why a module of its own: the graph file is a contract between `kg build` (which writes it),
 * the linker and the synthetic generator (which read it) and the training recipe in Python (which
 * reads the same JSON). Keeping the types in one file that depends on nothing but the code-system
 * URIs (src/util/code-systems.ts) keeps that contract visible.
 *
 * The file is compact on purpose (it is committed inside the default model package): entities and
 * edges are flat arrays, codes are inline, and descriptions are kept only for codes the graph uses.
 */

/** Bumped whenever a reader of an older file would misread a newer one. */
export const KG_FORMAT_VERSION = 1;

/**
 * Code systems, spelled as FHIR spells them: defined in src/util/code-systems.ts (the one copy
 * every layer imports) and re-exported here because the graph file's codes use them.
 */
export { SYSTEMS } from '../util/code-systems.js';

export type EntityType =
  /** A diagnosis: DDXPlus's 49 acute conditions and the chronic conditions seen in Synthea. */
  | 'condition'
  /** A symptom or sign a patient reports or a clinician finds (DDXPlus symptom evidences). */
  | 'finding'
  /** A risk factor or history item (DDXPlus antecedent evidences: smoking, travel, surgery…). */
  | 'antecedent'
  /** A drug (PharmacotherapyDB, with RxNorm codes where Synthea uses the drug). */
  | 'drug'
  /** A substance or class a patient can be allergic to (Synthea AllergyIntolerance codes). */
  | 'allergen'
  /** A measurement (LOINC vital signs and labs that Synthea records). */
  | 'observation';

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export interface Entity {
  /** Stable id, `<type>:<key>`, e.g. `condition:J93`, `finding:E_91`, `drug:DB00843`. */
  id: string;
  type: EntityType;
  /** Preferred English name, short enough to read in a table ("fever", "Pneumonia"). */
  name: string;
  /** Codes in standard systems; the first one is the preferred code for output. */
  codes: Coding[];
  /**
   * Lower-case surface forms the linker matches (the name is always implied). Each reads as a noun
   * phrase after "reports" or in a history list, so a generator may write any of them into a note.
   */
  synonyms: string[];
  /**
   * Further forms the linker matches that are not noun phrases ("febrile", "short of breath",
   * "diabetic"): notes use them, but a generator should not write "reports febrile".
   */
  linkOnly?: string[];
  /** Condition: DDXPlus severity, 1 (most severe) to 5. */
  severity?: number;
  /** Condition: `acute` (the presenting diagnosis) or `chronic` (history / comorbidity). */
  course?: 'acute' | 'chronic';
  /** Condition: prior probability among conditions of the same course (sums to 1 per course). */
  prior?: number;
  /** Finding: the body system, used to group findings in notes ("respiratory", "cardiac", …). */
  system?: string;
  /** Drug: disease-modifying (DM) or symptomatic (SYM) use, when the drug has one category only. */
  category?: 'DM' | 'SYM';
  /** Observation: UCUM unit of the value. */
  unit?: string;
  /** Observation: the adult reference range [low, high] in `unit`. */
  normalRange?: [number, number];
}

export type EdgeType =
  /** finding -> condition, `p` = P(finding present | condition). */
  | 'symptom_of'
  /** antecedent -> condition, `p` = P(antecedent present | condition). */
  | 'risk_factor_for'
  /** drug -> condition, disease-modifying indication (PharmacotherapyDB "DM"). */
  | 'treats'
  /** drug -> condition, symptomatic indication (PharmacotherapyDB "SYM"). */
  | 'palliates'
  /** condition -> condition, the first is a more specific form of the second. */
  | 'is_a'
  /** condition -> condition, a chronic condition that raises the odds of an acute one. */
  | 'predisposes_to'
  /** observation -> condition, a measurement that is typically abnormal in the condition. */
  | 'abnormal_in'
  /**
   * condition -> antecedent, a patient with this (chronic) condition has this history item, e.g.
   * hypertension implies DDXPlus's "high blood pressure" antecedent. Lets a generator keep a
   * record's problem list and its answers to the history questions consistent.
   */
  | 'implies';

export interface Edge {
  source: string;
  type: EdgeType;
  target: string;
  /** Probability or weight where the edge type has one. */
  p?: number;
  /** `abnormal_in`: whether the measurement is typically above or below its normal range. */
  direction?: 'high' | 'low';
}

export interface SourceProvenance {
  /** Short name, e.g. "DDXPlus". */
  name: string;
  licence: string;
  /** Required attribution text (DDXPlus is CC-BY). */
  attribution: string;
  /** Input files with their sha256, relative to the `--from` folder. */
  files: { path: string; sha256: string }[];
  /** What was taken from this source. */
  used: string;
}

/**
 * Where a surface form added by the build came from: a rule applied to an ICD-10-CM description
 * (src/kg/build/icd10-forms.ts) or the curated abbreviation table (src/kg/lexicon/abbreviations.ts).
 * Curated names and synonyms are not listed: the lexicon files are their source.
 */
export interface SurfaceFormOrigin {
  /** The entity whose `linkOnly` holds the form. */
  entity: string;
  /** The form exactly as it appears on the entity. */
  form: string;
  source: 'icd10cm' | 'abbreviation';
  /** `icd10cm`: the dotted ICD-10-CM code whose description gave the form. */
  code?: string;
  /** `icd10cm`: that description as the code file writes it; `abbreviation`: what a clinician reads. */
  text: string;
}

export interface Provenance {
  builtBy: string;
  sources: SourceProvenance[];
  /** Decisions made by the build that are not in any source (e.g. how probabilities were set). */
  notes: string[];
  /** The source of every surface form the build added beyond the curated lexicon. */
  surfaceForms?: SurfaceFormOrigin[];
}

export interface KnowledgeGraphFile {
  formatVersion: number;
  name: string;
  provenance: Provenance;
  entities: Entity[];
  edges: Edge[];
  /**
   * Base rates for evidences a condition does not link to, so a generator can add unrelated noise
   * and a naive-Bayes reader can score an evidence that is present without a link.
   */
  background?: {
    /** P(finding present | condition without a `symptom_of` edge from it). */
    findingRate: number;
    /** P(antecedent present | condition without a `risk_factor_for` edge from it). */
    antecedentRate: number;
  };
  /** ICD-10-CM code -> description, for the codes the graph uses and their children. */
  icd10?: Record<string, string>;
}
