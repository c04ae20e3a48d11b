import { beforeAll, describe, expect, it } from 'vitest';
import { GRAMMAR, QUESTION_EXAMPLES, normalizeQuestion } from '../../src/ask/grammar.js';
import { QUESTION_NOT_UNDERSTOOD, parseQuestion } from '../../src/ask/question.js';
import { GRAPH_INTENTS, type Intent, type ParsedQuestion, type QuestionTime, RECORD_INTENTS } from '../../src/ask/types.js';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { UsageError } from '../../src/util/errors.js';

let graph: KnowledgeGraph;

beforeAll(async () => {
  graph = await KnowledgeGraph.loadDefault();
});

const isGraph = (intent: Intent): boolean => (GRAPH_INTENTS as readonly string[]).includes(intent);

/** What a question should read as: intent, kind, time, and the entity id or drug class id (or neither). */
type Expected = [question: string, intent: Intent, kind: 'yes-no' | 'values', time: QuestionTime, about?: string];

const RECORD_CASES: Expected[] = [
  ['Does the patient have asthma?', 'condition', 'yes-no', 'now', 'antecedent:E_124'],
  ['Has the patient ever had a pulmonary embolism?', 'condition', 'yes-no', 'ever', 'condition:I26'],
  ['Did the patient have pneumonia before?', 'condition', 'yes-no', 'past', 'condition:J17'],
  ['Does the patient have a history of hypertension?', 'condition', 'yes-no', 'past', 'condition:I10'],
  ['Is there a family history of diabetes?', 'condition', 'yes-no', 'family', 'antecedent:E_69'],
  ['Any fever?', 'condition', 'yes-no', 'now', 'finding:E_91'],
  ['Does the patient report chest pain?', 'condition', 'yes-no', 'now', 'finding:E_53.chest'],
  ['Has the patient had pneumonia?', 'condition', 'yes-no', 'ever', 'condition:J17'],
  ['Is the patient pregnant?', 'condition', 'yes-no', 'now', 'antecedent:E_167'],
  ['Does the patient have severe chest pain?', 'condition', 'yes-no', 'now', 'finding:E_53.chest'],
  ['Does anyone in the family have asthma?', 'condition', 'yes-no', 'family', 'antecedent:E_124'],
  ['What conditions does the patient have?', 'conditions', 'values', 'now'],
  ['What conditions has the patient had?', 'conditions', 'values', 'ever'],
  ['Problem list?', 'conditions', 'values', 'now'],
  ['Is the patient on an anticoagulant?', 'medication', 'yes-no', 'now', 'anticoagulant'],
  ['Is the patient on blood thinners?', 'medication', 'yes-no', 'now', 'anticoagulant'],
  ['Any anticoagulants?', 'medication', 'yes-no', 'now', 'anticoagulant'],
  ['Is the patient taking warfarin?', 'medication', 'yes-no', 'now', 'ingredient:warfarin'],
  ['Has the patient ever taken amoxicillin?', 'medication', 'yes-no', 'ever', 'ingredient:amoxicillin'],
  ['Does the patient take metformin?', 'medication', 'yes-no', 'now', 'drug:DB00331'],
  ['Is the patient on aspirin?', 'medication', 'yes-no', 'now', 'drug:DB00945'],
  ['Was the patient on a statin before?', 'medication', 'yes-no', 'past', 'statin'],
  ['What medications is the patient on?', 'medications', 'values', 'now'],
  ['Is the patient on any medications?', 'medications', 'values', 'now'],
  ['What is the patient on?', 'medications', 'values', 'now'],
  ['Which antibiotics has the patient taken?', 'medications', 'values', 'ever', 'antibiotic'],
  ['Which statins is the patient taking?', 'medications', 'values', 'now', 'statin'],
  ['Is the patient allergic to penicillin?', 'allergy', 'yes-no', 'now', 'allergen:7984'],
  ['Penicillin allergy?', 'allergy', 'yes-no', 'now', 'allergen:7984'],
  ['Does the patient have an allergy to peanuts?', 'allergy', 'yes-no', 'now', 'allergen:762952008'],
  ['Is the patient allergic to amoxicillin?', 'allergy', 'yes-no', 'now', 'ingredient:amoxicillin'],
  ['What allergies does the patient have?', 'allergies', 'values', 'now'],
  ['Any allergies?', 'allergies', 'values', 'now'],
  ['Does the patient have any allergies?', 'allergies', 'values', 'now'],
  ['Latest HbA1c?', 'observation', 'values', 'latest', 'observation:4548-4'],
  ['Latest A1c?', 'observation', 'values', 'latest', 'observation:4548-4'],
  ['What is the latest blood pressure?', 'observation', 'values', 'latest', 'observation:8480-6'],
  ["What is the patient's BMI?", 'observation', 'values', 'latest', 'observation:39156-5'],
  ['What is the latest heart rate?', 'observation', 'values', 'latest', 'observation:8867-4'],
  ['Latest cholesterol?', 'observation', 'values', 'latest', 'observation:2093-3'],
  ['Latest weight?', 'observation', 'values', 'latest', 'observation:29463-7'],
  ['What is the trend of the BMI?', 'observation', 'values', 'trend', 'observation:39156-5'],
  ['Weight trend?', 'observation', 'values', 'trend', 'observation:29463-7'],
  ['Is the HbA1c above 7?', 'observation', 'yes-no', 'latest', 'observation:4548-4'],
  ['Is the systolic blood pressure over 140?', 'observation', 'yes-no', 'latest', 'observation:8480-6'],
  ['Has the HbA1c ever been above 9?', 'observation', 'yes-no', 'ever', 'observation:4548-4'],
  ['Does the patient smoke?', 'smoking', 'yes-no', 'now', 'antecedent:E_79'],
  ['Is the patient a smoker?', 'smoking', 'yes-no', 'now', 'antecedent:E_79'],
  ['Has the patient ever smoked?', 'smoking', 'yes-no', 'ever', 'antecedent:E_79'],
  ['Did the patient ever smoke?', 'smoking', 'yes-no', 'ever', 'antecedent:E_79'],
  ['Is the patient a former smoker?', 'smoking', 'yes-no', 'past', 'antecedent:E_79'],
  ['Does the patient drink alcohol?', 'alcohol', 'yes-no', 'now', 'antecedent:E_78'],
  ['Has the patient ever drunk alcohol?', 'alcohol', 'yes-no', 'ever', 'antecedent:E_78'],
  ['Why pneumonia?', 'prediction', 'yes-no', 'now', 'condition:J17'],
  ['Why does the model predict pneumonia?', 'prediction', 'yes-no', 'now', 'condition:J17'],
];

