/**
 * `clinicalbert ask` end to end on the committed samples and the embedded model: one valid answer
 * line per record (schema/answer.schema.json), byte-identical across runs, citations that point at
 * the characters they quote, the graph alone with --kg, "not understood" (exit 2), dead letters
 * and accounting as in analyze, and the HTML report.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnswerLine } from '../../src/ask/types.js';
import { answerSchemaValidator } from '../support/samples.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';

const validate = answerSchemaValidator();
const tmp = mkdtempSync(join(tmpdir(), 'cb-ask-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const model = ['--model', MODEL_DIR];

function answers(stdout: string): AnswerLine[] {
  const lines = jsonLines(stdout) as unknown as AnswerLine[];
  for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
  return lines;
}

/** The notes of the sample records, by resource, to check citations against. */
function sampleNotes(): Map<string, string> {
  const notes = new Map<string, string>();
  for (const raw of readFileSync(join(REPO_ROOT, 'samples/records.ndjson'), 'utf8').trim().split('\n')) {
    const bundle = JSON.parse(raw) as {
      entry: { resource: { resourceType: string; id: string; content?: { attachment: { data?: string } }[] } }[];
    };
    for (const { resource } of bundle.entry) {
      const data = resource.content?.[0]?.attachment.data;
      if (resource.resourceType === 'DocumentReference' && data) notes.set(resource.id, Buffer.from(data, 'base64').toString('utf8'));
    }
  }
  return notes;
}

describe.skipIf(!HAS_MODEL)(`clinicalbert ask${MODEL_NOTE}`, () => {
  it('answers a medication question for every sample record, citing the coded resource, byte for byte the same twice', () => {
    const a = cli(['ask', 'What medications is the patient on?', 'samples/records.ndjson', ...model]);
    expect(a.status, a.stderr).toBe(0);
    const lines = answers(a.stdout);
    expect(lines).toHaveLength(20);
    expect(a.stderr).toMatch(/ask: read 20, written 20 /);
    const first = lines[0] as AnswerLine;
    expect(first.question).toMatchObject({ intent: 'medications', kind: 'values' });
    expect(first.answeredFrom).toBe('coded');
    const values = first.answer as { display: string; evidence: number[] }[];
    expect(values.map((v) => v.display.toLowerCase()).join(' ')).toContain('amlodipine');
    const cited = first.evidence[values[0]?.evidence[0] ?? -1];
    expect(cited).toMatchObject({ from: 'coded', resourceType: 'MedicationRequest' });
    expect(cli(['ask', 'What medications is the patient on?', 'samples/records.ndjson', ...model]).stdout).toBe(a.stdout);
  });

  it('--reader learnt and agree: note citations say what the learnt reader read; agree answers only where it matches the rules', () => {
    const question = 'Does the patient have chest pain?';
    const base = ['ask', question, 'samples/records.ndjson', '--no-progress', ...model];
    const rules = answers(cli(base).stdout);
    const learnt = cli([...base, '--reader', 'learnt']);
    expect(learnt.status, learnt.stderr).toBe(0);
    const agree = cli([...base, '--reader', 'agree']);
    expect(agree.status, agree.stderr).toBe(0);
    const learntLines = answers(learnt.stdout);
    const agreeLines = answers(agree.stdout);
    expect(learntLines).toHaveLength(rules.length);
    let read = 0;
    for (const line of [...learntLines, ...agreeLines]) {
      for (const e of line.evidence) {
        if (e.from !== 'note') continue;
        expect(e.reader, JSON.stringify(e)).toBeDefined();
        expect(e.reader?.probability).toBeGreaterThan(0);
        expect(e.reader?.probability).toBeLessThanOrEqual(1);
        expect(e.assertion).toBe(e.reader?.assertion);
        read++;
      }
    }
    expect(read).toBeGreaterThan(0);
    // agree keeps only the mentions both readers state alike: on these samples it never answers against the rules
    agreeLines.forEach((line, i) => {
      if (line.answer !== 'unknown') expect(rules[i]?.answer).toBe(line.answer);
    });
    for (const line of rules) for (const e of line.evidence) expect(e.reader).toBeUndefined();
    const bad = cli([...base, '--reader', 'neural']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/rules, learnt, agree/);
  });

  it('cites note sentences at the characters it quotes', () => {
    const r = cli(['ask', 'Does the patient have chest pain?', 'samples/records.ndjson', ...model]);
    expect(r.status, r.stderr).toBe(0);
    const notes = sampleNotes();
    let checked = 0;
    for (const line of answers(r.stdout)) {
      if (line.answer !== 'unknown') expect(line.evidence.length).toBeGreaterThan(0);
      for (const e of line.evidence) {
        if (!e.note) continue;
        const text = notes.get(e.resourceId ?? '');
        expect(text, `note ${e.resourceId}`).toBeDefined();
        expect(text?.slice(e.note.start, e.note.end)).toBe(e.note.text);
        expect(text?.slice(e.note.sentenceStart, e.note.sentenceStart + e.note.sentence.length)).toBe(e.note.sentence);
        expect(e.note.sentence).toContain(e.note.text);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('answers from the knowledge graph alone with --kg, each value citing an edge and its source', () => {
    const r = cli(['ask', '--kg', 'What treats hypertension?', ...model]);
    expect(r.status, r.stderr).toBe(0);
    const [line] = answers(r.stdout);
    expect(line?.answeredFrom).toBe('graph');
    const values = line?.answer as { evidence: number[] }[];
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(line?.evidence[v.evidence[0] ?? -1]?.edge?.provenance).toBeTruthy();
  });

  it('refuses a question outside the grammar with exit 2 and examples, before reading any record', () => {
    const r = cli(['ask', 'Compose a sonnet about the liver', 'samples/records.ndjson', ...model]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/not understood/i);
    expect(r.stderr).toMatch(/Does the patient/);
  });

  it('dead-letters unreadable lines, answers the rest, and writes the HTML report', () => {
    const input = join(tmp, 'mixed.ndjson');
    const good = readFileSync(join(REPO_ROOT, 'samples/records.ndjson'), 'utf8').trim().split('\n').slice(0, 3);
    writeFileSync(input, `${good[0]}\n{"resourceType": "Bundle", \n${good[1]}\n${good[2]}\n`);
    const report = join(tmp, 'answers.html');
    const dead = join(tmp, 'dead.jsonl');
    const r = cli(['ask', 'Does the patient smoke?', input, '--dead-letter', dead, '--report', report, ...model]);
    expect(r.status, r.stderr).toBe(3);
    expect(answers(r.stdout)).toHaveLength(3);
    expect(jsonLines(readFileSync(dead, 'utf8'))).toHaveLength(1);
    expect(r.stderr).toMatch(/ask: read 4, written 3 .*dead-lettered 1/);
    const page = readFileSync(report, 'utf8');
    expect(page).toContain('Content-Security-Policy');
    expect(page).not.toMatch(/<script/i);
  });
});
