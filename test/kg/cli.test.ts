import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedGraph, corpusSkipReason, hasCorpus, knowledgeDir, repoRoot } from './paths.js';

function cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'clinicalbert.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('clinicalbert kg', () => {
  it('stats --json counts the embedded graph', () => {
    const r = cli(['kg', 'stats', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const stats = JSON.parse(r.stdout) as { conditionsByCourse: { acute: number }; entities: Record<string, number> };
    expect(stats.conditionsByCourse.acute).toBe(49);
    expect(stats.entities.drug).toBeGreaterThan(0);
  });

  it('query --json resolves a code with parent fallback and lists neighbours', () => {
    const r = cli(['kg', 'query', 'j45.9', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      entity: { id: string };
      neighbours: { direction: string; edge: { type: string; p?: number }; entity: { id: string } }[];
    };
    expect(out.entity.id).toBe('condition:J45');
    const wheeze = out.neighbours.find((n) => n.entity.id === 'finding:E_214');
    expect(wheeze).toMatchObject({ direction: 'in', edge: { type: 'symptom_of' } });
    expect(wheeze?.edge.p).toBeGreaterThan(0);
  });

  it('query prints an aligned table without --json', () => {
    const r = cli(['kg', 'query', 'shortness of breath', '--kg', committedGraph]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('finding:E_66');
    expect(r.stdout).toMatch(/DIR\s+EDGE\s+P/);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('shows where added surface forms come from (query) and counts them (stats)', () => {
    const json = cli(['kg', 'query', 'PAF', '--json']);
    expect(json.status, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as {
      entity: { id: string };
      surfaceFormOrigins: { form: string; source: string; code?: string }[];
    };
    expect(out.entity.id).toBe('condition:I48.91');
    expect(out.surfaceFormOrigins).toContainEqual(expect.objectContaining({ form: 'paf', source: 'abbreviation' }));
    expect(out.surfaceFormOrigins).toContainEqual(
      expect.objectContaining({ form: 'paroxysmal atrial fibrillation', source: 'icd10cm', code: 'I48.0' }),
    );
    const text = cli(['kg', 'query', 'condition:I48.91']);
    expect(text.stdout).toContain('paroxysmal atrial fibrillation [ICD-10-CM I48.0]');
    expect(text.stdout).toContain('paf [abbreviation]');
    const stats = JSON.parse(cli(['kg', 'stats', '--json']).stdout) as { addedSurfaceForms: { icd10cm: number; abbreviation: number } };
    expect(stats.addedSurfaceForms.icd10cm).toBeGreaterThan(50);
    expect(stats.addedSurfaceForms.abbreviation).toBeGreaterThan(10);
  });

  it('exits 2 for an unknown term and suggests close matches', () => {
    const r = cli(['kg', 'query', 'pnemonia']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown term "pnemonia"');
    expect(r.stderr).toContain('condition:J17');
  });

  it('exits 2 for a missing --kg file', () => {
    const r = cli(['kg', 'stats', '--kg', join(tmpdir(), 'no-such-kg.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not found');
  });

  it('link --json returns mentions with spans and flags, also from stdin', () => {
    const text = 'Denies fever or chills; mother has asthma; PMH: HTN.';
    const r = cli(['kg', 'link', text, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const mentions = JSON.parse(r.stdout) as {
      entityId: string;
      start: number;
      end: number;
      negated: boolean;
      historical: boolean;
      name: string;
    }[];
    expect(mentions.find((m) => m.entityId === 'finding:E_91')?.negated).toBe(true);
    expect(mentions.find((m) => m.entityId === 'condition:I10')?.historical).toBe(true);
    for (const m of mentions) expect(m.name.length).toBeGreaterThan(0);
    const fromStdin = cli(['kg', 'link', '-', '--json'], text);
    expect(JSON.parse(fromStdin.stdout)).toEqual(mentions);
  });

  it.skipIf(!hasCorpus)(`build writes a file identical to the committed graph${hasCorpus ? '' : ` (${corpusSkipReason})`}`, async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'kg-cli-')), 'kg.json');
    const r = cli(['kg', 'build', '--from', knowledgeDir, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, entities: expect.any(Number) });
    expect(await readFile(out, 'utf8')).toBe(await readFile(committedGraph, 'utf8'));
  });

  it('build exits 2 when the source folder lacks the inputs', () => {
    const r = cli(['kg', 'build', '--from', join(tmpdir(), 'no-such-corpus'), '--out', join(tmpdir(), 'unused-kg.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('missing source file');
  });
});
