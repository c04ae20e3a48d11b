import { describe, expect, it } from 'vitest';
import { fmtEffect } from '../../src/report/format.js';
import { effectScale, MIN_EFFECT_SCALE, weightFill } from '../../src/report/svg.js';

const alphaOf = (fill: string) => Number(/,\s*([\d.]+)\)$/.exec(fill)?.[1] ?? 'NaN');

describe('occlusion tints', () => {
  it('keep tiny effects nearly transparent instead of scaling them to full colour', () => {
    const cells = [0, 0.0001, 0.0002, 0];
    const scale = effectScale(cells);
    expect(scale).toBe(MIN_EFFECT_SCALE);
    expect(alphaOf(weightFill(0.0002, scale))).toBeLessThan(0.01);
  });

  it('scale to the strongest effect once it passes the floor', () => {
    const cells = [0.3, -0.15, 0.01];
    expect(effectScale(cells)).toBe(0.3);
    expect(alphaOf(weightFill(0.3, effectScale(cells)))).toBe(0.75);
  });

  it('say "unchanged" for effects that round to zero', () => {
    expect(fmtEffect(0.0002, 'covered')).toBe('score unchanged (under 0.001) when covered');
    expect(fmtEffect(0.12, 'removed')).toBe('score \u22120.120 when removed');
  });
});
