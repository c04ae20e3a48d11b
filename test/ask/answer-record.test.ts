/**
 * Answering parsed questions from hand-built records with the committed graph: every record
 * intent, each time (now, ever, past, family, latest, trend), classes, comparisons, coded facts
 * hidden, unknown; citations checked against the note's characters. And one Synthea bundle of the
 * shared corpus, when it is there.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerRecord } from '../../src/ask/answer-record.js';
import { CONFIDENCE } from '../../src/ask/confidence.js';
import { trendOf } from '../../src/ask/record-observations.js';
import type { AnswerResult, AnswerValue, ParsedQuestion, QuestionTime } from '../../src/ask/types.js';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EntityLinker } from '../../src/kg/link.js';
import { SYSTEMS } from '../../src/kg/types.js';
import { readRecords } from '../../src/records/read.js';
import type { ClinicalRecord, CodedFact, NoteText } from '../../src/records/types.js';
import { UsageError } from '../../src/util/errors.js';
import { CORPUS_NOTE, collect, HAS_CORPUS, NOTES_BUNDLES } from '../io/corpus.js';

const graph = await KnowledgeGraph.loadDefault();
const linker = new EntityLinker(graph);

const record = (facts: CodedFact[] = [], notes: NoteText[] = []): ClinicalRecord => ({
  id: 'p1',
  patient: 'Patient/p1',
  source: { file: 'test.json' },
  demographics: {},
  notes,
  media: [],
  facts,
  warnings: [],
});

const note = (text: string, time = '2021-01-01T00:00:00Z', resource = 'DocumentReference/n1'): NoteText => ({
  text,
  resource,
  contentType: 'text/plain',
  time,
});

function q(intent: ParsedQuestion['intent'], time: QuestionTime, more: Partial<ParsedQuestion> = {}): ParsedQuestion {
  const kind = intent === 'conditions' || intent === 'medications' || intent === 'allergies' ? 'values' : 'yes-no';
  return { text: `${intent}?`, intent, kind, time, ...more };
}

function entity(id: string): ParsedQuestion['entity'] {
  const e = graph.get(id);
  if (!e) throw new Error(`no ${id} in the graph`);
  return { id: e.id, name: e.name, type: e.type, text: e.name };
}

/** Every answer cites; every note citation points at its characters and its sentence. */
function checked(r: ClinicalRecord, question: ParsedQuestion, options: { notes?: boolean; coded?: boolean } = {}): AnswerResult {
  const answer = answerRecord(r, question, { graph, linker }, options);
  if (answer.answer !== 'unknown') expect(answer.evidence.length).toBeGreaterThan(0);
  else expect(answer.confidence).toBe(0);
  for (const e of answer.evidence) {
    if (e.from !== 'note') continue;
    const n = r.notes.find((x) => x.resource === `${e.resourceType}/${e.resourceId}${e.part ? `.${e.part}` : ''}`);
    expect(n).toBeDefined();
    const c = e.note;
    if (!n || !c) throw new Error('note evidence without its note');
    expect(n.text.slice(c.start, c.end)).toBe(c.text);
    expect(n.text.slice(c.sentenceStart, c.sentenceStart + c.sentence.length)).toBe(c.sentence);
    expect(c.sentence).toContain(c.text);
  }
  if (Array.isArray(answer.answer)) {
    for (const v of answer.answer) for (const i of v.evidence) expect(answer.evidence[i]).toBeDefined();
  }
  return answer;
}

const displays = (a: AnswerResult): string[] => (a.answer as AnswerValue[]).map((v) => v.display);

const HTN: CodedFact = {
  kind: 'condition',
  codings: [{ system: SYSTEMS.snomed, code: '59621000', display: 'Essential hypertension' }],
  status: 'active',
  time: '2015-03-01',
  resource: 'Condition/htn',
};
const PNEUMONIA: CodedFact = {
  kind: 'condition',
  codings: [{ system: SYSTEMS.snomed, code: '233604007', display: 'Pneumonia' }],
  status: 'resolved',
  time: '2019-02-01',
  resource: 'Condition/pna',
};

