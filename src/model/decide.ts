/**
 * @file What each head reports for one record, from its probabilities: the labels it ranks as
 * answers, or that it reports none ("abstained", with a reason). One place for the rules so that
 * `analyze` lines, explanations and `evaluate` measure exactly the same decisions.
 *
 * - A softmax head with `abstention` abstains when its abstention score is >= the threshold:
 *   `score: "label"` takes the probability of its "none of these" label, `score: "one-minus-max"`
 *   takes 1 − the highest probability among the other labels. The none label is never an answer.
 * - A softmax head that `follows` another reports nothing when that head abstains.
 * - A sigmoid head over drugs that `follows` the diagnosis head keeps only the drugs the knowledge
 *   graph has treat or palliate the diagnosis made (the followed head's top answer, when it did
 *   not abstain) or an active coded condition of the record, `is_a` followed upward
 *   (src/kg/treatments.ts). A record that gets no diagnosis is offered drugs for its coded
 *   conditions only.
 * - A record with nothing to read (no note text, no linked finding or coded fact, no image, no
 *   audio: `hasEvidence`) gets nothing from any head: every head abstains with NO_EVIDENCE, whatever
 *   the model's scores (with every input empty they only restate the training priors).
 * A head without these fields decides as before: softmax heads rank every label, sigmoid heads
 * report the labels at or above their threshold.
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import { drugsFor } from '../kg/treatments.js';
import type { CodedFact } from '../records/types.js';
import { ClinicalBertError } from '../util/errors.js';
import { isActiveFact } from './features.js';
import type { HeadSpec } from './manifest.js';

/**
 * Why a head reports no label. NO_LABEL_FITS: the abstention score reached the threshold.
 * FOLLOWS_ABSTAINED: the head follows one that abstained. NO_EVIDENCE: the record has nothing to
 * read (`hasEvidence`).
 */
export const ABSTENTION_REASONS = ['NO_LABEL_FITS', 'FOLLOWS_ABSTAINED', 'NO_EVIDENCE'] as const;
export type AbstentionReason = (typeof ABSTENTION_REASONS)[number];

/** The id and display an explanation of an abstention uses for "none of these". */
export const NONE_TARGET = { id: 'none', display: 'none of these labels' } as const;

export interface Abstention {
  reason: AbstentionReason;
  /** A sentence for people (no record content). */
  message: string;
  /** NO_LABEL_FITS: the record's abstention score, >= threshold. */
  score?: number;
  /** NO_LABEL_FITS: the head's threshold. */
  threshold?: number;
  /** FOLLOWS_ABSTAINED: the head followed. */
  head?: string;
}

export interface HeadDecision {
  /** Label indices the head reports, best first, before any top-k cut; empty when it abstains. */
  labels: number[];
  abstained?: Abstention;
}

export interface DecisionContext {
  /** Needed by a drug head that follows (the treats/palliates relation). */
  graph?: KnowledgeGraph;
  /** The record's coded facts: its active conditions count for the drug rule. */
  facts?: readonly CodedFact[];
  /** False when the record has nothing to read (`hasEvidence`): every head abstains. Default true. */
  evidence?: boolean;
}

/** What a record gives the model to read: note text, linked entities, an image, a recording. */
export interface EvidenceCounts {
  notes: number;
  entities: number;
  image: boolean;
  audio: boolean;
}

/**
 * Whether a record holds anything to read. Entities include coded facts and abnormal
 * measurements, so vital signs within their ranges alone are no evidence.
 */
export function hasEvidence(e: EvidenceCounts): boolean {
  return e.notes > 0 || e.entities > 0 || e.image || e.audio;
}

/** The abstention every head reports for a record without evidence. */
export const NO_EVIDENCE_ABSTENTION: Abstention = {
  reason: 'NO_EVIDENCE',
  message: 'the record holds nothing to read: no note text, no linked finding or coded fact, no image, no audio',
};

