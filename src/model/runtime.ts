/**
 * @file The loaded model: a verified package, its tokenizer, knowledge graph and linker, and one
 * ONNX Runtime session per graph, with `run()` taking a batch of featurized records through the
 * text, image and audio encoders and the fusion head.
 *
 * Records without an image or audio still go through the fusion head: their embeddings are zeros
 * and `modality_mask` tells the head which modalities are present (the model was trained with
 * modality dropout for exactly this). The same mask lets explanations remove a modality.
 */
import { readFileSync } from 'node:fs';
import { KnowledgeGraph } from '../kg/graph.js';
import { EntityLinker } from '../kg/link.js';
import { ClinicalBertError } from '../util/errors.js';
import { startupMark } from '../util/startup-trace.js';
import { Featurizer, type RecordFeatures } from './features.js';
import { checkGraphShapes } from './graph-shapes.js';
import type { HeadSpec, ModelManifest, Precision } from './manifest.js';
import { loadModelPackage, type ModelPackage, type VerifyMode } from './package.js';
import { graphsAt } from './precision.js';
import { createSession, ort, type Device } from './session.js';
import { loadTokenizer, type Tokenizer } from './tokenizer.js';

export interface RuntimeOptions {
  device: Device;
  threads: number;
  /**
   * `cached` (default) checks every file's sha256 but trusts an earlier check of an unchanged file
   * (src/model/verified-files.ts); `hash` reads every file (`--verify`); `size` only checks sizes.
   */
  verify?: VerifyMode;
  /** Which graphs to run (src/model/precision.ts); the package's default when absent. */
  precision?: Precision;
  /** The package's knowledge graph, when the caller has loaded it already (`ask` reads the question with it). */
  graph?: KnowledgeGraph;
  onWarning?: (message: string) => void;
}

/** Raw per-record outputs of one run, as probabilities. */
export interface RecordOutputs {
  /** Head name -> probability per label (softmax or sigmoid, as the head says). */
  heads: Record<string, Float32Array>;
  /** Fusion attention over the record's entities (same order as features.entities). */
  entityAttention: Float32Array;
  /** Which modalities the fusion saw: text, image, audio, entities. */
  modalities: { text: boolean; image: boolean; audio: boolean; entities: boolean };
}

/** What the caller may switch off for an ablation run (explanations). */
export interface RunMask {
  text?: boolean;
  image?: boolean;
  audio?: boolean;
  entities?: boolean;
}

const DIMS = { text: 'text_embedding', image: 'image_embedding', audio: 'audio_embedding' } as const;

/** The package's graphs, in the order their sessions are created. */
const ROLES = ['text', 'image', 'audio', 'fusion'] as const;
type Role = (typeof ROLES)[number];

/** Per-modality embeddings of a batch: what the fusion head reads. */
export interface Embeddings {
  text: ort.Tensor;
  image: ort.Tensor;
  audio: ort.Tensor;
  specialty?: ort.Tensor;
}

function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp((logits[i] as number) - max);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

function sigmoid(logits: Float32Array): Float32Array {
  return logits.map((v) => 1 / (1 + Math.exp(-v)));
}

/** The tokenizer, knowledge graph and featurizer a package describes (no ONNX session); `loaded`: its graph, already read. */
export interface PackageFeaturizer {
  tokenizer: Tokenizer;
  graph: KnowledgeGraph;
  featurizer: Featurizer;
}

export async function packageFeaturizer(pkg: ModelPackage, loaded?: KnowledgeGraph): Promise<PackageFeaturizer> {
  const m = pkg.manifest;
  const tokenizer = await loadTokenizer(pkg.dir);
  const graph = loaded ?? (await KnowledgeGraph.load(pkg.path(m.knowledgeGraph.file)));
  const vocabulary = JSON.parse(readFileSync(pkg.path(m.knowledgeGraph.entityVocabulary), 'utf8')) as string[];
  const featurizer = new Featurizer(tokenizer, new EntityLinker(graph), vocabulary, {
    maxLength: m.text.maxLength,
    maxEntities: m.knowledgeGraph.maxEntities,
    image: m.image,
    audio: m.audio,
  });
  return { tokenizer, graph, featurizer };
}

