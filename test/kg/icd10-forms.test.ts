import { describe, expect, it } from 'vitest';
import { deriveIcd10Form } from '../../src/kg/build/icd10-forms.js';

const form = (description: string): string | undefined => {
  const d = deriveIcd10Form(description);
  return 'form' in d ? d.form : undefined;
};

describe('ICD-10-CM description -> note phrase', () => {
  it.each([
    ['Unspecified atrial fibrillation', 'atrial fibrillation'],
    ['Paroxysmal atrial fibrillation', 'paroxysmal atrial fibrillation'],
    ['Acute maxillary sinusitis', 'acute maxillary sinusitis'],
    ['Lobar pneumonia, unspecified organism', 'lobar pneumonia'],
    ['Bronchopneumonia, unspecified organism', 'bronchopneumonia'],
    ['Whooping cough, unspecified species', 'whooping cough'],
    ['Otitis media, unspecified, unspecified ear', 'otitis media'],
    ['Respiratory tuberculosis unspecified', 'respiratory tuberculosis'],
    ['Anaphylactic reaction due to unspecified food', 'anaphylactic reaction due to food'],
    ['ST elevation (STEMI) myocardial infarction of unspecified site', 'st elevation myocardial infarction'],
    ['Type 2 diabetes mellitus without complications', 'type 2 diabetes mellitus'],
    ['Acute obstructive laryngitis [croup]', 'acute obstructive laryngitis'],
    ['Non-ST elevation (NSTEMI) myocardial infarction', 'non-st elevation myocardial infarction'],
    ['Chronic obstructive pulmonary disease with (acute) exacerbation', 'chronic obstructive pulmonary disease with exacerbation'],
    ['Unilateral inguinal hernia, with obstruction, without gangrene', 'unilateral inguinal hernia with obstruction'],
    ['Bilateral inguinal hernia, without obstruction or gangrene', 'bilateral inguinal hernia'],
    ['Scombroid fish poisoning, accidental (unintentional)', 'scombroid fish poisoning'],
    ['Scombroid fish poisoning, intentional self-harm', 'scombroid fish poisoning'],
    ['Bronchitis, not specified as acute or chronic', 'bronchitis'],
    ['Viral pneumonia, not elsewhere classified', 'viral pneumonia'],
    ['Cluster headache syndrome, unspecified, not intractable', 'cluster headache syndrome'],
    ['Chronic migraine without aura, intractable, without status migrainosus', 'chronic migraine'],
    ['Atherosclerotic heart disease of native coronary artery without angina pectoris', 'atherosclerotic heart disease'],
    ['Pneumonia in diseases classified elsewhere', 'pneumonia'],
    ['Other spontaneous pneumothorax', 'spontaneous pneumothorax'],
    ['Other forms of acute pericarditis', 'acute pericarditis'],
    ['Fracture of bony thorax, part unspecified', 'fracture of bony thorax'],
  ])('%s -> %s', (description, expected) => {
    expect(form(description)).toBe(expected);
  });

  it.each([
    ['Atrial fibrillation and flutter', /grouping/],
    ['Other and unspecified asthma', /grouping/],
    ['Malignant neoplasm of upper lobe, bronchus or lung', /qualifier "bronchus or lung"/],
    ['Pneumonia due to streptococcus, group B', /qualifier "group B"/],
    ['Pneumonia due to other specified bacteria', /residual/],
    ['Other specified anxiety disorders', /residual/],
    ['Malignant neoplasm of overlapping sites of pancreas', /residual/],
    ['Influenza due to unidentified influenza virus with other respiratory manifestations', /residual/],
  ])('%s gives no form', (description, why) => {
    const d = deriveIcd10Form(description);
    expect('skipped' in d ? d.skipped : `form ${JSON.stringify(d)}`).toMatch(why);
  });
});
