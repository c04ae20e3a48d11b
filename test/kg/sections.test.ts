/**
 * @file Section headings as clinicians write them: a heading never links as a finding, and it sets
 * the context (historical, family, allergy list, medication list) of what follows until the next
 * heading, with negation still read from the text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EntityLinker, type Mention } from '../../src/kg/link.js';
import { contextFlags } from '../../src/kg/negation.js';
import { tokenize } from '../../src/kg/normalize.js';
import { findHeadings } from '../../src/kg/sections.js';

let linker: EntityLinker;

beforeAll(async () => {
  linker = new EntityLinker(await KnowledgeGraph.loadDefault());
});

const find = (mentions: Mention[], text: string): Mention | undefined => mentions.find((m) => m.text.toLowerCase() === text.toLowerCase());

describe('findHeadings (no graph)', () => {
  const kinds = (text: string): string[] => findHeadings(tokenize(text), text).map((h) => h.kind);

  it('finds headings with a colon, in any case, also inline in a dictated report', () => {
    expect(kinds('Allergies: penicillin')).toEqual(['allergies']);
    expect(kinds('ALLERGIES: none')).toEqual(['allergies']);
    expect(kinds('PMH: HTN. Past Surgical History: appendectomy')).toEqual(['history', 'history']);
    expect(kinds('Family History: diabetes\nSocial History: smoker')).toEqual(['family', 'social']);
    expect(kinds('Review of Systems: negative. Assessment and Plan: rest')).toEqual(['current', 'current']);
    expect(kinds('Chief Complaint: cough. Impression: bronchitis. Physical Exam: clear')).toEqual(['current', 'current', 'current']);
    expect(kinds('De-ID v.6.14.02]   CLINICAL HISTORY: Dizziness')).toEqual(['current']);
  });

  it('reads "History of Present Illness" as the present, not as history', () => {
    expect(kinds('HISTORY OF PRESENT ILLNESS: cough')).toEqual(['current']);
  });

  it('finds markdown headings and capitalised heading lines without a colon', () => {
    expect(kinds('# Allergies\nNo Known Allergies.')).toEqual(['allergies']);
    expect(kinds('## Medications\naspirin')).toEqual(['medications']);
    expect(kinds('1. PHYSICAL EXAMINATION\nclear')).toEqual(['current']);
  });

  it('leaves heading words in running text alone', () => {
    expect(kinds('allergies')).toEqual([]);
    expect(kinds('He has seasonal allergies and takes his medications.')).toEqual([]);
    expect(kinds('Medications\naspirin')).toEqual([]);
    expect(kinds('She has a history of asthma.')).toEqual([]);
  });
});

describe('contextFlags with headings (no graph)', () => {
  const flagsOf = (text: string, target: string): ReturnType<typeof contextFlags>[number] | undefined => {
    const tokens = tokenize(text);
    const at = text.toLowerCase().indexOf(target.toLowerCase());
    const first = tokens.findIndex((t) => t.start === at);
    const last = tokens.findIndex((t) => t.end === at + target.length);
    return contextFlags(tokens, [{ first, last }], findHeadings(tokens, text))[0];
  };

  it('carries the section past line ends and sentences until the next heading', () => {
    const text = 'PAST MEDICAL HISTORY:\nAsthma.\nHypertension and gout.\nREVIEW OF SYSTEMS: cough.';
    expect(flagsOf(text, 'gout')).toMatchObject({ historical: true, section: 'history' });
    expect(flagsOf(text, 'cough')).toMatchObject({ historical: false, section: 'current' });
  });

  it('ends a section at the end of its line when text follows the heading, else at a blank line', () => {
    const soap = 'Meds: verapamil. Allergies: NKDA.\nO: pulse 123, fever.';
    expect(flagsOf(soap, 'fever')).toMatchObject({ historical: false });
    expect(flagsOf(soap, 'fever')?.section).toBeUndefined();
    const block = 'PAST MEDICAL HISTORY:\nAsthma.\n\nCough for two days.';
    expect(flagsOf(block, 'asthma')).toMatchObject({ historical: true, section: 'history' });
    expect(flagsOf(block, 'cough')?.section).toBeUndefined();
  });

  it('keeps negation inside a section', () => {
    expect(flagsOf('Family History: no diabetes.', 'diabetes')).toMatchObject({ negated: true, family: true, section: 'family' });
  });

  it('reads lists after "past medical history is significant for" and "a history of"', () => {
    const pmh =
      'Her past medical history is significant for multiple sclerosis, pneumonia, DVT of the lower extremity, hard of hearing, vitiligo.';
    expect(flagsOf(pmh, 'vitiligo')?.historical).toBe(true);
    const list =
      'A 60-year-old male with a past history of diabetes, dementia, hypertension, anemia, anxiety, and depression who presents with a fall.';
    expect(flagsOf(list, 'depression')?.historical).toBe(true);
    expect(flagsOf(list, 'fall')?.historical).toBe(false);
  });

  it('does not read an age or the length of the present illness as history', () => {
    expect(flagsOf('A 40-year-old female with a two-day history of fever.', 'fever')?.historical).toBe(false);
    expect(flagsOf('A 60-year-old old woman with strictures.', 'strictures')?.historical).toBe(false);
  });
});

describe('linker with section headings', () => {
  it('does not link a heading as a finding: "# Allergies / No Known Allergies." has no affirmed atopy', () => {
    const mentions = linker.link('# Allergies\nNo Known Allergies.');
    expect(mentions.filter((m) => !m.negated)).toEqual([]);
    expect(mentions.every((m) => m.start > '# Allergies'.length)).toBe(true);
  });

  it('drops mentions inside "Allergies:" and "ALLERGIES:" headings', () => {
    for (const text of ['Allergies: penicillin', 'ALLERGIES: penicillin', '- Allergies: penicillin']) {
      const mentions = linker.link(text);
      expect(
        mentions.map((m) => m.text.toLowerCase()),
        text,
      ).toEqual(['penicillin']);
      expect(mentions[0]?.section).toBe('allergies');
    }
  });

  it('carries a history section to the following lines until the next heading', () => {
    const m = linker.link('Past Medical History:\nAsthma\nHypertension\n\nHistory of Present Illness:\nFever and cough.');
    expect(find(m, 'asthma')).toMatchObject({ historical: true, section: 'history' });
    expect(find(m, 'hypertension')).toMatchObject({ historical: true, section: 'history' });
    expect(find(m, 'fever')).toMatchObject({ historical: false, section: 'current' });
    expect(find(m, 'cough')).toMatchObject({ historical: false, section: 'current' });
  });

  it('makes the family the experiencer under "Family History", negation included', () => {
    const m = linker.link('# Family History\nDiabetes.\nNo hypertension.\n# Review of Systems\nCough.');
    expect(find(m, 'diabetes')).toMatchObject({ experiencer: 'family', negated: false, section: 'family' });
    expect(find(m, 'hypertension')).toMatchObject({ experiencer: 'family', negated: true });
    expect(find(m, 'cough')).toMatchObject({ experiencer: 'patient', section: 'current' });
  });

  it('marks allergy and medication lists', () => {
    const m = linker.link('Allergies:\nPenicillin\nMedications:\nAspirin\nMetformin');
    expect(find(m, 'penicillin')?.section).toBe('allergies');
    expect(find(m, 'aspirin')).toMatchObject({ section: 'medications', historical: false, negated: false });
    expect(find(m, 'metformin')?.section).toBe('medications');
  });

  it('reads social history as historical', () => {
    expect(find(linker.link('Social History: smoker.'), 'smoker')).toMatchObject({ historical: true, section: 'social' });
  });

  it('leaves text without headings without a section', () => {
    expect(linker.link('Fever and cough.').every((m) => m.section === undefined)).toBe(true);
  });
});
