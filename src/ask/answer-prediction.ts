/**
 * @file "Why pneumonia?": the model's own prediction for a condition, answered from one record's
 * model outputs, with the explanation's knowledge-graph evidence cited where it is in the record.
 *
 * The answer is `yes` when the condition is the model's diagnosis for the record (its top label,
 * the head not abstaining: src/model/decide.ts), `no` otherwise; the first evidence item is the
 * model's score for the condition (with its rank), the others are the record's entities the graph
 * links to the condition (src/explain/evidence.ts, the `kg-evidence` method of `--explain fast`,
 * computed here for the asked condition whatever its rank), each cited at its source: the coded
 * resource, or the note and characters where it is mentioned (`cite`, src/ask/note-search.ts).
 * Findings the note negates are evidence against (`supports: 'no'`).
 *
 * Honest about what it is: the graph evidence says what in the record the graph relates to the
 * diagnosis and how much attention the fusion head gave it; it is not a faithfulness measure
 * (`--explain full` has the measured ones).
 */
import { diagnosisEvidence } from '../explain/evidence.js';
import { diagnosisHead, rankedAnswers } from '../explain/target.js';
import type { KnowledgeGraph } from '../kg/graph.js';
import { decideHeads } from '../model/decide.js';
import type { ModelManifest } from '../model/manifest.js';
import type { ClinicalRecord } from '../records/types.js';
import { UsageError } from '../util/errors.js';
import { confidenceOfModel } from './confidence.js';
import type { ModelView } from './run.js';
import type { AnswerResult, Assertion, Evidence, ParsedQuestion } from './types.js';

/** Where an entity is in a record: coded resources and note mentions (src/ask/note-search.ts). */
export type Cite = (record: ClinicalRecord, entityId: string) => Evidence[];

const FLAG_ASSERTION: Readonly<Record<string, Assertion>> = {
  negated: 'negated',
  historical: 'historical',
  family: 'family',
};

/** The diagnosis head and the index of the asked condition's label, or a usage error listing the labels. */
export function predictionLabel(manifest: ModelManifest, question: ParsedQuestion): { head: string; index: number } {
  const head = diagnosisHead(manifest);
  const spec = manifest.heads[head];
  const id = question.entity?.id;
  const index = spec && id ? spec.labels.findIndex((l) => l.id === id) : -1;
  if (!spec || index < 0) {
    const names = (spec?.labels ?? []).map((l) => l.display).filter((d) => !/^none/i.test(d));
    throw new UsageError(
      `the model has no diagnosis label for ${JSON.stringify(question.entity?.name ?? question.phrase ?? question.text)}; it predicts: ${names.join(', ')}`,
      { code: 'QUESTION_NOT_UNDERSTOOD' },
    );
  }
  return { head, index };
}

export function answerPrediction(
  record: ClinicalRecord,
  question: ParsedQuestion,
  view: ModelView,
  context: { graph: KnowledgeGraph; manifest: ModelManifest; cite: Cite },
): AnswerResult {
  const { head, index } = predictionLabel(context.manifest, question);
  const spec = context.manifest.heads[head];
  const scores = view.outputs.heads[head];
  if (!spec || !scores) return { answer: 'unknown', confidence: 0, answeredFrom: 'none', evidence: [] };
  const label = spec.labels[index];
  const decision = decideHeads(context.manifest.heads, view.outputs.heads, { graph: context.graph })[head];
  const top = decision?.labels[0];
  const predicted = decision?.abstained === undefined && top === index;
  const rank = rankedAnswers(spec, scores).indexOf(index) + 1;
  const score = scores[index] as number;
  const evidence: Evidence[] = [
    {
      from: 'model',
      assertion: 'affirmed',
      supports: predicted ? 'yes' : 'no',
      display: `${label?.display ?? question.entity?.name}: score ${score.toFixed(4)}, rank ${rank} of ${spec.labels.length}${
        decision?.abstained ? ` (the model abstained: ${decision.abstained.reason})` : ''
      }`,
      ...(question.entity ? { entityId: question.entity.id } : {}),
      score,
    },
  ];
  const found = diagnosisEvidence(context.graph, head, spec, view.features.entities, view.outputs, spec.labels.length).find(
    (d) => d.id === label?.id,
  );
  const seen = new Set<string>();
  for (const fact of [...(found?.facts ?? []), ...(found?.against ?? [])]) {
    if (seen.has(fact.entityId)) continue;
    seen.add(fact.entityId);
    const against = fact.flag === 'negated';
    for (const cited of context.cite(record, fact.entityId)) {
      evidence.push({
        ...cited,
        assertion: cited.from === 'coded' ? (FLAG_ASSERTION[fact.flag] ?? cited.assertion) : cited.assertion,
        supports: against ? 'no' : 'yes',
        display: `${fact.name} (${fact.edge.replace(/_/g, ' ')}${fact.p !== undefined ? `, p ${fact.p}` : ''}; attention ${fact.attention.toFixed(4)})`,
        entityId: fact.entityId,
      });
    }
  }
  return { answer: predicted ? 'yes' : 'no', confidence: confidenceOfModel(score, predicted), answeredFrom: 'model', evidence };
}
