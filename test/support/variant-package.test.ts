/**
 * @file The variant package helper must never write into the package it mirrors: a test that
 * adds a graph to a variant's `onnx/` (or replaces one) changes the variant only. Checked on a
 * small package made here, so a broken helper cannot damage the committed one.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempFolder } from '../io/corpus.js';
import { replaceVariantFile, variantPackage } from './variant-package.js';

const { dir: tmp, remove } = tempFolder('cb-variant-');
afterAll(() => remove());

function sourcePackage(): string {
  const source = join(tmp, 'source');
  mkdirSync(join(source, 'onnx'), { recursive: true });
  writeFileSync(join(source, 'manifest.json'), JSON.stringify({ name: 'tiny', version: '1.0.0' }));
  writeFileSync(join(source, 'onnx', 'fusion.onnx'), 'real graph');
  return source;
}

describe('variantPackage', () => {
  it('makes real folders and links only files, so a file written into a subfolder stays in the variant', () => {
    const source = sourcePackage();
    const variant = variantPackage(source, join(tmp, 'variant'), (m) => {
      (m as unknown as { name: string }).name = 'edited';
    });
    expect(lstatSync(join(variant, 'onnx')).isDirectory()).toBe(true);
    expect(lstatSync(join(variant, 'onnx', 'fusion.onnx')).isSymbolicLink()).toBe(true);

    writeFileSync(join(variant, 'onnx', 'extra.onnx'), 'a graph of the test');
    replaceVariantFile(variant, 'onnx/fusion.onnx', 'another graph');

    expect(readdirSync(join(source, 'onnx'))).toEqual(['fusion.onnx']);
    expect(existsSync(join(source, 'onnx', 'extra.onnx'))).toBe(false);
    expect(readFileSync(join(source, 'onnx', 'fusion.onnx'), 'utf8')).toBe('real graph');
    expect(JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8'))).toEqual({ name: 'tiny', version: '1.0.0' });
    expect(readFileSync(join(variant, 'onnx', 'fusion.onnx'), 'utf8')).toBe('another graph');
    expect(JSON.parse(readFileSync(join(variant, 'manifest.json'), 'utf8')).name).toBe('edited');
  });
});
