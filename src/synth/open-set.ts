/**
 * @file Open-set patients: records whose evidence fits none of the 49 diagnosis labels, so the
 * model learns that "none of these" is an answer. Two kinds, about half each:
 * - `no-acute`: a routine visit (annual physical, medication check, follow-up of a chronic
 *   condition, well-child visit): chronic conditions and their drugs as usual, findings only at
 *   the graph's background rate, vital signs abnormal only where a chronic condition makes them so,
 *   and an incidental normal image or recording at the usual incidental rates;
 * - `outside`: a presenting problem outside the labels (outside-conditions.ts), with its own
 *   wording and evidences on top of the background ones.
 *
 * Whether patient `index` is one is drawn from its own stream, `Random.derive(seed, 'open-set',
 * index)`, and only when the fraction is above 0: every other patient is drawn exactly as
 * `samplePatient` draws it (same streams, same bytes), whatever the fraction. A patient drawn as
 * open-set at fraction f stays open-set at any larger fraction (it is `u < f` for one uniform u).
 */
import type { Entity } from '../kg/types.js';
import { quote, UsageError } from '../util/errors.js';
import { Random } from '../util/random.js';
import type { GeneratorGraphView } from './graph-view.js';
import { OUTSIDE_PROBLEMS, type OutsideProblem } from './outside-conditions.js';
import {
  abnormalLoinc,
  drawAllergies,
  drawBackgroundEvidences,
  drawChronic,
  drawIds,
  drawMedia,
  drawVisitDates,
  plausibleFor,
  recommendedDrugs,
  samplePatient,
  type OpenSetVisit,
  type RoutineVisit,
  type SyntheticPatient,
} from './sample.js';
import { drawMeasurements } from './vitals.js';

export const OPEN_SET_KINDS = ['no-acute', 'outside'] as const;
export type OpenSetKind = (typeof OPEN_SET_KINDS)[number];

/** Share of routine visits that are children's (well-child visits and children's follow-ups). */
const CHILD_VISIT_RATE = 0.2;

/** Parses `--open-set <fraction>`: a number from 0 to 1 ("0.2", ".5", "1"). */
export function parseOpenSetFraction(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value) || !(n >= 0 && n <= 1)) {
    throw new UsageError(`${flag} must be a fraction from 0 to 1 (e.g. 0, 0.2, 1), got ${quote(value)}`);
  }
  return n;
}

/** Whether patient `index` is an open-set patient at this fraction, and which kind. */
export function drawOpenSetKind(seed: number, index: number, fraction: number): OpenSetKind | null {
  if (!(fraction > 0)) return null;
  const rng = Random.derive(seed, 'open-set', index);
  const u = rng.float();
  const kind: OpenSetKind = rng.chance(0.5) ? 'no-acute' : 'outside';
  return u < fraction ? kind : null;
}

/** Patient `index`: open-set with probability `openSetFraction`, else as `samplePatient` draws it. */
export function drawPatient(view: GeneratorGraphView, seed: number, index: number, openSetFraction: number): SyntheticPatient {
  const kind = drawOpenSetKind(seed, index, openSetFraction);
  return kind ? sampleOpenSetPatient(view, seed, index, kind) : samplePatient(view, seed, index);
}

function routineVisit(rng: Random, ageYears: number, chronic: readonly Entity[], treated: boolean): RoutineVisit {
  if (ageYears < 18) return chronic.length > 0 && rng.chance(0.5) ? 'chronic-follow-up' : 'well-child';
  const options: RoutineVisit[] = ['annual-physical'];
  if (chronic.length > 0) options.push('chronic-follow-up', 'chronic-follow-up');
  if (treated) options.push('medication-check');
  return rng.pick(options);
}

export function sampleOpenSetPatient(view: GeneratorGraphView, seed: number, index: number, kind: OpenSetKind): SyntheticPatient {
  const rng = Random.derive(seed, 'patient', index);
  let problem: OutsideProblem | undefined;
  let ageYears: number;
  let sex: 'female' | 'male';
  if (kind === 'outside') {
    problem = OUTSIDE_PROBLEMS[rng.weightedIndex(OUTSIDE_PROBLEMS.map((o) => o.weight))] as OutsideProblem;
    ageYears = rng.intBetween(problem.ages[0], problem.ages[1]);
    sex = rng.chance(problem.female) ? 'female' : 'male';
  } else {
    ageYears = rng.chance(CHILD_VISIT_RATE) ? rng.intBetween(0, 17) : rng.intBetween(18, 85);
    sex = rng.chance(0.5) ? 'female' : 'male';
  }
  const dates = drawVisitDates(rng, ageYears);

  // The problem's own evidences (stated by its wording), then the background for everyone else.
  const own = (problem?.evidences ?? [])
    .map((id) => view.get(id))
    .filter((e): e is Entity => e !== undefined && plausibleFor(e, sex, ageYears));
  const present = [...own, ...drawBackgroundEvidences(view, seed, index, sex, ageYears, new Set(own.map((e) => e.id)))];
  present.sort((a, b) => (a.id < b.id ? -1 : 1));

  const include = problem?.chronic ? view.get(problem.chronic) : undefined;
  const { chronic, medications } = drawChronic(view, seed, index, ageYears, include?.course === 'chronic' ? { include } : {});
  const openSet: OpenSetVisit = problem
    ? { kind: 'outside', problem }
    : { kind: 'no-acute', visit: routineVisit(rng, ageYears, chronic, medications.length > 0) };
  return {
    index,
    ...drawIds(seed, index),
    sex,
    ageYears,
    ...dates,
    condition: null,
    openSet,
    present,
    absentLinked: [],
    chronic,
    medications,
    recommended: recommendedDrugs(view, chronic),
    allergies: drawAllergies(view, seed, index),
    measurements: drawMeasurements(Random.derive(seed, 'vitals', index), abnormalLoinc(view, chronic), ageYears, sex),
    ...drawMedia(seed, index, {}, chronic),
  };
}
