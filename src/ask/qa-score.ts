/**
 * @file Scoring of the question-answering evaluation: whether one answer is right, the Wilson
 * interval of a proportion, SQuAD's answer normalisation and token F1, and the per-group tallies.
 *
 * Why pure and apart: the numbers of the report must be checkable by hand on tiny inputs (the
 * tests do), whatever reads the records or answers the questions.
 *
 * Yes/no: answered = the answer is not `unknown`; precision = correct / answered; coverage =
 * answered / total; accuracy = correct / total (`unknown` counts wrong). A `not-yes` truth is
 * right for `no`, wrong for `yes` (src/ask/qa-types.ts). A list answer to a yes/no item is wrong.
 * Values: the expected and given displays are normalised as SQuAD does (lower case, punctuation
 * and the articles a/an/the dropped, spaces collapsed); exact match = the two sets of normalised
 * values are equal; F1 = token F1 of the two bags of tokens (all values joined); `unknown` scores 0
 * (1 when nothing was expected).
 */
import type { Answer } from './types.js';
import type { GroupScore, Truth, ValuesScore, YesNoScore, YesNoTruth } from './qa-types.js';

/** Wilson score interval of `successes` out of `n` (z = 1.96: 95 %); null when n is 0. */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Token F1 between two texts after normalisation (SQuAD); 1 when both are empty. */
export function tokenF1(predicted: string, truth: string): number {
  const p = normalizeAnswer(predicted).split(' ').filter(Boolean);
  const t = normalizeAnswer(truth).split(' ').filter(Boolean);
  if (p.length === 0 || t.length === 0) return p.length === t.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const w of t) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      common++;
      counts.set(w, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / t.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Exact match and token F1 of a list answer against the expected displays. */
export function scoreValues(answer: Answer, truth: readonly string[]): { exact: number; f1: number } {
  const given = Array.isArray(answer) ? answer.map((v) => v.display) : [];
  const key = (list: readonly string[]): string => [...new Set(list.map(normalizeAnswer))].sort().join('\n');
  const exact = key(given) === key(truth) ? 1 : 0;
  const f1 = tokenF1(given.join(' '), truth.join(' '));
  return { exact, f1 };
}

/** Whether a yes/no answer was given (not unknown) and whether it is right. */
export function judgeYesNo(answer: Answer, truth: YesNoTruth): { answered: boolean; correct: boolean } {
  if (answer === 'unknown') return { answered: false, correct: false };
  if (Array.isArray(answer)) return { answered: true, correct: false };
  const correct = truth === 'not-yes' ? answer === 'no' : answer === truth;
  return { answered: true, correct };
}

/** A running tally of one group's items. */
export class GroupTally {
  private total = 0;
  private answered = 0;
  private correct = 0;
  private readonly truths = { yes: 0, no: 0, notYes: 0 };
  private valuesTotal = 0;
  private exactSum = 0;
  private f1Sum = 0;

  constructor(readonly group: string) {}

  add(answer: Answer, truth: Truth): void {
    if (Array.isArray(truth)) {
      const { exact, f1 } = scoreValues(answer, truth);
      this.valuesTotal++;
      this.exactSum += exact;
      this.f1Sum += f1;
      return;
    }
    this.total++;
    if (truth === 'not-yes') this.truths.notYes++;
    else this.truths[truth]++;
    const judged = judgeYesNo(answer, truth);
    if (judged.answered) this.answered++;
    if (judged.correct) this.correct++;
  }

  score(): GroupScore {
    const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
    const yesNo: YesNoScore = {
      total: this.total,
      answered: this.answered,
      correct: this.correct,
      precision: ratio(this.correct, this.answered),
      precisionInterval: wilsonInterval(this.correct, this.answered),
      coverage: ratio(this.answered, this.total),
      accuracy: ratio(this.correct, this.total),
      truths: { ...this.truths },
    };
    const values: ValuesScore = {
      total: this.valuesTotal,
      exactMatch: ratio(this.exactSum, this.valuesTotal),
      f1: ratio(this.f1Sum, this.valuesTotal),
    };
    return { group: this.group, yesNo, values };
  }
}
