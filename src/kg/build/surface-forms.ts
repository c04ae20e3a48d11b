/**
 * @file Adds the surface forms real notes use that the curated names and synonyms lack: phrases
 * derived from ICD-10-CM descriptions (icd10-forms.ts) and the curated abbreviation table
 * (lexicon/abbreviations.ts), each recorded with its source for kg.json's provenance.
 *
 * Why a separate step after the entities are built: whether a form may be added depends on every
 * other entity's forms (a phrase another entity already claims keeps its owner), so it runs once
 * over the whole entity list. Added forms go to `linkOnly` only: the synthetic-note generator writes
 * names and synonyms, so generated notes do not change when the linker learns a new form.
 *
 * Derived forms are skipped quietly when they repeat a form of their own entity, and with a note
 * when another entity claims them (the curated owner wins) or when two conditions derive the same
 * phrase (neither gets it). Curated abbreviations are held to a stricter rule: one that repeats or
 * clashes with a graph form, names a missing entity, or is on the rejected list stops the build.
 */
import { ClinicalBertError, quote } from '../../util/errors.js';
import { dottedIcd10, icd10Key } from '../icd10.js';
import { ABBREVIATIONS, REJECTED_ABBREVIATIONS, type AbbreviationEntry, type RejectedAbbreviation } from '../lexicon/abbreviations.js';
import { EXCLUDED_ICD10, GENERIC_FORMS, RELATED_ICD10, type ExcludedCode, type RelatedCodes } from '../lexicon/icd10-curation.js';
import { phraseKey } from '../normalize.js';
import { SYSTEMS, type Entity, type SurfaceFormOrigin } from '../types.js';
import { deriveIcd10Form } from './icd10-forms.js';

/** The curated tables this step reads; tests pass their own. */
export interface SurfaceCuration {
  excluded: readonly ExcludedCode[];
  related: readonly RelatedCodes[];
  generic: readonly string[];
  abbreviations: readonly AbbreviationEntry[];
  rejected: readonly RejectedAbbreviation[];
}

export const LEXICON_CURATION: SurfaceCuration = {
  excluded: EXCLUDED_ICD10,
  related: RELATED_ICD10,
  generic: GENERIC_FORMS,
  abbreviations: ABBREVIATIONS,
  rejected: REJECTED_ABBREVIATIONS,
};

export interface SurfaceFormsResult {
  /** The entities in the same order, with added forms appended to `linkOnly`. */
  entities: Entity[];
  /** One record per added form, in entity order then form order. */
  origins: SurfaceFormOrigin[];
  notes: string[];
}

function fail(message: string): never {
  throw new ClinicalBertError(`kg build: ${message}`, { code: 'KG_CURATION_MISMATCH' });
}

const formsOf = (e: Entity): string[] => [e.name, ...e.synonyms, ...(e.linkOnly ?? [])];

/** phraseKey -> ids of the entities that have a form with that key. */
function ownersOf(entities: readonly Entity[]): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  for (const e of entities) {
    for (const form of formsOf(e)) {
      const key = phraseKey(form);
      if (!key) continue;
      const set = owners.get(key) ?? new Set<string>();
      set.add(e.id);
      owners.set(key, set);
    }
  }
  return owners;
}

/** Undotted parent key -> undotted child keys, for every code in the file. */
function childIndex(icd10: ReadonlyMap<string, string>): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const key of icd10.keys()) {
    if (key.length <= 3) continue;
    const parent = key.slice(0, -1);
    const list = children.get(parent);
    if (list) list.push(key);
    else children.set(parent, [key]);
  }
  return children;
}

function curatedKey(code: string, icd10: ReadonlyMap<string, string>, what: string): string {
  const key = icd10Key(code);
  if (!key || dottedIcd10(key) !== code || !icd10.has(key)) fail(`${what} ${quote(code)} is not a dotted code in the ICD-10-CM file`);
  return key;
}

interface Derived {
  entity: string;
  form: string;
  key: string;
  code: string;
  description: string;
}

/** ICD-10-CM keys whose descriptions are read for `entity`: its codes, related codes, their direct children. */
function candidateKeys(entity: Entity, related: ReadonlyMap<string, string[]>, children: ReadonlyMap<string, string[]>): string[] {
  const own = entity.codes.filter((c) => c.system === SYSTEMS.icd10).map((c) => icd10Key(c.code) as string);
  const roots = [...own, ...(related.get(entity.id) ?? [])];
  const keys = new Set<string>();
  for (const root of roots) {
    keys.add(root);
    for (const child of children.get(root) ?? []) keys.add(child);
  }
  return [...keys].sort();
}