describe('condition', () => {
  it('answers from an active coded condition, now and ever', () => {
    const r = record([HTN]);
    const now = checked(r, q('condition', 'now', { entity: entity('condition:I10') }));
    expect(now).toMatchObject({ answer: 'yes', answeredFrom: 'coded', confidence: CONFIDENCE.codedCurrent });
    expect(now.evidence[0]).toMatchObject({
      from: 'coded',
      resourceType: 'Condition',
      resourceId: 'htn',
      supports: 'yes',
      status: 'active',
    });
    expect(checked(r, q('condition', 'ever', { entity: entity('condition:I10') })).answer).toBe('yes');
  });

  it('reads a resolved condition as yes ever / past, and no now when the notes say nothing', () => {
    const r = record([PNEUMONIA]);
    const pna = { entity: entity('condition:J17') };
    expect(checked(r, q('condition', 'ever', pna))).toMatchObject({ answer: 'yes', confidence: CONFIDENCE.codedHistory });
    expect(checked(r, q('condition', 'past', pna)).answer).toBe('yes');
    expect(checked(r, q('condition', 'now', pna))).toMatchObject({ answer: 'no', confidence: CONFIDENCE.codedNoLonger });
    expect(checked(r, q('condition', 'now', pna), { coded: false }).answer).toBe('unknown');
  });

  it('reads notes when coded data is hidden: affirmed yes, negated no, with citations', () => {
    const fever = { entity: entity('finding:E_91') };
    const text = 'Chief complaint: cough.\nPatient reports fever and cough since Monday.';
    const yes = checked(record([], [note(text)]), q('condition', 'now', fever), { coded: false });
    expect(yes).toMatchObject({ answer: 'yes', answeredFrom: 'notes', confidence: CONFIDENCE.noteAffirmed });
    expect(yes.evidence[0]?.note).toMatchObject({ text: 'fever', sentence: 'Patient reports fever and cough since Monday.' });
    expect(yes.evidence[0]?.note?.start).toBe(text.indexOf('fever'));
    const no = checked(record([], [note('Denies fever or chills.')]), q('condition', 'now', fever));
    expect(no).toMatchObject({ answer: 'no', confidence: CONFIDENCE.noteNegated });
    expect(no.evidence[0]?.assertion).toBe('negated');
  });

  it('lets the most recent note win a conflict, with lower confidence', () => {
    const r = record(
      [],
      [
        note('Fever to 39.', '2021-01-01', 'DocumentReference/old'),
        note('No fever today.', '2021-02-01', 'DiagnosticReport/new.conclusion'),
      ],
    );
    const a = checked(r, q('condition', 'now', { entity: entity('finding:E_91') }));
    expect(a.answer).toBe('no');
    expect(a.confidence).toBeLessThan(CONFIDENCE.noteNegated);
    expect(a.evidence.map((e) => e.supports)).toEqual(['no', 'yes']);
    expect(a.evidence[0]).toMatchObject({ resourceType: 'DiagnosticReport', resourceId: 'new', part: 'conclusion' });
    // ever: any note that affirms it answers yes
    expect(checked(r, q('condition', 'ever', { entity: entity('finding:E_91') })).answer).toBe('yes');
  });

  it('never answers from a hypothetical mention', () => {
    const r = record([], [note('Return to the ED if fever develops.')]);
    expect(checked(r, q('condition', 'now', { entity: entity('finding:E_91') })).answer).toBe('unknown');
    expect(checked(r, q('condition', 'ever', { entity: entity('finding:E_91') })).answer).toBe('unknown');
  });

  it('keeps a chronic condition in history present now, an acute one only ever / past', () => {
    const r = record([], [note('History of hypertension and pneumonia.')]);
    expect(checked(r, q('condition', 'now', { entity: entity('condition:I10') }))).toMatchObject({
      answer: 'yes',
      confidence: CONFIDENCE.noteHistorical,
    });
    expect(checked(r, q('condition', 'now', { entity: entity('condition:J17') })).answer).toBe('unknown');
    expect(checked(r, q('condition', 'past', { entity: entity('condition:J17') })).answer).toBe('yes');
  });

  it('answers "before" from history, not from a mention in the present (unless the condition is chronic)', () => {
    const now = record([], [note('Presents with pneumonia. Hypertension.')]);
    expect(checked(now, q('condition', 'past', { entity: entity('condition:J17') })).answer).toBe('unknown');
    expect(checked(now, q('condition', 'past', { entity: entity('condition:I10') })).answer).toBe('yes');
    expect(checked(record([], [note('Denies pneumonia.')]), q('condition', 'past', { entity: entity('condition:J17') })).answer).toBe('no');
  });

  it("reads a finding in an allergy list as a reaction, not the patient's state", () => {
    const r = record([], [note('ALLERGIES: tree pollen (swelling).')]);
    expect(checked(r, q('condition', 'now', { entity: entity('finding:E_151') })).answer).toBe('unknown');
  });

  it('does not take a chronic condition for an acute one it is_a in the graph', () => {
    const r = record([], [note('Past history: childhood asthma.')]);
    expect(checked(r, q('condition', 'now', { entity: entity('condition:J45') })).answer).toBe('unknown');
  });

  it("reads an old note's present tense as the past for a condition that is not chronic", () => {
    const old = note('Patient is presenting with pneumonia.', '2019-01-01T00:00:00Z', 'DocumentReference/old');
    const latest = note('Follow-up visit. Feels well.', '2021-01-01T00:00:00Z', 'DocumentReference/new');
    const r = { ...record([], [old, latest]), time: '2021-01-01T00:00:00Z' };
    expect(checked(r, q('condition', 'now', { entity: entity('condition:J17') })).answer).toBe('unknown');
    expect(checked(r, q('condition', 'ever', { entity: entity('condition:J17') })).answer).toBe('yes');
    expect(checked(r, q('condition', 'past', { entity: entity('condition:J17') })).answer).toBe('yes');
  });

  it("reads an old note's present tense as today for a condition that lasts (src/ask/persistence.ts)", () => {
    const old = note('Patient is presenting with atrial fibrillation.', '2019-01-01T00:00:00Z', 'DocumentReference/old');
    const latest = note('Follow-up visit. Feels well.', '2021-01-01T00:00:00Z', 'DocumentReference/new');
    const r = { ...record([], [old, latest]), time: '2021-01-01T00:00:00Z' };
    const now = checked(r, q('condition', 'now', { entity: entity('condition:I48.91') }));
    expect(now).toMatchObject({ answer: 'yes', answeredFrom: 'notes' });
    expect(now.evidence[0]).toMatchObject({ resourceId: 'old', assertion: 'affirmed' });
  });

  it('answers family questions from family mentions only', () => {
    const r = record([HTN], [note('Mother has hypertension.')]);
    const fam = checked(r, q('condition', 'family', { entity: entity('condition:I10') }));
    expect(fam).toMatchObject({ answer: 'yes', answeredFrom: 'notes' });
    expect(fam.evidence[0]?.assertion).toBe('family');
    expect(checked(record([], [note('Mother has hypertension.')]), q('condition', 'now', { entity: entity('condition:I10') })).answer).toBe(
      'unknown',
    );
    expect(
      checked(record([], [note('No family history of hypertension.')]), q('condition', 'family', { entity: entity('condition:I10') }))
        .answer,
    ).toBe('no');
  });

  it('searches a phrase no entity holds', () => {
    const r = record([], [note('Lungs: rales at both bases.')]);
    const a = checked(r, q('condition', 'now', { phrase: 'rales' }));
    expect(a.answer).toBe('yes');
    expect(a.evidence[0]?.note?.text).toBe('rales');
  });

  it('lists current coded conditions and affirmed note conditions not coded', () => {
    const r = record([HTN, PNEUMONIA], [note('Assessment: community acquired pneumonia.')]);
    const now = checked(r, q('conditions', 'now'), {});
    expect(displays(now)).toEqual(['Essential hypertension', 'Pneumonia']);
    const ever = checked(r, q('conditions', 'ever'), { notes: false });
    expect(displays(ever)).toEqual(['Pneumonia', 'Essential hypertension']);
    expect(checked(r, q('conditions', 'now'), { coded: false }).answer).toEqual([
      expect.objectContaining({ display: 'Pneumonia', entityId: 'condition:J17' }),
    ]);
  });
});