const GRAPH_CASES: Expected[] = [
  ['What treats pneumonia?', 'treats', 'values', 'any', 'condition:J17'],
  ['First-line drugs for pneumonia?', 'treats', 'values', 'any', 'condition:J17'],
  ['How is hypertension treated?', 'treats', 'values', 'any', 'condition:I10'],
  ['Which findings point to pericarditis?', 'findings-of', 'values', 'any', 'condition:I30'],
  // "asthma" is a history item; the one condition implying it stands for it.
  ['What are the symptoms of asthma?', 'findings-of', 'values', 'any', 'condition:J45.909'],
  ['What are the risk factors for pulmonary embolism?', 'risk-factors-of', 'values', 'any', 'condition:I26'],
  ['What is smoking a risk factor for?', 'risk-factor-for', 'values', 'any', 'antecedent:E_79'],
  ['What is metformin used for?', 'uses-of', 'values', 'any', 'drug:DB00331'],
  ['What does lisinopril treat?', 'uses-of', 'values', 'any', 'drug:DB00722'],
];

function about(p: ParsedQuestion): string | undefined {
  return p.entity?.id ?? p.drugClass?.id;
}

describe('parseQuestion: record questions', () => {
  it.each(RECORD_CASES)('%s', (question, intent, kind, time, id) => {
    const p = parseQuestion(question, graph);
    expect({ intent: p.intent, kind: p.kind, time: p.time, about: about(p) }).toEqual({ intent, kind, time, about: id });
    expect(p.text).toBe(question);
  });

  it('keeps the entity as the question wrote it', () => {
    expect(parseQuestion('Latest HbA1c?', graph).entity).toEqual({
      id: 'observation:4548-4',
      name: 'hemoglobin A1c',
      type: 'observation',
      text: 'HbA1c',
    });
    expect(parseQuestion('Has the patient ever had a Pulmonary Embolism?', graph).entity?.text).toBe('Pulmonary Embolism');
    expect(parseQuestion('Is the patient on an anticoagulant?', graph).drugClass?.text).toBe('anticoagulant');
  });

  it('gives a drug class its members and ingredients', () => {
    const p = parseQuestion('Is the patient on an anticoagulant?', graph);
    expect(p.drugClass?.name).toBe('anticoagulant');
    expect(p.drugClass?.ingredients).toContain('warfarin');
    const warfarin = graph.findByName('warfarin').find((e) => e.type === 'drug');
    if (warfarin) expect(p.drugClass?.members).toContain(warfarin.id);
    const statins = parseQuestion('Which statins is the patient taking?', graph).drugClass;
    expect(statins?.members).toContain('drug:DB01076');
  });

  it('reads comparisons with their value and unit', () => {
    expect(parseQuestion('Is the HbA1c above 7?', graph).comparison).toEqual({ op: 'above', value: 7 });
    expect(parseQuestion('Is the systolic blood pressure over 140?', graph).comparison).toEqual({ op: 'above', value: 140 });
    expect(parseQuestion('Is the HbA1c above 7%?', graph).comparison).toEqual({ op: 'above', value: 7, unit: '%' });
    expect(parseQuestion('Is the systolic blood pressure over 140 mmHg?', graph).comparison).toEqual({
      op: 'above',
      value: 140,
      unit: 'mmHg',
    });
    expect(parseQuestion('Is the BMI below 18.5?', graph).comparison).toEqual({ op: 'below', value: 18.5 });
    expect(parseQuestion('Is the heart rate less than 50 bpm?', graph).comparison).toEqual({ op: 'below', value: 50, unit: '/min' });
    expect(parseQuestion('Latest HbA1c?', graph).comparison).toBeUndefined();
  });

  it('keeps the words of a condition the graph does not know as a phrase', () => {
    const p = parseQuestion('Does the patient have rales?', graph);
    expect(p).toMatchObject({ intent: 'condition', kind: 'yes-no', time: 'now', phrase: 'rales' });
    expect(p.entity).toBeUndefined();
    expect(parseQuestion('Has the patient ever had a Baker cyst?', graph)).toMatchObject({ time: 'ever', phrase: 'Baker cyst' });
  });

  it('reads polite, spaced and oddly punctuated questions the same', () => {
    const plain = parseQuestion('Is the patient taking warfarin?', graph);
    const odd = parseQuestion('  Please, can you tell me: is the   patient taking Warfarin??', graph);
    expect({ ...odd, text: '', drugClass: { ...odd.drugClass, text: '' } }).toEqual({
      ...plain,
      text: '',
      drugClass: { ...plain.drugClass, text: '' },
    });
    expect(odd.drugClass?.text).toBe('Warfarin');
  });

  it('is deterministic', () => {
    for (const [q] of RECORD_CASES) expect(parseQuestion(q, graph)).toEqual(parseQuestion(q, graph));
  });
});

