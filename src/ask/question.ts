/**
 * @file `parseQuestion`: reads an English question into a `ParsedQuestion` (intent, kind, time,
 * and the graph entity, drug class or literal phrase it is about), using the grammar of
 * src/ask/grammar.ts and the knowledge graph's names.
 *
 * Why a reader of its own: the record answerer and the graph answerer must never guess what was
 * asked; everything they need is decided here, once, and a question that cannot be read fully is
 * refused with a `UsageError` (code QUESTION_NOT_UNDERSTOOD) that quotes it and shows questions
 * that work, rather than answered about something else.
 *
 * Linking: the words asked about are looked up by name (graph.findByName: the graph's normaliser,
 * so case, plurals and hyphens do not matter) among the entity types that fit the intent, then
 * with the EntityLinker when a mention of such a type covers all the words but a few fillers
 * ("signs of", "severe"). Conditions: condition, finding or antecedent, and when none fits the
 * words are kept as `phrase` so notes can still be searched for them. Medications: a drug class
 * (src/ask/drug-classes.ts), a graph drug, or an ingredient of the class table the graph lacks.
 * Allergies: an allergen, a drug, a class or an ingredient. Observations: src/ask/observations.ts.
 * The model's prediction and the graph's condition questions need a condition; a history item
 * that a single condition implies (antecedent "asthma" <- condition "Childhood asthma") stands for it.
 *
 * Pure and synchronous: the same question and graph always give the same result.
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import { EntityLinker } from '../kg/link.js';
import { tokenize } from '../kg/normalize.js';
import type { Entity, EntityType } from '../kg/types.js';
import { UsageError, quote } from '../util/errors.js';
import { DRUG_CLASSES, resolveDrugClass, resolveIngredient } from './drug-classes.js';
import {
  COMPARISON_WORDS,
  GRAMMAR,
  type GrammarRule,
  type NormalizedQuestion,
  QUESTION_EXAMPLES,
  TIME_WORDS,
  normalizeQuestion,
} from './grammar.js';
import { EXTRA_OBSERVATIONS, findObservation } from './observations.js';
import {
  type Comparison,
  GRAPH_INTENTS,
  type GraphIntent,
  type Intent,
  type ParsedQuestion,
  type QuestionDrugClass,
  type QuestionEntity,
} from './types.js';

/** The error code of every question that cannot be read. */
export const QUESTION_NOT_UNDERSTOOD = 'QUESTION_NOT_UNDERSTOOD';

export interface ParseOptions {
  /** `ask --kg`: the question is about the knowledge graph, not a record. */
  kg?: boolean;
}

/** The words a capture holds: normalised (lower case) and as the question wrote them. */
interface Words {
  words: string;
  written: string;
}

/** Entity types that fit each intent's subject. */
const CONDITION_TYPES: readonly EntityType[] = ['condition', 'finding', 'antecedent'];

/** Words that may stand around a mention without changing what is asked ("signs of", "severe"). */
const FILLERS = new Set([
  'a',
  'an',
  'the',
  'any',
  'some',
  'of',
  'sign',
  'signs',
  'symptom',
  'symptoms',
  'evidence',
  'episode',
  'episodes',
  'diagnosis',
  'known',
  'new',
  'recent',
  'severe',
  'mild',
  'moderate',
  'ongoing',
  'persistent',
  'current',
  'active',
  'his',
  'her',
  'their',
  'patient',
]);