const LISINOPRIL: CodedFact = {
  kind: 'medication',
  codings: [{ system: SYSTEMS.rxnorm, code: '314076', display: 'lisinopril 10 MG Oral Tablet' }],
  status: 'active',
  time: '2020-01-01',
  resource: 'MedicationRequest/m1',
};
const WARFARIN: CodedFact = {
  kind: 'medication',
  codings: [{ system: SYSTEMS.rxnorm, code: '855332', display: 'Warfarin Sodium 5 MG Oral Tablet' }],
  status: 'stopped',
  time: '2019-01-01',
  resource: 'MedicationRequest/m2',
};
const ANTICOAGULANT = {
  id: 'anticoagulant',
  name: 'anticoagulant',
  members: [],
  ingredients: ['warfarin', 'apixaban'],
  text: 'anticoagulant',
};

describe('medication', () => {
  it("reads a drug the newest note's medication list leaves out as not taken now, citing the list", () => {
    const older = note('MEDICATIONS: warfarin 5 mg daily.', '2019-01-01T00:00:00Z', 'DocumentReference/old');
    const newest = note('MEDICATIONS: lisinopril 10 mg daily.', '2021-01-01T00:00:00Z', 'DocumentReference/new');
    const a = checked(record([], [newest]), q('medication', 'now', { drugClass: ANTICOAGULANT }));
    expect(a).toMatchObject({ answer: 'no', answeredFrom: 'notes', confidence: CONFIDENCE.noteListAbsent });
    expect(a.evidence[0]?.note?.text.toLowerCase()).toBe('lisinopril');
    // a list in an older note only is not the present one; a drug an older note names is no "no"
    expect(checked(record([], [older]), q('medication', 'now', { entity: entity('drug:DB00722') })).answer).toBe('unknown');
    expect(checked(record([], [older, newest]), q('medication', 'ever', { drugClass: ANTICOAGULANT })).answer).toBe('yes');
  });

  it('answers a drug from its coded request, now and ever', () => {
    const r = record([LISINOPRIL, WARFARIN]);
    expect(checked(r, q('medication', 'now', { entity: entity('drug:DB00722') }))).toMatchObject({ answer: 'yes', answeredFrom: 'coded' });
  });

  it('answers a class through ingredient names: a stopped drug is ever yes, now no', () => {
    const r = record([LISINOPRIL, WARFARIN]);
    const ever = checked(r, q('medication', 'ever', { drugClass: ANTICOAGULANT }));
    expect(ever).toMatchObject({ answer: 'yes', answeredFrom: 'coded' });
    expect(ever.evidence[0]).toMatchObject({ resourceId: 'm2', status: 'stopped', display: 'Warfarin Sodium 5 MG Oral Tablet' });
    expect(checked(r, q('medication', 'now', { drugClass: ANTICOAGULANT })).answer).toBe('no');
    expect(displays(checked(r, q('medications', 'ever', { drugClass: ANTICOAGULANT })))).toEqual(['Warfarin Sodium 5 MG Oral Tablet']);
    expect(displays(checked(r, q('medications', 'now')))).toEqual(['lisinopril 10 MG Oral Tablet']);
  });

  it('reads a note medication list when coded data is hidden', () => {
    const text = '# Medications\nlisinopril 10 mg oral tablet; warfarin sodium 5 mg oral tablet\n\n# Plan\nFollow up.';
    const r = record([LISINOPRIL], [note(text)]);
    const a = checked(r, q('medication', 'now', { drugClass: ANTICOAGULANT }), { coded: false });
    expect(a).toMatchObject({ answer: 'yes', answeredFrom: 'notes' });
    expect(a.evidence[0]?.note).toMatchObject({ text: 'warfarin', sentence: 'warfarin sodium 5 mg oral tablet', section: 'medications' });
    const list = checked(r, q('medications', 'now'), { coded: false });
    expect(displays(list)).toContain('Lisinopril');
    const none = checked(record([], [note('# Medications\nNo Active Medications.')]), q('medications', 'now'));
    expect(none).toMatchObject({ answer: [], answeredFrom: 'notes' });
    expect(none.evidence[0]?.note?.text).toBe('No Active Medications');
  });
});

