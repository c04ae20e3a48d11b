/**
 * @file Checks on a knowledge-graph file: structure, references and the surface-form provenance
 * (run on every load) and surface-form and code clashes (run by the build and the tests).
 *
 * Why at load time too: kg.json may come from another package or be edited by hand; a dangling
 * edge or an unknown format version must fail loudly with the offending ids, not surface later
 * as an `undefined` deep inside the linker or the generator.
 */
import { ClinicalBertError, quote } from '../util/errors.js';
import { phraseKey } from './normalize.js';
import {
  KG_FORMAT_VERSION,
  type Edge,
  type EdgeType,
  type Entity,
  type EntityType,
  type KnowledgeGraphFile,
  type SurfaceFormOrigin,
} from './types.js';

export const ENTITY_TYPES: readonly EntityType[] = ['condition', 'finding', 'antecedent', 'drug', 'allergen', 'observation'];
export const EDGE_TYPES: readonly EdgeType[] = [
  'symptom_of',
  'risk_factor_for',
  'treats',
  'palliates',
  'is_a',
  'predisposes_to',
  'abnormal_in',
  'implies',
];

/**
 * When two entities of different types share a surface form, the linker picks by this order:
 * a note saying "asthma" or "aspirin" most likely means the diagnosis or the drug, not the
 * history item or the allergen.
 */
export const LINK_PRIORITY: readonly EntityType[] = ['condition', 'finding', 'antecedent', 'observation', 'drug', 'allergen'];

function invalid(source: string, message: string, code = 'KG_INVALID'): ClinicalBertError {
  return new ClinicalBertError(`knowledge graph ${source}: ${message}`, { code });
}

function listSome(items: string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} (and ${items.length - max} more)` : shown;
}

/** Throws a ClinicalBertError naming the first problems found; returns the file typed. */
export function validateGraphFile(data: unknown, source: string): KnowledgeGraphFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid(source, 'not a JSON object');
  const file = data as Partial<KnowledgeGraphFile>;
  if (file.formatVersion !== KG_FORMAT_VERSION) {
    throw invalid(
      source,
      `formatVersion ${quote(file.formatVersion)} is not supported; this build of clinicalbert reads version ${KG_FORMAT_VERSION} (rebuild it with \`clinicalbert kg build\`)`,
      'KG_FORMAT_VERSION',
    );
  }
  if (!Array.isArray(file.entities) || !Array.isArray(file.edges)) throw invalid(source, 'entities and edges must be arrays');

  const ids = new Set<string>();
  const problems: string[] = [];
  file.entities.forEach((e: Partial<Entity>, i) => {
    if (typeof e?.id !== 'string' || typeof e.name !== 'string' || !Array.isArray(e.codes) || !Array.isArray(e.synonyms)) {
      problems.push(`entity #${i} lacks id, name, codes or synonyms`);
      return;
    }
    if (e.linkOnly !== undefined && !Array.isArray(e.linkOnly)) problems.push(`entity ${e.id} has a linkOnly that is not an array`);
    if (!ENTITY_TYPES.includes(e.type as EntityType)) problems.push(`entity ${e.id} has unknown type ${quote(e.type)}`);
    if (ids.has(e.id)) problems.push(`duplicate entity id ${e.id}`);
    ids.add(e.id);
  });
  if (problems.length > 0) throw invalid(source, listSome(problems));

  const dangling: string[] = [];
  file.edges.forEach((edge: Partial<Edge>, i) => {
    if (typeof edge?.source !== 'string' || typeof edge.target !== 'string' || !EDGE_TYPES.includes(edge.type as EdgeType)) {
      problems.push(`edge #${i} lacks source or target, or has an unknown type ${quote(edge?.type)}`);
      return;
    }
    if (edge.p !== undefined && !(typeof edge.p === 'number' && edge.p >= 0 && edge.p <= 1)) {
      problems.push(`edge ${edge.source} -${edge.type}-> ${edge.target} has p ${quote(edge.p)} outside [0, 1]`);
    }
    for (const end of [edge.source, edge.target]) if (!ids.has(end)) dangling.push(`${edge.source} -${edge.type}-> ${edge.target}`);
  });
  if (problems.length > 0) throw invalid(source, listSome(problems));
  if (dangling.length > 0) throw invalid(source, `edges refer to missing entities: ${listSome(dangling)}`, 'KG_DANGLING_EDGE');
  const origins = file.provenance?.surfaceForms;
  if (origins !== undefined) {
    const wrong = surfaceFormProblems(origins, file.entities as Entity[]);
    if (wrong.length > 0) throw invalid(source, `provenance.surfaceForms: ${listSome(wrong)}`, 'KG_PROVENANCE');
  }
  return file as KnowledgeGraphFile;
}

