/**
 * @file `clinicalbert synth`: argument parsing for the synthetic record generator, which is
 * imported when the action runs, not to print `--help`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { KnowledgeGraphFile } from '../kg/types.js';
import { KG_FORMAT_VERSION } from '../kg/types.js';
import { parseOpenSetFraction } from '../synth/open-set.js';
import { defaultLabelsPath, SYNTH_FORMATS, type SynthFormat } from '../synth/writers.js';
import { ClinicalBertError, parseChoice, parseCount, quote, UsageError } from '../util/errors.js';
import { defaultModelDir } from '../util/version.js';

interface SynthFlags {
  seed: string;
  patients: string;
  format: string;
  out?: string;
  labels?: string;
  kg?: string;
  openSet: string;
  quiet?: boolean;
}

function readGraph(path: string): KnowledgeGraphFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new UsageError(`cannot read the knowledge graph ${quote(path)}`, { cause });
  }
  const kg = JSON.parse(text) as KnowledgeGraphFile;
  if (kg.formatVersion !== KG_FORMAT_VERSION) {
    throw new ClinicalBertError(`${path}: knowledge graph format ${kg.formatVersion} is not supported (expected ${KG_FORMAT_VERSION})`, {
      code: 'KG_FORMAT',
    });
  }
  return kg;
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description(
      'Generate synthetic multimodal patients (FHIR R4 or CSV) from the knowledge graph, with ground-truth labels in a separate file',
    )
    .option('--seed <n>', 'random seed; the same seed gives byte-identical output', '1')
    .option('--patients <n>', 'number of patients', '100')
    .option('--format <format>', `output format: ${SYNTH_FORMATS.join(', ')}`, 'ndjson')
    .option('--out <path>', 'output file (ndjson, csv) or folder (bulk); ndjson defaults to stdout')
    .option('--labels <file>', 'ground-truth labels (JSON Lines); default: <out>.labels.jsonl beside the output')
    .option('--kg <file>', 'knowledge graph file (default: the embedded model package)')
    .option(
      '--open-set <fraction>',
      'share of open-set patients (0 to 1): a routine visit with no acute condition, or a problem outside the diagnosis labels; their labels have "condition": null',
      '0',
    )
    .option('-q, --quiet', 'no summary on stderr')
    .addHelpText(
      'after',
      `
Examples:
  clinicalbert synth --seed 7 --patients 1000 --format ndjson --out records.ndjson
  clinicalbert synth --seed 7 --patients 50 --format bulk --out export/
  clinicalbert synth --seed 7 --patients 20 --format csv --out records.csv   # attachments in records_files/
  clinicalbert synth --seed 7 --patients 1000 --open-set 0.2 --out train.ndjson   # a fifth with no diagnosis label`,
    )
    .action(async (flags: SynthFlags) => {
      const seed = parseCount('--seed', flags.seed, { max: 2 ** 32 - 1 });
      const patients = parseCount('--patients', flags.patients, { min: 1, max: 10_000_000 });
      const format: SynthFormat = parseChoice('--format', flags.format, SYNTH_FORMATS);
      const openSet = parseOpenSetFraction('--open-set', flags.openSet);
      if (!flags.out && format !== 'ndjson') throw new UsageError(`--out is required for --format ${format}`);
      if (!flags.out && !flags.labels) throw new UsageError('writing to stdout needs --labels <file> for the ground truth');
      const out = flags.out ?? '/dev/stdout';
      const labels = flags.labels ?? defaultLabelsPath(out);
      const kg = readGraph(flags.kg ?? join(defaultModelDir(), 'kg.json'));
      const started = process.hrtime.bigint();
      const { generate } = await import('../synth/generate.js');
      const summary = await generate(kg, { seed, patients, format, out, labels, openSet });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (!flags.quiet) {
        process.stderr.write(
          `synth: ${summary.patients} patients (${openSet > 0 ? `${summary.openSet} open-set, ` : ''}${summary.withImage} with a chest image, ${summary.withAudio} with audio) ` +
            `in ${seconds.toFixed(1)} s -> ${flags.out ?? 'stdout'}; labels -> ${summary.labels}\n`,
        );
      }
    });
}