function deriveAll(
  entities: readonly Entity[],
  icd10: ReadonlyMap<string, string>,
  owners: ReadonlyMap<string, Set<string>>,
  curation: SurfaceCuration,
) {
  const excluded = new Map(curation.excluded.map((x) => [curatedKey(x.code, icd10, 'excluded ICD-10 code'), x]));
  const ids = new Set(entities.map((e) => e.id));
  const related = new Map<string, string[]>();
  for (const r of curation.related) {
    if (!ids.has(r.entity)) fail(`related ICD-10 codes name ${quote(r.entity)}, which the graph lacks`);
    related.set(
      r.entity,
      r.codes.map((c) => curatedKey(c, icd10, 'related ICD-10 code')),
    );
  }
  const children = childIndex(icd10);
  const generic = new Set(curation.generic.map(phraseKey));
  const excludedSeen = new Set<string>();
  const derived: Derived[] = [];
  const claimed = new Map<string, string>();

  for (const entity of entities) {
    if (entity.type !== 'condition') continue;
    const ownKeys = new Set(formsOf(entity).map(phraseKey));
    for (const key of candidateKeys(entity, related, children)) {
      if (excluded.has(key)) {
        excludedSeen.add(key);
        continue;
      }
      const description = icd10.get(key);
      if (description === undefined) continue;
      const d = deriveIcd10Form(description);
      if (!('form' in d)) continue;
      const formKey = phraseKey(d.form);
      if (!formKey || generic.has(formKey) || ownKeys.has(formKey)) continue;
      const others = [...(owners.get(formKey) ?? [])].filter((id) => id !== entity.id);
      if (others.length > 0) {
        const id = `${entity.id}|${formKey}`;
        if (!claimed.has(id)) claimed.set(id, `"${d.form}" (${dottedIcd10(key)}, kept by ${others.sort().join(', ')})`);
        continue;
      }
      ownKeys.add(formKey);
      derived.push({ entity: entity.id, form: d.form, key: formKey, code: dottedIcd10(key), description });
    }
  }
  for (const [key, x] of excluded)
    if (!excludedSeen.has(key))
      fail(`excluded ICD-10 code ${x.code} is not read for any condition; remove it from src/kg/lexicon/icd10-curation.ts`);

  // A phrase two conditions derive names neither of them reliably.
  const byKey = new Map<string, Set<string>>();
  for (const d of derived) byKey.set(d.key, (byKey.get(d.key) ?? new Set()).add(d.entity));
  const shared = [...byKey].filter(([, set]) => set.size > 1).map(([key]) => key);
  const kept = derived.filter((d) => !shared.includes(d.key));
  const formOf = (key: string): string => (derived.find((d) => d.key === key) as Derived).form;
  const sharedNotes = shared.map((key) => `"${formOf(key)}" (${[...(byKey.get(key) as Set<string>)].sort().join(', ')})`);
  return { kept, claimed: [...claimed.values()], sharedNotes };
}

/** Add ICD-10-CM forms and curated abbreviations to `linkOnly`, with provenance records. */
export function addSurfaceForms(
  entities: readonly Entity[],
  icd10: ReadonlyMap<string, string>,
  curation: SurfaceCuration = LEXICON_CURATION,
): SurfaceFormsResult {
  const owners = ownersOf(entities);
  const { kept, claimed, sharedNotes } = deriveAll(entities, icd10, owners, curation);
  const added = new Map<string, SurfaceFormOrigin[]>();
  const push = (origin: SurfaceFormOrigin, key: string): void => {
    added.set(origin.entity, [...(added.get(origin.entity) ?? []), origin]);
    owners.set(key, (owners.get(key) ?? new Set()).add(origin.entity));
  };
  for (const d of kept) push({ entity: d.entity, form: d.form, source: 'icd10cm', code: d.code, text: d.description }, d.key);

  const ids = new Set(entities.map((e) => e.id));
  for (const a of curation.abbreviations) {
    if (!ids.has(a.entity)) fail(`abbreviation ${quote(a.form)} names ${quote(a.entity)}, which the graph lacks`);
    const key = phraseKey(a.form);
    if (!key || a.form !== a.form.toLowerCase()) fail(`abbreviation ${quote(a.form)} must be a lower-case word or phrase`);
    const holders = owners.get(key);
    if (holders) {
      fail(
        `abbreviation ${quote(a.form)} is already a surface form of ${[...holders].sort().join(', ')}; remove it from src/kg/lexicon/abbreviations.ts`,
      );
    }
    push({ entity: a.entity, form: a.form, source: 'abbreviation', text: a.expansion }, key);
  }
  for (const r of curation.rejected) {
    const holders = owners.get(phraseKey(r.form));
    if (holders) fail(`rejected abbreviation ${quote(r.form)} is a surface form of ${[...holders].sort().join(', ')} (${r.why})`);
  }

  const origins: SurfaceFormOrigin[] = [];
  const out = entities.map((entity) => {
    const mine = added.get(entity.id);
    if (!mine) return entity;
    origins.push(...mine);
    const { id, type, name, codes, synonyms, linkOnly, ...rest } = entity;
    return { id, type, name, codes, synonyms, linkOnly: [...(linkOnly ?? []), ...mine.map((o) => o.form)], ...rest };
  });

  const fromIcd = origins.filter((o) => o.source === 'icd10cm').length;
  const notes = [
    `Surface forms from ICD-10-CM (rules in src/kg/build/icd10-forms.ts): the descriptions of each condition's codes, their direct children and the related codes of ` +
      `src/kg/lexicon/icd10-curation.ts (${curation.related.map((r) => `${r.codes.join('/')} for ${r.entity}`).join('; ')}) become note phrases: bracketed parts, ` +
      'code-book qualifiers ("unspecified", "unspecified organism", "not elsewhere classified", a poisoning\'s intent), "without …" clauses and a leading "Other" are dropped; ' +
      `lists ("and"/"or"), residual categories ("other", "specified") and too generic phrases give none. ${fromIcd} new forms went to linkOnly, each listed in provenance.surfaceForms with its code. ` +
      `Codes not read: ${curation.excluded.map((x) => x.code).join(', ')} (reasons in the curation file). ` +
      (claimed.length > 0 ? `Skipped because another entity already claims the phrase: ${claimed.join('; ')}. ` : '') +
      (sharedNotes.length > 0 ? `Skipped because several conditions derive them: ${sharedNotes.join('; ')}.` : ''),
    `Abbreviations (src/kg/lexicon/abbreviations.ts, usage checked on the MTSamples training half): ${origins.length - fromIcd} forms went to linkOnly, each in provenance.surfaceForms. ` +
      `Left out on purpose: ${curation.rejected.map((r) => `"${r.form}" (${r.readings})`).join('; ')}.`,
  ].map((n) => n.trim());
  return { entities: out, origins, notes };
}