/** The text encoder's inputs for a batch: token ids and attention mask, padded to the longest (at least 2). */
export function textFeeds(batch: readonly RecordFeatures[]): Record<'input_ids' | 'attention_mask', ort.Tensor> {
  const n = batch.length;
  const length = Math.max(2, ...batch.map((f) => f.inputIds.length));
  const ids = new BigInt64Array(n * length);
  const mask = new BigInt64Array(n * length);
  batch.forEach((f, r) => {
    f.inputIds.forEach((id, c) => {
      ids[r * length + c] = BigInt(id);
      mask[r * length + c] = 1n;
    });
  });
  return { input_ids: new ort.Tensor('int64', ids, [n, length]), attention_mask: new ort.Tensor('int64', mask, [n, length]) };
}

export class ClinicalModel {
  /** Embeddings of the batches `run()` saw, while the caller still holds the batch array. */
  private readonly recent = new WeakMap<readonly RecordFeatures[], Embeddings>();

  private constructor(
    readonly pkg: ModelPackage,
    readonly tokenizer: Tokenizer,
    readonly graph: KnowledgeGraph,
    readonly featurizer: Featurizer,
    private readonly sessions: Record<Role, ort.InferenceSession>,
    /** The provider each graph runs on. */
    readonly providers: Record<string, string>,
    /** The precision of the graphs this model runs. */
    readonly precision: Precision,
  ) {}

  get manifest(): ModelManifest {
    return this.pkg.manifest;
  }

  static async load(dir: string | undefined, options: RuntimeOptions): Promise<ClinicalModel> {
    const pkg = await loadModelPackage(dir, { verify: options.verify ?? 'cached' });
    startupMark('model package checked');
    const m = pkg.manifest;
    const { precision, graphs } = graphsAt(pkg.dir, m, options.precision);
    const warned = new Set<string>();
    const onFallback = (message: string) => {
      if (!warned.has(message)) options.onWarning?.(message);
      warned.add(message);
    };
    // Only once the package checked (ONNX Runtime never parses a graph whose hash is wrong), the
    // featurizer and the four sessions start together. onnxruntime-node builds a session
    // synchronously on the main thread, so the sessions are still built one after another; what
    // overlaps is the featurizer's file reads (tokenizer, knowledge graph) with that work.
    const [parts, made] = await Promise.allSettled([
      packageFeaturizer(pkg, options.graph),
      Promise.allSettled(
        ROLES.map((role) => createSession(pkg.path(graphs[role].file), { device: options.device, threads: options.threads }, onFallback)),
      ),
    ]);
    const created = made.status === 'fulfilled' ? made.value : [];
    const sessions = {} as Record<Role, ort.InferenceSession>;
    const providers: Record<string, string> = {};
    ROLES.forEach((role, i) => {
      const result = created[i];
      if (result?.status !== 'fulfilled') return;
      sessions[role] = result.value.session;
      providers[role] = result.value.provider;
    });
    let featurized: PackageFeaturizer;
    try {
      if (parts.status === 'rejected') throw parts.reason;
      const failed = created.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      featurized = parts.value;
      checkGraphShapes(pkg.dir, m, sessions);
    } catch (error) {
      await Promise.all(Object.values(sessions).map((s) => s.release().catch(() => {})));
      throw error;
    }
    startupMark('tokenizer, knowledge graph and ONNX sessions ready');
    return new ClinicalModel(pkg, featurized.tokenizer, featurized.graph, featurized.featurizer, sessions, providers, precision);
  }

  private head(name: string): HeadSpec {
    const head = this.manifest.heads[name];
    if (!head) throw new ClinicalBertError(`the model has no head ${JSON.stringify(name)}`, { code: 'MODEL_HEAD' });
    return head;
  }

