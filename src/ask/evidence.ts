/**
 * @file The pieces every record answer is built from: a coded fact as an evidence item, the
 * result of an answer (which refuses an answer without evidence), and the vote among note
 * mentions that say yes or no (the most recent note wins; disagreement lowers the confidence).
 *
 * Why one module: the rules that make an answer trustworthy (never an answer without a citation,
 * how conflicts are settled, how many note citations are kept) hold for every intent alike.
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import type { CodedFact } from '../records/types.js';
import { CONFIDENCE, type ConfidenceRoute, confidenceOf } from './confidence.js';
import { type Found, newestFirst, noteEvidence, type NoteClaim } from './note-search.js';
import type { Answer, AnswerResult, AnswerValue, Assertion, Evidence } from './types.js';
import { ClinicalBertError } from '../util/errors.js';

/** Note citations kept per side of a yes/no answer and per value of a list (newest first). */
export const MAX_NOTE_EVIDENCE = 5;

/** A coded fact's resource as type and id (`Condition/abc`). */
export function factResource(fact: CodedFact): { resourceType?: string; resourceId?: string } {
  if (!fact.resource) return {};
  const slash = fact.resource.indexOf('/');
  if (slash === -1) return { resourceType: fact.resource };
  return { resourceType: fact.resource.slice(0, slash), resourceId: fact.resource.slice(slash + 1) };
}

/** What people read for a fact: its text, else its first coding's display, else its code. */
export function factDisplay(fact: CodedFact): string {
  const c = fact.codings[0];
  return fact.text ?? c?.display ?? (c ? `${c.system}|${c.code}` : 'coded fact');
}

/** Entity ids a fact's codings link to. */
export function factEntities(graph: KnowledgeGraph, fact: CodedFact): string[] {
  return graph.linkCodes(fact.codings);
}

/** A coded fact as an evidence item. */
export function codedEvidence(
  graph: KnowledgeGraph,
  fact: CodedFact,
  supports: Evidence['supports'],
  assertion: Assertion,
  extra: Partial<Evidence> = {},
): Evidence {
  const entityId = factEntities(graph, fact)[0];
  const code = fact.codings[0];
  return {
    from: 'coded',
    ...factResource(fact),
    assertion,
    supports,
    display: factDisplay(fact),
    ...(entityId ? { entityId } : {}),
    ...(code ? { code: { system: code.system, code: code.code, ...(code.display ? { display: code.display } : {}) } } : {}),
    ...(fact.status ? { status: fact.status } : {}),
    ...(fact.time ? { time: fact.time } : {}),
    ...extra,
  };
}

/**
 * Coded facts as the values of a list answer, added to `into`: one value per linked entity (else
 * per `keyOf`, by default the display), each citing the evidence items of its facts.
 */
export function addCodedValues(
  graph: KnowledgeGraph,
  facts: readonly CodedFact[],
  into: { values: Map<string, AnswerValue>; evidence: Evidence[] },
  assertion: (fact: CodedFact) => Assertion,
  keyOf: (fact: CodedFact) => string = (f) => factDisplay(f).toLowerCase(),
): void {
  for (const f of facts) {
    const entityId = graph.linkCodes(f.codings)[0];
    const key = entityId ?? keyOf(f);
    const i = into.evidence.push(codedEvidence(graph, f, 'value', assertion(f))) - 1;
    const v = into.values.get(key);
    if (v) v.evidence.push(i);
    else {
      const c = f.codings[0];
      into.values.set(key, {
        display: factDisplay(f),
        ...(entityId ? { entityId } : {}),
        ...(c ? { code: { system: c.system, code: c.code, ...(c.display ? { display: c.display } : {}) } } : {}),
        ...(f.time ? { time: f.time } : {}),
        evidence: [i],
      });
    }
  }
}

/** Milliseconds of an ISO time, or -Infinity when absent or invalid (undated sorts first). */
export function millisOf(time: string | undefined): number {
  const ms = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/** Nothing answers. */
export function unknown(warnings: string[] = []): AnswerResult {
  return {
    answer: 'unknown',
    confidence: CONFIDENCE.unknown,
    answeredFrom: 'none',
    evidence: [],
    ...(warnings.length ? { warnings } : {}),
  };
}

/**
 * An answer with its evidence; throws when an answer other than `unknown` has no evidence (a bug:
 * every answer cites what it rests on).
 */
export function result(
  answer: Answer,
  from: 'coded' | 'notes',
  route: ConfidenceRoute,
  evidence: Evidence[],
  conflicting = false,
  more: Partial<AnswerResult> = {},
): AnswerResult {
  if (answer !== 'unknown' && evidence.length === 0) {
    throw new ClinicalBertError(`an answer (${JSON.stringify(answer)}) without evidence`, { code: 'ASK_NO_EVIDENCE' });
  }
  return { answer, confidence: answer === 'unknown' ? 0 : confidenceOf(route, conflicting), answeredFrom: from, evidence, ...more };
}

/** A note mention that says yes or no to a question. */
export interface Vote {
  found: Found;
  supports: 'yes' | 'no';
  route: ConfidenceRoute;
  claim: Omit<NoteClaim, 'supports'>;
}

/**
 * The answer of note votes. `existential` (ever / past): any yes answers yes. Otherwise the most
 * recent note wins (then the later mention in it). Either way the evidence is the winning side's
 * newest MAX_NOTE_EVIDENCE mentions, then the other side's, and disagreement lowers the confidence.
 */
export function decideVotes(votes: readonly Vote[], existential: boolean): AnswerResult | undefined {
  if (votes.length === 0) return undefined;
  const sorted = [...votes].sort((a, b) => newestFirst(a.found, b.found));
  const winner = (existential ? sorted.find((v) => v.supports === 'yes') : undefined) ?? (sorted[0] as Vote);
  const same = sorted.filter((v) => v.supports === winner.supports);
  const other = sorted.filter((v) => v.supports !== winner.supports);
  const ordered = [winner, ...same.filter((v) => v !== winner).slice(0, MAX_NOTE_EVIDENCE - 1), ...other.slice(0, MAX_NOTE_EVIDENCE)];
  const evidence = ordered.map((v) => noteEvidence(v.found, { ...v.claim, supports: v.supports }));
  return result(winner.supports, 'notes', winner.route, evidence, other.length > 0);
}