describe('allergy', () => {
  const PCN: CodedFact = {
    kind: 'allergy',
    codings: [{ system: SYSTEMS.rxnorm, code: '7984', display: 'Penicillin V' }],
    status: 'active',
    resource: 'AllergyIntolerance/a1',
  };
  it('answers from coded allergies, and lists them', () => {
    const r = record([PCN]);
    expect(checked(r, q('allergy', 'now', { entity: entity('allergen:7984') }))).toMatchObject({ answer: 'yes', answeredFrom: 'coded' });
    expect(displays(checked(r, q('allergies', 'any')))).toEqual(['Penicillin V']);
  });

  it('reads allergy lists and "No Known Allergies" in notes', () => {
    const listed = record([], [note('# Allergies\npenicillin v, peanut (substance)\n\n# Plan\nRest.')]);
    expect(checked(listed, q('allergy', 'now', { entity: entity('allergen:7984') })).answer).toBe('yes');
    expect(displays(checked(listed, q('allergies', 'any'))).sort()).toEqual(['peanuts', 'penicillin']);
    const nka = record([], [note('# Allergies\nNo Known Allergies.')]);
    const list = checked(nka, q('allergies', 'any'));
    expect(list).toMatchObject({ answer: [], confidence: CONFIDENCE.noteNone });
    expect(list.evidence[0]?.note?.text).toBe('No Known Allergies');
    expect(checked(nka, q('allergy', 'now', { entity: entity('allergen:7984') })).answer).toBe('no');
    expect(checked(record(), q('allergies', 'any')).answer).toBe('unknown');
  });
});