/** Articles and owners before the words asked about, and time words after them. */
const LEADING = /^(?:(?:a|an|the|any|some|his|her|their|(?:the )?(?:patient|pt)'?s)\s+|["'])/;
const TRAILING =
  /(?:\s+(?:now|currently|right now|at the moment|at present|today|before|previously|in the past|earlier|recently|ever|at all|again)|["'])$/;

/** Generic medication words: a list question, not a class. */
const GENERIC_MEDS = /^(?:(?:current |active )?(?:medications?|medicines?|meds|drugs?|prescriptions?|pills|tablets|medication list))$/;

/** Units as a question writes them -> as an observation writes them. */
const UNITS: Readonly<Record<string, string>> = {
  '%': '%',
  percent: '%',
  mmhg: 'mmHg',
  'mg/dl': 'mg/dL',
  'mmol/l': 'mmol/L',
  'kg/m2': 'kg/m2',
  kg: 'kg',
  cm: 'cm',
  bpm: '/min',
  c: 'Cel',
  '°c': 'Cel',
  f: '[degF]',
  '°f': '[degF]',
  '/min': '/min',
};

const linkers = new WeakMap<KnowledgeGraph, EntityLinker>();

function linkerFor(graph: KnowledgeGraph): EntityLinker {
  let linker = linkers.get(graph);
  if (!linker) {
    linker = new EntityLinker(graph);
    linkers.set(graph, linker);
  }
  return linker;
}

/** The examples a message shows, for the mode the user should use. */
function examplesFor(graph: boolean, count = 6): string {
  return (graph ? QUESTION_EXAMPLES.graph : QUESTION_EXAMPLES.record)
    .slice(0, count)
    .map((e) => quote(e))
    .join(', ');
}

function notUnderstood(detail: string, graphExamples: boolean): UsageError {
  const mode = graphExamples ? 'questions about the knowledge graph (with --kg)' : 'questions about a record';
  return new UsageError(`${detail}. Try ${mode} such as: ${examplesFor(graphExamples)}`, { code: QUESTION_NOT_UNDERSTOOD });
}

/** The capture `name` with articles and time words stripped, or undefined when absent or empty. */
function captured(q: NormalizedQuestion, question: string, match: RegExpExecArray, name: string): Words | undefined {
  const span = match.indices?.groups?.[name];
  if (!span) return undefined;
  let [start, end] = span;
  for (let changed = true; changed && start < end; ) {
    changed = false;
    const lead = LEADING.exec(q.text.slice(start, end));
    if (lead && lead[0].length < end - start) {
      start += lead[0].length;
      changed = true;
    }
    const trail = TRAILING.exec(q.text.slice(start, end));
    if (trail && trail[0].length < end - start) {
      end -= trail[0].length;
      changed = true;
    }
  }
  const words = q.text.slice(start, end).trim();
  if (!words) return undefined;
  const written = question.slice(q.at[start] as number, (q.at[end - 1] as number) + 1).trim();
  return { words, written };
}

/** The entity `words` name among `types` (in that order of preference), by name or by a covering mention. */
function findEntity(graph: KnowledgeGraph, words: string, types: readonly EntityType[]): Entity | undefined {
  const rank = (e: Entity): number => types.indexOf(e.type);
  const named = graph
    .findByName(words)
    .filter((e) => types.includes(e.type))
    .sort((a, b) => rank(a) - rank(b))[0];
  if (named) return named;
  const tokens = tokenize(words).filter((t) => t.kind === 'word');
  const mentions = linkerFor(graph)
    .link(words)
    .filter((m) => types.includes(m.type) && !m.negated)
    .sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  for (const m of mentions) {
    const rest = tokens.filter((t) => t.end <= m.start || t.start >= m.end);
    if (rest.every((t) => FILLERS.has(t.norm))) return graph.get(m.entityId);
  }
  return undefined;
}

/** A condition named by `words`, or the one condition that implies the history item or finding they name. */
function findCondition(graph: KnowledgeGraph, words: string): Entity | undefined {
  const direct = findEntity(graph, words, ['condition']);
  if (direct) return direct;
  const other = findEntity(graph, words, ['antecedent', 'finding']);
  if (!other) return undefined;
  const implying = graph
    .neighbours(other.id)
    .filter((n) => n.direction === 'in' && n.edge.type === 'implies' && n.entity.type === 'condition');
  return implying.length === 1 ? implying[0]?.entity : undefined;
}

function asEntity(entity: Entity, text: string): QuestionEntity {
  return { id: entity.id, name: entity.name, type: entity.type, text };
}

function withText(drugClass: QuestionDrugClass, text: string): QuestionDrugClass {
  return { ...drugClass, text };
}

function classNames(): string {
  return DRUG_CLASSES.map((c) => c.forms[0]).join(', ');
}

/** A drug class, a graph drug, or an ingredient of the class table. */
function findMedication(graph: KnowledgeGraph, thing: Words): Pick<ParsedQuestion, 'entity' | 'drugClass'> | undefined {
  const drugClass = resolveDrugClass(graph, thing.words);
  if (drugClass) return { drugClass: withText(drugClass, thing.written) };
  const drug = findEntity(graph, thing.words, ['drug']);
  if (drug) return { entity: asEntity(drug, thing.written) };
  const ingredient = resolveIngredient(graph, thing.words);
  if (ingredient) return { drugClass: withText(ingredient, thing.written) };
  return undefined;
}

function isGraphIntent(intent: Intent): intent is GraphIntent {
  return (GRAPH_INTENTS as readonly string[]).includes(intent);
}

/** The time the question asks about: a `when` capture's, else the rule's. */
function timeOf(rule: GrammarRule, match: RegExpExecArray): ParsedQuestion['time'] {
  const when = match.groups?.when?.trim();
  return (when && TIME_WORDS[when]) || rule.time;
}

function comparisonOf(match: RegExpExecArray, question: string, q: NormalizedQuestion): Comparison | undefined {
  const op = match.groups?.op;
  const value = match.groups?.value;
  if (op === undefined || value === undefined) return undefined;
  const comparison: Comparison = { op: COMPARISON_WORDS[op] ?? 'above', value: Number(value) };
  const span = match.indices?.groups?.unit;
  if (span) {
    const unit = q.text.slice(span[0], span[1]);
    comparison.unit = UNITS[unit] ?? question.slice(q.at[span[0]] as number, (q.at[span[1] - 1] as number) + 1);
  }
  return comparison;
}

/** The question's word for a lifestyle topic ("smoke", "tobacco"), as written, or the fallback. */
function topicWord(question: string, pattern: RegExp, fallback: string): string {
  return pattern.exec(question)?.[0] ?? fallback;
}

function observationNames(graph: KnowledgeGraph): string {
  return [...graph.ofType('observation'), ...EXTRA_OBSERVATIONS]
    .map((e) => e.name)
    .sort()
    .join(', ');
}

/**
 * Read a question. `options.kg`: the question is for the knowledge graph (`ask --kg`); a record
 * question is refused there, and a graph question without it. Throws a UsageError with code
 * QUESTION_NOT_UNDERSTOOD when no rule of the grammar reads the question or the thing it names is
 * not known (conditions excepted: their words are kept as `phrase`).
 */
export function parseQuestion(text: string, graph: KnowledgeGraph, options: ParseOptions = {}): ParsedQuestion {
  const kg = options.kg === true;
  const q = normalizeQuestion(text);
  if (q.text) {
    for (const rule of GRAMMAR) {
      for (const pattern of rule.patterns) {
        const match = pattern.exec(q.text);
        if (match) return readMatch(rule, match, text, q, graph, kg);
      }
    }
  }
  throw notUnderstood(`question not understood: ${quote(text)}`, kg);
}

function readMatch(
  rule: GrammarRule,
  match: RegExpExecArray,
  text: string,
  q: NormalizedQuestion,
  graph: KnowledgeGraph,
  kg: boolean,
): ParsedQuestion {
  const graphIntent = isGraphIntent(rule.intent);
  if (graphIntent && !kg) {
    throw notUnderstood(`${quote(text)} asks about the knowledge graph, not a record: ask it with --kg`, true);
  }
  if (!graphIntent && kg) {
    throw notUnderstood(`${quote(text)} asks about a record, not the knowledge graph: drop --kg and give the records to ask about`, false);
  }
  const base: ParsedQuestion = { text, intent: rule.intent, kind: rule.kind, time: timeOf(rule, match) };
  const thing = captured(q, text, match, 'thing');
  const unknown = (what: string, words: Words): UsageError =>
    notUnderstood(`${what} ${quote(words.written)} in ${quote(text)} is not known`, graphIntent);

  switch (rule.intent) {
    case 'conditions':
    case 'allergies':
      return base;
    case 'smoking': {
      const entity = graph.findByName('smoker').find((e) => e.type === 'antecedent');
      return entity ? { ...base, entity: asEntity(entity, topicWord(text, /smok\w*|tobacco|cigarettes?/i, 'smoking')) } : base;
    }
    case 'alcohol': {
      const entity = graph.findByName('alcohol abuse').find((e) => e.type === 'antecedent');
      return entity ? { ...base, entity: asEntity(entity, topicWord(text, /alcohol|etoh|drink\w*|drank|drunk/i, 'alcohol')) } : base;
    }
    case 'medications': {
      if (!thing || GENERIC_MEDS.test(thing.words)) return base;
      const drugClass = resolveDrugClass(graph, thing.words);
      if (drugClass) return { ...base, drugClass: withText(drugClass, thing.written) };
      throw notUnderstood(`no drug class ${quote(thing.written)} in ${quote(text)}; known classes: ${classNames()}`, false);
    }
    case 'medication': {
      if (!thing) break;
      if (GENERIC_MEDS.test(thing.words)) return { ...base, intent: 'medications', kind: 'values' };
      const found = findMedication(graph, thing);
      if (found) return { ...base, ...found };
      throw unknown('the drug or drug class', thing);
    }
    case 'allergy': {
      if (!thing) break;
      const entity = findEntity(graph, thing.words, ['allergen', 'drug']);
      if (entity) return { ...base, entity: asEntity(entity, thing.written) };
      const found = findMedication(graph, thing);
      if (found) return { ...base, ...found };
      throw unknown('the allergen', thing);
    }
    case 'observation': {
      if (!thing) break;
      const entity = findObservation(graph, thing.words) ?? findEntity(graph, thing.words, ['observation']);
      if (!entity) {
        throw notUnderstood(
          `the measurement ${quote(thing.written)} in ${quote(text)} is not known (known: ${observationNames(graph)})`,
          false,
        );
      }
      const comparison = comparisonOf(match, text, q);
      return { ...base, entity: asEntity(entity, thing.written), ...(comparison ? { comparison } : {}) };
    }
    case 'condition': {
      if (!thing) break;
      if (base.time !== 'family') {
        const drugClass = resolveDrugClass(graph, thing.words);
        if (drugClass) return { ...base, intent: 'medication', drugClass: withText(drugClass, thing.written) };
      }
      const entity = findEntity(graph, thing.words, CONDITION_TYPES);
      if (entity) return { ...base, entity: asEntity(entity, thing.written) };
      return { ...base, phrase: thing.written };
    }
    case 'prediction':
    case 'treats':
    case 'findings-of':
    case 'risk-factors-of': {
      if (!thing) break;
      const entity = findCondition(graph, thing.words);
      if (!entity) throw unknown('the condition', thing);
      const firstLine = rule.intent === 'treats' && match.groups?.firstline !== undefined;
      return { ...base, entity: asEntity(entity, thing.written), ...(firstLine ? { firstLine: true } : {}) };
    }
    case 'risk-factor-for': {
      if (!thing) break;
      const entity = findEntity(graph, thing.words, ['antecedent', 'condition']);
      if (!entity) throw unknown('the risk factor', thing);
      return { ...base, entity: asEntity(entity, thing.written) };
    }
    case 'uses-of': {
      if (!thing) break;
      const entity = findEntity(graph, thing.words, ['drug']);
      if (!entity) throw unknown('the drug', thing);
      return { ...base, entity: asEntity(entity, thing.written) };
    }
  }
  throw notUnderstood(`question not understood: ${quote(text)}`, graphIntent);
}
