/**
 * @file Writes a knowledge-graph file as JSON with one entity, edge or ICD-10 entry per line.
 *
 * Why not `JSON.stringify(file, null, 2)`: the file is committed, and a per-item line layout keeps
 * it small (well under 1 MB) and its diffs readable ("this edge's p changed") while staying plain
 * JSON that Python's json module reads. The output depends only on the object's content, so the
 * same build gives byte-identical files.
 */
import type { KnowledgeGraphFile } from '../types.js';

function lines(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join(',\n');
}

/** Provenance indented, except its list of surface-form origins: one origin per line. */
function provenance(file: KnowledgeGraphFile): string {
  const { surfaceForms, ...rest } = file.provenance;
  const text = JSON.stringify(rest, null, 2);
  if (surfaceForms === undefined) return text;
  const list = surfaceForms.length > 0 ? `[\n${surfaceForms.map((o) => `    ${JSON.stringify(o)}`).join(',\n')}\n  ]` : '[]';
  return `${text.slice(0, -2)},\n  "surfaceForms": ${list}\n}`;
}

export function serializeKnowledgeGraph(file: KnowledgeGraphFile): string {
  const parts = [
    `"formatVersion": ${JSON.stringify(file.formatVersion)}`,
    `"name": ${JSON.stringify(file.name)}`,
    `"provenance": ${provenance(file)}`,
  ];
  if (file.background) parts.push(`"background": ${JSON.stringify(file.background)}`);
  parts.push(`"entities": [\n${lines(file.entities)}\n]`);
  parts.push(`"edges": [\n${lines(file.edges)}\n]`);
  if (file.icd10) {
    const entries = Object.entries(file.icd10).map(([code, text]) => `${JSON.stringify(code)}: ${JSON.stringify(text)}`);
    parts.push(`"icd10": {\n${entries.join(',\n')}\n}`);
  }
  return `{\n${parts.join(',\n')}\n}\n`;
}
