import { beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EntityLinker } from '../../src/kg/link.js';
import { ABBREVIATIONS, REJECTED_ABBREVIATIONS } from '../../src/kg/lexicon/abbreviations.js';
import { phraseKey } from '../../src/kg/normalize.js';

let graph: KnowledgeGraph;
let linker: EntityLinker;

beforeAll(async () => {
  graph = await KnowledgeGraph.loadDefault();
  linker = new EntityLinker(graph);
});

const ids = (text: string): string[] => linker.link(text).map((m) => `${m.entityId}${m.negated ? ' (negated)' : ''}`);

describe('the committed graph carries the abbreviation table', () => {
  it('has every abbreviation on its entity as a link-only form, recorded as coming from the table', () => {
    const origins = graph.file.provenance.surfaceForms ?? [];
    for (const a of ABBREVIATIONS) {
      expect(graph.get(a.entity)?.linkOnly, `${a.form} on ${a.entity}: rebuild kg.json`).toContain(a.form);
      expect(origins).toContainEqual({ entity: a.entity, form: a.form, source: 'abbreviation', text: a.expansion });
    }
    expect(origins.filter((o) => o.source === 'abbreviation')).toHaveLength(ABBREVIATIONS.length);
  });

  it('never puts an added form among the synonyms the generator writes', () => {
    for (const o of graph.file.provenance.surfaceForms ?? []) {
      expect(graph.get(o.entity)?.synonyms, `${o.form} on ${o.entity}`).not.toContain(o.form);
      expect(graph.get(o.entity)?.linkOnly).toContain(o.form);
    }
  });

  it.each([
    ['Denied HA, nausea or vomiting.', ['finding:E_53.head (negated)', 'finding:E_148 (negated)', 'finding:E_211 (negated)']],
    ['She complained of H/A that same morning.', ['finding:E_53.head']],
    ['History of PAF, on warfarin.', ['condition:I48.91']],
    ['Admitted with AFib with RVR.', ['condition:I48.91']],
    ['Chest x-ray consistent with PNA.', ['condition:J17']],
    ['Bronchoscopy positive for non-small cell lung CA.', ['condition:C34']],
    ['Past history of CA of the lung.', ['condition:C34']],
    ['No RLQ pain; 2+ BLE edema.', ['finding:E_53.abdomen (negated)', 'finding:E_151.leg']],
    ['Reports SOBOE and BRBPR.', ['finding:E_218', 'finding:E_179']],
  ])('links %j', (text, expected) => {
    expect(ids(text)).toEqual(expected);
  });

  it('does not let a short form catch an English word', () => {
    expect(ids('She does what she has to do, and it goes away; he was fine.')).toEqual([]);
  });
});

describe('abbreviations left out on purpose', () => {
  it('are no surface form of the graph', () => {
    for (const r of REJECTED_ABBREVIATIONS) expect(graph.surfaceForms().has(phraseKey(r.form)), r.form).toBe(false);
  });

  it('PE: the examination heading, ear tubes and consent boilerplate do not link a pulmonary embolism', () => {
    const pe = REJECTED_ABBREVIATIONS.find((r) => r.form === 'pe');
    expect(pe?.why).toMatch(/13 pulmonary embolism, 6 "PE tubes", 2 physical education, 2 the "PE:" heading/);
    expect(ids('PE: Vitals stable. Lungs clear.')).toEqual([]);
    expect(ids('Bilateral myringotomy and insertion of PE tubes.')).toEqual([]);
    expect(ids('Risks of anesthesia, bleeding, infection, pain, MI, DVT, PE were discussed.')).not.toContain('condition:I26');
    expect(ids('V/Q scan was positive for pulmonary embolism.')).toEqual(['condition:I26']);
  });

  it('DOE is out because the suffix rules turn "does" into "doe"', () => {
    expect(phraseKey('does')).toBe(phraseKey('doe'));
    expect(ids('Reports dyspnea on exertion.')).toEqual(['finding:E_218']);
  });
});

describe('forms derived from ICD-10-CM descriptions', () => {
  it.each([
    ['Paroxysmal atrial fibrillation, on warfarin.', 'condition:I48.91', 'I48.0'],
    ['Diagnosis: acute maxillary sinusitis.', 'condition:J01', 'J01.0'],
    ['Acute obstructive laryngitis.', 'condition:J05.0', 'J05.0'],
    ['Gastro-esophageal reflux disease.', 'condition:K21', 'K21'],
    ['Perforation of esophagus after vomiting.', 'condition:K22.3', 'K22.3'],
    ['Acute upper respiratory infection.', 'condition:J06.9', 'J06.9'],
  ])('links %j whole, recorded with its code', (text, entityId, code) => {
    const [m] = linker.link(text);
    expect(m?.entityId).toBe(entityId);
    const form = (m?.text ?? '').toLowerCase();
    expect(graph.file.provenance.surfaceForms).toContainEqual(expect.objectContaining({ entity: entityId, form, source: 'icd10cm', code }));
  });

  it('keeps a phrase another entity owns with that entity ("heart failure" stays the antecedent)', () => {
    expect(ids('History of heart failure.')).toEqual(['antecedent:E_106']);
    expect(graph.file.provenance.notes.join('\n')).toContain('"heart failure" (I50.9, kept by antecedent:E_106)');
  });
});
