import { describe, expect, it } from 'vitest';
import { KnowledgeGraph } from '../../src/kg/graph.js';
import { EntityLinker } from '../../src/kg/link.js';
import { GeneratorGraphView } from '../../src/synth/graph-view.js';
import { renderNote } from '../../src/synth/note.js';
import { samplePatient } from '../../src/synth/sample.js';
import { Random } from '../../src/util/random.js';

describe('generated notes', async () => {
  const graph = await KnowledgeGraph.loadDefault();
  const linker = new EntityLinker(graph);
  const view = new GeneratorGraphView(graph.file);
  const cases = Array.from({ length: 300 }, (_, i) => {
    const patient = samplePatient(view, 21, i);
    const note = renderNote(patient, view.findings, Random.derive(21, 'note', i));
    return { patient, note, mentions: linker.link(note.text) };
  });

  it('state every present finding so that the linker finds it as present', () => {
    let expected = 0;
    let found = 0;
    for (const { patient, mentions } of cases) {
      for (const finding of patient.present.filter((e) => e.type === 'finding')) {
        expected++;
        if (mentions.some((m) => m.entityId === finding.id && !m.negated && m.experiencer === 'patient')) found++;
      }
    }
    expect(found / expected).toBeGreaterThan(0.95);
  });

  it('never negate a finding the patient has, and negate only findings the patient lacks', () => {
    let negatedMentions = 0;
    for (const { patient, mentions } of cases) {
      const present = new Set(patient.present.map((e) => e.id));
      for (const m of mentions.filter((x) => x.negated && x.type === 'finding')) {
        negatedMentions++;
        expect(present.has(m.entityId), `${m.entityId} negated but present (patient ${patient.index})`).toBe(false);
      }
    }
    expect(negatedMentions).toBeGreaterThan(cases.length / 2);
  });

  it('never name the presenting diagnosis in the note', () => {
    let named = 0;
    for (const { patient, note } of cases) {
      const name = patient.condition.name.toLowerCase();
      if (note.text.toLowerCase().includes(name) && !patient.chronic.some((c) => c.name.toLowerCase().includes(name))) named++;
    }
    // DDXPlus antecedents such as "previous pericarditis" can repeat a condition's name as history.
    expect(named / cases.length).toBeLessThan(0.1);
  });

  it('vary in style and wording', () => {
    const styles = new Set(cases.map((c) => c.note.style));
    expect(styles).toEqual(new Set(['hp', 'soap', 'narrative']));
    const openings = new Set(cases.map((c) => c.note.text.split(/\s+/).slice(0, 6).join(' ')));
    expect(openings.size).toBeGreaterThan(cases.length / 2);
  });
});
