/**
 * @file Forms the build adds for the linker (ICD-10-CM phrases, abbreviations) must not change what
 * the synthetic-note generator writes: it reads names and synonyms only. Generating from the
 * committed graph and from the same graph without the added forms must give identical bytes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KnowledgeGraphFile } from '../../src/kg/types.js';
import { generate } from '../../src/synth/generate.js';
import { committedGraph } from './paths.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-kg-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The graph as it was before the build added forms: no recorded form, no provenance list. */
function withoutAddedForms(kg: KnowledgeGraphFile): KnowledgeGraphFile {
  const added = new Set((kg.provenance.surfaceForms ?? []).map((o) => `${o.entity}|${o.form}`));
  const entities = kg.entities.map((e) => {
    const linkOnly = (e.linkOnly ?? []).filter((f) => !added.has(`${e.id}|${f}`));
    const { linkOnly: _drop, ...rest } = e;
    return linkOnly.length > 0 ? { ...rest, linkOnly } : rest;
  });
  const { surfaceForms: _none, ...provenance } = kg.provenance;
  return { ...kg, provenance, entities };
}

describe('generated notes do not depend on link-only forms', () => {
  it('writes the same records and labels with and without the added forms', async () => {
    const kg = JSON.parse(readFileSync(committedGraph, 'utf8')) as KnowledgeGraphFile;
    const bare = withoutAddedForms(kg);
    expect(bare.entities.flatMap((e) => e.linkOnly ?? []).length).toBeLessThan(kg.entities.flatMap((e) => e.linkOnly ?? []).length);
    const run = async (graph: KnowledgeGraphFile, name: string) => {
      const out = join(dir, `${name}.ndjson`);
      const labels = join(dir, `${name}.labels.jsonl`);
      await generate(graph, { seed: 7, patients: 20, format: 'ndjson', out, labels });
      return { records: readFileSync(out), labels: readFileSync(labels) };
    };
    const full = await run(kg, 'full');
    const without = await run(bare, 'bare');
    expect(full.records.equals(without.records)).toBe(true);
    expect(full.labels.equals(without.labels)).toBe(true);
  });
});