describe('parseQuestion: graph questions (--kg)', () => {
  it.each(GRAPH_CASES)('%s', (question, intent, kind, time, id) => {
    const p = parseQuestion(question, graph, { kg: true });
    expect({ intent: p.intent, kind: p.kind, time: p.time, about: about(p) }).toEqual({ intent, kind, time, about: id });
  });

  it('marks first-line questions as disease-modifying only', () => {
    expect(parseQuestion('First-line drugs for pneumonia?', graph, { kg: true }).firstLine).toBe(true);
    expect(parseQuestion('What treats pneumonia?', graph, { kg: true }).firstLine).toBeUndefined();
  });
});

describe('the grammar and its examples', () => {
  it('has rules and examples for every intent', () => {
    for (const intent of [...RECORD_INTENTS, ...GRAPH_INTENTS]) {
      const rules = GRAMMAR.filter((r) => r.intent === intent);
      expect(rules.length, intent).toBeGreaterThan(0);
      for (const r of rules) expect(r.examples.length, intent).toBeGreaterThanOrEqual(2);
    }
  });

  it('reads every rule example as its own rule (the rule order does not shadow it)', () => {
    for (const rule of GRAMMAR) {
      for (const example of rule.examples) {
        const p = parseQuestion(example, graph, { kg: isGraph(rule.intent) });
        expect({ intent: p.intent, kind: p.kind, time: p.time }, example).toEqual({
          intent: rule.intent,
          kind: rule.kind,
          time: rule.time,
        });
      }
    }
  });

  it('reads every example shown to users, in its mode', () => {
    for (const q of QUESTION_EXAMPLES.record) expect(isGraph(parseQuestion(q, graph).intent), q).toBe(false);
    for (const q of QUESTION_EXAMPLES.graph) expect(isGraph(parseQuestion(q, graph, { kg: true }).intent), q).toBe(true);
  });

  it('normalises a question keeping a map back to the original', () => {
    const original = '  Please, IS the   patient’s BMI above 30 ?! ';
    const n = normalizeQuestion(original);
    expect(n.text).toBe("is the patient's bmi above 30");
    expect(n.at).toHaveLength(n.text.length);
    expect(original[n.at[n.text.indexOf('bmi')] as number]).toBe('B');
  });
});