  /** Embeddings of each modality for a batch (zeros where a record lacks the modality). */
  async encode(batch: readonly RecordFeatures[]): Promise<Embeddings> {
    const text = await this.encodeText(batch);
    const image = await this.encodeMedia(
      'image',
      batch.map((f) => f.image),
    );
    const audio = await this.encodeMedia(
      'audio',
      batch.map((f) => f.audio),
    );
    return { text: text.text, image, audio, ...(text.specialty ? { specialty: text.specialty } : {}) };
  }

  /**
   * The text encoder alone. Only the outputs needed are fetched: a text graph that also exports
   * per-layer attentions would otherwise copy layers × heads × length² floats per record into JS
   * on every run. `attentions: true` fetches them too (attention rollout), in manifest order.
   */
  async encodeText(
    batch: readonly RecordFeatures[],
    options: { attentions?: boolean } = {},
  ): Promise<{ text: ort.Tensor; specialty?: ort.Tensor; attentions?: ort.Tensor[] }> {
    const names = this.sessions.text.outputNames;
    const attentionNames = options.attentions ? names.filter((name) => /attention/i.test(name)) : [];
    const fetches = [DIMS.text, ...(names.includes('specialty_logits') ? ['specialty_logits'] : []), ...attentionNames];
    const result = await this.sessions.text.run(textFeeds(batch), fetches);
    return {
      text: result[DIMS.text] as ort.Tensor,
      ...(result.specialty_logits ? { specialty: result.specialty_logits as ort.Tensor } : {}),
      ...(options.attentions ? { attentions: attentionNames.map((name) => result[name] as ort.Tensor) } : {}),
    };
  }

  /**
   * The embeddings `run()` computed for this very batch array, or fresh ones: the `analyze`
   * explanation hook receives the array `run()` just saw, so explaining it re-encodes nothing.
   */
  async encodingOf(batch: readonly RecordFeatures[]): Promise<Embeddings> {
    return this.recent.get(batch) ?? (await this.encode(batch));
  }

  /**
   * One media encoder on prepared inputs (undefined: zeros); explanations pass occluded copies.
   * A recording of several windows is encoded window by window and its embeddings averaged.
   */
  async encodeMedia(role: 'image' | 'audio', items: readonly (Float32Array | undefined)[]): Promise<ort.Tensor> {
    const present = items.map((x, i) => (x ? i : -1)).filter((i) => i >= 0);
    const spec = this.manifest.graphs[role];
    const embeddingDim = Number(spec.outputs[0]?.shape[1]);
    if (!Number.isFinite(embeddingDim)) {
      throw new ClinicalBertError(`manifest graphs.${role}.outputs[0] must give a numeric embedding size`, {
        code: 'MODEL_MANIFEST_INVALID',
      });
    }
    const out = new Float32Array(items.length * embeddingDim);
    if (present.length > 0) {
      // One row per image, or per window of a recording (a recording is one or more windows end
      // to end: src/media/audio.ts); a record's embedding is the mean of its rows' embeddings.
      const rowLength =
        role === 'image'
          ? this.manifest.image.size * this.manifest.image.size
          : Math.round(this.manifest.audio.sampleRate * this.manifest.audio.seconds);
      const rowsOf = present.map((i) => Math.max(1, Math.round((items[i] as Float32Array).length / rowLength)));
      const rows = rowsOf.reduce((a, b) => a + b, 0);
      const data = new Float32Array(rows * rowLength);
      let row = 0;
      for (const [k, i] of present.entries()) {
        data.set((items[i] as Float32Array).subarray(0, (rowsOf[k] as number) * rowLength), row * rowLength);
        row += rowsOf[k] as number;
      }
      const input = spec.inputs[0]?.name ?? role;
      const dims = role === 'image' ? [rows, 1, this.manifest.image.size, this.manifest.image.size] : [rows, rowLength];
      const result = await this.sessions[role].run({ [input]: new ort.Tensor('float32', data, dims) });
      const embedding = result[`${role}_embedding`]?.data as Float32Array;
      row = 0;
      for (const [k, i] of present.entries()) {
        const n = rowsOf[k] as number;
        const target = out.subarray(i * embeddingDim, (i + 1) * embeddingDim);
        if (n === 1) target.set(embedding.subarray(row * embeddingDim, (row + 1) * embeddingDim));
        else {
          for (let r = row; r < row + n; r++)
            for (let d = 0; d < embeddingDim; d++) target[d] = (target[d] as number) + (embedding[r * embeddingDim + d] as number);
          for (let d = 0; d < embeddingDim; d++) target[d] = (target[d] as number) / n;
        }
        row += n;
      }
    }
    return new ort.Tensor('float32', out, [items.length, embeddingDim]);
  }

