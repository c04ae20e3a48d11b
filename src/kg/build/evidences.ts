/**
 * @file Finding and antecedent entities from DDXPlus's evidences, and their `symptom_of` /
 * `risk_factor_for` edges to conditions with probabilities from src/kg/build/rules.ts.
 *
 * Three transformations, each documented in provenance.notes:
 * - categorical/multi-choice evidences are folded into the binary question they refine;
 * - the generic pain (E_53) and swelling (E_151) questions are replaced, per condition, by the
 *   pain or swelling at that condition's site (src/kg/lexicon/sites.ts);
 * - names and synonyms come from the curated lexicon, one entry per evidence, checked both ways.
 */
import { ClinicalBertError, quote } from '../../util/errors.js';
import { ACUTE_CURATION } from '../lexicon/conditions.js';
import { EVIDENCE_LEXICON } from '../lexicon/evidences.js';
import { PAIN_SITES, SWELLING_SITES, type SiteEntry } from '../lexicon/sites.js';
import { SYSTEMS, type Coding, type Edge, type Entity } from '../types.js';
import { evidenceP } from './rules.js';
import type { DdxEvidence, Sources, SyntheaCode } from './sources.js';

const PAIN = 'E_53';
const SWELLING = 'E_151';

export interface EvidenceResult {
  entities: Entity[];
  edges: Edge[];
  notes: string[];
}

function fail(message: string): never {
  throw new ClinicalBertError(`kg build: ${message}`, { code: 'KG_CURATION_MISMATCH' });
}

function snomedCodings(codes: readonly string[] | undefined, synthea: Map<string, SyntheaCode>): Coding[] {
  return (codes ?? []).map((code) => {
    const row = synthea.get(code);
    if (!row) fail(`curated SNOMED code ${code} is not among Synthea's codes`);
    return { system: SYSTEMS.snomed, code, display: row.display };
  });
}