const a1c = (value: number, time: string, id: string): CodedFact => ({
  kind: 'observation',
  codings: [{ system: SYSTEMS.loinc, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }],
  value,
  unit: '%',
  status: 'final',
  time,
  resource: `Observation/${id}`,
});

describe('observation', () => {
  const r = record([a1c(6.5, '2020-01-01', 'b'), a1c(7.2, '2021-01-01', 'c'), a1c(6.0, '2019-01-01', 'a')]);
  const hba1c = { entity: entity('observation:4548-4') };

  it('gives the latest value, the values oldest first with their trend, and comparisons', () => {
    const latest = checked(r, q('observation', 'latest', { ...hba1c, kind: 'values' }));
    expect(latest.answer).toEqual([expect.objectContaining({ value: 7.2, unit: '%', time: '2021-01-01', evidence: [0] })]);
    expect(latest.evidence[0]).toMatchObject({ resourceId: 'c', value: 7.2 });
    const trend = checked(r, q('observation', 'trend', { ...hba1c, kind: 'values' }));
    expect((trend.answer as AnswerValue[]).map((v) => v.value)).toEqual([6.0, 6.5, 7.2]);
    expect(trend.trend).toBe('rising');
    expect(checked(r, q('observation', 'latest', { ...hba1c, comparison: { op: 'above', value: 7 } })).answer).toBe('yes');
    expect(checked(r, q('observation', 'latest', { ...hba1c, comparison: { op: 'below', value: 7, unit: '%' } })).answer).toBe('no');
    const other = checked(r, q('observation', 'latest', { ...hba1c, comparison: { op: 'above', value: 53, unit: 'mmol/mol' } }));
    expect(other.answer).toBe('unknown');
    expect(other.warnings?.[0]).toContain('mmol/mol');
  });

  it('states the trend rule: last against first, 5 % of the first', () => {
    expect(trendOf([100, 104])).toBe('stable');
    expect(trendOf([100, 106])).toBe('rising');
    expect(trendOf([100, 90, 94])).toBe('falling');
    expect(trendOf([5])).toBeUndefined();
  });

  it('reads blood pressure panel components, and pairs them for a blood pressure question', () => {
    const bp = (code: string, value: number): CodedFact => ({
      kind: 'observation',
      codings: [{ system: SYSTEMS.loinc, code }],
      value,
      unit: 'mm[Hg]',
      time: '2021-05-01',
      resource: 'Observation/bp1',
    });
    const rb = record([bp('8480-6', 142), bp('8462-4', 90)]);
    expect(checked(rb, q('observation', 'latest', { entity: entity('observation:8480-6'), kind: 'values' })).answer).toEqual([
      expect.objectContaining({ value: 142 }),
    ]);
    const both = checked(rb, { ...q('observation', 'latest'), kind: 'values', text: 'What is the latest blood pressure?' });
    expect(both.answer).toEqual([expect.objectContaining({ value: '142/90', unit: 'mm[Hg]' })]);
  });

  it('reads a value written after the mention in a note', () => {
    const rn = record([], [note('Labs reviewed. HbA1c 7.9% today, up from last visit.')]);
    const a = checked(rn, q('observation', 'latest', { ...hba1c, kind: 'values' }));
    expect(a).toMatchObject({ answeredFrom: 'notes', answer: [expect.objectContaining({ value: 7.9, unit: '%' })] });
    expect(a.evidence[0]?.note?.text).toBe('HbA1c 7.9%');
    expect(checked(r, q('observation', 'latest', { ...hba1c, kind: 'values' }), { coded: false }).answer).toBe('unknown');
  });
});

