/**
 * @file Row operations on batch-first float tensors, so explanations can feed the fusion head a
 * batch whose rows repeat or replace one record's embeddings without re-running its encoders.
 */
import type { Embeddings } from '../model/runtime.js';
import { ort } from '../model/session.js';

function rowWidth(tensor: ort.Tensor): number {
  return tensor.dims.slice(1).reduce((a, b) => a * b, 1);
}

/** A new tensor made of the given rows of `tensor`, in that order (rows may repeat). */
export function takeRows(tensor: ort.Tensor, rows: readonly number[]): ort.Tensor {
  const width = rowWidth(tensor);
  const source = tensor.data as Float32Array;
  const out = new Float32Array(rows.length * width);
  for (const [i, row] of rows.entries()) out.set(source.subarray(row * width, (row + 1) * width), i * width);
  return new ort.Tensor('float32', out, [rows.length, ...tensor.dims.slice(1)]);
}

/** The same rows of every modality's embeddings. */
export function takeEmbeddingRows(embeddings: Embeddings, rows: readonly number[]): Embeddings {
  return {
    text: takeRows(embeddings.text, rows),
    image: takeRows(embeddings.image, rows),
    audio: takeRows(embeddings.audio, rows),
    ...(embeddings.specialty ? { specialty: takeRows(embeddings.specialty, rows) } : {}),
  };
}

/** Tensors of the same row shape stacked into one, in order. */
export function concatRows(tensors: readonly ort.Tensor[]): ort.Tensor {
  const first = tensors[0];
  if (!first) throw new RangeError('concatRows needs at least one tensor');
  if (tensors.length === 1) return first;
  const rows = tensors.reduce((n, t) => n + Number(t.dims[0]), 0);
  const out = new Float32Array(rows * rowWidth(first));
  let at = 0;
  for (const t of tensors) {
    out.set(t.data as Float32Array, at);
    at += (t.data as Float32Array).length;
  }
  return new ort.Tensor('float32', out, [rows, ...first.dims.slice(1)]);
}
