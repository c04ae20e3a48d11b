/**
 * @file `KnowledgeGraph`: a loaded, validated kg.json with the lookups every reader needs: by id,
 * by code (any system, case-insensitive, ICD-10 falling back to the parent category), by name or
 * synonym, neighbours with edge directions, and summary statistics.
 *
 * Why a class over the plain file: indexes are built once at load (a record stream asks the same
 * questions millions of times), and validation happens in exactly one place, so a reader never
 * sees a half-checked graph.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClinicalBertError, UsageError, quote } from '../util/errors.js';
import { defaultModelDir } from '../util/version.js';
import { icd10Ancestors, icd10Key } from './icd10.js';
import { phraseKey } from './normalize.js';
import { SYSTEMS } from '../util/code-systems.js';
import type { Coding, Edge, EdgeType, Entity, EntityType, KnowledgeGraphFile } from './types.js';
import { EDGE_TYPES, ENTITY_TYPES, LINK_PRIORITY, validateGraphFile } from './validate.js';

export interface Neighbour {
  edge: Edge;
  /** `out`: this entity is the edge's source; `in`: it is the target. */
  direction: 'out' | 'in';
  entity: Entity;
}

export interface GraphStats {
  name: string;
  formatVersion: number;
  entities: Record<EntityType, number>;
  edges: Record<EdgeType, number>;
  conditionsByCourse: { acute: number; chronic: number };
  icd10Descriptions: number;
  surfaceForms: number;
}

/** Short names accepted for `findByCode(system, …)` besides the full system URLs. */
const SYSTEM_ALIASES: Readonly<Record<string, string>> = {
  icd10: SYSTEMS.icd10,
  'icd-10': SYSTEMS.icd10,
  icd10cm: SYSTEMS.icd10,
  'icd-10-cm': SYSTEMS.icd10,
  snomed: SYSTEMS.snomed,
  sct: SYSTEMS.snomed,
  loinc: SYSTEMS.loinc,
  rxnorm: SYSTEMS.rxnorm,
  drugbank: SYSTEMS.drugbank,
  doid: SYSTEMS.doid,
  ddxplus: SYSTEMS.ddxplus,
};

/** Systems whose codes compare case-insensitively (LOINC and RxNorm codes have no letters to fold). */
const CASE_INSENSITIVE = new Set<string>([SYSTEMS.icd10, SYSTEMS.drugbank, SYSTEMS.ddxplus, SYSTEMS.ddxplusCondition]);

const DEFAULT_FILE = 'kg.json';

function codeKey(system: string, code: string): string {
  if (system === SYSTEMS.icd10) return `${system}|${icd10Key(code) ?? code.trim().toUpperCase()}`;
  return `${system}|${CASE_INSENSITIVE.has(system) ? code.trim().toUpperCase() : code.trim()}`;
}

export class KnowledgeGraph {
  readonly file: KnowledgeGraphFile;
  private readonly byId = new Map<string, Entity>();
  private readonly byCode = new Map<string, Entity>();
  /** Bare code (upper-case) -> entities carrying it in any system, for system-less lookups. */
  private readonly byBareCode = new Map<string, Entity[]>();
  private readonly bySurface = new Map<string, Entity[]>();
  private readonly out = new Map<string, Edge[]>();
  private readonly in = new Map<string, Edge[]>();

  constructor(file: KnowledgeGraphFile, source = 'in memory') {
    this.file = validateGraphFile(file, source);
    const rank = (e: Entity): number => LINK_PRIORITY.indexOf(e.type);
    for (const entity of this.file.entities) {
      this.byId.set(entity.id, entity);
      for (const c of entity.codes) {
        const key = codeKey(c.system, c.code);
        if (!this.byCode.has(key)) this.byCode.set(key, entity);
        const bare = c.code.trim().toUpperCase();
        const owners = this.byBareCode.get(bare);
        if (owners) owners.push(entity);
        else this.byBareCode.set(bare, [entity]);
      }
      for (const form of [entity.name, ...entity.synonyms, ...(entity.linkOnly ?? [])]) {
        const key = phraseKey(form);
        if (!key) continue;
        const list = this.bySurface.get(key) ?? [];
        if (!list.includes(entity)) list.push(entity);
        list.sort((a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : 1));
        this.bySurface.set(key, list);
      }
    }
    const push = (index: Map<string, Edge[]>, key: string, edge: Edge): void => {
      const list = index.get(key);
      if (list) list.push(edge);
      else index.set(key, [edge]);
    };
    for (const edge of this.file.edges) {
      push(this.out, edge.source, edge);
      push(this.in, edge.target, edge);
    }
  }

