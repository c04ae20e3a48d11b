/**
 * @file Paths the knowledge-graph tests share: the repository root, the committed graph, and the
 * read-only corpus (absent on machines without /work/shared, where corpus tests skip).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const committedGraph = join(repoRoot, 'models', 'clinicalbert-mini', 'kg.json');
export const knowledgeDir = join(resolve(repoRoot, '../shared/corpus'), 'knowledge');
export const hasCorpus = existsSync(join(knowledgeDir, 'ddxplus', 'release_conditions.json'));
export const corpusSkipReason = `corpus not found at ${knowledgeDir}; corpus tests skipped`;
