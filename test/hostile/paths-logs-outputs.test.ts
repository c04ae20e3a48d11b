/**
 * @file Hostile paths and broken outputs through the real CLI (issue 11, items 3, 4 and 6): outputs
 * that would destroy an input or each other are usage errors, relative attachment paths read
 * from stdin are refused unless --base-dir names their folder, ids with terminal escapes are
 * escaped in the text log, and a full disk, a folder as --out, a reader that leaves early or a
 * closed stderr end the run with one line (or none), never a stack trace.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE, REPO_ROOT, shell } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'cb-hostile-paths-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const model = ['--model', MODEL_DIR];
const SAMPLE = join(REPO_ROOT, 'samples/records.ndjson');

/** One Bundle line: a Patient with this id and a DocumentReference pointing at `url`. */
function bundleLine(patientId: string, url?: string): string {
  const entry: object[] = [
    { fullUrl: 'urn:uuid:p1', resource: { resourceType: 'Patient', id: patientId, gender: 'male', birthDate: '1950-01-01' } },
  ];
  if (url) {
    entry.push({
      fullUrl: 'urn:uuid:d1',
      resource: {
        resourceType: 'DocumentReference',
        id: 'd1',
        status: 'current',
        subject: { reference: 'urn:uuid:p1' },
        content: [{ attachment: { contentType: 'text/plain', url } }],
      },
    });
  }
  return `${JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry })}\n`;
}

/** No stack trace: no `    at ` frame and no `node:internal` path. */
function expectNoStack(stderr: string) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('node:internal');
  expect(stderr).not.toContain('internal error');
}

describe.skipIf(!HAS_MODEL)(`analyze: outputs that would destroy input are refused${MODEL_NOTE}`, () => {
  it('--out equal to an input is a usage error and leaves the input intact', () => {
    const input = join(tmp, 'same.ndjson');
    writeFileSync(input, readFileSync(SAMPLE));
    const before = readFileSync(input, 'utf8');
    // spelled differently from the input argument: compared by real path
    const r = cli(['analyze', input, ...model, '--out', join(tmp, '.', 'x', '..', 'same.ndjson')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--out');
    expect(r.stderr).toContain('same.ndjson');
    expect(readFileSync(input, 'utf8')).toBe(before);
  });

  it('--out and --dead-letter on one path are a usage error naming both', () => {
    const out = join(tmp, 'both.jsonl');
    const r = cli(['analyze', SAMPLE, ...model, '--out', out, '--dead-letter', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out and --dead-letter name the same file ".*both\.jsonl"/);
  });

  it('--report on the --out path is a usage error (JSON under --log-format json)', () => {
    const out = join(tmp, 'report-out.jsonl');
    const r = cli(['analyze', SAMPLE, ...model, '--out', out, '--report', out, '--log-format', 'json']);
    expect(r.status).toBe(2);
    const line = JSON.parse(r.stderr.trim()) as { level: string; message: string };
    expect(line.level).toBe('error');
    expect(line.message).toContain('--out and --report');
  });

  it('an output inside an input folder is fine', () => {
    const folder = join(tmp, 'bulk-out');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'Patient.ndjson'), '');
    const r = cli(['analyze', folder, ...model, '--out', join(folder, 'predictions.jsonl')]);
    expect(r.status).not.toBe(2);
  });
});

describe.skipIf(!HAS_MODEL)(`analyze: relative attachment paths from stdin${MODEL_NOTE}`, () => {
  const dir = join(tmp, 'stdin-base');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'note.txt'), 'Patient reports crushing chest pain radiating to the left arm.\n');
  const line = bundleLine('p1', 'note.txt');

  it('are refused with a warning naming the resource (not read from the current folder)', () => {
    const r = cli(['analyze', '-', ...model, '--no-timing'], { input: line, cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: p1: DocumentReference\/d1 .*relative attachment path refused/);
    const out = JSON.parse(r.stdout) as { inputs: { notes: number } };
    expect(out.inputs.notes).toBe(0);
  });

  it('are read from --base-dir', () => {
    const r = cli(['analyze', '-', ...model, '--no-timing', '--base-dir', dir], { input: line, cwd: tmp });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('refused');
    const out = JSON.parse(r.stdout) as { inputs: { notes: number } };
    expect(out.inputs.notes).toBe(1);
  });

  it('a --base-dir that is not a folder is a usage error quoting it', () => {
    const r = cli(['analyze', '-', ...model, '--base-dir', join(tmp, 'nope')], { input: line });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope');
  });
});

