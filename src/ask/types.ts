/**
 * @file The shapes `clinicalbert ask` passes between its stages and writes: a parsed question
 * (src/ask/question.ts reads it from English), the evidence found for it in a record or in the
 * knowledge graph, and the answer line (`schema/answer.schema.json`, version ANSWER_SCHEMA_VERSION).
 *
 * Why one file: the question reader, the record answerer, the graph answerer, the evaluation and
 * the CLI are written apart and meet only here, so the contract between them stays visible.
 *
 * Every answer cites its evidence: an answer other than `unknown` without at least one evidence
 * item is a bug (the answerers never build one; the schema requires `minItems: 1` there).
 */
import type { Coding, EntityType } from '../kg/types.js';

export const ANSWER_SCHEMA_VERSION = '1.1';

/**
 * What a question asks about. Record intents are answered from a record (coded facts first, then
 * notes); graph intents (`treats`, `findings-of`, `risk-factors-of`, `risk-factor-for`) from the
 * knowledge graph alone (`ask --kg`).
 */
export const RECORD_INTENTS = [
  /** Is a condition, finding or symptom present? ("Does the patient have asthma?") */
  'condition',
  /** Which conditions does the record hold? ("What conditions does the patient have?") */
  'conditions',
  /** Is the patient on a drug or a drug class? ("Is the patient on an anticoagulant?") */
  'medication',
  /** Which drugs? ("What medications is the patient on?", "Which antibiotics has the patient taken?") */
  'medications',
  /** Allergic to X? ("Is the patient allergic to penicillin?") */
  'allergy',
  /** Which allergies? ("What allergies does the patient have?") */
  'allergies',
  /** A vital sign or lab: latest, trend, above / below a value ("Latest HbA1c?", "Is the BMI above 30?"). */
  'observation',
  /** Does the patient smoke? (now / ever) */
  'smoking',
  /** Does the patient drink alcohol? */
  'alcohol',
  /** The model's own prediction and why ("Why pneumonia?"): the explanation's evidence, cited. */
  'prediction',
] as const;
export type RecordIntent = (typeof RECORD_INTENTS)[number];

export const GRAPH_INTENTS = [
  /** What treats X? First-line (disease-modifying) drugs for X? (drug -treats/palliates-> condition) */
  'treats',
  /** Which findings point to X? (finding -symptom_of-> condition, by P(finding | X)) */
  'findings-of',
  /** What are the risk factors for X? (antecedent/condition -risk_factor_for/predisposes_to-> X) */
  'risk-factors-of',
  /** What is X a risk factor for? (X -risk_factor_for/predisposes_to-> condition) */
  'risk-factor-for',
  /** What is drug X used for? (X -treats/palliates-> condition) */
  'uses-of',
] as const;
export type GraphIntent = (typeof GRAPH_INTENTS)[number];

export type Intent = RecordIntent | GraphIntent;

/**
 * When the question is about:
 * - `now`: current ("Does the patient have …?", "Is the patient on …?");
 * - `ever`: now or before ("Has the patient ever had …?", "Ever smoked?");
 * - `past`: before, not now ("Did the patient have … before?", "history of …");
 * - `family`: a family member ("Is there a family history of …?");
 * - `latest`: the most recent value (observations);
 * - `trend`: the values over time, oldest first (observations);
 * - `any`: no time asked (graph questions, lists).
 */
export const TIMES = ['now', 'ever', 'past', 'family', 'latest', 'trend', 'any'] as const;
export type QuestionTime = (typeof TIMES)[number];

/** A knowledge-graph entity the question names. */
export interface QuestionEntity {
  id: string;
  name: string;
  type: EntityType;
  /** The words of the question that named it, as written. */
  text: string;
}

/** A drug class the question names ("anticoagulant"): members are graph drug entities. */
export interface QuestionDrugClass {
  /** Stable key, e.g. `anticoagulant`. */
  id: string;
  name: string;
  /** Graph drug entity ids in the class (src/ask/drug-classes.ts). */
  members: string[];
  /** Ingredient names that identify a member in a medication's text when no code links it. */
  ingredients: string[];
  text: string;
}

export interface Comparison {
  op: 'above' | 'below';
  value: number;
  /** As written in the question (e.g. `%`, `mmHg`); absent: the observation's own unit. */
  unit?: string;
}

