/**
 * @file The QA evaluation: scoring on hand-made answers (yes/no, not-yes, values, Wilson interval),
 * the baseline's NegEx behaviour, the sets' truth rules, a generated set made on the fly, and the
 * corpus sets (skipped with a message when ../shared/corpus is absent).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineAnswer, baselineAnswerer, sentenceAround } from '../../src/ask/baseline.js';
import { renderQaReport, runQaEvaluation, scoreCases } from '../../src/ask/evaluate.js';
import { CONTEXT_DEV_FILE, contextCases, contextTruths, readContextRows } from '../../src/ask/qa-context.js';
import { generatedCases, synthesizeQaRecords } from '../../src/ask/qa-generated.js';
import { GroupTally, judgeYesNo, normalizeAnswer, scoreValues, tokenF1, wilsonInterval } from '../../src/ask/qa-score.js';
import { smokingTruth, syntheaCases, syntheaInputs } from '../../src/ask/qa-synthea.js';
import type { Answerer, QaCase, QaItem } from '../../src/ask/qa-types.js';
import type { AnswerResult, ParsedQuestion } from '../../src/ask/types.js';
import type { ContextRow } from '../../src/kg/context-eval.js';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import type { ClinicalRecord } from '../../src/records/types.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const corpus = resolve(repoRoot, '../shared/corpus');

let graph: KnowledgeGraph;
beforeAll(async () => {
  graph = await KnowledgeGraph.loadDefault();
});

const record = (...notes: string[]): ClinicalRecord => ({
  id: 'r1',
  patient: 'Patient/r1',
  source: { file: 'test' },
  demographics: {},
  notes: notes.map((text, i) => ({ text, resource: `DocumentReference/n${i}`, contentType: 'text/plain' })),
  media: [],
  facts: [],
  warnings: [],
});
const about = (phrase: string): ParsedQuestion => ({
  text: `Does the patient have ${phrase}?`,
  intent: 'condition',
  kind: 'yes-no',
  time: 'now',
  phrase,
});
const result = (answer: AnswerResult['answer']): AnswerResult => ({ answer, confidence: 1, answeredFrom: 'notes', evidence: [] });

describe('scoring', () => {
  it('gives the Wilson 95 % interval', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    const [lo, hi] = wilsonInterval(8, 10) as [number, number];
    expect(lo).toBeCloseTo(0.4902, 3);
    expect(hi).toBeCloseTo(0.9433, 3);
    expect(wilsonInterval(10, 10)?.[1]).toBe(1);
    expect(wilsonInterval(0, 10)?.[0]).toBe(0);
  });

  it('judges yes/no answers, not-yes included', () => {
    expect(judgeYesNo('yes', 'yes')).toEqual({ answered: true, correct: true });
    expect(judgeYesNo('no', 'yes')).toEqual({ answered: true, correct: false });
    expect(judgeYesNo('unknown', 'no')).toEqual({ answered: false, correct: false });
    expect(judgeYesNo('no', 'not-yes')).toEqual({ answered: true, correct: true });
    expect(judgeYesNo('yes', 'not-yes')).toEqual({ answered: true, correct: false });
    expect(judgeYesNo('unknown', 'not-yes')).toEqual({ answered: false, correct: false });
    expect(judgeYesNo([], 'yes')).toEqual({ answered: true, correct: false });
  });

  it('normalises and scores values as SQuAD does', () => {
    expect(normalizeAnswer('The  Beta-blocker, (oral)!')).toBe('beta blocker oral');
    expect(tokenF1('aspirin low dose', 'low dose aspirin')).toBe(1);
    expect(tokenF1('aspirin', 'aspirin 81 mg')).toBeCloseTo(0.5, 6);
    expect(tokenF1('', '')).toBe(1);
    const v = (display: string) => ({ display, evidence: [0] });
    expect(scoreValues([v('Aspirin'), v('the Heparin')], ['heparin', 'aspirin'])).toEqual({ exact: 1, f1: 1 });
    expect(scoreValues([v('aspirin')], ['aspirin', 'heparin'])).toEqual({ exact: 0, f1: 2 / 3 });
    expect(scoreValues('unknown', ['aspirin'])).toEqual({ exact: 0, f1: 0 });
  });

  it('tallies precision, coverage and accuracy with unknown counted wrong', () => {
    const tally = new GroupTally('all');
    tally.add('yes', 'yes');
    tally.add('no', 'yes');
    tally.add('unknown', 'no');
    tally.add('no', 'no');
    tally.add('no', 'not-yes');
    tally.add([{ display: 'a b', evidence: [0] }], ['a b']);
    const { yesNo, values } = tally.score();
    expect(yesNo).toMatchObject({ total: 5, answered: 4, correct: 3, precision: 0.75, coverage: 0.8, accuracy: 0.6 });
    expect(yesNo.truths).toEqual({ yes: 2, no: 2, notYes: 1 });
    expect(yesNo.precisionInterval?.[0]).toBeLessThan(0.75);
    expect(values).toEqual({ total: 1, exactMatch: 1, f1: 1 });
    expect(new GroupTally('x').score().yesNo).toMatchObject({ precision: null, precisionInterval: null, coverage: null });
  });

  it('scores cases per set and kind, passing the coded option through', async () => {
    const seen: boolean[] = [];
    const answerer: Answerer = (_r, q, o) => {
      seen.push(o.coded);
      return result(q.phrase === 'fever' ? 'yes' : 'unknown');
    };
    const item = (kind: string, phrase: string, truth: QaItem['truth'], coded = false): QaItem => ({
      set: 's',
      kind,
      recordId: 'r1',
      question: about(phrase),
      truth,
      coded,
    });
    const cases: QaCase[] = [
      { record: record('x'), items: [item('a', 'fever', 'yes'), item('b', 'cough', 'no', true)] },
      { record: record('y'), items: [item('a', 'fever', 'no')] },
    ];
    const { tallies, records } = await scoreCases(cases, answerer);
    expect(records).toBe(2);
    expect(seen).toEqual([false, true, false]);
    const report = tallies.get('s')?.report(2, {});
    expect(report?.groups.map((g) => [g.group, g.yesNo.total, g.yesNo.correct])).toEqual([
      ['all', 3, 1],
      ['a', 2, 1],
      ['b', 1, 0],
    ]);
    expect((await scoreCases(cases, answerer, 1)).records).toBe(1);
    const text = renderQaReport({ sets: [report as NonNullable<typeof report>] });
    expect(text).toContain('s: s');
    expect(text).toMatch(/all\s+3\s+2\s+1\s+50\.0%/);
  });
});

describe('baseline answerer', () => {
  it('answers by NegEx alone: negated -> no, found -> yes, absent -> unknown', () => {
    expect(baselineAnswer(record('Patient denies fever.'), about('fever')).answer).toBe('no');
    const yes = baselineAnswer(record('Fevers since Monday. Denies cough.'), about('fever'));
    expect(yes).toMatchObject({ answer: 'yes', answeredFrom: 'notes', confidence: 0.5 });
    expect(yes.evidence[0]).toMatchObject({
      from: 'note',
      resourceType: 'DocumentReference',
      resourceId: 'n0',
      assertion: 'affirmed',
      supports: 'yes',
      note: { start: 0, end: 6, text: 'Fevers', sentence: 'Fevers since Monday.', sentenceStart: 0 },
    });
    expect(baselineAnswer(record('Fevers since Monday.'), about('cough'))).toEqual({
      answer: 'unknown',
      confidence: 0,
      answeredFrom: 'none',
      evidence: [],
    });
  });

  it('reads no history, family or hypothetical context: what NegEx says is all it says', () => {
    // "no" scopes over the list: both mentions are negated, so the family mention does not make it yes.
    expect(baselineAnswer(record('No history of asthma, mother has asthma.'), about('asthma')).answer).toBe('no');
    // Family and history alone are read as affirmed.
    expect(baselineAnswer(record('Mother has asthma.'), about('asthma')).answer).toBe('yes');
    expect(baselineAnswer(record('History of asthma.'), about('asthma')).answer).toBe('yes');
    expect(baselineAnswer(record('Call if any fever.'), about('fever')).answer).toBe('yes');
    // One affirmed mention anywhere wins over negated ones.
    expect(baselineAnswer(record('No fever today.', 'Febrile overnight. Fever to 39.'), about('fever')).answer).toBe('yes');
  });

  it('searches the graph entity by its synonyms and link-only forms', async () => {
    const fever = graph.findByName('fever')[0];
    expect(fever).toBeDefined();
    const q: ParsedQuestion = {
      text: 'Does the patient have fever?',
      intent: 'condition',
      kind: 'yes-no',
      time: 'now',
      entity: { id: fever?.id as string, name: 'fever', type: 'finding', text: 'fever' },
    };
    expect((await baselineAnswerer(graph)(record('She is febrile.'), q, { coded: true })).answer).toBe('yes');
    expect(baselineAnswer(record('She is febrile.'), q).answer).toBe('unknown');
  });

  it('finds smoking through the smoker antecedent', () => {
    const smoker = graph.get('antecedent:E_79');
    const q: ParsedQuestion = {
      text: 'Does the patient smoke?',
      intent: 'smoking',
      kind: 'yes-no',
      time: 'now',
      entity: { id: 'antecedent:E_79', name: smoker?.name ?? 'smoker', type: 'antecedent', text: 'smoke' },
    };
    expect(baselineAnswer(record('Never smoker.'), q, graph).answer).toBe('no');
    expect(baselineAnswer(record('Current smoker, 1 pack a day.'), q, graph).answer).toBe('yes');
  });

  it('cuts the sentence around a mention', () => {
    const text = 'Chief complaint: cough.\nNo fever. Rash on arm';
    expect(sentenceAround(text, text.indexOf('fever'), text.indexOf('fever') + 5)).toEqual({
      sentence: 'No fever.',
      sentenceStart: text.indexOf('No'),
    });
    expect(sentenceAround(text, text.indexOf('Rash'), text.indexOf('Rash') + 4).sentence).toBe('Rash on arm');
  });
});

describe('set truths', () => {
  const row = (negation: string, temporality: string, experiencer = 'Patient'): ContextRow => ({
    line: '1',
    condition: 'fever',
    sentence: 'FEVER.',
    negation,
    temporality,
    experiencer,
  });

  it('ConText rows: now and past truths as documented', () => {
    expect(contextTruths(row('Affirmed', 'Recent'))).toEqual({ now: 'yes', past: 'not-yes' });
    expect(contextTruths(row('Negated', 'Recent'))).toEqual({ now: 'no', past: 'not-yes' });
    expect(contextTruths(row('Negated', 'Historical'))).toEqual({ now: 'no', past: 'no' });
    expect(contextTruths(row('Affirmed', 'Historical'))).toEqual({ past: 'yes' });
    expect(contextTruths(row('Affirmed', 'Not particular'))).toEqual({ now: 'not-yes', past: 'not-yes' });
    expect(contextTruths(row('Affirmed', 'Historical', 'Family member'))).toEqual({ now: 'not-yes', past: 'not-yes' });
  });

  it('ConText cases: one-note records, graph entity when the phrase links, rows not found skipped', () => {
    const stats = { rows: 0, skipped: [] as string[] };
    const rows = [
      { ...row('Negated', 'Recent'), line: '5', sentence: 'Denies FEVER.' },
      { ...row('Affirmed', 'Historical'), line: '6', condition: 'zorbitis', sentence: 'History of ZORBITIS.' },
      { ...row('Affirmed', 'Recent'), line: '7', sentence: 'Cough.' },
    ];
    const cases = [...contextCases(rows, { file: 'dev.tsv', graph, stats })];
    expect(stats.skipped).toEqual(['7']);
    expect(cases).toHaveLength(2);
    expect(cases[0]?.record).toMatchObject({
      id: 'context-5',
      notes: [{ resource: 'DocumentReference/context-5', text: 'Denies FEVER.' }],
    });
    expect(cases[0]?.items.map((i) => [i.kind, i.truth, i.question.time, i.question.entity?.name])).toEqual([
      ['now', 'no', 'now', 'fever'],
      ['past', 'not-yes', 'past', 'fever'],
    ]);
    expect(cases[1]?.items.map((i) => [i.kind, i.truth, i.question.phrase, i.question.text])).toEqual([
      ['past', 'yes', 'zorbitis', 'Did the patient have zorbitis before?'],
    ]);
  });

  it('smoking statuses', () => {
    expect(smokingTruth('Never smoker')).toBe('no');
    expect(smokingTruth('Former smoker')).toBe('no');
    expect(smokingTruth('Current every day smoker')).toBe('yes');
    expect(smokingTruth('Smoker, current status unknown')).toBe('yes');
    expect(smokingTruth('Unknown if ever smoked')).toBeUndefined();
  });
});

describe('generated held-out set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qa-generated-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('asks about each patient’s true conditions and findings, twice (notes only, full)', async () => {
    const records = join(dir, 'qa.ndjson');
    const labels = join(dir, 'qa.labels.jsonl');
    await synthesizeQaRecords(graph, records, labels, 3);
    const stats = { records: 0, skipped: {} };
    const cases: QaCase[] = [];
    for await (const c of generatedCases(records, labels, graph, stats)) cases.push(c);
    expect(stats).toEqual({ records: 3, skipped: {} });
    for (const c of cases) {
      const notes = c.items.filter((i) => !i.coded);
      const full = c.items.filter((i) => i.coded);
      expect(notes.length).toBe(full.length);
      expect(new Set(notes.map((i) => i.set))).toEqual(new Set(['generated-notes']));
      const acute = notes.filter((i) => i.kind === 'acute');
      expect(acute.filter((i) => i.truth === 'yes').length).toBeLessThanOrEqual(1);
      expect(acute.filter((i) => i.truth === 'no')).toHaveLength(2);
      const yes = new Set(notes.filter((i) => i.truth === 'yes').map((i) => i.question.entity?.id));
      for (const i of notes.filter((x) => x.truth === 'no')) expect(yes.has(i.question.entity?.id)).toBe(false);
    }
    // Deterministic: a second read asks the same questions.
    const again: QaCase[] = [];
    for await (const c of generatedCases(records, labels, graph)) again.push(c);
    expect(again.map((c) => c.items)).toEqual(cases.map((c) => c.items));

    const report = await runQaEvaluation(baselineAnswerer(graph), {
      corpus: dir,
      sets: ['generated'],
      generated: { records, labels },
      graph,
    });
    expect(report.sets.map((s) => [s.set, s.records])).toEqual([
      ['generated-notes', 3],
      ['generated-full', 3],
    ]);
  });

  it('refuses unknown sets and a generated set without files', async () => {
    await expect(runQaEvaluation(baselineAnswerer(graph), { corpus: dir, sets: ['nope'], graph })).rejects.toThrow(
      /unknown QA set "nope"; valid sets: context, synthea, generated/,
    );
    await expect(runQaEvaluation(baselineAnswerer(graph), { corpus: dir, sets: ['generated'], graph })).rejects.toThrow(
      /needs generated records/,
    );
    await expect(runQaEvaluation(baselineAnswerer(graph), { corpus: dir, sets: ['context'], graph })).rejects.toThrow(/does not exist/);
  });
});

const devFile = join(corpus, CONTEXT_DEV_FILE);
const hasDev = existsSync(devFile);
if (!hasDev) console.warn(`QA ConText corpus test skipped: ${devFile} not found`);

describe.skipIf(!hasDev)(`QA sets on the corpus${hasDev ? '' : ` [SKIPPED: ${devFile} not found]`}`, () => {
  it('builds the ConText set with the documented truth counts', async () => {
    const stats = { rows: 0, skipped: [] as string[] };
    const items = [...contextCases(await readContextRows(devFile), { file: devFile, graph, stats })].flatMap((c) => c.items);
    const count = (kind: string, truth: string) => items.filter((i) => i.kind === kind && i.truth === truth).length;
    expect(stats.rows).toBe(1188);
    expect({ skipped: stats.skipped.length, items: items.length }).toEqual({ skipped: 7, items: 2264 });
    expect({
      now: { yes: count('now', 'yes'), no: count('now', 'no'), notYes: count('now', 'not-yes') },
      past: { yes: count('past', 'yes'), no: count('past', 'no'), notYes: count('past', 'not-yes') },
    }).toEqual({ now: { yes: 809, no: 243, notYes: 31 }, past: { yes: 98, no: 14, notYes: 1069 } });
  });

  it('scores the baseline on the ConText set', async () => {
    const report = await runQaEvaluation(baselineAnswerer(graph), { corpus, sets: ['context'], graph });
    const now = report.sets[0]?.groups.find((g) => g.group === 'now');
    expect(now?.yesNo.coverage).toBeGreaterThan(0.9);
    expect(now?.yesNo.precision).toBeGreaterThan(0.8);
    console.info(renderQaReport(report));
  });

  it('asks coded-truth questions of the Synthea bundles with notes', async () => {
    const stats = { records: 0, skipped: {} as Record<string, number> };
    const files = syntheaInputs(corpus).filter((f) => f.includes('synthea-bundles-with-notes'));
    let cases = 0;
    const kinds = new Map<string, number>();
    for await (const c of syntheaCases(files, graph, stats)) {
      cases++;
      for (const i of c.items) kinds.set(`${i.kind}:${i.truth}`, (kinds.get(`${i.kind}:${i.truth}`) ?? 0) + 1);
      expect(c.items.every((i) => !i.coded && i.set === 'synthea')).toBe(true);
      if (cases >= 2) break;
    }
    expect(cases).toBe(2);
    expect(kinds.get('condition:yes')).toBeGreaterThan(0);
    expect(kinds.get('condition:no')).toBeGreaterThan(0);
    expect(kinds.get('medication:no')).toBeGreaterThan(0);
  }, 60_000);
});
