/**
 * @file The generator's read-only view of the knowledge graph: conditions by course with their
 * priors, each condition's evidences with P(evidence | condition), and the drugs, allergens and
 * measurements the records draw on.
 *
 * Why not query the graph directly: sampling a patient asks the same questions thousands of
 * times ("which evidences does pneumonia have, with what probability?"), so the answers are
 * indexed once here, in a deterministic order (by entity id) so the same seed gives the same
 * patients whatever order the graph file lists things in.
 */
import { SYSTEMS, type Coding, type Entity, type KnowledgeGraphFile } from '../kg/types.js';

export interface WeightedEvidence {
  entity: Entity;
  p: number;
}

/** P(evidence present | condition not linked to it) when the graph file does not say. */
const DEFAULT_BACKGROUND_RATE = 0.01;

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class GeneratorGraphView {
  readonly acute: Entity[];
  readonly chronic: Entity[];
  readonly evidences: Entity[];
  readonly findings: Entity[];
  readonly allergens: Entity[];
  readonly observations: Entity[];
  /** P(present | not linked to the condition), for findings and for antecedents. */
  readonly backgroundRates: { finding: number; antecedent: number };
  private readonly entities = new Map<string, Entity>();
  private readonly evidenceOf = new Map<string, WeightedEvidence[]>();
  private readonly drugsOf = new Map<string, { drug: Entity; kind: 'treats' | 'palliates' }[]>();
  private readonly abnormalIn = new Map<string, Set<string>>();

  constructor(readonly file: KnowledgeGraphFile) {
    const sorted = file.entities.slice().sort(byId);
    for (const e of sorted) this.entities.set(e.id, e);
    this.acute = sorted.filter((e) => e.type === 'condition' && e.course === 'acute');
    this.chronic = sorted.filter((e) => e.type === 'condition' && e.course === 'chronic');
    this.evidences = sorted.filter((e) => e.type === 'finding' || e.type === 'antecedent');
    this.findings = sorted.filter((e) => e.type === 'finding');
    this.allergens = sorted.filter((e) => e.type === 'allergen');
    this.observations = sorted.filter((e) => e.type === 'observation');
    const background = file.background;
    this.backgroundRates = {
      finding: background?.findingRate ?? DEFAULT_BACKGROUND_RATE,
      antecedent: background?.antecedentRate ?? background?.findingRate ?? DEFAULT_BACKGROUND_RATE,
    };

    for (const edge of file.edges) {
      if (edge.type === 'symptom_of' || edge.type === 'risk_factor_for') {
        const entity = this.entities.get(edge.source);
        if (!entity) continue;
        const list = this.evidenceOf.get(edge.target) ?? [];
        list.push({ entity, p: edge.p ?? 0.5 });
        this.evidenceOf.set(edge.target, list);
      } else if (edge.type === 'treats' || edge.type === 'palliates') {
        const drug = this.entities.get(edge.source);
        if (!drug) continue;
        const list = this.drugsOf.get(edge.target) ?? [];
        list.push({ drug, kind: edge.type });
        this.drugsOf.set(edge.target, list);
      } else if (edge.type === 'abnormal_in') {
        const set = this.abnormalIn.get(edge.target) ?? new Set<string>();
        set.add(edge.source);
        this.abnormalIn.set(edge.target, set);
      }
    }
    for (const list of this.evidenceOf.values()) list.sort((a, b) => byId(a.entity, b.entity));
    for (const list of this.drugsOf.values()) list.sort((a, b) => byId(a.drug, b.drug));
  }

  backgroundRate(evidence: Entity): number {
    return evidence.type === 'antecedent' ? this.backgroundRates.antecedent : this.backgroundRates.finding;
  }

  get(id: string): Entity | undefined {
    return this.entities.get(id);
  }

  /** Evidences linked to a condition, with P(present | condition), sorted by id. */
  evidencesFor(conditionId: string): readonly WeightedEvidence[] {
    return this.evidenceOf.get(conditionId) ?? [];
  }

  /** Drugs indicated for a condition; disease-modifying ones first, then by id. */
  drugsFor(conditionId: string): readonly { drug: Entity; kind: 'treats' | 'palliates' }[] {
    const list = this.drugsOf.get(conditionId) ?? [];
    return list.slice().sort((a, b) => (a.kind === b.kind ? byId(a.drug, b.drug) : a.kind === 'treats' ? -1 : 1));
  }

  /** Observation entity ids that are typically abnormal in a condition. */
  abnormalObservations(conditionId: string): ReadonlySet<string> {
    return this.abnormalIn.get(conditionId) ?? new Set();
  }

  /** The entity's first code in a system (e.g. its ICD-10 or RxNorm code). */
  static code(entity: Entity, system: string): Coding | undefined {
    return entity.codes.find((c) => c.system === system);
  }

  static icd10(entity: Entity): string | undefined {
    return GeneratorGraphView.code(entity, SYSTEMS.icd10)?.code;
  }
}
