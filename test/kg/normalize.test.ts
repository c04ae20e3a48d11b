import { describe, expect, it } from 'vitest';
import { dottedIcd10, icd10Ancestors, icd10Key, normalizeIcd10 } from '../../src/kg/icd10.js';
import { normalizeWord, phraseKey, stem, tokenize } from '../../src/kg/normalize.js';

describe('stem', () => {
  it('brings inflections of the same word together', () => {
    const groups = [
      ['cough', 'coughing', 'coughs', 'coughed'],
      ['wheeze', 'wheezing', 'wheezes', 'wheezed'],
      ['vomit', 'vomiting', 'vomited'],
      ['allergy', 'allergies'],
      ['travel', 'travelled', 'traveling'],
      ['stop', 'stopped', 'stopping'],
      ['rash', 'rashes'],
      ['chill', 'chills'],
      ['bleed', 'bleeding'],
      ['breath', 'breathe', 'breathing'],
    ];
    for (const group of groups) expect(new Set(group.map(stem)).size, group.join('/')).toBe(1);
  });

  it('keeps short words and abbreviations apart', () => {
    expect(stem('hives')).not.toBe(stem('hiv'));
    expect(stem('sob')).toBe('sob');
    expect(stem('loss')).toBe('loss');
    expect(stem('sinus')).toBe('sinus');
    expect(stem('38.5')).toBe('38.5');
  });
});

describe('tokenize', () => {
  it('keeps offsets, decimals and clause punctuation', () => {
    const tokens = tokenize('Temp 38.5. Denies SOB, CP; h/o HTN\nok');
    expect(tokens.map((t) => t.norm)).toEqual(['temp', '38.5', '.', 'denies', 'sob', ',', 'cp', ';', 'h', 'o', 'htn', '\n', 'ok']);
    const text = 'Denies SOB';
    for (const t of tokenize(text)) expect(normalizeWord(text.slice(t.start, t.end))).toBe(t.norm);
  });

  it('normalises accents and apostrophes', () => {
    expect(normalizeWord("Alzheimer's")).toBe('alzheimer');
    expect(normalizeWord('Barré')).toBe('barre');
    expect(phraseKey('Guillain-Barré syndrome')).toBe(phraseKey('guillain barre syndromes'));
  });
});

describe('ICD-10 helpers', () => {
  it('normalises case and dots', () => {
    expect(normalizeIcd10(' j45.909 ')).toBe('J45.909');
    expect(normalizeIcd10('a15')).toBe('A15');
    expect(icd10Key('J45.9')).toBe('J459');
    expect(dottedIcd10('J459')).toBe('J45.9');
    expect(normalizeIcd10('fever')).toBeUndefined();
    expect(icd10Ancestors('J4590')).toEqual(['J4590', 'J459', 'J45']);
  });
});
