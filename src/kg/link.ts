/**
 * @file `EntityLinker`: finds knowledge-graph entities in free text, with character spans and
 * NegEx/ConText flags (negated, historical, family experiencer), and maps coded facts to entities.
 *
 * Matching rules (documented because the training recipe relies on them through Node):
 * - Text and surface forms go through the same normaliser (src/kg/normalize.ts): case, accents
 *   and apostrophes are ignored, hyphens and slashes separate words, and simple suffix rules make
 *   inflections meet ("coughing", "coughs", "coughed" all match "cough"; "wheezes" matches
 *   "wheezing"). Matches respect word boundaries: "cough" never matches inside "hiccough".
 * - Longest match wins, scanning left to right; mentions never overlap ("chest pain at rest" is one
 *   mention, not "chest pain" plus "rest").
 * - A phrase claimed by entities of different types goes to the first type in LINK_PRIORITY.
 * - A phrase never spans punctuation that separates clauses (. , ; : ! ? newline).
 * - A few single words state a negated finding ("afebrile", "nonsmoker"); they link to that
 *   finding with `negated: true` (NEGATED_WORDS in src/kg/negation.ts).
 * - Section headings ("# Allergies", "Past Medical History:", "FAMILY HISTORY:"; src/kg/sections.ts)
 *   never link as findings; each mention carries the section it is in (`section`), and the
 *   section's flags (historical, family) until the next heading.
 *
 * `link()` is pure and synchronous: the same text always gives the same mentions.
 */
import type { KnowledgeGraph } from './graph.js';
import { type ContextFlags, NEGATED_WORDS, contextFlags, type TokenSpan } from './negation.js';
import { phraseKey, tokenize, type Token } from './normalize.js';
import { findHeadings, type SectionKind } from './sections.js';
import type { Coding, Entity, EntityType } from './types.js';

export interface Mention {
  /** Character offsets into the linked string (end exclusive). */
  start: number;
  end: number;
  /** The matched text as written. */
  text: string;
  entityId: string;
  type: EntityType;
  /** "denies fever", "fever resolved", "no evidence of pneumonia". */
  negated: boolean;
  /** "history of asthma", "s/p appendectomy", "PMH: hypertension". */
  historical: boolean;
  /** `family` for "mother has asthma", "family history of MI". */
  experiencer: 'patient' | 'family';
  /**
   * The section heading the mention is under, when there is one (src/kg/sections.ts):
   * `history`, `family`, `social`, `allergies` (an allergen, not a finding or a drug taken),
   * `medications` (a medication list), or `current` (HPI, ROS, exam, assessment, plan…).
   */
  section?: SectionKind;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  entity?: Entity;
  /** The surface form itself states the negation ("afebrile"). */
  negated?: boolean;
}

export class EntityLinker {
  private readonly root: TrieNode = { next: new Map() };

  constructor(readonly graph: KnowledgeGraph) {
    for (const [key, entities] of graph.surfaceForms()) {
      const first = entities[0];
      if (first) this.insert(key, first, false);
    }
    for (const [word, phrase] of Object.entries(NEGATED_WORDS)) {
      const entity = graph.findByName(phrase)[0];
      const key = phraseKey(word);
      // A graph without the finding, or one that claims the word itself, keeps its own meaning.
      if (entity && !graph.surfaceForms().has(key)) this.insert(key, entity, true);
    }
  }

  private insert(key: string, entity: Entity, negated: boolean): void {
    let node = this.root;
    for (const word of key.split(' ')) {
      let child = node.next.get(word);
      if (!child) {
        child = { next: new Map() };
        node.next.set(word, child);
      }
      node = child;
    }
    node.entity = entity;
    if (negated) node.negated = true;
  }

  /** Mentions of graph entities in `text`, in order of position. */
  link(text: string): Mention[] {
    const tokens = tokenize(text);
    const headings = findHeadings(tokens, text);
    const inHeading = new Uint8Array(tokens.length);
    for (const h of headings) inHeading.fill(1, h.first, h.last + 1);
    const spans: TokenSpan[] = [];
    const entities: Entity[] = [];
    const stated: boolean[] = [];
    for (let i = 0; i < tokens.length; ) {
      const match = this.longestMatch(tokens, i);
      if (match && inHeading.subarray(i, match.last + 1).includes(1)) {
        // A heading is not a finding ("# Allergies" is not atopy).
        i = match.last + 1;
      } else if (match) {
        spans.push({ first: i, last: match.last });
        entities.push(match.entity);
        stated.push(match.negated);
        i = match.last + 1;
      } else {
        i++;
      }
    }
    const flags = contextFlags(tokens, spans, headings);
    return spans.map((span, m) => {
      const start = (tokens[span.first] as Token).start;
      const end = (tokens[span.last] as Token).end;
      const entity = entities[m] as Entity;
      const f = flags[m] as ContextFlags;
      return {
        start,
        end,
        text: text.slice(start, end),
        entityId: entity.id,
        type: entity.type,
        negated: f.negated || (stated[m] as boolean),
        historical: f.historical,
        experiencer: f.family ? 'family' : 'patient',
        ...(f.section ? { section: f.section } : {}),
      };
    });
  }

  /** Entity ids of coded facts (FHIR codings), in order, without repeats. */
  linkCodes(codings: readonly Coding[]): string[] {
    return this.graph.linkCodes(codings);
  }

  private longestMatch(tokens: readonly Token[], i: number): { last: number; entity: Entity; negated: boolean } | undefined {
    let node: TrieNode | undefined = this.root;
    let best: { last: number; entity: Entity; negated: boolean } | undefined;
    for (let j = i; j < tokens.length; j++) {
      const t = tokens[j] as Token;
      if (t.kind !== 'word') break;
      node = node.next.get(t.stem);
      if (!node) break;
      if (node.entity) best = { last: j, entity: node.entity, negated: node.negated === true };
    }
    return best;
  }
}

/** Map coded facts to entity ids with a graph (the same as `graph.linkCodes`). */
export function linkCodes(graph: KnowledgeGraph, codings: readonly Coding[]): string[] {
  return graph.linkCodes(codings);
}
