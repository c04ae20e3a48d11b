/**
 * @file The model package manifest (`models/<name>/manifest.json`): the contract between the
 * training recipe, which writes it, and the runtime, which trusts nothing it cannot check.
 *
 * The JSON Schema in `schema/model-manifest.schema.json` is the normative form of these types;
 * `test/model/manifest.test.ts` keeps the two in step. A reader refuses any `formatVersion` it
 * does not know rather than guessing.
 */

export const MANIFEST_FORMAT_VERSION = 1;

export type TensorDType = 'float32' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8';

export interface TensorSpec {
  name: string;
  dtype: TensorDType;
  /** Dimensions: a number, or a symbolic name for a dynamic axis ("batch", "sequence"). */
  shape: (number | string)[];
  description?: string;
}

/** The four graphs of a package. */
export const GRAPH_ROLES = ['text', 'image', 'audio', 'fusion'] as const;
export type GraphRole = (typeof GRAPH_ROLES)[number];

/** Numeric precisions a package may carry: `graphs` are fp32; `precisions.int8` may replace some. */
export const PRECISIONS = ['fp32', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

export interface GraphSpec {
  /** Path relative to the package folder. */
  file: string;
  sha256: string;
  bytes: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** e.g. "fp32", "int8-per-row" (weights per output column, activations per row). */
  precision: string;
  opset: number;
}

export interface LabelSpec {
  /** Graph entity id for diagnoses and drugs (e.g. `condition:J17`), or a plain key. */
  id: string;
  display: string;
  /** Preferred code with its FHIR system URI, where the label has one. */
  system?: string;
  code?: string;
  /** Other codes for the same label (e.g. SNOMED beside ICD-10). */
  codings?: { system: string; code: string; display?: string }[];
}

/** How a softmax head's abstention score is computed. */
export const ABSTENTION_SCORES = ['label', 'one-minus-max'] as const;
export type AbstentionScoreKind = (typeof ABSTENTION_SCORES)[number];

/**
 * "None of these": a softmax head over an open set of answers may decline to report a label.
 * The record abstains when its abstention score is at or above `threshold` (calibrated on
 * validation data by the recipe). The abstention label, when the head has one, is never reported
 * as a prediction.
 */
export interface AbstentionSpec {
  /**
   * `label` (the default): the score is the probability of the head's "none of these" label.
   * `one-minus-max`: the score is 1 − the highest probability among the other labels (for a
   * package without a none class).
   */
  score?: AbstentionScoreKind;
  /** Id of the head's "none of these" label (by convention its last label, id `none`). Required with `score: "label"`. */
  label?: string;
  /** In (0, 1]: the record abstains when its score is >= threshold. */
  threshold: number;
  description?: string;
}

export interface HeadSpec {
  /** Which fusion output holds this head's logits. */
  output: string;
  /** softmax: exactly one label; sigmoid: any number of labels (multi-label). */
  activation: 'softmax' | 'sigmoid';
  labels: LabelSpec[];
  description: string;
  /** Sigmoid heads: the score at or above which a label is reported as predicted. */
  threshold?: number;
  /** Softmax heads only: when the head reports no label at all (src/model/decide.ts). */
  abstention?: AbstentionSpec;
  /**
   * Name of a softmax head this head depends on (e.g. `diagnoses`). A softmax head that follows
   * reports nothing when the followed head abstains; a sigmoid head over `drug:` labels reports a
   * drug only when the knowledge graph has it treat or palliate a label the followed head reports
   * or an active coded condition of the record (src/kg/treatments.ts).
   */
  follows?: string;
}

export interface ImagePreprocessing {
  /** Square input size in pixels after resizing. */
  size: number;
  channels: 1 | 3;
  /** Pixel values are scaled to [0, 1], then (x - mean) / std. */
  mean: number;
  std: number;
}

export interface AudioPreprocessing {
  sampleRate: number;
  /** Waveforms are cut or zero-padded to this many seconds. */
  seconds: number;
  /** Log-mel parameters, for documentation; the front end lives inside the audio graph. */
  melBins: number;
  fftSize: number;
  hopLength: number;
}

export interface TextPreprocessing {
  /** Files in the Hugging Face format, loaded by transformers.js offline. */
  tokenizer: string;
  tokenizerConfig: string;
  maxLength: number;
  lowercase: boolean;
}

export interface KnowledgeGraphSpec {
  file: string;
  sha256: string;
  /** Entity ids in embedding-table order: index i of the fusion's entity input is entities[i]. */
  entityVocabulary: string;
  /** Maximum number of linked entities passed per record. */
  maxEntities: number;
}

export interface PackageFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface ModelManifest {
  formatVersion: number;
  name: string;
  version: string;
  description: string;
  license: string;
  /** How the package was produced, e.g. `training/build.sh --config full`. */
  createdBy: string;
  intendedUse: string;
  graphs: Record<GraphRole, GraphSpec>;
  /**
   * Graphs at another precision, with the same inputs and outputs as the fp32 graph of their role
   * (roles left out run fp32), and the precision used when the user asks for none (fp32 if absent).
   */
  precisions?: { default?: Precision; int8?: Partial<Record<GraphRole, GraphSpec>> };
  text: TextPreprocessing;
  image: ImagePreprocessing;
  audio: AudioPreprocessing;
  knowledgeGraph: KnowledgeGraphSpec;
  heads: Record<string, HeadSpec>;
  /** Measured on the recipe's held-out sets; the model card prints these numbers. */
  metrics: Record<string, unknown>;
  /** Every file of the package but the manifest, with its hash: the runtime checks them all. */
  files: PackageFile[];
}
