/**
 * Sentence spans of notes: prose, decimals, abbreviations, headings, lists, semicolon lists and
 * wrapped lines, and the sentence that holds an offset.
 */
import { describe, expect, it } from 'vitest';
import { sentenceAt, sentenceSpans } from '../../src/ask/sentences.js';

const split = (text: string): string[] => sentenceSpans(text).map((s) => text.slice(s.start, s.end));

describe('sentenceSpans', () => {
  it('splits prose at . ! ? followed by whitespace, not in decimals or after abbreviations', () => {
    expect(split('HbA1c 7.2% today. Seen by Dr. Smith! Any fever? No.')).toEqual([
      'HbA1c 7.2% today.',
      'Seen by Dr. Smith!',
      'Any fever?',
      'No.',
    ]);
    expect(split('Uses inhalers, e.g. albuterol, daily.')).toEqual(['Uses inhalers, e.g. albuterol, daily.']);
  });

  it('makes each item of a semicolon list its own sentence', () => {
    expect(split('lisinopril 10 mg; warfarin 5 mg; digoxin 0.125 mg')).toEqual(['lisinopril 10 mg;', 'warfarin 5 mg;', 'digoxin 0.125 mg']);
  });

  it('ends headings and list items at their line break, but not wrapped lines', () => {
    const note = '# Chief Complaint\n- Memory Loss\n- urinary frequency\n\n# History\nAllen322\n is a 6 month-old male. He coughs.';
    expect(split(note)).toEqual([
      '# Chief Complaint',
      '- Memory Loss',
      '- urinary frequency',
      '# History',
      'Allen322\n is a 6 month-old male.',
      'He coughs.',
    ]);
    expect(split('PAST MEDICAL HISTORY\n1. Hypertension\n2. Asthma')).toEqual(['PAST MEDICAL HISTORY', '1. Hypertension', '2. Asthma']);
    expect(split('Allergies:\nPenicillin')).toEqual(['Allergies:', 'Penicillin']);
  });

  it('gives trimmed, non-empty spans', () => {
    expect(sentenceSpans('  \n  ')).toEqual([]);
    expect(split('  Cough.  ')).toEqual(['Cough.']);
  });
});

describe('sentenceAt', () => {
  it('finds the sentence holding an offset, or the one before a gap', () => {
    const text = 'No fever. Cough today.';
    const spans = sentenceSpans(text);
    expect(sentenceAt(spans, text.indexOf('fever'))).toEqual({ start: 0, end: 9 });
    expect(sentenceAt(spans, text.indexOf('Cough'))).toEqual({ start: 10, end: 22 });
    expect(sentenceAt(spans, 9)).toEqual({ start: 0, end: 9 });
    expect(sentenceAt([], 3)).toBeUndefined();
  });
});