describe('parseQuestion: questions it cannot read', () => {
  function failure(question: string, kg = false): UsageError {
    try {
      parseQuestion(question, graph, { kg });
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return error as UsageError;
    }
    throw new Error(`expected ${JSON.stringify(question)} not to be understood`);
  }

  it('refuses a question no rule reads, quoting it and listing examples', () => {
    const e = failure('Tell me the meaning of life');
    expect(e.code).toBe(QUESTION_NOT_UNDERSTOOD);
    expect(e.message).toContain('"Tell me the meaning of life"');
    const shown = QUESTION_EXAMPLES.record.filter((q) => e.message.includes(`"${q}"`));
    expect(shown.length).toBeGreaterThanOrEqual(3);
    expect(failure('').code).toBe(QUESTION_NOT_UNDERSTOOD);
    expect(failure('???').code).toBe(QUESTION_NOT_UNDERSTOOD);
  });

  it('refuses an unknown drug, allergen, measurement or condition of a graph question, quoting the words', () => {
    for (const [question, words, kg] of [
      ['Is the patient on foozumab?', 'foozumab', false],
      ['Is the patient allergic to foozle?', 'foozle', false],
      ['What is the latest zorb level?', 'zorb', false],
      ['Which vaccines has the patient received?', 'vaccines', false],
      ['Why flibbertigibbet?', 'flibbertigibbet', false],
      ['What treats flibbertigibbet?', 'flibbertigibbet', true],
      ['What is foozumab used for?', 'foozumab', true],
    ] as const) {
      const e = failure(question, kg);
      expect(e.code, question).toBe(QUESTION_NOT_UNDERSTOOD);
      expect(e.message, question).toContain(`"${words}"`);
      const examples = kg ? QUESTION_EXAMPLES.graph : QUESTION_EXAMPLES.record;
      expect(
        examples.some((q) => e.message.includes(q)),
        question,
      ).toBe(true);
    }
  });

  it('lists the known measurements and drug classes when one is not known', () => {
    expect(failure('What is the latest zorb level?').message).toContain('hemoglobin A1c');
    expect(failure('Which vaccines has the patient received?').message).toContain('anticoagulant');
  });

  it('tells a graph question asked of records to use --kg', () => {
    const e = failure('What treats pneumonia?');
    expect(e.code).toBe(QUESTION_NOT_UNDERSTOOD);
    expect(e.message).toContain('--kg');
    expect(e.message).toContain('"What treats pneumonia?"');
    expect(QUESTION_EXAMPLES.graph.some((q) => e.message.includes(q))).toBe(true);
  });

  it('tells a record question asked with --kg to drop it', () => {
    const e = failure('Does the patient have asthma?', true);
    expect(e.code).toBe(QUESTION_NOT_UNDERSTOOD);
    expect(e.message).toContain('drop --kg');
    expect(QUESTION_EXAMPLES.record.some((q) => e.message.includes(q))).toBe(true);
  });
});
