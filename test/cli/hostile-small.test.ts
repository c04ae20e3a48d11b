/**
 * @file The smaller breaks of issue 11 through the CLI, each with the behaviour a user of a
 * nightly job expects: an invalid glob is a usage error (exit 2) naming it, not an internal error.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../io/corpus.js';
import { cli, HAS_MODEL, MODEL_DIR, MODEL_NOTE } from '../support/cli.js';

let tmp = '';
let remove = () => {};
beforeAll(() => {
  ({ dir: tmp, remove } = tempFolder('cb-cli-small-'));
});
afterAll(() => remove());

describe('an invalid glob', () => {
  it('is a usage error (exit 2) quoting the pattern in analyze, before the model loads (was exit 1, a SyntaxError stack)', () => {
    const pattern = join(tmp, 'exports', '[z-a]*.ndjson');
    const analyze = cli(['analyze', pattern]);
    expect(analyze.status, analyze.stderr).toBe(2);
    expect(analyze.stderr).toContain(`${JSON.stringify(pattern)} is not a valid glob pattern`);
    expect(analyze.stderr).not.toMatch(/internal error|SyntaxError| {4}at /);
  });

  it.skipIf(!HAS_MODEL)(`is a usage error in explain too${MODEL_NOTE}`, () => {
    const pattern = join(tmp, '[z-a]');
    const explain = cli(['explain', pattern, '--record', 'p1', '--model', MODEL_DIR]);
    expect(explain.status, explain.stderr).toBe(2);
    expect(explain.stderr).toContain('is not a valid glob pattern');
  });
});
