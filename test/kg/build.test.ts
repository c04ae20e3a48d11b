import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildKnowledgeGraph } from '../../src/kg/build/index.js';
import { serializeKnowledgeGraph } from '../../src/kg/build/serialize.js';
import { ACUTE_CURATION } from '../../src/kg/lexicon/conditions.js';
import { EVIDENCE_LEXICON } from '../../src/kg/lexicon/evidences.js';
import { acuteWeight, evidenceP, priors } from '../../src/kg/build/rules.js';
import { committedGraph, corpusSkipReason, hasCorpus, knowledgeDir } from './paths.js';

describe('build rules', () => {
  it('makes specific evidences more likely than shared ones, and hallmarks at least 0.85', () => {
    expect(evidenceP('finding', 1, false)).toBe(0.9);
    expect(evidenceP('finding', 49, false)).toBeCloseTo(0.257, 3);
    expect(evidenceP('finding', 2, false)).toBeGreaterThan(evidenceP('finding', 10, false));
    expect(evidenceP('finding', 34, true)).toBe(0.85);
    expect(evidenceP('antecedent', 18, false)).toBeLessThan(evidenceP('finding', 18, false));
  });

  it('normalises priors to exactly 1 after rounding', () => {
    const weights = new Map([
      ['a', acuteWeight(1)],
      ['b', acuteWeight(5)],
      ['c', acuteWeight(3)],
    ]);
    const p = priors(weights);
    expect([...p.values()].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
    expect(p.get('b')).toBeCloseTo(16 / 21, 5);
  });
});

describe.skipIf(!hasCorpus)(`kg build from the corpus (${hasCorpus ? knowledgeDir : corpusSkipReason})`, () => {
  it('rebuilds byte-identical to the committed kg.json', async () => {
    const built = serializeKnowledgeGraph(await buildKnowledgeGraph(knowledgeDir));
    const committed = await readFile(committedGraph, 'utf8');
    expect(
      built === committed,
      'models/clinicalbert-mini/kg.json is stale: run `clinicalbert kg build --from ../shared/corpus/knowledge`',
    ).toBe(true);
  });

  it('has a lexicon entry for every evidence a DDXPlus condition uses, and curates every condition', async () => {
    const conditions = JSON.parse(await readFile(`${knowledgeDir}/ddxplus/release_conditions.json`, 'utf8')) as Record<
      string,
      { symptoms: Record<string, unknown>; antecedents: Record<string, unknown> }
    >;
    const used = new Set<string>();
    for (const c of Object.values(conditions)) for (const id of [...Object.keys(c.symptoms), ...Object.keys(c.antecedents)]) used.add(id);
    expect(used.size).toBe(223);
    for (const id of used) expect(EVIDENCE_LEXICON[id], id).toBeDefined();
    expect(Object.keys(conditions).sort()).toEqual(Object.keys(ACUTE_CURATION).sort());
  });

  it('fails with a clear error when a source file is missing', async () => {
    await expect(buildKnowledgeGraph(`${knowledgeDir}/no-such-folder`)).rejects.toMatchObject({ code: 'KG_MISSING_SOURCE' });
  });
});
