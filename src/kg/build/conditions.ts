/**
 * @file Condition entities: DDXPlus's 49 presenting (acute) conditions and the chronic conditions
 * seen in Synthea, with codes, names, synonyms, severity and priors.
 *
 * The DDXPlus file is the source of truth for which acute conditions exist and for their ICD-10
 * codes and severities; the curated tables only add what DDXPlus lacks. Any mismatch between the
 * two (a condition DDXPlus has and the table lacks, or the reverse) stops the build, so a new
 * DDXPlus release cannot slip in an uncurated condition.
 */
import { ClinicalBertError, quote } from '../../util/errors.js';
import { ACUTE_CHRONIC_OVERLAPS, ACUTE_CURATION, CHRONIC_CONDITIONS, ICD10_CORRECTIONS } from '../lexicon/conditions.js';
import { normalizeIcd10, icd10Key } from '../icd10.js';
import { SYSTEMS, type Coding, type Entity } from '../types.js';
import { acuteWeight, chronicWeight, priors } from './rules.js';
import type { DdxCondition, Sources } from './sources.js';

/** SNOMED codes curated on purpose although the corpus's Synthea sample does not contain them. */
const SNOMED_NOT_IN_CORPUS = new Set(['44054006']);

export interface ConditionResult {
  entities: Entity[];
  /** DDXPlus condition name -> entity id. */
  byDdxName: Map<string, string>;
  /** Dotted ICD-10 code -> entity id, for every ICD-10 code on a condition. */
  byIcd10: Map<string, string>;
  notes: string[];
}

function fail(message: string): never {
  throw new ClinicalBertError(`kg build: ${message}`, { code: 'KG_CURATION_MISMATCH' });
}

/** "j17, j18" -> ["J17", "J18"], applying the documented corrections. */
function ddxIcd10(condition: DdxCondition): string[] {
  const codes = condition.icd10.split(',').map((c) => {
    const code = normalizeIcd10(c);
    if (!code) fail(`DDXPlus condition ${quote(condition.name)} has an unreadable ICD-10 code ${quote(c)}`);
    return code;
  });
  const fix = ICD10_CORRECTIONS[condition.name];
  if (fix) {
    if (codes[0] !== fix.from) fail(`expected DDXPlus to code ${quote(condition.name)} as ${fix.from}, found ${quote(codes.join(', '))}`);
    codes[0] = fix.to;
  }
  return codes;
}

export function buildConditions(sources: Sources): ConditionResult {
  const icdDisplay = (code: string): string => {
    const key = icd10Key(code) as string;
    const display = sources.icd10.get(key);
    if (display === undefined) fail(`ICD-10 code ${quote(code)} is not in the ICD-10-CM file`);
    return display;
  };
  const snomedRows = new Map(
    sources.synthea.filter((r) => r.resourceType === 'Condition' && r.system === SYSTEMS.snomed).map((r) => [r.code, r]),
  );
  const snomedCoding = (code: string): Coding => {
    const row = snomedRows.get(code);
    if (!row && !SNOMED_NOT_IN_CORPUS.has(code)) fail(`curated SNOMED code ${code} is not among Synthea's Condition codes`);
    return row ? { system: SYSTEMS.snomed, code, display: row.display } : { system: SYSTEMS.snomed, code };
  };

  const entities: Entity[] = [];
  const byDdxName = new Map<string, string>();
  const byIcd10 = new Map<string, string>();
  const notes: string[] = [];

  const ddxNames = new Set(sources.conditions.map((c) => c.name));
  for (const name of Object.keys(ACUTE_CURATION)) {
    if (!ddxNames.has(name)) fail(`curated condition ${quote(name)} is not in DDXPlus's release_conditions.json`);
  }

  const acuteWeights = new Map<string, number>();
  for (const condition of sources.conditions) {
    const curation = ACUTE_CURATION[condition.name];
    if (!curation) fail(`DDXPlus condition ${quote(condition.name)} has no entry in src/kg/lexicon/conditions.ts`);
    const codes = ddxIcd10(condition);
    const id = `condition:${codes[0]}`;
    const entity: Entity = {
      id,
      type: 'condition',
      name: curation.name ?? condition.nameEn,
      codes: [
        ...codes.map((code) => ({ system: SYSTEMS.icd10, code, display: icdDisplay(code) })),
        ...(curation.snomed ?? []).map(snomedCoding),
        { system: SYSTEMS.ddxplusCondition, code: condition.name },
      ],
      synonyms: [...curation.synonyms],
      ...(curation.linkOnly ? { linkOnly: [...curation.linkOnly] } : {}),
      severity: condition.severity,
      course: 'acute',
    };
    entities.push(entity);
    byDdxName.set(condition.name, id);
    for (const code of codes) byIcd10.set(code, id);
    acuteWeights.set(id, acuteWeight(condition.severity));
  }

  const syntheaCount = (codes: readonly string[]): number => codes.reduce((n, c) => n + (snomedRows.get(c)?.count ?? 0), 0);
  const chronicWeights = new Map<string, number>();
  for (const chronic of CHRONIC_CONDITIONS) {
    const code = normalizeIcd10(chronic.icd10);
    if (code !== chronic.icd10) fail(`chronic condition ${quote(chronic.name)}: write its ICD-10 code dotted and upper-case`);
    const id = `condition:${code}`;
    if (byIcd10.has(code)) fail(`chronic condition ${quote(chronic.name)} reuses ICD-10 ${code} of an acute condition`);
    entities.push({
      id,
      type: 'condition',
      name: chronic.name,
      codes: [{ system: SYSTEMS.icd10, code, display: icdDisplay(code) }, ...chronic.snomed.map(snomedCoding)],
      synonyms: [...chronic.synonyms],
      ...(chronic.linkOnly ? { linkOnly: [...chronic.linkOnly] } : {}),
      course: 'chronic',
    });
    byIcd10.set(code, id);
    chronicWeights.set(id, chronicWeight(syntheaCount(chronic.snomed)));
    if (chronic.note) notes.push(`${chronic.name}: ${chronic.note}`);
  }

  for (const [id, prior] of [...priors(acuteWeights), ...priors(chronicWeights)]) {
    const entity = entities.find((e) => e.id === id) as Entity;
    entity.prior = prior;
  }

  for (const [name, fix] of Object.entries(ICD10_CORRECTIONS)) {
    notes.push(
      `ICD-10 correction: DDXPlus codes ${quote(name)} as ${fix.from}; the graph uses ${fix.to} (${fix.why}). The DDXPlus name is kept as a ${SYSTEMS.ddxplusCondition} code.`,
    );
  }
  notes.push(
    `Acute/chronic overlaps (${ACUTE_CHRONIC_OVERLAPS.join(', ')}): one entity each, course "acute" because DDXPlus describes how they present; ` +
      "Synthea's SNOMED code is added to it so coded problem lists link to the same entity.",
  );
  notes.push(
    'DDXPlus condition names are kept except for a typo ("Larygospasm" -> "Laryngospasm") and expansions of "Boerhaave", "Chagas" and "Acute dystonic reactions".',
  );
  return { entities, byDdxName, byIcd10, notes };
}