describe('smoking and alcohol', () => {
  const status = (text: string, time: string): CodedFact => ({
    kind: 'observation',
    codings: [{ system: SYSTEMS.loinc, code: '72166-2', display: 'Tobacco smoking status' }],
    valueText: text,
    time,
    resource: `Observation/s-${time}`,
  });

  it('reads the coded smoking status by time', () => {
    const r = record([status('Current every day smoker', '2015-01-01'), status('Former smoker', '2020-01-01')]);
    expect(checked(r, q('smoking', 'now'))).toMatchObject({ answer: 'no', answeredFrom: 'coded' });
    expect(checked(r, q('smoking', 'ever')).answer).toBe('yes');
    const never = record([status('Never smoked tobacco (finding)', '2020-01-01')]);
    expect(checked(never, q('smoking', 'ever')).answer).toBe('no');
  });

  it('reads smoking and alcohol from a social history in notes', () => {
    const text =
      '# Social History\n Patient is married. Patient is an active smoker and is an alcoholic.\n Patient identifies as heterosexual.';
    const r = record([], [note(text)]);
    const smoke = checked(r, q('smoking', 'now'));
    expect(smoke).toMatchObject({ answer: 'yes', answeredFrom: 'notes' });
    expect(smoke.evidence[0]?.note).toMatchObject({
      text: 'smoker',
      sentence: 'Patient is an active smoker and is an alcoholic.',
      section: 'social',
    });
    const drink = checked(r, q('alcohol', 'now'));
    expect(drink).toMatchObject({ answer: 'yes', answeredFrom: 'notes' });
    expect(drink.evidence[0]?.note?.text).toBe('alcoholic');
    const never = record([], [note('# Social History\n Patient has never smoked.')]);
    expect(checked(never, q('smoking', 'ever')).answer).toBe('no');
    expect(checked(record([], [note('Former smoker, quit 2010.')]), q('smoking', 'now')).answer).toBe('no');
    expect(checked(record([], [note('Former smoker, quit 2010.')]), q('smoking', 'ever')).answer).toBe('yes');
    expect(checked(record([], [note('She denies alcohol use.')]), q('alcohol', 'now')).answer).toBe('no');
  });

  it('reads the AUDIT-C score for alcohol', () => {
    const audit = (value: number, time: string): CodedFact => ({
      kind: 'observation',
      codings: [{ system: SYSTEMS.loinc, code: '75626-2' }],
      value,
      time,
      resource: `Observation/audit-${time}`,
    });
    const r = record([audit(3, '2019-01-01'), audit(0, '2021-01-01')]);
    expect(checked(r, q('alcohol', 'now')).answer).toBe('no');
    expect(checked(r, q('alcohol', 'ever')).answer).toBe('yes');
  });
});

describe('answerRecord', () => {
  it('answers unknown with no evidence when nothing in the record speaks', () => {
    for (const question of [
      q('condition', 'now', { entity: entity('condition:I10') }),
      q('medication', 'now', { entity: entity('drug:DB00722') }),
      q('conditions', 'now'),
      q('medications', 'now'),
      q('observation', 'latest', { entity: entity('observation:4548-4') }),
      q('smoking', 'now'),
      q('alcohol', 'ever'),
    ]) {
      expect(checked(record([HTN], [note('Doing well.')]), question, { coded: question.intent !== 'condition' })).toMatchObject(
        question.intent === 'conditions' ? { answer: [expect.anything()] } : { answer: 'unknown', evidence: [] },
      );
    }
  });

  it('refuses intents a record does not answer', () => {
    expect(() => answerRecord(record(), q('prediction', 'now'), { graph, linker })).toThrow(UsageError);
    expect(() => answerRecord(record(), q('treats', 'any'), { graph, linker })).toThrow(/record intents: condition/);
  });
});

const ALLEN = join(NOTES_BUNDLES, 'Allen322_Ferry570_ad134528-56a5-35fd-c37f-466ff119c625.json');

describe.skipIf(!HAS_CORPUS)(`a Synthea bundle with notes${CORPUS_NOTE}`, () => {
  it('answers smoking and medications with citations at real offsets', async () => {
    const items = await collect(readRecords([ALLEN]));
    const r = items.flatMap((i) => (i.kind === 'record' ? [i.record] : []))[0] as ClinicalRecord;
    expect(r).toBeDefined();
    const coded = checked(r, q('smoking', 'ever'));
    expect(coded.answeredFrom).toBe('coded');
    expect(coded.evidence[0]?.code?.code).toBe('72166-2');
    const notes = checked(r, q('smoking', 'now'), { coded: false });
    expect(notes.answeredFrom).toBe('notes');
    expect(notes.evidence.length).toBeGreaterThan(0);
    const meds = checked(r, q('medications', 'ever'));
    expect(meds.answeredFrom).toBe('coded');
    expect((meds.answer as AnswerValue[]).length).toBeGreaterThan(0);
    const fromNotes = checked(r, q('medications', 'ever'), { coded: false });
    expect(Array.isArray(fromNotes.answer)).toBe(true);
  });
});
