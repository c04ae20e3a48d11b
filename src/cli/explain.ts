/**
 * @file `clinicalbert explain <input> --record <id>`: explains one record — the prediction line
 * `analyze` would write, with its explanations — as readable text, or as JSON with --json.
 * Argument parsing and output only; the work is src/explain/.
 *
 * Records stream until the one asked for is found, so a large export is not held in memory. An
 * unknown id is a usage error listing a few ids that were seen (ids only, never content) and the
 * first inputs that could not be read, in the words `analyze` uses for them (a folder of Bundle
 * files needs a glob, a pattern matched nothing, a line over `--max-line-mb`…): the inputs resolve
 * and are capped the same way for both, with the same budget flags (src/cli/budget-flags.ts). The
 * model, the readers and the explanation methods are imported when the action runs, not to print
 * `--help` (start-up: src/cli/main.ts).
 */
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { escapeControl } from '../util/control-chars.js';
import { EXPLAIN_LEVELS, type ExplainLevel } from '../explain/types.js';
import { INPUT_FORMATS, type InputFormat } from '../io/types.js';
import { DEVICES, type Device } from '../model/devices.js';
import { type ClinicalRecord, type RecordUnit, UNITS } from '../records/types.js';
import { PRECISION_FLAG, PRECISION_HELP, parsePrecision } from './precision-flag.js';
import { ClinicalBertError, UsageError, parseChoice, parseCount, quote } from '../util/errors.js';
import { addBudgetOptions, type BudgetFlags, parseBudgetFlags } from './budget-flags.js';

interface ExplainFlags extends BudgetFlags {
  record: string;
  level: string;
  json?: boolean;
  format: string;
  unit: string;
  model?: string;
  verify?: boolean;
  device: string;
  threads: string;
  precision?: string;
  topK: string;
  timing: boolean;
}

/** Ids shown when the asked-for record is not found. */
const SHOWN_IDS = 5;
/** Unreadable inputs named when the asked-for record is not found. */
const SHOWN_FAILURES = 3;

export function registerExplain(program: Command): void {
  const explain = program
    .command('explain')
    .description(
      'Explain the predictions for one record: modality contributions, knowledge-graph evidence, word, image and audio attributions',
    )
    .argument('<input>', 'a file, folder or glob of records (as for analyze), or - for stdin')
    .requiredOption('-r, --record <id>', 'the record to explain: patient id (encounter id with --unit encounter)')
    .option('--level <level>', `${EXPLAIN_LEVELS.filter((l) => l !== 'none').join(' or ')}`, 'full')
    .option('--json', 'print the prediction line with its explanations as JSON')
    .option('--format <format>', `input format: ${INPUT_FORMATS.join(', ')}`, 'auto')
    .option('--unit <unit>', `one record per: ${UNITS.join(', ')}`, 'patient')
    .option('--model <dir>', 'model package folder (default: the embedded clinicalbert-mini)')
    .option('--verify', 'hash every model file (sha256), even those this user verified before and that have not changed since')
    .option('--device <device>', `where to run the model: ${DEVICES.join(', ')}`, 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per graph (0 = runtime default)', '1')
    .option(PRECISION_FLAG, PRECISION_HELP)
    .option('--top-k <n>', 'labels reported per head (JSON)', '5')
    .option('--no-timing', 'leave method timings out (byte-identical JSON for the same input)');
  // the record is read as analyze reads it: the same budgets (src/cli/budget-flags.ts)
  addBudgetOptions(explain)
    .addHelpText(
      'after',
      `
Examples:
  clinicalbert explain samples/records.ndjson --record 0d083d69-ed6c-4f70-acc5-5a85d460534a
  clinicalbert explain samples/bulk/ --record <patient-id> --level fast --json | jq .explanations.modalities`,
    )
    .action(async (input: string, flags: ExplainFlags) => {
      const level = parseChoice(
        '--level',
        flags.level,
        EXPLAIN_LEVELS.filter((l) => l !== 'none'),
      ) as Exclude<ExplainLevel, 'none'>;
      const format: InputFormat = parseChoice('--format', flags.format, INPUT_FORMATS);
      const unit: RecordUnit = parseChoice('--unit', flags.unit, UNITS);
      const device: Device = parseChoice('--device', flags.device, DEVICES);
      const threads = parseCount('--threads', flags.threads, { max: 256 });
      const precision = parsePrecision(flags.precision);
      const topK = parseCount('--top-k', flags.topK, { min: 1, max: 1000 });
      const budgets = parseBudgetFlags(flags);
      const wanted = flags.record.replace(/^Patient\//, '');
      const [{ ClinicalModel }, { readRecords }, { explainBatch }, { renderExplanations }, { buildPredictionLine, modelRef }] =
        await Promise.all([
          import('../model/runtime.js'),
          import('../records/read.js'),
          import('../explain/explain.js'),
          import('../explain/render.js'),
          import('../pipeline/prediction.js'),
        ]);

      const model = await ClinicalModel.load(flags.model, {
        device,
        threads,
        verify: flags.verify ? 'hash' : 'cached',
        ...(precision ? { precision } : {}),
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      });
      try {
        const seen: string[] = [];
        const failures: string[] = [];
        let failed = 0;
        let record: ClinicalRecord | undefined;
        for await (const item of readRecords([input], { format, unit, ...budgets })) {
          if (item.kind === 'failure') {
            // as analyze prints a dead letter: position, code, reason (never content)
            const { file, line, entry } = item.position;
            const where = `${file}${line !== undefined ? `:${line}` : ''}${entry !== undefined ? ` entry ${entry}` : ''}`;
            if (failed++ < SHOWN_FAILURES) failures.push(`${where}: ${item.code}: ${item.reason}`);
          }
          if (item.kind !== 'record') continue;
          if (item.record.id === wanted) {
            record = item.record;
            break;
          }
          seen.push(item.record.id);
        }
        if (!record) {
          const shown = seen.slice(0, SHOWN_IDS).join(', ');
          const unreadable =
            failed === 0
              ? ''
              : `\n${failed} input(s) could not be read as records:\n  ${failures.join('\n  ')}${failed > SHOWN_FAILURES ? '\n  …' : ''}`;
          throw new UsageError(
            `record ${quote(flags.record)} not found in ${quote(input)} (${seen.length} records read` +
              (shown ? `; ids include ${shown}${seen.length > SHOWN_IDS ? ', …' : ''})` : ')') +
              unreadable,
            { code: 'RECORD_NOT_FOUND' },
          );
        }
        const features = await model.featurizer.featurize(record);
        const batch = [features];
        const [outputs] = await model.run(batch);
        if (!outputs) {
          throw new ClinicalBertError(`the model returned no outputs for record ${quote(record.id)}`, { code: 'MODEL_NO_OUTPUT' });
        }
        const [explanations] = await explainBatch(model, batch, level, { timing: flags.timing });
        if (!explanations) {
          throw new ClinicalBertError(`no explanations were produced for record ${quote(record.id)}`, { code: 'EXPLAIN_NO_OUTPUT' });
        }
        const manifest = model.manifest;
        const line = buildPredictionLine(record, features, outputs, manifest.heads, modelRef(model), {
          topK,
          maxLength: manifest.text.maxLength,
          graph: model.graph,
          explanations,
        });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(line)}\n`);
        } else {
          const color = new Chalk({ level: process.stdout.isTTY ? new Chalk().level : 0 });
          process.stdout.write(renderExplanations(record.id, explanations, color));
          for (const warning of line.warnings) process.stderr.write(`warning: ${escapeControl(`${record.id}: ${warning}`)}\n`);
        }
      } finally {
        await model.release();
      }
    });
}
