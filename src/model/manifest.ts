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

export interface GraphSpec {
  /** Path relative to the package folder. */
  file: string;
  sha256: string;
  bytes: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** e.g. "fp32", "int8-dynamic". */
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

export interface HeadSpec {
  /** Which fusion output holds this head's logits. */
  output: string;
  /** softmax: exactly one label; sigmoid: any number of labels (multi-label). */
  activation: 'softmax' | 'sigmoid';
  labels: LabelSpec[];
  description: string;
  /** Sigmoid heads: the score at or above which a label is reported as predicted. */
  threshold?: number;
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
  graphs: { text: GraphSpec; image: GraphSpec; audio: GraphSpec; fusion: GraphSpec };
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