  /** Full forward pass: encoders, then the fusion head (optionally with modalities masked off). */
  async run(batch: readonly RecordFeatures[], masks?: readonly RunMask[]): Promise<RecordOutputs[]> {
    const encoded = await this.encode(batch);
    this.recent.set(batch, encoded);
    return this.fuse(batch, encoded, masks);
  }

  /**
   * The fusion head alone on precomputed embeddings: ablations cost one cheap call. `masks[i]`
   * turns modalities off for row i (rows may repeat records, for ablation batches).
   */
  async fuse(batch: readonly RecordFeatures[], encoded: Embeddings, masks?: readonly RunMask[]): Promise<RecordOutputs[]> {
    const n = batch.length;
    const entities = Math.max(1, ...batch.map((f) => f.entityIds.length));
    const entityIds = new BigInt64Array(n * entities);
    const entityFlags = new BigInt64Array(n * entities);
    const modality = new Float32Array(n * 4);
    const seen: RecordOutputs['modalities'][] = [];
    batch.forEach((f, r) => {
      const mask = masks?.[r] ?? {};
      const useEntities = mask.entities !== false && f.entityIds.length > 0;
      if (useEntities) {
        f.entityIds.forEach((id, c) => {
          entityIds[r * entities + c] = BigInt(id);
          entityFlags[r * entities + c] = BigInt(f.entityFlags[c] as number);
        });
      }
      const present = {
        text: mask.text !== false && f.inputIds.length > 2,
        image: mask.image !== false && f.image !== undefined,
        audio: mask.audio !== false && f.audio !== undefined,
        entities: useEntities,
      };
      seen.push(present);
      modality.set([present.text ? 1 : 0, present.image ? 1 : 0, present.audio ? 1 : 0, present.entities ? 1 : 0], r * 4);
    });
    const result = await this.sessions.fusion.run({
      text_embedding: encoded.text,
      image_embedding: encoded.image,
      audio_embedding: encoded.audio,
      entity_ids: new ort.Tensor('int64', entityIds, [n, entities]),
      entity_flags: new ort.Tensor('int64', entityFlags, [n, entities]),
      modality_mask: new ort.Tensor('float32', modality, [n, 4]),
    });
    const outputs: RecordOutputs[] = [];
    for (let r = 0; r < n; r++) {
      const heads: Record<string, Float32Array> = {};
      for (const [name, head] of Object.entries(this.manifest.heads)) {
        const tensor = (result[head.output] ?? (head.output === 'specialty_logits' ? encoded.specialty : undefined)) as
          | ort.Tensor
          | undefined;
        if (!tensor) continue;
        const width = tensor.dims[1] as number;
        const rowIndex = tensor === encoded.specialty ? Math.min(r, (tensor.dims[0] as number) - 1) : r;
        const logits = (tensor.data as Float32Array).slice(rowIndex * width, (rowIndex + 1) * width);
        heads[name] = this.head(name).activation === 'softmax' ? softmax(logits) : sigmoid(logits);
      }
      const attention = result.entity_attention as ort.Tensor | undefined;
      const count = batch[r]?.entityIds.length ?? 0;
      const entityAttention = attention
        ? (attention.data as Float32Array).slice(r * entities, r * entities + count)
        : new Float32Array(count);
      outputs.push({ heads, entityAttention, modalities: seen[r] as RecordOutputs['modalities'] });
    }
    return outputs;
  }

  async release(): Promise<void> {
    for (const session of Object.values(this.sessions)) await session.release();
  }
}