export interface ParsedQuestion {
  /** The question as given. */
  text: string;
  intent: Intent;
  /** `yes-no` (answer is yes / no / unknown) or `values` (answer is a list). */
  kind: 'yes-no' | 'values';
  time: QuestionTime;
  /** The entity asked about, when the graph has it. */
  entity?: QuestionEntity;
  /** The drug class asked about (medication intents). */
  drugClass?: QuestionDrugClass;
  /**
   * The words asked about when no graph entity matched them ("rales"): searched in notes as a
   * phrase (same normaliser and stemming as the linker). Set for condition questions only.
   */
  phrase?: string;
  /** "above 7", "over 140", "below 90" (observation questions). */
  comparison?: Comparison;
  /**
   * `treats` questions that ask for first-line / disease-modifying drugs only ("First-line drugs
   * for pneumonia?"): `treats` edges, not `palliates`. Absent: both.
   */
  firstLine?: boolean;
}

/** How a note states a mention (ConText): affirmed now, negated, historical, about family, or hypothetical. */
export const ASSERTIONS = ['affirmed', 'negated', 'historical', 'family', 'hypothetical'] as const;
export type Assertion = (typeof ASSERTIONS)[number];

/** Where a piece of evidence sits in a note: offsets are UTF-16 code units into `NoteText.text`. */
export interface NoteCitation {
  /** The mention, [start, end) into the note's text. */
  start: number;
  end: number;
  /** The mention as written (note.text.slice(start, end)). */
  text: string;
  /** The sentence that holds the mention, and where it starts in the note. */
  sentence: string;
  sentenceStart: number;
  /** The note's section heading kind when under one (src/kg/sections.ts). */
  section?: string;
}

export interface Evidence {
  /** `coded`: a FHIR resource's codes or value; `note`: a note's text; `model`: the model's prediction; `graph`: a knowledge-graph edge. */
  from: 'coded' | 'note' | 'model' | 'graph';
  /** FHIR resource type and id (`Condition`, `abc`), the note's resource for notes; absent for graph edges. */
  resourceType?: string;
  resourceId?: string;
  /** Part of the resource the text came from (`conclusion`, `presentedForm`), when the resource has several. */
  part?: string;
  /** How the evidence states the fact. */
  assertion: Assertion;
  /** What this item says for the question: `yes`, `no`, or a `value` (lists, observations). */
  supports: 'yes' | 'no' | 'value';
  /** What it is, for people ("Warfarin Sodium 5 MG Oral Tablet", "Hemoglobin A1c"). */
  display: string;
  /** The graph entity it links to, when one. */
  entityId?: string;
  code?: Coding;
  /** Coded status as the source gives it (`active`, `resolved`, `stopped`). */
  status?: string;
  /** When, as written in the source. */
  time?: string;
  /** Observation value and unit. */
  value?: number | string;
  unit?: string;
  /** Note citations: where in the note, with its sentence. */
  note?: NoteCitation;
  /** Graph evidence: the edge and the source named in kg.json's provenance. */
  edge?: { source: string; type: string; target: string; p?: number; provenance: string };
  /** Model evidence: the score of the prediction. */
  score?: number;
  /** Note evidence read by the learnt reader (`ask --reader learnt|agree`): its class and probability. */
  reader?: { assertion: Assertion; probability: number };
}

/** One value of a `values` answer, citing evidence items by index. */
export interface AnswerValue {
  display: string;
  entityId?: string;
  code?: Coding;
  value?: number | string;
  unit?: string;
  time?: string;
  /** Indices into the line's `evidence`. */
  evidence: number[];
}

export type Answer = 'yes' | 'no' | 'unknown' | AnswerValue[];

/** What answering one record (or the graph) gives, before it becomes a line. */
export interface AnswerResult {
  answer: Answer;
  /** 0–1: how far to trust the answer (src/ask/confidence.ts says how it is set); 0 for unknown. */
  confidence: number;
  /** Where the answer came from: coded facts, notes, the model, the graph, or nothing. */
  answeredFrom: 'coded' | 'notes' | 'model' | 'graph' | 'none';
  /** Trend questions: the direction of the values over time. */
  trend?: 'rising' | 'falling' | 'stable';
  evidence: Evidence[];
  /** Why an answer could not be given although evidence was found (e.g. a unit the value is not in). */
  warnings?: string[];
}

/** The published line (schema/answer.schema.json). */
export interface AnswerLine {
  schemaVersion: string;
  /** Record id; absent for `ask --kg`. */
  id?: string;
  patient?: string;
  encounter?: string;
  source?: { file: string; line?: number; entry?: number };
  question: {
    text: string;
    intent: Intent;
    kind: 'yes-no' | 'values';
    time: QuestionTime;
    entity?: { id: string; name: string; type: EntityType };
    drugClass?: { id: string; name: string };
    phrase?: string;
    firstLine?: boolean;
    comparison?: Comparison;
  };
  answer: Answer;
  confidence: number;
  answeredFrom: AnswerResult['answeredFrom'];
  trend?: AnswerResult['trend'];
  evidence: Evidence[];
  warnings: string[];
}
