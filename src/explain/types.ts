/**
 * @file The shape of `explanations` in an output line (`--explain fast|full`): what each method
 * found, named with the method that found it, its cost, and whether it is a faithful measurement
 * of the model (occlusion and ablation are; attention is only a picture).
 *
 * The HTML report (src/report) renders exactly this shape, from a live run or from a saved
 * predictions file, so everything it shows must be here: the note text that was attributed, a
 * thumbnail of the image and an envelope of the audio.
 */

export const EXPLAIN_LEVELS = ['none', 'fast', 'full'] as const;
export type ExplainLevel = (typeof EXPLAIN_LEVELS)[number];

export interface MethodInfo {
  /** e.g. `modality-ablation`, `kg-evidence`, `word-occlusion`, `attention-rollout`, `image-occlusion`, `audio-occlusion`. */
  name: string;
  /** True when the method measures the model's behaviour (removal and re-run), false for visuals. */
  faithful: boolean;
  /** Extra forward passes the method made for this record. */
  forwardPasses: number;
  /** Wall time spent on the method for this record (absent with --no-timing). */
  ms?: number;
}

/**
 * The prediction being explained: the top diagnosis, or, when the diagnosis head abstained, the
 * abstention ("why none of these": id `none`, display "none of these labels").
 */
export interface ExplainTarget {
  head: string;
  /** Label index; for an abstention scored `one-minus-max` on a head without a none label, -1. */
  index: number;
  id: string;
  display: string;
  score: number;
  /** Set when the target is the abstention: how its score is computed (src/model/decide.ts). */
  abstention?: 'label' | 'one-minus-max';
}

export interface ModalityContribution {
  modality: 'text' | 'image' | 'audio' | 'entities';
  /** Whether the record had this modality at all. */
  present: boolean;
  /** Target probability with this modality removed (null when absent). */
  scoreWithout: number | null;
  /** score - scoreWithout: how much the modality supported the prediction (negative: it argued against). */
  contribution: number | null;
}

export interface EvidenceFact {
  entityId: string;
  name: string;
  /** How it entered the record: mentioned, negated, family, historical, coded, abnormal. */
  flag: string;
  /** Graph edge linking it to the diagnosis, e.g. `symptom_of`, `risk_factor_for`, `treats`, `abnormal_in`. */
  edge: string;
  /** Edge probability where the graph has one (P(finding | condition)). */
  p?: number;
  /** The fusion head's attention on this entity (share of 1 over the record's entities). */
  attention: number;
  /** Character span in `words.text` when the fact was mentioned in the note. */
  span?: [number, number];
}

export interface DiagnosisEvidence {
  id: string;
  display: string;
  score: number;
  /** The record's linked entities connected to this diagnosis in the graph. */
  facts: EvidenceFact[];
  /** Findings the graph links to the diagnosis that the note explicitly negated (argue against). */
  against: EvidenceFact[];
}

export interface WordAttribution {
  start: number;
  end: number;
  /** Drop in the target probability when this word (or linked mention) is removed. */
  weight: number;
}

export interface WordExplanation {
  method: 'word-occlusion' | 'attention-rollout';
  /** The note text the model read (most recent notes first, as featurized). */
  text: string;
  words: WordAttribution[];
}

export interface ImageSaliency {
  method: 'image-occlusion';
  resource?: string;
  /** Grid size n: `cells` is n×n, row-major, drop in target probability per occluded cell. */
  grid: number;
  cells: number[];
  /** The model's input image as a small grayscale PNG (data: URL), for the overlay. */
  thumbnail: string;
}

export interface AudioSaliency {
  method: 'audio-occlusion';
  resource?: string;
  seconds: number;
  segments: { start: number; end: number; weight: number }[];
  /** Peak amplitude per slice of the input waveform, for drawing it. */
  envelope: number[];
}

export interface Explanations {
  level: Exclude<ExplainLevel, 'none'>;
  target: ExplainTarget;
  methods: MethodInfo[];
  modalities?: ModalityContribution[];
  evidence?: DiagnosisEvidence[];
  words?: WordExplanation;
  attention?: WordExplanation;
  image?: ImageSaliency;
  audio?: AudioSaliency;
}