export function buildEvidences(sources: Sources, conditionIdByDdxName: Map<string, string>): EvidenceResult {
  const synthea = new Map(sources.synthea.filter((r) => r.system === SYSTEMS.snomed).map((r) => [r.code, r]));
  const entities: Entity[] = [];
  const entityIdOf = new Map<string, string>();

  for (const id of Object.keys(EVIDENCE_LEXICON)) {
    if (!sources.evidences.has(id)) fail(`lexicon entry ${id} is not a DDXPlus evidence`);
  }
  const folded = new Map<string, DdxEvidence[]>();
  const binarised: string[] = [];
  for (const evidence of sources.evidences.values()) {
    const entry = EVIDENCE_LEXICON[evidence.id];
    if (!entry) fail(`DDXPlus evidence ${evidence.id} (${quote(evidence.questionEn)}) has no entry in src/kg/lexicon/evidences.ts`);
    if (entry.foldInto) {
      if (evidence.dataType === 'B') fail(`lexicon folds binary evidence ${evidence.id}; only categorical ones are folded`);
      if (entry.foldInto !== evidence.parent)
        fail(`lexicon folds ${evidence.id} into ${entry.foldInto}, but DDXPlus says it refines ${evidence.parent}`);
      folded.set(entry.foldInto, [...(folded.get(entry.foldInto) ?? []), evidence]);
    } else if (evidence.dataType !== 'B') {
      binarised.push(evidence.id);
    }
  }

  for (const evidence of sources.evidences.values()) {
    const entry = EVIDENCE_LEXICON[evidence.id];
    if (!entry || entry.foldInto) continue;
    const type = evidence.isAntecedent ? 'antecedent' : 'finding';
    const id = `${type}:${evidence.id}`;
    const children = (folded.get(evidence.id) ?? []).sort((a, b) => (a.id < b.id ? -1 : 1));
    entities.push({
      id,
      type,
      name: entry.name,
      codes: [
        { system: SYSTEMS.ddxplus, code: evidence.id, display: evidence.questionEn },
        ...children.map((c) => ({ system: SYSTEMS.ddxplus, code: c.id, display: c.questionEn })),
        ...snomedCodings(entry.snomed, synthea),
      ],
      synonyms: [...entry.synonyms],
      ...(entry.linkOnly ? { linkOnly: [...entry.linkOnly] } : {}),
      system: entry.system,
    });
    entityIdOf.set(evidence.id, id);
  }

  // Sited pain and swelling entities, created only for sites some condition uses.
  const sited = (parent: string, site: string, entry: SiteEntry): string => {
    if (entry.evidence) {
      const target = entityIdOf.get(entry.evidence);
      if (!target) fail(`site ${site} of ${parent} maps onto unknown evidence ${entry.evidence}`);
      return target;
    }
    const id = `finding:${parent}.${site}`;
    if (!entities.some((e) => e.id === id)) {
      const question = sources.evidences.get(parent)?.questionEn ?? '';
      entities.push({
        id,
        type: 'finding',
        name: entry.name,
        codes: [
          { system: SYSTEMS.ddxplus, code: `${parent}.${site}`, display: `${question} [site: ${site}]` },
          ...snomedCodings(entry.snomed, synthea),
        ],
        synonyms: [...entry.synonyms],
        system: entry.system,
      });
    }
    return id;
  };

  // Per condition: target entity id -> hallmark flag.
  const links = new Map<string, Map<string, boolean>>();
  const conditionsPerEntity = new Map<string, number>();
  for (const condition of sources.conditions) {
    const conditionId = conditionIdByDdxName.get(condition.name) as string;
    const curation = ACUTE_CURATION[condition.name];
    const listed = new Set([...condition.symptoms, ...condition.antecedents]);
    for (const h of curation?.hallmarks ?? []) {
      if (!listed.has(h)) fail(`hallmark ${h} of ${quote(condition.name)} is not among its DDXPlus evidences`);
    }
    if (listed.has(PAIN) !== (curation?.painSite !== undefined)) {
      fail(`${quote(condition.name)}: a pain site must be curated exactly when DDXPlus lists ${PAIN}`);
    }
    if (listed.has(SWELLING) !== (curation?.swellingSite !== undefined)) {
      fail(`${quote(condition.name)}: a swelling site must be curated exactly when DDXPlus lists ${SWELLING}`);
    }
    const targets = new Map<string, boolean>();
    for (const evidenceId of listed) {
      if (EVIDENCE_LEXICON[evidenceId]?.foldInto) continue;
      let target: string | undefined;
      if (evidenceId === PAIN && curation?.painSite) target = sited(PAIN, curation.painSite, PAIN_SITES[curation.painSite]);
      else if (evidenceId === SWELLING && curation?.swellingSite) {
        target = sited(SWELLING, curation.swellingSite, SWELLING_SITES[curation.swellingSite]);
      } else target = entityIdOf.get(evidenceId);
      if (!target) fail(`${quote(condition.name)} lists unknown evidence ${evidenceId}`);
      const hallmark = (curation?.hallmarks ?? []).includes(evidenceId);
      targets.set(target, (targets.get(target) ?? false) || hallmark);
    }
    links.set(conditionId, targets);
    for (const target of targets.keys()) conditionsPerEntity.set(target, (conditionsPerEntity.get(target) ?? 0) + 1);
  }

  const typeOf = new Map(entities.map((e) => [e.id, e.type]));
  const edges: Edge[] = [];
  for (const [conditionId, targets] of links) {
    for (const [source, hallmark] of targets) {
      const kind = typeOf.get(source) === 'antecedent' ? 'antecedent' : 'finding';
      const n = conditionsPerEntity.get(source) ?? 1;
      edges.push({
        source,
        type: kind === 'finding' ? 'symptom_of' : 'risk_factor_for',
        target: conditionId,
        p: evidenceP(kind, n, hallmark),
      });
    }
  }

  const foldedList = [...folded.entries()]
    .map(
      ([parent, children]) =>
        `${children
          .map((c) => c.id)
          .sort()
          .join(', ')} -> ${parent}`,
    )
    .sort();
  const notes = [
    `Categorical and multi-choice DDXPlus evidences are folded into the binary question they refine (${foldedList.join('; ')}): ` +
      'the public release gives no per-condition values for them. Their DDXPlus codes are listed on the parent entity.',
    `Categorical evidences read as binary (present = any answer other than the default): ${binarised.join(', ')} (recent travel; its region values are dropped).`,
    `Pain (${PAIN}) and swelling (${SWELLING}) are replaced per condition by the pain/swelling at its textbook site (src/kg/lexicon/sites.ts): ` +
      `entities ${PAIN}.<site> / ${SWELLING}.<site>; throat pain maps onto sore throat (E_97). The generic entities remain, unlinked, so an unsited "pain" in a note still links.`,
    "Evidence type follows DDXPlus's is_antecedent flag (finding -> symptom_of, antecedent -> risk_factor_for), whichever list of the condition names it.",
    'Inverted evidences (the entity names the risk side of a protective question): ' +
      Object.entries(EVIDENCE_LEXICON)
        .filter(([, v]) => v.inverted)
        .map(([k, v]) => `${k} "${v.name}"`)
        .join(', ') +
      '.',
  ];
  return { entities, edges, notes };
}
