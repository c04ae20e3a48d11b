/**
 * @file `buildKnowledgeGraph(fromDir)`: reads the knowledge sources and assembles the graph file,
 * with provenance, in a deterministic order (same inputs -> byte-identical output).
 *
 * Each kind of entity is built by its own module; this one only orchestrates, runs the global
 * checks (no two entities of a type share a surface form, no code belongs to two entities, no
 * dangling edge) and writes down what was decided where no source speaks.
 */
import { ClinicalBertError } from '../../util/errors.js';
import { icd10Key, dottedIcd10 } from '../icd10.js';
import { KG_FORMAT_VERSION, SYSTEMS, type Edge, type Entity, type KnowledgeGraphFile, type SourceProvenance } from '../types.js';
import { ENTITY_TYPES, codeClashes, surfaceClashes, validateGraphFile, LINK_PRIORITY } from '../validate.js';
import { buildConditions } from './conditions.js';
import { buildDrugs } from './drugs.js';
import { buildEvidences } from './evidences.js';
import { buildMeasures } from './measures.js';
import { buildRelations } from './relations.js';
import { BACKGROUND, ruleNotes } from './rules.js';
import { SOURCE_FILES, readSources, type SourceKey, type Sources } from './sources.js';
import { addSurfaceForms } from './surface-forms.js';
import { phraseKey } from '../normalize.js';

export const KG_NAME = 'clinicalbert-mini medical knowledge graph';

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function files(sources: Sources, keys: SourceKey[]): { path: string; sha256: string }[] {
  return keys.map((k) => ({ path: SOURCE_FILES[k], sha256: sources.sha256[k] }));
}

function provenanceSources(sources: Sources): SourceProvenance[] {
  return [
    {
      name: 'DDXPlus',
      licence: 'CC BY 4.0',
      attribution:
        'Fansi Tchango et al., "DDXPlus: A New Dataset For Automatic Medical Diagnosis", NeurIPS 2022 Datasets and Benchmarks Track; ' +
        'Mila (mila-iqia/ddxplus). Knowledge base used under CC BY 4.0; modified by clinicalbert (names, synonyms, sites, probabilities added; one ICD-10 code corrected).',
      files: files(sources, ['ddxConditions', 'ddxEvidences']),
      used: 'the 49 conditions (names, ICD-10 codes, severity, symptom and antecedent lists) and the 223 evidences (questions, types, antecedent flags).',
    },
    {
      name: 'PharmacotherapyDB',
      licence: 'CC0 1.0 (Disease Ontology ids CC BY 3.0)',
      attribution: 'Himmelstein et al., PharmacotherapyDB 1.0: the open catalog of drug therapies for disease (dhimmel/indications), CC0.',
      files: files(sources, ['indications']),
      used: 'disease-modifying and symptomatic indications (DrugBank ids, drug names) of the diseases mapped to graph conditions.',
    },
    {
      name: 'ICD-10-CM',
      licence: 'public domain (US CMS / CDC)',
      attribution: 'ICD-10-CM FY2021 code order file, Centers for Medicare & Medicaid Services / National Center for Health Statistics.',
      files: files(sources, ['icd10']),
      used: 'descriptions of the ICD-10 codes the graph uses and their direct children; existence checks for every curated ICD-10 code.',
    },
    {
      name: 'Synthea-derived codes',
      licence: 'MIT / Apache-2.0 / CC0, as the source bundles (see the corpus SOURCES.md)',
      attribution:
        'Codes with displays and counts extracted from Synthea (MITRE) FHIR bundles: StanfordSpezi/SpeziFHIR mock patients (MIT), ' +
        'inferno-framework/inferno-reference-server (Apache-2.0), smart-on-fhir/generated-sample-data (Apache-2.0) and sample-bulk-fhir-datasets (CC0).',
      files: files(sources, ['syntheaCodes']),
      used: 'SNOMED codes and counts of chronic conditions (priors), SNOMED codes of findings and acute diagnoses, RxNorm codes of drugs, LOINC codes of measurements, allergen codes.',
    },
  ];
}

/** ICD-10 descriptions for the codes conditions carry and their direct children. */
function icd10Subset(sources: Sources, entities: Entity[]): Record<string, string> {
  const used = new Set<string>();
  for (const e of entities) for (const c of e.codes) if (c.system === SYSTEMS.icd10) used.add(icd10Key(c.code) as string);
  const out: [string, string][] = [];
  for (const [key, description] of sources.icd10) {
    const parent = key.slice(0, -1);
    if (used.has(key) || (key.length > 3 && used.has(parent))) out.push([dottedIcd10(key), description]);
  }
  out.sort((a, b) => compare(a[0], b[0]));
  return Object.fromEntries(out);
}

