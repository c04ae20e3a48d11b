/**
 * Which conditions last once present: the graph's chronic ones, names that say chronic, the
 * ICD-10-CM categories of LASTING_ICD10, never a name that says acute or exacerbation.
 */
import { describe, expect, it } from 'vitest';
import { LASTING_ICD10, lasts } from '../../src/ask/persistence.js';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import type { Entity } from '../../src/kg/types.js';
import { SYSTEMS } from '../../src/util/code-systems.js';

const graph = await KnowledgeGraph.loadDefault();
const named = (id: string): Entity => {
  const e = graph.get(id);
  if (!e) throw new Error(`no ${id} in the graph`);
  return e;
};
const made = (name: string, icd: string, course: Entity['course'] = 'acute'): Entity =>
  ({ id: `condition:${icd}`, type: 'condition', name, course, codes: [{ system: SYSTEMS.icd10, code: icd }] }) as Entity;

describe('lasts', () => {
  it('keeps the graph presenting diagnoses that stay (atrial fibrillation, anemia, chronic rhinosinusitis)', () => {
    expect(named('condition:I48.91').course).toBe('acute');
    expect(lasts(named('condition:I48.91'))).toBe(true);
    expect(lasts(named('condition:D64.9'))).toBe(true);
    expect(lasts(named('condition:J32'))).toBe(true);
  });

  it('lets the ones that come and go pass (pneumonia, viral pharyngitis, sinusitis, unstable angina)', () => {
    for (const id of ['condition:J17', 'condition:J02.9', 'condition:J01', 'condition:I20.0', 'condition:I21'])
      expect(lasts(named(id))).toBe(false);
  });

  it('never takes an acute name or an exacerbation for lasting, whatever its code', () => {
    expect(lasts(named('condition:J44.1'))).toBe(false);
    expect(lasts(named('condition:J45'))).toBe(false);
    expect(lasts(made('Acute kidney failure on chronic kidney disease', 'N18.9'))).toBe(false);
  });

  it('reads the graph course, a chronic name and code prefixes', () => {
    expect(lasts(made('Hypertension', 'I10', 'chronic'))).toBe(true);
    expect(lasts(made('Chronic pain', 'G89.29'))).toBe(true);
    expect(lasts(made('Type 2 diabetes mellitus', 'E11.9'))).toBe(true);
    expect(lasts(made('Viral sinusitis', 'J01.90'))).toBe(false);
    expect(lasts(undefined)).toBe(false);
    expect(LASTING_ICD10.every((p) => /^[A-Z]\d\d(\.\d+)?$/.test(p))).toBe(true);
  });
});