  /** Load and validate a graph file; a missing file is a usage error (the user named it). */
  static async load(path: string): Promise<KnowledgeGraph> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UsageError(`knowledge graph file not found: ${quote(path)}`, { code: 'KG_NOT_FOUND', cause: error });
      }
      throw new ClinicalBertError(`cannot read knowledge graph ${quote(path)}`, { code: 'KG_READ', cause: error });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ClinicalBertError(`knowledge graph ${quote(path)} is not valid JSON`, { code: 'KG_PARSE', cause: error });
    }
    return new KnowledgeGraph(data as KnowledgeGraphFile, quote(path));
  }

  /** The path of the default package's graph file. */
  static defaultPath(): string {
    return join(defaultModelDir(), DEFAULT_FILE);
  }

  /** The graph shipped with the default model package (models/clinicalbert-mini/kg.json). */
  static loadDefault(): Promise<KnowledgeGraph> {
    return KnowledgeGraph.load(KnowledgeGraph.defaultPath());
  }

  get entities(): readonly Entity[] {
    return this.file.entities;
  }

  get edges(): readonly Edge[] {
    return this.file.edges;
  }

  get(id: string): Entity | undefined {
    return this.byId.get(id);
  }

  /** Entities of one type, in file order (sorted by id). */
  ofType(type: EntityType): Entity[] {
    return this.file.entities.filter((e) => e.type === type);
  }

  /**
   * Find the entity carrying a code. `system` is a FHIR system URL or a short name (`icd10`,
   * `snomed`, `loinc`, `rxnorm`, `drugbank`, `ddxplus`); without it, every system is searched.
   * ICD-10 codes are matched without regard to case or dot, and fall back to the nearest parent
   * the graph has (`J45.909` -> childhood asthma, `J45.9` -> `J45`).
   */
  findByCode(system: string | undefined, code: string): Entity | undefined {
    const trimmed = code.trim();
    if (!trimmed) return undefined;
    if (system !== undefined && system.trim() !== '') {
      const url = SYSTEM_ALIASES[system.trim().toLowerCase()] ?? system.trim();
      const exact = this.byCode.get(codeKey(url, trimmed));
      if (exact || url !== SYSTEMS.icd10) return exact;
      return this.icd10Fallback(trimmed);
    }
    const exact = this.byBareCode.get(trimmed.toUpperCase())?.[0];
    return exact ?? this.icd10Fallback(trimmed);
  }

  private icd10Fallback(code: string): Entity | undefined {
    const key = icd10Key(code);
    if (!key) return undefined;
    for (const ancestor of icd10Ancestors(key)) {
      const hit = this.byCode.get(`${SYSTEMS.icd10}|${ancestor}`);
      if (hit) return hit;
    }
    return undefined;
  }

  /** Entities whose name, synonym or link-only form normalises like `text` (case, accents, inflection), by link priority. */
  findByName(text: string): Entity[] {
    const key = phraseKey(text);
    return key ? [...(this.bySurface.get(key) ?? [])] : [];
  }

  /** Map coded facts (e.g. a FHIR Condition's codings) to entity ids, in order, without repeats. */
  linkCodes(codings: readonly Coding[]): string[] {
    const out: string[] = [];
    for (const c of codings) {
      if (typeof c?.code !== 'string') continue;
      const hit = this.findByCode(c.system, c.code);
      if (hit && !out.includes(hit.id)) out.push(hit.id);
    }
    return out;
  }

  /** Edges touching an entity, outgoing first, each with the entity at the other end. */
  neighbours(id: string): Neighbour[] {
    const result: Neighbour[] = [];
    for (const edge of this.out.get(id) ?? []) result.push({ edge, direction: 'out', entity: this.byId.get(edge.target) as Entity });
    for (const edge of this.in.get(id) ?? []) result.push({ edge, direction: 'in', entity: this.byId.get(edge.source) as Entity });
    return result;
  }

  /** Every surface form key the linker may match, with the entities claiming it (priority order). */
  surfaceForms(): ReadonlyMap<string, readonly Entity[]> {
    return this.bySurface;
  }

  stats(): GraphStats {
    const entities = Object.fromEntries(ENTITY_TYPES.map((t) => [t, 0])) as Record<EntityType, number>;
    for (const e of this.file.entities) entities[e.type] += 1;
    const edges = Object.fromEntries(EDGE_TYPES.map((t) => [t, 0])) as Record<EdgeType, number>;
    for (const e of this.file.edges) edges[e.type] += 1;
    const conditions = this.ofType('condition');
    return {
      name: this.file.name,
      formatVersion: this.file.formatVersion,
      entities,
      edges,
      conditionsByCourse: {
        acute: conditions.filter((c) => c.course === 'acute').length,
        chronic: conditions.filter((c) => c.course === 'chronic').length,
      },
      icd10Descriptions: Object.keys(this.file.icd10 ?? {}).length,
      surfaceForms: this.bySurface.size,
    };
  }
}