/** Drop forms that normalise like the name or an earlier form; keep `linkOnly` right after `synonyms`. */
function dedupeSurfaceForms(entity: Entity): Entity {
  const seen = new Set([phraseKey(entity.name)]);
  const keep = (forms: readonly string[]): string[] =>
    forms.filter((form) => {
      const key = phraseKey(form);
      if (!key || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const { id, type, name, codes, synonyms, linkOnly, ...rest } = entity;
  const kept = keep(synonyms);
  const linkOnlyKept = keep(linkOnly ?? []);
  return { id, type, name, codes, synonyms: kept, ...(linkOnlyKept.length > 0 ? { linkOnly: linkOnlyKept } : {}), ...rest };
}

export async function buildKnowledgeGraph(fromDir: string): Promise<KnowledgeGraphFile> {
  const sources = await readSources(fromDir);
  const conditions = buildConditions(sources);
  const evidences = buildEvidences(sources, conditions.byDdxName);
  const conditionIds = new Set(conditions.entities.map((e) => e.id));
  const drugs = buildDrugs(sources, conditionIds);
  const measures = buildMeasures(sources, conditionIds);
  const allEntities = [...conditions.entities, ...evidences.entities, ...drugs.entities, ...measures.entities];
  const relations = buildRelations(conditions.entities, evidences.edges, new Set(allEntities.map((e) => e.id)), conditions.byDdxName);

  const typeRank = (e: Entity): number => ENTITY_TYPES.indexOf(e.type);
  const curated = allEntities.map(dedupeSurfaceForms).sort((a, b) => typeRank(a) - typeRank(b) || compare(a.id, b.id));
  const surface = addSurfaceForms(curated, sources.icd10);
  const entities = surface.entities;
  const edges: Edge[] = [...evidences.edges, ...drugs.edges, ...measures.edges, ...relations.edges].sort(
    (a, b) => compare(a.source, b.source) || compare(a.type, b.type) || compare(a.target, b.target),
  );

  const typeOf = new Map(entities.map((e) => [e.id, e.type]));
  const clashes = surfaceClashes(entities);
  const sameType = clashes.filter((c) => new Set(c.ids.map((id) => typeOf.get(id))).size < c.ids.length);
  if (sameType.length > 0) {
    throw new ClinicalBertError(
      `kg build: entities of the same type share surface forms: ${sameType.map((c) => `"${c.key}" (${c.ids.join(', ')})`).join('; ')}`,
      { code: 'KG_SURFACE_CLASH' },
    );
  }
  const codes = codeClashes(entities);
  if (codes.length > 0) {
    throw new ClinicalBertError(
      `kg build: codes carried by several entities: ${codes.map((c) => `${c.code} (${c.ids.join(', ')})`).join('; ')}`,
      {
        code: 'KG_CODE_CLASH',
      },
    );
  }

  const crossType = clashes.map((c) => `"${c.key}": ${c.ids.join(' / ')}`);
  const file: KnowledgeGraphFile = {
    formatVersion: KG_FORMAT_VERSION,
    name: KG_NAME,
    provenance: {
      builtBy: 'clinicalbert kg build (src/kg/build)',
      sources: provenanceSources(sources),
      notes: [
        ...ruleNotes(),
        ...conditions.notes,
        ...evidences.notes,
        ...drugs.notes,
        ...measures.notes,
        ...relations.notes,
        'Surface forms: "synonyms" are noun phrases a generator may write into a note ("reports ___"); "linkOnly" holds further forms only the linker matches (adjectives such as "febrile"). ' +
          'Within one entity, forms that normalise alike are kept once.',
        ...surface.notes,
        `Surface forms shared by entities of different types are resolved by the linker in the order ${LINK_PRIORITY.join(' > ')}` +
          (crossType.length > 0 ? `: ${crossType.join('; ')}.` : '; there are none.'),
      ],
      surfaceForms: surface.origins,
    },
    background: { findingRate: BACKGROUND.findingRate, antecedentRate: BACKGROUND.antecedentRate },
    entities,
    edges,
    icd10: icd10Subset(sources, entities),
  };
  return validateGraphFile(file, `built from ${fromDir}`);
}
