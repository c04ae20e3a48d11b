/**
 * @file `explainBatch`: the explanations of a batch of featurized records at level `fast` or
 * `full`, in the shape of types.ts, each method named with its cost.
 *
 * - fast (a few ms per batch): modality ablation (one fusion call, 5 rows per record, on the
 *   embeddings `run()` already computed) and knowledge-graph evidence (graph lookups plus the
 *   fusion attention from the same call).
 * - full: adds word occlusion (one text-encoder row per word or mention, batched), attention
 *   rollout (one text-encoder call, not faithful), and image and audio occlusion (one batched
 *   call each, when the record has that modality). Word occlusion dominates: ~0.4 s per record for
 *   a note of ~75 units on one thread (bench/explain.sh); the other methods together cost ~20 ms.
 *
 * Every explanation explains the top label of the diagnosis head, or its abstention when the
 * record abstained ("why none of these", target.ts). Numbers are
 * rounded to 4 decimals and timings are left out with `timing: false`, so `--no-timing` output is
 * byte-identical between runs.
 */
import type { RecordFeatures } from '../model/features.js';
import type { ClinicalModel } from '../model/runtime.js';
import { ClinicalBertError } from '../util/errors.js';
import { audioOcclusion } from './audio.js';
import { diagnosisEvidence } from './evidence.js';
import { imageOcclusion } from './image.js';
import { ABLATION_ROWS, modalityContributions, runAblation } from './modality.js';
import { round4, roundMs } from './round.js';
import { attentionRollout } from './rollout.js';
import { diagnosisHead, topTarget } from './target.js';
import type { ExplainLevel, Explanations, MethodInfo } from './types.js';
import { wordExplanation, wordOcclusion } from './words.js';

export interface ExplainOptions {
  /** Record each method's wall time (default true; false for byte-identical output). */
  timing?: boolean;
  /** Most text units scored by word occlusion (default MAX_UNITS). */
  maxUnits?: number;
  /** Image occlusion grid size n (n×n cells). */
  grid?: number;
  /** Audio occlusion segments. */
  segments?: number;
}

const now = (): number => performance.now();

function method(name: string, faithful: boolean, forwardPasses: number, ms: number, timing: boolean): MethodInfo {
  return { name, faithful, forwardPasses, ...(timing ? { ms: roundMs(ms) } : {}) };
}

/** Rounds every score, weight and attention of an explanation to 4 decimals. */
export function roundExplanations(e: Explanations): Explanations {
  return {
    ...e,
    target: { ...e.target, score: round4(e.target.score) },
    ...(e.modalities
      ? {
          modalities: e.modalities.map((m) => ({
            ...m,
            scoreWithout: m.scoreWithout === null ? null : round4(m.scoreWithout),
            contribution: m.contribution === null ? null : round4(m.contribution),
          })),
        }
      : {}),
    ...(e.evidence
      ? {
          evidence: e.evidence.map((d) => ({
            ...d,
            score: round4(d.score),
            facts: d.facts.map((f) => ({ ...f, attention: round4(f.attention) })),
            against: d.against.map((f) => ({ ...f, attention: round4(f.attention) })),
          })),
        }
      : {}),
    ...(e.words ? { words: { ...e.words, words: e.words.words.map((w) => ({ ...w, weight: round4(w.weight) })) } } : {}),
    ...(e.attention ? { attention: { ...e.attention, words: e.attention.words.map((w) => ({ ...w, weight: round4(w.weight) })) } } : {}),
    ...(e.image ? { image: { ...e.image, cells: e.image.cells.map(round4) } } : {}),
    ...(e.audio
      ? {
          audio: {
            ...e.audio,
            segments: e.audio.segments.map((s) => ({ start: round4(s.start), end: round4(s.end), weight: round4(s.weight) })),
            envelope: e.audio.envelope.map(round4),
          },
        }
      : {}),
  };
}

export async function explainBatch(
  model: ClinicalModel,
  batch: readonly RecordFeatures[],
  level: Exclude<ExplainLevel, 'none'>,
  options: ExplainOptions = {},
): Promise<Explanations[]> {
  if (batch.length === 0) return [];
  const timing = options.timing !== false;
  const head = diagnosisHead(model.manifest);
  const spec = model.manifest.heads[head];
  if (!spec) throw new ClinicalBertError(`the model has no head ${JSON.stringify(head)} to explain`, { code: 'EXPLAIN_NO_HEAD' });

  const ablationStart = now();
  const embeddings = await model.encodingOf(batch);
  const ablations = await runAblation(model, batch, embeddings);
  const ablationMs = (now() - ablationStart) / batch.length;

  const out: Explanations[] = [];
  for (const [r, features] of batch.entries()) {
    const ablation = ablations[r];
    if (!ablation) {
      throw new ClinicalBertError(`modality ablation returned ${ablations.length} results for a batch of ${batch.length}`, {
        code: 'EXPLAIN_ABLATION',
      });
    }
    const target = topTarget(head, spec, ablation.full);
    const evidenceStart = now();
    const evidence = diagnosisEvidence(model.graph, head, spec, features.entities, ablation.full);
    const methods: MethodInfo[] = [
      method('modality-ablation', true, ABLATION_ROWS, ablationMs, timing),
      method('kg-evidence', false, 0, now() - evidenceStart, timing),
    ];
    const explanation: Explanations = {
      level,
      target,
      methods,
      modalities: modalityContributions(ablation, target),
      evidence,
    };
    if (level === 'full') {
      let start = now();
      const occlusion = await wordOcclusion(model, features, embeddings, r, target, options.maxUnits);
      methods.push(method('word-occlusion', true, occlusion.rows, now() - start, timing));
      explanation.words = wordExplanation('word-occlusion', features.text, occlusion);

      start = now();
      const rollout = await attentionRollout(model, features, options.maxUnits);
      if (rollout) {
        methods.push(method('attention-rollout', false, 1, now() - start, timing));
        explanation.attention = wordExplanation('attention-rollout', features.text, rollout);
      }

      start = now();
      const image = await imageOcclusion(model, features, embeddings, r, target, options.grid);
      if (image) {
        methods.push(method('image-occlusion', true, image.rows, now() - start, timing));
        explanation.image = image.saliency;
      }

      start = now();
      const audio = await audioOcclusion(model, features, embeddings, r, target, options.segments);
      if (audio) {
        methods.push(method('audio-occlusion', true, audio.rows, now() - start, timing));
        explanation.audio = audio.saliency;
      }
    }
    out.push(roundExplanations(explanation));
  }
  return out;
}
