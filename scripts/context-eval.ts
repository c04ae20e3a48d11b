/**
 * @file Rerunnable ConText measurement: scores the negation, historical and experiencer flags of
 * src/kg/negation.ts on the physician-annotated ConText sentences, beside GenNegEx's published
 * negation F, so a change to the trigger lists or section rules can be judged by one command.
 *
 *   npx tsx scripts/context-eval.ts [--json] [--errors] [--file PATH]
 *
 * The corpus is read where it lies (`../shared/corpus/text/negex-context/context-annotations-dev.tsv`
 * beside the repository, or `--file`), never copied into the project. `--errors` lists the rows
 * each flag gets wrong.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENNEGEX_NEGATION_F, contextOutcomes, evaluateContext, parseContextTsv, type Score } from '../src/kg/context-eval.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const fileAt = args.indexOf('--file');
const file =
  fileAt >= 0 && args[fileAt + 1]
    ? resolve(args[fileAt + 1] as string)
    : resolve(repoRoot, '../shared/corpus/text/negex-context/context-annotations-dev.tsv');
if (!existsSync(file)) {
  console.error(`ConText annotations not found at ${file} (pass --file PATH)`);
  process.exit(2);
}
const rows = parseContextTsv(readFileSync(file, 'utf8'));
const result = evaluateContext(rows);

if (args.includes('--json')) {
  console.log(JSON.stringify({ file, ...result, gennegexNegationF: GENNEGEX_NEGATION_F }, null, 2));
} else {
  const f3 = (x: number): string => x.toFixed(3);
  const line = (name: string, s: Score): string =>
    `${name.padEnd(11)} ${f3(s.precision)}  ${f3(s.recall)}  ${f3(s.f1)}  ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}`;
  console.log(`ConText sentences: ${file}`);
  console.log(`rows ${result.rows}, used ${result.used}, skipped ${result.skipped.length} (Condition not found in sentence)`);
  console.log('');
  console.log('flag        P      R      F1       tp   fp   fn');
  console.log(line('negated', result.negated));
  console.log(line('historical', result.historical));
  console.log(line('family', result.family));
  console.log('');
  console.log(`GenNegEx, published F ${GENNEGEX_NEGATION_F} (negation; Chapman et al.)`);
  if (result.skipped.length > 0) console.log(`skipped lines: ${result.skipped.join(', ')}`);
  if (args.includes('--errors')) {
    for (const o of contextOutcomes(rows)) {
      if (!o) continue;
      const gold = {
        negated: o.row.negation.toLowerCase() === 'negated',
        historical: o.row.temporality.toLowerCase() === 'historical',
        family: o.row.experiencer.toLowerCase() !== 'patient',
      };
      for (const flag of ['negated', 'historical', 'family'] as const)
        if (o[flag] !== gold[flag])
          console.log(`${o[flag] ? 'FP' : 'FN'} ${flag} [${o.row.line}] ${o.row.condition} || ${o.row.sentence.replace(/\s+/g, ' ')}`);
    }
  }
}
