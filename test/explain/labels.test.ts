import { describe, expect, it } from 'vitest';
import { parseLabels } from '../../src/explain/labels.js';
import { UsageError } from '../../src/util/errors.js';

const v1 =
  '{"labelsVersion":1,"patientId":"p1","encounterId":"e1","condition":{"id":"condition:J17","severity":3},"recommendedDrugs":[{"id":"drug:DB1"}]}';
const v2In = '{"labelsVersion":2,"patientId":"p2","condition":{"id":"condition:J45"},"recommendedDrugs":[],"openSet":null}';
const v2Out =
  '{"labelsVersion":2,"patientId":"p3","condition":null,"recommendedDrugs":[{"id":"drug:DB2"}],"openSet":{"kind":"outside","problem":"Ankle sprain"}}';

function error(text: string): string {
  try {
    parseLabels(text, 'l.jsonl');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('labels files', () => {
  it('reads version 1 and version 2 lines, open-set ones with a null condition', () => {
    expect(parseLabels([v1, '', v2In, v2Out].join('\n'), 'l.jsonl')).toEqual([
      { patientId: 'p1', encounterId: 'e1', condition: 'condition:J17', severity: 3, drugs: ['drug:DB1'] },
      { patientId: 'p2', condition: 'condition:J45', drugs: [] },
      { patientId: 'p3', condition: null, drugs: ['drug:DB2'], openSet: { kind: 'outside' } },
    ]);
    // No labelsVersion reads as version 1.
    expect(parseLabels('{"patientId":"p","condition":{"id":"c"}}', 'x')[0]?.condition).toBe('c');
    // Real notes and routine visits are open-set kinds too.
    for (const kind of ['no-acute', 'real-note']) {
      expect(parseLabels(v2Out.replace('"outside"', `"${kind}"`), 'x')[0]?.openSet).toEqual({ kind });
    }
  });

  it('names the file, the line and the field at fault, quoting only the field value', () => {
    expect(error(`${v1}\n{"labelsVersion":3,"patientId":"p","condition":{"id":"c"}}`)).toBe(
      'l.jsonl:2: not a labels line: "labelsVersion" "3" is not one this clinicalbert reads (1, 2)',
    );
    expect(error('{"labelsVersion":1,"patientId":"p","condition":null}')).toContain('"condition" is null, which needs "labelsVersion": 2');
    expect(error(v2Out.replace('"outside"', '"elsewhere"'))).toContain(
      '"openSet.kind" must be one of no-acute, outside, real-note; got "elsewhere"',
    );
    expect(error(v2In.replace('"openSet":null', '"openSet":{"kind":"outside"}'))).toContain('"openSet" is set but "condition" is not null');
    expect(error('{"labelsVersion":2,"patientId":"p"}')).toContain('missing "condition.id"');
  });
});