/** Label indices sorted by score, best first (ties by index, so the order is stable). */
export function rankIndices(scores: ArrayLike<number>, indices?: readonly number[]): number[] {
  const list = indices ? [...indices] : Array.from({ length: scores.length }, (_, i) => i);
  return list.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

/** Index of the head's "none of these" label, or -1 when it has none. */
export function noneIndex(head: HeadSpec): number {
  const id = head.abstention?.label;
  return id === undefined ? -1 : head.labels.findIndex((l) => l.id === id);
}

/** Indices of the labels a head can answer with: every label but its none label. */
export function answerIndices(head: HeadSpec): number[] {
  const none = noneIndex(head);
  return head.labels.map((_, i) => i).filter((i) => i !== none);
}

/**
 * The abstention score of a record: p(none label), or 1 − the highest probability among the
 * answer labels (`one-minus-max`); undefined when the head has no abstention.
 */
export function abstentionScore(head: HeadSpec, scores: ArrayLike<number>): number | undefined {
  const a = head.abstention;
  if (!a) return undefined;
  if ((a.score ?? 'label') === 'label') return scores[noneIndex(head)] as number;
  let max = 0;
  for (const i of answerIndices(head)) max = Math.max(max, scores[i] as number);
  return 1 - max;
}

/** A head's name in "none of the 49 diagnosis labels". */
function labelNoun(name: string): string {
  return name === 'diagnoses' || name === 'diagnosis' ? 'diagnosis labels' : `labels of ${name}`;
}

/** The NO_LABEL_FITS abstention of one record, or undefined when the head answers. */
export function abstentionOf(name: string, head: HeadSpec, scores: ArrayLike<number>): Abstention | undefined {
  const score = abstentionScore(head, scores);
  const threshold = head.abstention?.threshold;
  if (score === undefined || threshold === undefined || !(score >= threshold)) return undefined;
  return {
    reason: 'NO_LABEL_FITS',
    message: `none of the ${answerIndices(head).length} ${labelNoun(name)} fits the evidence`,
    score,
    threshold,
  };
}

/** Entity ids of a record's coded conditions that still hold (the status rule of features.ts). */
export function activeConditions(graph: KnowledgeGraph, facts: readonly CodedFact[]): string[] {
  const out: string[] = [];
  for (const fact of facts) {
    if (fact.kind !== 'condition' || !isActiveFact(fact)) continue;
    for (const id of graph.linkCodes(fact.codings)) if (!out.includes(id)) out.push(id);
  }
  return out;
}

function own(name: string, head: HeadSpec, scores: Float32Array): HeadDecision {
  if (head.activation === 'sigmoid') {
    const threshold = head.threshold ?? 0.5;
    return { labels: rankIndices(scores).filter((i) => (scores[i] as number) >= threshold && head.labels[i] !== undefined) };
  }
  const abstained = abstentionOf(name, head, scores);
  if (abstained) return { labels: [], abstained };
  return { labels: rankIndices(scores, answerIndices(head)) };
}

/** The labels a decision stands for as "made": a softmax head's top answer, a sigmoid head's every label. */
function madeIds(head: HeadSpec, decision: HeadDecision): string[] {
  const indices = head.activation === 'softmax' ? decision.labels.slice(0, 1) : decision.labels;
  return indices.map((i) => head.labels[i]?.id).filter((id): id is string => id !== undefined);
}

/**
 * The decision of every head that has scores, keyed by head name. Heads that follow another are
 * decided after it; `context.graph` is required when a sigmoid head follows.
 */
export function decideHeads(
  heads: Record<string, HeadSpec>,
  scores: Record<string, Float32Array>,
  context: DecisionContext = {},
): Record<string, HeadDecision> {
  const out: Record<string, HeadDecision> = {};
  const names = Object.keys(heads).filter((name) => scores[name] !== undefined);
  if (context.evidence === false) {
    for (const name of names) out[name] = { labels: [], abstained: { ...NO_EVIDENCE_ABSTENTION } };
    return out;
  }
  for (const name of names) {
    const head = heads[name] as HeadSpec;
    if (head.follows === undefined) out[name] = own(name, head, scores[name] as Float32Array);
  }
  for (const name of names) {
    const head = heads[name] as HeadSpec;
    const followed = head.follows;
    if (followed === undefined) continue;
    const base = own(name, head, scores[name] as Float32Array);
    const leader = out[followed];
    if (head.activation === 'softmax') {
      out[name] = leader?.abstained
        ? {
            labels: [],
            abstained: {
              reason: 'FOLLOWS_ABSTAINED',
              message: `nothing reported: this head follows ${followed}, which abstained`,
              head: followed,
            },
          }
        : base;
      continue;
    }
    if (!context.graph) {
      throw new ClinicalBertError(
        `head ${JSON.stringify(name)} follows ${JSON.stringify(followed)}: deciding it needs the knowledge graph`,
        {
          code: 'MODEL_HEAD_FOLLOWS',
        },
      );
    }
    const conditions = [
      ...(leader ? madeIds(heads[followed] as HeadSpec, leader) : []),
      ...activeConditions(context.graph, context.facts ?? []),
    ];
    const kept = new Set(
      drugsFor(
        context.graph,
        base.labels.map((i) => head.labels[i]?.id ?? ''),
        conditions,
      ),
    );
    out[name] = { labels: base.labels.filter((i) => kept.has(head.labels[i]?.id ?? '')) };
  }
  return out;
}
