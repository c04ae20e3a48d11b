import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { BREAKOUT_NOTE, SCRIPT_NOTE, makeLine, makeThumbnail, writeModelPackage } from './fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'clinicalbert.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir = '';
let predictions = '';
let jsonl = '';
let modelDir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clinicalbert-report-'));
  const thumbnail = await makeThumbnail();
  const lines = [
    JSON.stringify(makeLine(0, { explain: true, thumbnail, hostile: true })),
    JSON.stringify(makeLine(1, { explain: true, thumbnail })),
    '',
    JSON.stringify(makeLine(2)),
    `{"schemaVersion": "1.0", "id": "${SCRIPT_NOTE.replace(/"/g, '')}`,
    JSON.stringify({ ...makeLine(3), inputs: 'private note text' }),
    JSON.stringify(makeLine(4)),
  ];
  jsonl = `${lines.join('\n')}\n`;
  predictions = join(dir, 'predictions.jsonl');
  await writeFile(predictions, jsonl);
  await writeFile(
    join(dir, 'dead.jsonl'),
    [
      '{"file":"a.ndjson","line":3,"code":"INVALID_JSON","reason":"not JSON"}',
      '{"file":"a.ndjson","line":9,"code":"NO_PATIENT","reason":"x"}',
      '{"file":"a.ndjson","line":12,"code":"INVALID_JSON","reason":"y"}',
    ].join('\n'),
  );
  modelDir = join(dir, 'model');
  await writeModelPackage(modelDir);
});

describe('clinicalbert report', () => {
  it('builds the report from a predictions file, skipping unreadable lines by number', async () => {
    const out = join(dir, 'out', 'report.html');
    const r = cli([
      'report',
      predictions,
      '-o',
      out,
      '--model',
      modelDir,
      '--report-max-records',
      '2',
      '--dead-letter',
      join(dir, 'dead.jsonl'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('predictions.jsonl:5: skipped: not valid JSON');
    expect(r.stderr).toContain('predictions.jsonl:6: skipped: inputs is not an object');
    expect(r.stderr).toContain('report: 4 records (2 in detail), 2 lines skipped');
    expect(r.stderr).not.toContain('private note text');
    expect(r.stderr).not.toContain('__pwned');
    expect(r.stdout).toBe('');

    const doc = await readFile(out, 'utf8');
    expect(doc).toContain('Detail is shown for the first 2 of 4 records (--report-max-records 2)');
    expect((doc.match(/<article class="record"/g) ?? []).length).toBe(2);
    expect(doc).toContain('Research and software testing on synthetic records'); // the card from --model
    expect(doc).toContain('0.7431');
    expect(doc).toMatch(/<code>INVALID_JSON<\/code><\/td><td class="num">2</);
    expect(doc).not.toContain(SCRIPT_NOTE);
    expect(doc).not.toContain(BREAKOUT_NOTE);
    expect(doc).not.toContain('private note text');
    // The write is atomic: no temporary file is left beside the report.
    expect(await readdir(join(dir, 'out'))).toEqual(['report.html']);

    const again = join(dir, 'again.html');
    expect(
      cli(['report', predictions, '-o', again, '--model', modelDir, '--report-max-records', '2', '--dead-letter', join(dir, 'dead.jsonl')])
        .status,
    ).toBe(0);
    expect(await readFile(again, 'utf8')).toBe(doc);
  });

  it('reads stdin and renders without a model card when the package cannot be loaded', async () => {
    const out = join(dir, 'stdin.html');
    const r = cli(['report', '-', '-o', out, '--model', join(dir, 'no-such-model')], jsonl);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('no model card in the report');
    expect(r.stderr).toContain('stdin:5: skipped: not valid JSON');
    const doc = await readFile(out, 'utf8');
    expect(doc).toContain('Model card unavailable');
    expect((doc.match(/<article class="record"/g) ?? []).length).toBe(4);
  });

  it('exits 2 for a missing predictions file or a bad --report-max-records', () => {
    const missing = cli(['report', join(dir, 'nope.jsonl'), '-o', join(dir, 'x.html')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    const bad = cli(['report', predictions, '-o', join(dir, 'y.html'), '--report-max-records', 'lots']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--report-max-records must be an integer');
    expect(existsSync(join(dir, 'x.html')) || existsSync(join(dir, 'y.html'))).toBe(false);
  });
});
