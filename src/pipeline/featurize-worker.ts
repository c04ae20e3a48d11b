/**
 * @file The body of one featurizing worker thread (src/pipeline/featurize-pool.ts): it loads the
 * package's tokenizer, knowledge graph and featurizer once (the same code the main thread would
 * run, so the features are the same bytes) and answers each record with its features, or with the
 * message of the error featurizing threw. Images and audio come back as transferred buffers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadModelPackage } from '../model/package.js';
import { packageFeaturizer } from '../model/runtime.js';
import type { ClinicalRecord } from '../records/types.js';

interface Task {
  id: number;
  record: ClinicalRecord;
}

const port = parentPort;
if (!port) throw new Error('featurize-worker runs only as a worker thread');
// the main thread verified the package's hashes already: sizes are enough here
const ready = loadModelPackage(workerData.packageDir as string, { verify: 'size' }).then((pkg) => packageFeaturizer(pkg));

port.on('message', async (task: Task) => {
  try {
    const { featurizer } = await ready;
    const started = process.hrtime.bigint();
    const features = await featurizer.featurize(task.record);
    const ns = Number(process.hrtime.bigint() - started);
    const transfer: ArrayBuffer[] = [];
    if (features.image) transfer.push(features.image.buffer as ArrayBuffer);
    if (features.audio) transfer.push(features.audio.buffer as ArrayBuffer);
    port.postMessage({ id: task.id, features, ns }, transfer);
  } catch (error) {
    port.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
