/**
 * @file Edges between conditions and from conditions to antecedents: `is_a` from the ICD-10
 * hierarchy, `implies` from the curated chronic table, and `predisposes_to` derived from them.
 *
 * Derivation: a chronic condition that implies an antecedent predisposes to every acute
 * condition for which that antecedent is a risk factor (hypertension implies "high blood
 * pressure", which DDXPlus lists for angina, so hypertension predisposes to angina). Curated
 * extras cover links DDXPlus has no antecedent for.
 */
import { ClinicalBertError, quote } from '../../util/errors.js';
import { icd10Key } from '../icd10.js';
import { CHRONIC_CONDITIONS } from '../lexicon/conditions.js';
import { SYSTEMS, type Edge, type Entity } from '../types.js';

function fail(message: string): never {
  throw new ClinicalBertError(`kg build: ${message}`, { code: 'KG_CURATION_MISMATCH' });
}

export function buildRelations(
  conditions: Entity[],
  evidenceEdges: Edge[],
  entityIds: Set<string>,
  conditionIdByDdxName: Map<string, string>,
): { edges: Edge[]; notes: string[] } {
  const edges: Edge[] = [];
  const keys = new Set<string>();
  const add = (edge: Edge): void => {
    const key = `${edge.source}|${edge.type}|${edge.target}`;
    if (!keys.has(key)) {
      keys.add(key);
      edges.push(edge);
    }
  };

  // is_a: a condition whose preferred ICD-10 code lies below another condition's code.
  const preferred = conditions.map((c) => ({ id: c.id, key: icd10Key(c.codes.find((x) => x.system === SYSTEMS.icd10)?.code ?? '') ?? '' }));
  for (const child of preferred) {
    for (const parent of preferred) {
      if (child.id !== parent.id && child.key.length > parent.key.length && child.key.startsWith(parent.key)) {
        add({ source: child.id, type: 'is_a', target: parent.id });
      }
    }
  }

  for (const chronic of CHRONIC_CONDITIONS) {
    const source = `condition:${chronic.icd10}`;
    for (const evidence of chronic.implies ?? []) {
      const target = `antecedent:${evidence}`;
      if (!entityIds.has(target)) fail(`${chronic.name} implies ${evidence}, which is not an antecedent in the graph`);
      add({ source, type: 'implies', target });
      for (const rf of evidenceEdges) {
        if (rf.type === 'risk_factor_for' && rf.source === target) add({ source, type: 'predisposes_to', target: rf.target });
      }
    }
    for (const name of chronic.predisposesTo ?? []) {
      const target = conditionIdByDdxName.get(name);
      if (!target) fail(`${chronic.name} predisposes to ${quote(name)}, which is not a DDXPlus condition`);
      add({ source, type: 'predisposes_to', target });
    }
  }

  return {
    edges,
    notes: [
      'is_a edges follow the ICD-10 hierarchy between graph conditions (e.g. childhood asthma J45.909 is_a J45).',
      'implies edges (chronic condition -> DDXPlus antecedent) are curated in src/kg/lexicon/conditions.ts; predisposes_to edges are derived: ' +
        'a chronic condition predisposes to every acute condition its implied antecedents are risk factors for, plus a few curated links. They carry no probability.',
    ],
  };
}
