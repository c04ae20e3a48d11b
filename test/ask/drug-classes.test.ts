import { beforeAll, describe, expect, it } from 'vitest';
import {
  DRUG_CLASSES,
  classIngredients,
  drugClassById,
  drugMembers,
  resolveDrugClass,
  resolveIngredient,
} from '../../src/ask/drug-classes.js';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { phraseKey } from '../../src/kg/normalize.js';

let graph: KnowledgeGraph;

beforeAll(async () => {
  graph = await KnowledgeGraph.loadDefault();
});

/** A class's ingredients (unions expanded), by id. */
function ingredientsOf(id: string): string[] {
  const def = drugClassById(id);
  if (!def) throw new Error(`no drug class ${id}`);
  return classIngredients(def);
}

/** Whether a medication's text names one of the ingredients as whole words (how an answerer would match it). */
function namesIngredient(text: string, ingredients: readonly string[]): boolean {
  const key = ` ${phraseKey(text)} `;
  return ingredients.some((i) => key.includes(` ${phraseKey(i)} `));
}

describe('the drug class table', () => {
  it('has the classes a clinician asks about', () => {
    const ids = DRUG_CLASSES.map((c) => c.id);
    for (const id of [
      'anticoagulant',
      'antiplatelet',
      'antibiotic',
      'antiviral',
      'statin',
      'beta-blocker',
      'ace-inhibitor',
      'arb',
      'calcium-channel-blocker',
      'diuretic',
      'insulin',
      'antidiabetic',
      'opioid',
      'nsaid',
      'corticosteroid',
      'bronchodilator',
      'antidepressant',
      'ssri',
      'antihypertensive',
      'antiepileptic',
      'proton-pump-inhibitor',
    ]) {
      expect(ids, id).toContain(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives each class forms, an ATC code and lower-case ingredients without repeats', () => {
    for (const def of DRUG_CLASSES) {
      expect(def.forms.length, def.id).toBeGreaterThan(0);
      expect(def.atc, def.id).toMatch(/^[A-Z]\d\d/);
      const ingredients = classIngredients(def);
      expect(ingredients.length, def.id).toBeGreaterThan(0);
      for (const i of ingredients) expect(i, def.id).toBe(i.toLowerCase());
      expect(new Set(def.ingredients).size, def.id).toBe(def.ingredients.length);
      for (const form of def.forms) expect(form, def.id).toBe(form.toLowerCase());
    }
  });

  it('never lets two classes claim the same form', () => {
    const owner = new Map<string, string>();
    for (const def of DRUG_CLASSES) {
      for (const form of new Set(def.forms.map((f) => phraseKey(f)))) {
        expect(owner.get(form), `${form}: ${def.id}`).toBeUndefined();
        owner.set(form, def.id);
      }
    }
  });

  it('names only classes that exist in its unions', () => {
    for (const def of DRUG_CLASSES) for (const id of def.includes ?? []) expect(drugClassById(id), `${def.id} -> ${id}`).toBeDefined();
  });

  it('makes a union hold the ingredients of the classes it includes', () => {
    const all = ingredientsOf('antihypertensive');
    for (const id of ['beta-blocker', 'ace-inhibitor', 'arb', 'calcium-channel-blocker', 'diuretic']) {
      for (const i of ingredientsOf(id)) expect(all, `${id}: ${i}`).toContain(i);
    }
    expect(all).toContain('clonidine');
    const diabetes = ingredientsOf('diabetes-medication');
    expect(diabetes).toContain('insulin');
    expect(diabetes).toContain('metformin');
  });

  it('matches Synthea medication displays by ingredient', () => {
    const cases: [string, string][] = [
      ['Warfarin Sodium 5 MG Oral Tablet', 'anticoagulant'],
      ['apixaban 2.5 MG Oral Tablet', 'anticoagulant'],
      ['Heparin sodium porcine 100 UNT/ML Injectable Solution', 'anticoagulant'],
      ['Clopidogrel 75 MG Oral Tablet', 'antiplatelet'],
      ['Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet', 'antibiotic'],
      ['Penicillin V Potassium 500 MG Oral Tablet', 'antibiotic'],
      ['Cefuroxime 250 MG Oral Tablet', 'antibiotic'],
      ['Azithromycin 250 MG Oral Tablet', 'antibiotic'],
      ['Ciprofloxacin 500 MG Oral Tablet', 'antibiotic'],
      ['Doxycycline Monohydrate 100 MG Oral Tablet', 'antibiotic'],
      ['Nitrofurantoin 5 MG/ML Oral Suspension', 'antibiotic'],
      ['Amoxicillin 500 MG Oral Capsule', 'penicillin'],
      ['Simvastatin 10 MG Oral Tablet', 'statin'],
      ['Metoprolol succinate 100 MG Extended Release Oral Tablet', 'beta-blocker'],
      ['lisinopril 10 MG Oral Tablet', 'ace-inhibitor'],
      ['losartan potassium 50 MG Oral Tablet', 'arb'],
      ['amLODIPine 5 MG Oral Tablet', 'calcium-channel-blocker'],
      ['Hydrochlorothiazide 25 MG Oral Tablet', 'diuretic'],
      ['Hydrochlorothiazide 25 MG Oral Tablet', 'antihypertensive'],
      ['insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML Injectable Suspension [Humulin]', 'insulin'],
      ['24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', 'antidiabetic'],
      ['Abuse-Deterrent 12 HR Oxycodone Hydrochloride 15 MG Extended Release Oral Tablet', 'opioid'],
      ['Ibuprofen 200 MG Oral Tablet', 'nsaid'],
      ['Naproxen sodium 220 MG Oral Tablet', 'nsaid'],
      ['prednisone 5 MG Oral Tablet', 'corticosteroid'],
      ['120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler', 'corticosteroid'],
      ['NDA020503 200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', 'bronchodilator'],
      ['Sertraline 100 MG Oral Tablet', 'ssri'],
      ['Sertraline 100 MG Oral Tablet', 'antidepressant'],
      ['Levetiracetam 500 MG Oral Tablet', 'antiepileptic'],
      ['Omeprazole 20 MG Delayed Release Oral Capsule', 'proton-pump-inhibitor'],
      ['Oseltamivir 75 MG Oral Capsule', 'antiviral'],
    ];
    for (const [text, id] of cases) {
      expect(namesIngredient(text, ingredientsOf(id)), `${text} in ${id}`).toBe(true);
    }
    expect(namesIngredient('Acetaminophen 325 MG Oral Tablet', ingredientsOf('nsaid'))).toBe(false);
    expect(namesIngredient('Aspirin 81 MG Oral Tablet', ingredientsOf('nsaid'))).toBe(false);
  });
});

describe('resolveDrugClass', () => {
  it('finds a class by any of its forms, with articles, plurals, hyphens and case', () => {
    for (const words of ['anticoagulant', 'anticoagulants', 'blood thinner', 'Blood Thinners', 'an anticoagulant', 'DOACs']) {
      expect(resolveDrugClass(graph, words)?.id, words).toBe('anticoagulant');
    }
    expect(resolveDrugClass(graph, 'beta-blockers')?.id).toBe('beta-blocker');
    expect(resolveDrugClass(graph, 'an ACE inhibitor')?.id).toBe('ace-inhibitor');
    expect(resolveDrugClass(graph, 'ARBs')?.id).toBe('arb');
    expect(resolveDrugClass(graph, 'PPIs')?.id).toBe('proton-pump-inhibitor');
    expect(resolveDrugClass(graph, 'SSRIs')?.id).toBe('ssri');
    expect(resolveDrugClass(graph, 'blood pressure medications')?.id).toBe('antihypertensive');
    expect(resolveDrugClass(graph, 'antibacterials')?.id).toBe('antibiotic');
  });

  it('keeps the words as given and returns undefined for what is no class', () => {
    expect(resolveDrugClass(graph, 'an anticoagulant')?.text).toBe('anticoagulant');
    expect(resolveDrugClass(graph, 'asthma')).toBeUndefined();
    expect(resolveDrugClass(graph, 'metformin')).toBeUndefined();
    expect(resolveDrugClass(graph, '')).toBeUndefined();
  });

  it('lists the anticoagulant ingredients, and warfarin among the members when the graph has it', () => {
    const cls = resolveDrugClass(graph, 'anticoagulant');
    expect(cls?.ingredients).toEqual(
      expect.arrayContaining(['warfarin', 'heparin', 'enoxaparin', 'apixaban', 'rivaroxaban', 'dabigatran']),
    );
    const warfarin = graph.findByName('warfarin').find((e) => e.type === 'drug');
    if (warfarin) expect(cls?.members).toContain(warfarin.id);
    else expect(cls?.members).toEqual([]);
  });

  it('gives members that are the graph drugs named by an ingredient, sorted', () => {
    for (const def of DRUG_CLASSES) {
      const cls = resolveDrugClass(graph, def.forms[0] as string);
      expect(cls?.id, def.id).toBe(def.id);
      const members = cls?.members ?? [];
      expect(members, def.id).toEqual([...members].sort());
      for (const id of members) expect(graph.get(id)?.type, `${def.id}: ${id}`).toBe('drug');
    }
  });

  it('finds members for the classes the graph holds drugs of', () => {
    const expected: Record<string, string[]> = {
      antiplatelet: ['drug:DB00945', 'drug:DB00758', 'drug:DB08816'],
      antibiotic: ['drug:DB00254', 'drug:DB00537', 'drug:DB01137'],
      antiviral: ['drug:DB00503', 'drug:DB00709'],
      statin: ['drug:DB01076', 'drug:DB00641', 'drug:DB01098'],
      'beta-blocker': ['drug:DB00264', 'drug:DB00571', 'drug:DB01136'],
      'ace-inhibitor': ['drug:DB00722', 'drug:DB00584', 'drug:DB00178'],
      arb: ['drug:DB00678', 'drug:DB00177'],
      'calcium-channel-blocker': ['drug:DB00381', 'drug:DB00343', 'drug:DB00661'],
      diuretic: ['drug:DB00695', 'drug:DB00999', 'drug:DB00421', 'drug:DB00214'],
      antihypertensive: ['drug:DB00264', 'drug:DB00722', 'drug:DB00678', 'drug:DB00381', 'drug:DB00695', 'drug:DB00575'],
      antidiabetic: ['drug:DB00331', 'drug:DB01067', 'drug:DB01261'],
      opioid: ['drug:DB00295', 'drug:DB00318', 'drug:DB00813'],
      nsaid: ['drug:DB01050', 'drug:DB00788', 'drug:DB00586'],
      corticosteroid: ['drug:DB00635', 'drug:DB00588', 'drug:DB08906', 'drug:DB01222'],
      bronchodilator: ['drug:DB01001', 'drug:DB00332', 'drug:DB01409', 'drug:DB00277'],
      antidepressant: ['drug:DB01104', 'drug:DB00472', 'drug:DB00321', 'drug:DB01156'],
      ssri: ['drug:DB01104', 'drug:DB00472'],
      antiepileptic: ['drug:DB00252', 'drug:DB00564', 'drug:DB00313', 'drug:DB01202'],
    };
    for (const [id, members] of Object.entries(expected)) {
      const got = drugMembers(graph, ingredientsOf(id));
      for (const m of members) {
        // Only drugs the graph has: a rebuilt graph may drop one.
        if (graph.get(m)) expect(got, `${id}: ${m}`).toContain(m);
      }
      expect(got.length, id).toBeGreaterThan(0);
    }
  });

  it('does not take a drug whose name only starts with an ingredient', () => {
    // "Ethinyl Estradiol" is not "estradiol" plus a salt; "Isosorbide Dinitrate" is no class's.
    expect(drugMembers(graph, ['ethinyl'])).toEqual([]);
    expect(drugMembers(graph, ['isosorbide'])).toEqual([]);
  });
});

describe('resolveIngredient', () => {
  it('reads one ingredient of the table as a one-ingredient class', () => {
    const amoxicillin = resolveIngredient(graph, 'amoxicillin');
    expect(amoxicillin).toMatchObject({ id: 'ingredient:amoxicillin', name: 'amoxicillin', ingredients: ['amoxicillin'] });
    expect(resolveIngredient(graph, 'Warfarin')?.id).toBe('ingredient:warfarin');
    expect(resolveIngredient(graph, 'metformin')?.members).toEqual(['drug:DB00331']);
  });

  it('returns undefined for words that are no ingredient', () => {
    expect(resolveIngredient(graph, 'foozumab')).toBeUndefined();
    expect(resolveIngredient(graph, 'anticoagulant')).toBeUndefined();
  });
});
