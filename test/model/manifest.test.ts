/**
 * The manifest's abstention and `follows` fields: the schema and the rules it cannot state, on
 * the committed package's manifest (read as text, no model needed), first stripped of both
 * fields and of the "none" label, then changed one field at a time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HeadSpec, ModelManifest } from '../../src/model/manifest.js';
import { ModelPackageError, headProblems, parseManifest } from '../../src/model/package.js';
import { REPO_ROOT } from '../support/cli.js';
import { must } from '../support/must.js';

const TEXT = readFileSync(join(REPO_ROOT, 'models/clinicalbert-mini/manifest.json'), 'utf8');
const committed = (): ModelManifest => JSON.parse(TEXT) as ModelManifest;

/** A head of `m` that the committed manifest has. */
const headOf = (m: ModelManifest, name: string): HeadSpec => must(m.heads[name], `the ${name} head`);

/** The committed manifest as a package without abstention would have it: no "none", no follows. */
function base(): ModelManifest {
  const m = committed();
  for (const head of Object.values(m.heads)) {
    delete head.abstention;
    delete head.follows;
    head.labels = head.labels.filter((l) => l.id !== 'none');
  }
  return m;
}

/** The manifest with a "none of these" label appended to the diagnosis head. */
function withNone(): ModelManifest {
  const m = base();
  headOf(m, 'diagnoses').labels.push({ id: 'none', display: 'none of these labels' });
  return m;
}

function parse(m: ModelManifest): ModelManifest {
  return parseManifest('/pkg', JSON.stringify(m));
}

function failure(m: ModelManifest): ModelPackageError {
  try {
    parse(m);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelPackageError);
    return error as ModelPackageError;
  }
  throw new Error('the manifest was accepted');
}

describe('manifest abstention and follows', () => {
  it('accepts the committed manifest: diagnoses abstain on "none", drugs and severity follow them', () => {
    const m = parse(committed());
    expect(m.heads.diagnoses?.abstention?.label).toBe('none');
    expect(m.heads.diagnoses?.labels.at(-1)?.id).toBe('none');
    expect(m.heads.drugs?.follows).toBe('diagnoses');
    expect(m.heads.severity?.follows).toBe('diagnoses');
    expect(m.heads.specialty?.abstention).toBeUndefined();
  });

  it('accepts a manifest with neither', () => {
    const m = parse(base());
    expect(Object.values(m.heads).some((h) => h.abstention || h.follows)).toBe(false);
  });

  it('accepts a none label with a threshold, one-minus-max without a label, and heads that follow', () => {
    const m = withNone();
    headOf(m, 'diagnoses').abstention = { label: 'none', threshold: 0.42, description: 'calibrated on validation' };
    headOf(m, 'severity').follows = 'diagnoses';
    headOf(m, 'drugs').follows = 'diagnoses';
    expect(parse(m).heads.diagnoses?.abstention?.threshold).toBe(0.42);
    const minus = base();
    headOf(minus, 'diagnoses').abstention = { score: 'one-minus-max', threshold: 1 };
    expect(parse(minus).heads.diagnoses?.abstention?.score).toBe('one-minus-max');
  });

  it('refuses a label the head does not have, quoting it and listing the labels', () => {
    const m = withNone();
    headOf(m, 'diagnoses').abstention = { label: 'nothing', threshold: 0.4 };
    const e = failure(m);
    expect(e.code).toBe('MODEL_MANIFEST_INVALID');
    expect(e.message).toContain('heads.diagnoses.abstention.label "nothing" is not one of the head\'s labels: "condition:A15"');
    expect(e.message).toContain('"none" (50 labels)');
  });

  it('refuses a threshold outside (0, 1], quoting it', () => {
    for (const threshold of [0, 1.5, -0.2]) {
      const m = withNone();
      headOf(m, 'diagnoses').abstention = { label: 'none', threshold };
      const e = failure(m);
      expect(e.code).toBe('MODEL_MANIFEST_INVALID');
      expect(e.message).toMatch(/\/heads\/diagnoses\/abstention\/threshold must be/);
      expect(e.message).toContain(`(got "${threshold}")`);
    }
  });

  it('refuses an abstention on a sigmoid head, an unknown score kind, and a label-scored abstention without a label', () => {
    const sigmoid = base();
    headOf(sigmoid, 'drugs').abstention = { score: 'one-minus-max', threshold: 0.5 };
    expect(failure(sigmoid).message).toContain(
      'heads.drugs.abstention: only a softmax head can abstain; this head\'s activation is "sigmoid"',
    );

    const kind = base();
    (kind.heads.diagnoses as unknown as { abstention: unknown }).abstention = { score: 'entropy', threshold: 0.5 };
    expect(failure(kind).message).toContain(
      '/heads/diagnoses/abstention/score must be equal to one of the allowed values: "label", "one-minus-max" (got "entropy")',
    );

    const missing = base();
    headOf(missing, 'diagnoses').abstention = { threshold: 0.5 };
    expect(failure(missing).message).toContain('heads.diagnoses.abstention.label is required with score "label"');
  });

  it('refuses follows that names no head, itself, a sigmoid head, a head that follows, or drugs over other labels', () => {
    const cases: [(m: ModelManifest) => void, string][] = [
      [
        (m) => {
          headOf(m, 'severity').follows = 'diagnosis';
        },
        'heads.severity.follows "diagnosis" is not a head of this model; heads: diagnoses, drugs, severity, specialty',
      ],
      [
        (m) => {
          headOf(m, 'severity').follows = 'severity';
        },
        'heads.severity.follows "severity" names the head itself; it must name another softmax head: diagnoses, specialty',
      ],
      [
        (m) => {
          headOf(m, 'severity').follows = 'drugs';
        },
        'heads.severity.follows "drugs" must name a softmax head: diagnoses, severity, specialty',
      ],
      [
        (m) => {
          headOf(m, 'specialty').follows = 'diagnoses';
          headOf(m, 'severity').follows = 'specialty';
        },
        'heads.severity.follows "specialty": that head follows "diagnoses" itself, and chains are not supported',
      ],
      [
        (m) => {
          headOf(m, 'drugs').follows = 'diagnoses';
          headOf(m, 'drugs').labels[3] = { id: 'condition:J45', display: 'Asthma' };
        },
        'a sigmoid head that follows must have only drug: labels (drugs are kept by the graph\'s treats/palliates edges); label "condition:J45" is not one',
      ],
    ];
    for (const [change, message] of cases) {
      const m = base();
      change(m);
      const e = failure(m);
      expect(e.code).toBe('MODEL_MANIFEST_INVALID');
      expect(e.message).toContain(message);
    }
  });

  it('states every problem of a head at once', () => {
    const m = base();
    headOf(m, 'drugs').abstention = { label: 'none', threshold: 0.5 };
    expect(headProblems(m.heads)).toEqual([
      'heads.drugs.abstention: only a softmax head can abstain; this head\'s activation is "sigmoid"',
      expect.stringContaining('heads.drugs.abstention.label "none" is not one of the head\'s labels'),
    ]);
  });

  it('quotes an unknown field and a wrong type in schema errors', () => {
    const m = base() as unknown as { heads: { diagnoses: Record<string, unknown> } };
    m.heads.diagnoses.abstains = true;
    expect(failure(m as unknown as ModelManifest).message).toContain('/heads/diagnoses must NOT have additional properties: "abstains"');
  });
});