export const SURFACE_FORM_SOURCES: readonly SurfaceFormOrigin['source'][] = ['icd10cm', 'abbreviation'];

/**
 * What is wrong with a graph's surface-form provenance: each record must name an entity of the
 * graph, a form that entity has (name, synonym or link-only form, spelled exactly), a known source,
 * and for ICD-10-CM its code; no form may be recorded twice.
 */
export function surfaceFormProblems(origins: unknown, entities: readonly Entity[]): string[] {
  if (!Array.isArray(origins)) return ['not an array'];
  const forms = new Map(entities.map((e) => [e.id, new Set([e.name, ...e.synonyms, ...(e.linkOnly ?? [])])]));
  const seen = new Set<string>();
  const problems: string[] = [];
  origins.forEach((raw: Partial<SurfaceFormOrigin> | null, i) => {
    if (typeof raw?.entity !== 'string' || typeof raw.form !== 'string' || typeof raw.text !== 'string') {
      problems.push(`record #${i} lacks entity, form or text`);
      return;
    }
    const label = `${quote(raw.form)} on ${raw.entity}`;
    if (!SURFACE_FORM_SOURCES.includes(raw.source as SurfaceFormOrigin['source'])) {
      problems.push(`${label} has source ${quote(raw.source)}; expected one of ${SURFACE_FORM_SOURCES.join(', ')}`);
    }
    if (raw.source === 'icd10cm' && typeof raw.code !== 'string') problems.push(`${label} comes from ICD-10-CM but names no code`);
    const own = forms.get(raw.entity);
    if (!own) problems.push(`${label}: no such entity`);
    else if (!own.has(raw.form)) problems.push(`${label}: the entity has no such form`);
    const key = `${raw.entity}|${raw.form}`;
    if (seen.has(key)) problems.push(`${label} is recorded twice`);
    seen.add(key);
  });
  return problems;
}

export interface SurfaceClash {
  key: string;
  ids: string[];
}

/** Surface forms (name and synonyms) that normalise to the same key on more than one entity. */
export function surfaceClashes(entities: readonly Entity[]): SurfaceClash[] {
  const owners = new Map<string, Set<string>>();
  for (const entity of entities) {
    for (const form of [entity.name, ...entity.synonyms, ...(entity.linkOnly ?? [])]) {
      const key = phraseKey(form);
      if (!key) continue;
      const set = owners.get(key) ?? new Set<string>();
      set.add(entity.id);
      owners.set(key, set);
    }
  }
  return [...owners.entries()]
    .filter(([, set]) => set.size > 1)
    .map(([key, set]) => ({ key, ids: [...set].sort() }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Codes (system + code) carried by more than one entity. */
export function codeClashes(entities: readonly Entity[]): { system: string; code: string; ids: string[] }[] {
  const owners = new Map<string, Set<string>>();
  for (const entity of entities) {
    for (const c of entity.codes) {
      const key = `${c.system}|${c.code}`;
      const set = owners.get(key) ?? new Set<string>();
      set.add(entity.id);
      owners.set(key, set);
    }
  }
  return [...owners.entries()]
    .filter(([, set]) => set.size > 1)
    .map(([key, set]) => {
      const [system, code] = key.split('|') as [string, string];
      return { system, code, ids: [...set].sort() };
    });
}
