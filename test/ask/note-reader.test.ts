/**
 * Which reader states a condition mention (src/ask/note-reader.ts): the modes on hand-made
 * mentions, the reader's input span, and the embedded package's learnt reader on real sentences
 * (its readings are probabilities over the assertions; `agree` never answers against the rules).
 */
import { describe, expect, it } from 'vitest';
import { answerRecord } from '../../src/ask/answer-record.js';
import type { NoteMention } from '../../src/ask/assertion.js';
import { NoteReader, type Reading, readerItem, readFound, readRecordMentions, readsQuestion } from '../../src/ask/note-reader.js';
import { entityMentions, type Found, type LinkedNote, specificForms } from '../../src/ask/note-search.js';
import type { ParsedQuestion } from '../../src/ask/types.js';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EntityLinker } from '../../src/kg/link.js';
import { loadModelPackage } from '../../src/model/package.js';
import type { ClinicalRecord } from '../../src/records/types.js';

const graph = await KnowledgeGraph.loadDefault();
const linker = new EntityLinker(graph);

const record = (...texts: string[]): ClinicalRecord => ({
  id: 'p1',
  patient: 'Patient/p1',
  source: { file: 'test.json' },
  demographics: {},
  notes: texts.map((text, i) => ({ text, resource: `DocumentReference/n${i}`, contentType: 'text/plain' })),
  media: [],
  facts: [],
  warnings: [],
});

const question = (id: string): ParsedQuestion => {
  const e = graph.get(id);
  if (!e) throw new Error(`no ${id}`);
  return {
    text: `Does the patient have ${e.name}?`,
    intent: 'condition',
    kind: 'yes-no',
    time: 'now',
    entity: { id, name: e.name, type: e.type, text: e.name },
  };
};

const fake = (assertion: NoteMention['assertion'], start: number): Found => {
  const text = 'No fever today. Cough since Monday.';
  const mention = { start, end: start + 5, text: text.slice(start, start + 5), assertion, sentence: { start: 0, end: 16 } } as NoteMention;
  return { linked: { note: { text, resource: 'DocumentReference/n', contentType: 'text/plain' } } as LinkedNote, mention };
};

describe('reader modes', () => {
  it("rules ignore readings; learnt takes the reader's class; agree drops what the two read differently", () => {
    const a = fake('negated', 3);
    const b = fake('affirmed', 3);
    const readings = new Map<NoteMention, Reading>([
      [a.mention, { assertion: 'negated', probability: 0.9 }],
      [b.mention, { assertion: 'historical', probability: 0.6 }],
    ]);
    expect(readFound([a, b], 'rules', readings).map((f) => f.mention.assertion)).toEqual(['negated', 'affirmed']);
    const learnt = readFound([a, b], 'learnt', readings);
    expect(learnt.map((f) => f.mention.assertion)).toEqual(['negated', 'historical']);
    expect(learnt[1]?.mention.reading).toEqual({ assertion: 'historical', probability: 0.6 });
    expect(b.mention.assertion).toBe('affirmed'); // the linked note's mention is not changed
    const agree = readFound([a, b], 'agree', readings);
    expect(agree.map((f) => f.mention.assertion)).toEqual(['negated']);
    // a mention the reader did not read keeps the rules' assertion
    expect(readFound([fake('family', 3)], 'agree', readings).map((f) => f.mention.assertion)).toEqual(['family']);
  });

  it("gives the reader the mention's sentence and its span within it", () => {
    const f = fake('negated', 3);
    expect(readerItem(f)).toEqual({ sentence: 'No fever today. ', start: 3, end: 8 });
    expect(readerItem(f).sentence.slice(3, 8)).toBe('fever');
  });

  it('reads only questions about a graph condition or finding', () => {
    expect(readsQuestion(question('condition:J17'))).toBe(true);
    expect(readsQuestion({ ...question('condition:J17'), intent: 'medication' })).toBe(false);
    const { entity: _, ...phrase } = question('condition:J17');
    expect(readsQuestion({ ...phrase, phrase: 'wheeze' })).toBe(false);
  });
});

describe('the embedded learnt reader', async () => {
  const pkg = await loadModelPackage(undefined, { verify: 'size' });
  const reader = await NoteReader.load(pkg, { device: 'cpu', threads: 1 });
  const context = { graph, linker };

  it('reads every candidate mention into a probability over the assertions', async () => {
    const r = record('Patient denies fever. She reports a fever since Monday.', 'History of fever in childhood.');
    const q = question('finding:E_91');
    const found = entityMentions(r, linker, specificForms(graph, 'finding:E_91'));
    expect(found.length).toBe(3);
    const readings = await readRecordMentions(reader, r, q, context);
    expect(readings.size).toBe(3);
    for (const f of found) {
      const reading = readings.get(f.mention) as Reading;
      expect(reader.head.classes).toContain(reading.assertion);
      expect(reading.probability).toBeGreaterThan(1 / reader.head.classes.length);
      expect(reading.probability).toBeLessThanOrEqual(1);
    }
    const learnt = answerRecord(r, q, context, { reader: 'learnt', readings });
    for (const e of learnt.evidence) if (e.from === 'note') expect(e.reader?.assertion).toBe(e.assertion);
    const agree = answerRecord(r, q, context, { reader: 'agree', readings });
    const rules = answerRecord(r, q, context);
    if (agree.answer !== 'unknown') expect(agree.answer).toBe(rules.answer);
    expect(await readRecordMentions(reader, r, { ...q, intent: 'medication' }, context)).toEqual(new Map());
  });
});
