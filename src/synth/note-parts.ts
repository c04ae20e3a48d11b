/**
 * @file Phrasing shared by every generated note (acute presentations in note.ts, open-set visits
 * in note-open-set.ts): surface forms of entities, lists, age and sex, durations, vital signs,
 * labs, medications, allergies and pertinent negatives.
 *
 * Why a module of its own: both kinds of note must write a finding, a drug or a vital sign the
 * same way, so that the way a note is worded never tells the model which kind of visit it is.
 */
import type { Entity } from '../kg/types.js';
import { SYSTEMS } from '../util/code-systems.js';
import type { Random } from '../util/random.js';
import type { SyntheticPatient } from './sample.js';
import type { Measurement } from './vitals.js';

export type NoteStyle = 'hp' | 'soap' | 'narrative';

/** Chooses between the entity's name and its written synonyms (never abbreviations in prose). */
export function surface(entity: Entity, rng: Random, allowAbbrev = false): string {
  const options = [entity.name.toLowerCase()];
  for (const s of entity.synonyms) {
    const isAbbrev = s.length <= 4 && !s.includes(' ');
    if (s.length > 2 && (allowAbbrev || !isAbbrev) && !options.includes(s)) options.push(s);
  }
  return rng.chance(0.65) ? (options[0] as string) : rng.pick(options);
}

export function joinList(items: string[], rng: Random, conj = 'and'): string {
  if (items.length <= 1) return items.join('');
  const head = items.slice(0, -1).join(', ');
  const oxford = items.length > 2 && rng.chance(0.4) ? ',' : '';
  return `${head}${oxford} ${conj} ${items[items.length - 1]}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A note's lines as its text: no trailing blanks on a line, trimmed, one final newline. */
export function noteText(lines: readonly string[]): string {
  return `${lines
    .join('\n')
    .replace(/[ \t]+\n/g, '\n')
    .trim()}\n`;
}

export function ageSex(p: SyntheticPatient, rng: Random, short: boolean): string {
  if (short) return `${p.ageYears} yo ${p.sex === 'female' ? 'F' : 'M'}`;
  if (p.ageYears < 2) return `${p.ageYears === 0 ? 'An infant' : 'A 1-year-old'} ${p.sex === 'female' ? 'girl' : 'boy'}`;
  if (p.ageYears < 16) return `A ${p.ageYears}-year-old ${p.sex === 'female' ? 'girl' : 'boy'}`;
  const noun = p.sex === 'female' ? rng.pick(['woman', 'female', 'female patient']) : rng.pick(['man', 'male', 'male patient']);
  return `A ${p.ageYears}-year-old ${noun}`;
}

export function duration(rng: Random): string {
  const n = rng.intBetween(1, 10);
  return rng.pick([
    `for the past ${n} days`,
    `for ${n} days`,
    'since yesterday',
    'over the past week',
    `x${n}d`,
    'since this morning',
    `for about ${n} days`,
  ]);
}

export function vitalsText(measurements: Measurement[], rng: Random): string {
  const get = (code: string) => measurements.find((m) => m.spec.loinc === code);
  const parts: string[] = [];
  const t = get('8310-5');
  if (t) parts.push(rng.chance(0.5) ? `T ${t.value.toFixed(1)} C` : `Temp ${t.value.toFixed(1)}`);
  const hr = get('8867-4');
  if (hr) parts.push(`${rng.chance(0.5) ? 'HR' : 'pulse'} ${hr.value}`);
  const sbp = get('8480-6');
  const dbp = get('8462-4');
  if (sbp && dbp) parts.push(`BP ${sbp.value}/${dbp.value}`);
  const rr = get('9279-1');
  if (rr) parts.push(`RR ${rr.value}`);
  const sat = get('59408-5');
  if (sat) parts.push(`SpO2 ${sat.value}%${rng.chance(0.5) ? ' on room air' : ''}`);
  const bmi = get('39156-5');
  if (bmi && rng.chance(0.6)) parts.push(`BMI ${bmi.value.toFixed(1)}`);
  return parts.join(', ');
}

export function labsText(measurements: Measurement[]): string {
  const labs = measurements.filter((m) => m.spec.lab);
  return labs.map((m) => `${m.spec.label} ${m.value} ${m.spec.unit === 'g/dL' ? 'g/dL' : 'mg/dL'}`).join(', ');
}

/** "lisinopril 10 mg daily" from the drug's RxNorm display where it has one. */
export function medicationText(drug: Entity, rng: Random): string {
  const display = drug.codes.find((c) => c.system === SYSTEMS.rxnorm)?.display ?? '';
  const dose = /(\d+(?:\.\d+)?)\s*MG(?!\/)/i.exec(display);
  const name = drug.name.toLowerCase();
  const freq = rng.pick(['daily', 'once daily', 'BID', 'as directed', 'every morning']);
  return dose ? `${name} ${dose[1]} mg ${freq}` : `${name} ${freq}`;
}

export function allergenText(allergen: Entity): string {
  return allergen.name.replace(/\s*\((substance|organism|finding|disorder)\)\s*$/i, '').toLowerCase();
}

/**
 * Pertinent negatives: absent evidences of the condition first, then other findings (those
 * `allowed` accepts: an open-set note leaves out findings its own problem speaks of).
 */
export function negatives(
  p: SyntheticPatient,
  allFindings: readonly Entity[],
  rng: Random,
  allowed: (finding: Entity) => boolean = () => true,
): Entity[] {
  const present = new Set(p.present.map((e) => e.id));
  const linked = rng.shuffle(p.absentLinked.filter((e) => e.type === 'finding'));
  const others = allFindings.filter((e) => !present.has(e.id) && !linked.includes(e) && allowed(e));
  const count = rng.intBetween(1, 4);
  const chosen = linked.slice(0, Math.min(count, rng.intBetween(1, 3)));
  while (chosen.length < count && others.length > 0) {
    const i = rng.int(others.length);
    chosen.push(others.splice(i, 1)[0] as Entity);
  }
  return chosen;
}
