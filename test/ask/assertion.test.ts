/**
 * Assertions of note mentions: precedence, hypothetical triggers, social-history and allergies
 * sections read as the present, literal phrases; and the hypothetical triggers measured on the
 * ConText dev sentences when the corpus is there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertionOf, inHistoryList, isHypothetical, phraseMentions } from '../../src/ask/assertion.js';
import { sentenceAt, sentenceSpans } from '../../src/ask/sentences.js';
import { findPhrase, parseContextTsv } from '../../src/kg/context-eval.js';
import { tokenize } from '../../src/kg/normalize.js';
import { CORPUS, CORPUS_NOTE } from '../io/corpus.js';

const none = { negated: false, historical: false, family: false, hypothetical: false };

describe('assertionOf', () => {
  it('orders family > hypothetical > negated > historical > affirmed', () => {
    expect(assertionOf(none)).toBe('affirmed');
    expect(assertionOf({ ...none, historical: true })).toBe('historical');
    expect(assertionOf({ ...none, historical: true, negated: true })).toBe('negated');
    expect(assertionOf({ ...none, negated: true, hypothetical: true })).toBe('hypothetical');
    expect(assertionOf({ negated: true, historical: true, family: true, hypothetical: true })).toBe('family');
  });
});

describe('isHypothetical', () => {
  const at = (text: string, word: string): boolean => {
    const start = text.indexOf(word);
    return isHypothetical(text, sentenceAt(sentenceSpans(text), start), start);
  };
  it('reads triggers before the mention in its sentence only', () => {
    expect(at('Return to the ED if she develops fever or chills.', 'chills')).toBe(true);
    expect(at('Call also for any nausea, vomiting.', 'vomiting')).toBe(true);
    expect(at('Watch for bleeding.', 'bleeding')).toBe(true);
    expect(at('Fever today. Call if it returns.', 'Fever')).toBe(false);
    expect(at('Fever if untreated.', 'Fever')).toBe(false);
    expect(at('Possible pneumonia.', 'pneumonia')).toBe(false);
    expect(at('Life is difficult.', 'difficult')).toBe(false);
  });
});

describe('phraseMentions', () => {
  it('finds a phrase on normalised, stemmed words with its assertion and sentence', () => {
    const text = 'Lungs with Rales at the bases. Denies rales yesterday. Return if rales worsen.';
    const found = phraseMentions(text, 'rales');
    expect(found.map((m) => m.assertion)).toEqual(['affirmed', 'negated', 'hypothetical']);
    for (const m of found) {
      expect(text.slice(m.start, m.end).toLowerCase()).toBe('rales');
      expect(text.slice(m.sentence.start, m.sentence.end)).toContain(m.text);
    }
  });

  it('reads a social-history or allergies section as the present, a history section as the past', () => {
    const social = '# Social History\nPatient is an active smoker.\n\n# Past Medical History\nAsthma.';
    expect(phraseMentions(social, 'smoker')[0]).toMatchObject({ assertion: 'affirmed', section: 'social' });
    expect(phraseMentions(social, 'asthma')[0]).toMatchObject({ assertion: 'historical', section: 'history' });
    expect(phraseMentions('Social history: former smoker, quit 2010.', 'smoker')[0]?.assertion).toBe('historical');
    expect(phraseMentions('# Allergies\nPenicillin', 'penicillin')[0]).toMatchObject({ assertion: 'affirmed', section: 'allergies' });
    expect(phraseMentions('Mother has diabetes.', 'diabetes')[0]?.assertion).toBe('family');
  });
});

const DEV = join(CORPUS, 'text', 'negex-context', 'context-annotations-dev.tsv');

describe('history lists', () => {
  const synthea =
    'Patient has a history of stress (finding), not in labor force (finding), reports of violence (finding), viral sinusitis (disorder).';
  it('reads every item of a "history of" list as historical, past triggers and parentheses inside it', () => {
    const [m] = phraseMentions(synthea, 'viral sinusitis');
    expect(m?.assertion).toBe('historical');
    expect(inHistoryList(synthea, { start: 0, end: synthea.length }, synthea.indexOf('viral'))).toBe(true);
  });
  it('ends the list where the sentence turns to the present', () => {
    const text = 'History of asthma, now presents with pneumonia.';
    expect(phraseMentions(text, 'asthma')[0]?.assertion).toBe('historical');
    expect(phraseMentions(text, 'pneumonia')[0]?.assertion).toBe('affirmed');
  });
});

describe.skipIf(!existsSync(DEV))(`hypothetical triggers on the ConText dev sentences${CORPUS_NOTE}`, () => {
  it('keep precision 1 and recall over 0.9 (temporality "Not particular")', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const row of parseContextTsv(readFileSync(DEV, 'utf8'))) {
      const tokens = tokenize(row.sentence);
      const span = findPhrase(tokens, row.condition, row.sentence);
      if (!span) continue;
      const start = tokens[span.first]?.start as number;
      const predicted = isHypothetical(row.sentence, sentenceAt(sentenceSpans(row.sentence), start), start);
      const gold = row.temporality.toLowerCase() === 'not particular';
      if (predicted && gold) tp++;
      else if (predicted) fp++;
      else if (gold) fn++;
    }
    expect(fp).toBe(0);
    expect(tp / (tp + fn)).toBeGreaterThan(0.9);
  });
});
