/**
 * @file `clinicalbert evaluate <records> --labels <file>`: prediction metrics against ground
 * truth (closed-set diagnosis metrics and, with open-set records or an abstaining package, the
 * open-set section) and, with --faithfulness, ERASER faithfulness of the text attribution
 * methods. Argument parsing and output only; the work is src/explain/evaluate.ts.
 *
 * The model card's numbers are this command's output: --out keeps them as JSON beside the text.
 * The model and the evaluation are imported when the action runs, not to print `--help`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { checkOutputPaths } from './output-paths.js';
import type { EvaluationReport } from '../explain/evaluate.js';
import { readLabels } from '../explain/labels.js';
import { MAX_UNITS } from '../explain/units.js';
import { INPUT_FORMATS, type InputFormat } from '../io/types.js';
import { DEVICES, type Device } from '../model/devices.js';
import { type RecordUnit, UNITS } from '../records/types.js';
import { PRECISION_FLAG, PRECISION_HELP, parsePrecision } from './precision-flag.js';
import { parseChoice, parseCount, UsageError } from '../util/errors.js';

interface EvaluateFlags {
  labels?: string;
  qa?: boolean;
  corpus?: string;
  qaSets?: string;
  faithfulness?: boolean;
  json?: boolean;
  out?: string;
  seed: string;
  limit?: string;
  maxUnits: string;
  format: string;
  unit: string;
  model?: string;
  verify?: boolean;
  device: string;
  threads: string;
  batchSize: string;
  precision?: string;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'Measure the model on labelled records: accuracy, macro-F1, AUROC, calibration, open-set abstention (records whose answer is "none of these"), and (--faithfulness) ERASER faithfulness of its explanations',
    )
    .argument('[records...]', 'labelled records: files, folders, globs (as for analyze); with --qa, the generated held-out records')
    .option(
      '-l, --labels <file>',
      'ground truth, JSON Lines with patientId, condition.id, recommendedDrugs[].id (as written by clinicalbert synth; labels version 2 may give "condition": null for an open-set record)',
    )
    .option(
      '--faithfulness',
      'also measure ERASER comprehensiveness, sufficiency and AOPC of word occlusion and attention rollout against a random baseline (~0.6 s per record)',
    )
    .option(
      '--qa',
      '`ask` instead of the model: precision and coverage of its answers beside a baseline (the entity searched with negation) on the ConText sentences and the Synthea bundles of --corpus (notes only, coded data hidden), and on the labelled generated records when given',
    )
    .option('--corpus <dir>', 'with --qa: the corpus folder (holding text/negex-context and fhir/synthea-bundles-with-notes)')
    .option('--qa-sets <sets>', 'with --qa: which sets, comma-separated: context, synthea, generated (default: those available)')
    .option('--json', 'print the report as JSON')
    .option('-o, --out <file>', 'also write the report as JSON to this file')
    .option('--seed <n>', 'seed of the random baseline', '1')
    .option('--limit <n>', 'evaluate at most n labelled records')
    .option('--max-units <n>', 'most words or mentions scored per record by word occlusion', String(MAX_UNITS))
    .option('--format <format>', `input format: ${INPUT_FORMATS.join(', ')}`, 'auto')
    .option('--unit <unit>', `one record per: ${UNITS.join(', ')}`, 'patient')
    .option('--model <dir>', 'model package folder (default: the embedded clinicalbert-mini)')
    .option('--verify', 'hash every model file (sha256), even those this user verified before and that have not changed since')
    .option('--device <device>', `where to run the model: ${DEVICES.join(', ')}`, 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per graph (0 = runtime default)', '1')
    .option('--batch-size <n>', 'records per inference batch', '16')
    .option(PRECISION_FLAG, PRECISION_HELP)
    .addHelpText(
      'after',
      `
Examples:
  clinicalbert evaluate samples/records.ndjson --labels samples/records.ndjson.labels.jsonl
  clinicalbert evaluate samples/records.ndjson --labels samples/records.ndjson.labels.jsonl --precision int8
  clinicalbert synth --seed 7 --patients 200 --out /tmp/eval.ndjson
  clinicalbert evaluate /tmp/eval.ndjson --labels /tmp/eval.ndjson.labels.jsonl --faithfulness --out metrics.json
  clinicalbert evaluate --qa --corpus ../shared/corpus
  clinicalbert evaluate --qa --corpus ../shared/corpus /tmp/eval.ndjson --labels /tmp/eval.ndjson.labels.jsonl --out qa.json`,
    )
    .action(async (records: string[], flags: EvaluateFlags) => {
      const format: InputFormat = parseChoice('--format', flags.format, INPUT_FORMATS);
      const unit: RecordUnit = parseChoice('--unit', flags.unit, UNITS);
      const device: Device = parseChoice('--device', flags.device, DEVICES);
      const threads = parseCount('--threads', flags.threads, { max: 256 });
      const batchSize = parseCount('--batch-size', flags.batchSize, { min: 1, max: 4096 });
      const seed = parseCount('--seed', flags.seed, { max: 2 ** 32 - 1 });
      const maxUnits = parseCount('--max-units', flags.maxUnits, { min: 1, max: 4096 });
      const limit = flags.limit === undefined ? undefined : parseCount('--limit', flags.limit, { min: 1 });
      const precision = parsePrecision(flags.precision);
      if (flags.qa) {
        await checkOutputPaths({ '--out': flags.out }, [...records, ...(flags.labels ? [flags.labels] : [])]);
        const { qaCommand } = await import('../ask/qa-command.js');
        await qaCommand({
          records,
          ...(flags.labels ? { labels: flags.labels } : {}),
          ...(flags.corpus ? { corpus: flags.corpus } : {}),
          ...(flags.qaSets ? { sets: flags.qaSets } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(flags.model !== undefined ? { model: flags.model } : {}),
          ...(flags.out ? { out: flags.out } : {}),
          json: flags.json === true,
        });
        return;
      }
      if (records.length === 0) throw new UsageError('no records to evaluate: give labelled records and --labels (or --qa)');
      if (!flags.labels) throw new UsageError("required option '--labels <file>' not specified (or use --qa)");
      await checkOutputPaths({ '--out': flags.out }, [...records, flags.labels]);
      const labels = await readLabels(flags.labels);
      const [{ ClinicalModel }, { runEvaluate }, { renderEvaluation }] = await Promise.all([
        import('../model/runtime.js'),
        import('../explain/evaluate.js'),
        import('../explain/render.js'),
      ]);

      const model = await ClinicalModel.load(flags.model, {
        device,
        threads,
        verify: flags.verify ? 'hash' : 'cached',
        ...(precision ? { precision } : {}),
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      });
      let report: EvaluationReport;
      try {
        report = await runEvaluate(model, {
          inputs: records,
          labels,
          read: { format, unit },
          batchSize,
          faithfulness: flags.faithfulness === true,
          seed,
          maxUnits,
          ...(limit !== undefined ? { limit } : {}),
        });
      } finally {
        await model.release();
      }
      if (flags.out) {
        const path = resolve(flags.out);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const color = new Chalk({ level: process.stdout.isTTY ? new Chalk().level : 0 });
        process.stdout.write(renderEvaluation(report, color));
      }
    });
}