describe.skipIf(!HAS_MODEL)(`analyze: ids with control characters in the text log${MODEL_NOTE}`, () => {
  it('escapes ESC, BEL, newlines and bidi overrides', () => {
    const id = 'p1\u001b]0;pwned\u0007\u001b[2J\nerror: forged\u202e';
    // a missing attachment file gives a warning that names the record id
    const r = cli(['analyze', '-', ...model, '--no-timing'], { input: bundleLine(id, 'missing.txt') });
    expect(r.status).not.toBeNull();
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).not.toContain('\u0007');
    expect(r.stderr).not.toContain('\u202e');
    expect(r.stderr).not.toMatch(/^error: forged/m);
    expect(r.stderr).toContain('p1\\x1b]0;pwned\\x07\\x1b[2J\\nerror: forged\\u202e');
  });

  it('leaves JSON logs as JSON (escaped by JSON itself)', () => {
    const id = 'p2\u001b]0;pwned\u0007\nx';
    const r = cli(['analyze', '-', ...model, '--no-timing', '--log-format', 'json'], { input: bundleLine(id, 'missing.txt') });
    expect(r.stderr).not.toContain('\u001b');
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { record?: string });
    expect(lines.some((l) => l.record === id)).toBe(true);
  });
});

describe.skipIf(!HAS_MODEL)(`analyze: output errors end the run cleanly${MODEL_NOTE}`, () => {
  it.skipIf(process.platform !== 'linux')('--out /dev/full: exit 1 and one line', () => {
    const r = cli(['analyze', SAMPLE, ...model, '--out', '/dev/full', '--quiet']);
    expect(r.status).toBe(1);
    expectNoStack(r.stderr);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('ENOSPC');
  });

  it.skipIf(process.platform !== 'linux')('--out /dev/full with --log-format json: one JSON object', () => {
    const r = cli(['analyze', SAMPLE, ...model, '--out', '/dev/full', '--quiet', '--log-format', 'json']);
    expect(r.status).toBe(1);
    const line = JSON.parse(r.stderr.trim()) as { level: string; code: string; message: string };
    expect(line).toMatchObject({ level: 'error', code: 'OUTPUT_FAILED' });
    expect(line.message).toContain('/dev/full');
  });

  it('--out a folder: exit 1 and one line', () => {
    const r = cli(['analyze', SAMPLE, ...model, '--out', tmp, '--quiet']);
    expect(r.status).toBe(1);
    expectNoStack(r.stderr);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^clinicalbert: cannot write ".*": it is a folder \(EISDIR\)/);
  });

  it('| head -1: quiet, exit 0, no stack trace', async () => {
    const r = await shell(`node ${JSON.stringify(BIN)} analyze ${JSON.stringify(SAMPLE)} --model ${JSON.stringify(MODEL_DIR)} | head -1`);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expectNoStack(r.stderr);
  });

  it('a stderr pipe closed by its reader (EPIPE) does not stop the run or its output', async () => {
    const out = join(tmp, 'closed-stderr.jsonl');
    const whole = cli(['analyze', SAMPLE, ...model, '--no-timing']);
    const r = await shell(
      `node ${JSON.stringify(BIN)} analyze ${JSON.stringify(SAMPLE)} --model ${JSON.stringify(MODEL_DIR)} --no-timing --out ${JSON.stringify(out)} 2>&1 >/dev/null | true; exit \${PIPESTATUS[0]}`,
    );
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(whole.stdout);
  });

  it('a closed stderr (2>&-) does not stop the output', async () => {
    const out = join(tmp, 'no-stderr.jsonl');
    const r = await shell(
      `node ${JSON.stringify(BIN)} analyze ${JSON.stringify(SAMPLE)} --model ${JSON.stringify(MODEL_DIR)} --out ${JSON.stringify(out)} 2>&-`,
    );
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBeGreaterThan(0);
  });
});
