/**
 * The HTML report of `ask`: every value from a record escaped (a note sentence, an id, a display
 * holding markup), the cited mention marked inside its sentence, the same lines giving the same
 * bytes, and the detail bounded.
 */
import { describe, expect, it } from 'vitest';
import type { AnswerLine } from '../../src/ask/types.js';
import { AnswerReport } from '../../src/report/answers.js';

const sentence = 'Denies <script>alert(1)</script> and "><img src=x onerror=alert(2)> chest pain.';
const line = (id: string): AnswerLine => ({
  schemaVersion: '1.0',
  id,
  patient: `Patient/${id}`,
  source: { file: 'x.ndjson', line: 1 },
  question: { text: 'Does the patient have chest pain?', intent: 'condition', kind: 'yes-no', time: 'now' },
  answer: 'no',
  confidence: 0.7,
  answeredFrom: 'notes',
  evidence: [
    {
      from: 'note',
      resourceType: 'DocumentReference',
      resourceId: 'n<1>',
      assertion: 'negated',
      supports: 'no',
      display: 'chest <b>pain</b>',
      note: {
        start: 100 + sentence.indexOf('chest'),
        end: 100 + sentence.indexOf('chest') + 10,
        text: 'chest pain',
        sentence,
        sentenceStart: 100,
      },
    },
  ],
  warnings: [],
});
const counts = { read: 2, written: 2, deadLettered: 0, skipped: 0, answers: { yes: 0, no: 2, unknown: 0, values: 0 } };

describe('AnswerReport', () => {
  it('escapes every value from the record and marks the cited mention in its sentence', () => {
    const report = new AnswerReport();
    report.add(line('<p1>'));
    const page = report.render({ question: 'Is it <b>?', inputs: ['a.ndjson'], counts });
    expect(page).not.toMatch(/<script>alert|<img src=x|<b>pain|<p1>|n<1>/);
    expect(page).toContain('&lt;script&gt;');
    expect(page).toContain('<mark>chest pain</mark>');
    expect(page).toContain("default-src 'none'");
  });

  it("shows what the learnt reader read beside a note citation's assertion, and nothing when it did not read it", () => {
    const read = line('r');
    const [cited] = read.evidence;
    read.evidence = [{ ...(cited as AnswerLine['evidence'][number]), reader: { assertion: 'negated', probability: 0.8765 } }];
    const report = new AnswerReport();
    report.add(read);
    report.add(line('s'));
    const page = report.render({ question: 'q', inputs: ['a.ndjson'], counts });
    expect(page).toContain('(learnt reader: negated, p 0.88)');
    expect(page.match(/learnt reader:/g)).toHaveLength(1);
  });

  it('gives the same bytes for the same lines and bounds the detail', () => {
    const render = () => {
      const r = new AnswerReport(1);
      r.add(line('a'));
      r.add(line('b'));
      return r.render({ question: 'q', inputs: ['a.ndjson'], counts });
    };
    const page = render();
    expect(render()).toBe(page);
    expect(page).toContain('1 of 2 records shown in detail');
    expect(page).not.toContain('<h3>b</h3>');
  });
});
