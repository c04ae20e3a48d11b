/**
 * @file `clinicalbert analyze`: argument parsing only. The run (progress, log, report, summary,
 * exit code) is src/pipeline/command.ts, imported when the action runs (so `analyze --help` and a
 * usage error load neither the model nor the readers); the work itself is src/pipeline/analyze.ts.
 *
 * Exit codes: 0 every record written (inputs of reference data only skipped); 3 some records dead-lettered (or --max-errors exceeded);
 * 2 usage error; 1 internal failure or a FHIR server refusing (401/403/404) or failing; 130 / 143 stopped by SIGINT / SIGTERM (src/pipeline/stop-signals.ts).
 */
import type { Command } from 'commander';
import { DEFAULT_MAX_RECORDS } from '../report/limits.js';
import { EXPLAIN_LEVELS, type ExplainLevel } from '../explain/types.js';
import { INPUT_FORMATS, type InputFormat } from '../io/types.js';
import { DEVICES, type Device } from '../model/devices.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../pipeline/fhir-output.js';
import { LOG_FORMATS, type LogFormat } from '../pipeline/logger.js';
import { withStopSignals } from '../pipeline/stop-signals.js';
import { parseShard } from '../pipeline/shard.js';
import { defaultWorkers } from '../pipeline/featurize-pool.js';
import { UNITS, type RecordUnit } from '../records/types.js';
import { parseChoice, parseCount, UsageError } from '../util/errors.js';
import { startupMark } from '../util/startup-trace.js';
import { addBudgetOptions, type BudgetFlags, parseBudgetFlags } from './budget-flags.js';
import { addSourceOptions, parseSourceFlags, type SourceFlags } from './source-flags.js';
import { checkOutputPaths } from './output-paths.js';
import { PRECISION_FLAG, PRECISION_HELP, parsePrecision } from './precision-flag.js';
import { addFhirOptions, type FhirFlags, fhirPlan } from './fhir-flags.js';

interface AnalyzeFlags extends FhirFlags, BudgetFlags, SourceFlags {
  out?: string;
  outputFormat: string;
  deadLetter?: string;
  format: string;
  unit: string;
  model?: string;
  verify?: boolean;
  device: string;
  threads: string;
  precision?: string;
  batchSize: string;
  topK: string;
  timing: boolean;
  maxErrors?: string;
  quiet?: boolean;
  logFormat: string;
  progress: boolean;
  explain: string;
  report?: string;
  reportMaxRecords: string;
  resume?: boolean;
  shard?: string;
  workers: string;
}

export function registerAnalyze(program: Command): void {
  const analyze = program
    .command('analyze')
    .description(
      'Stream records (FHIR R4 NDJSON, Bundles, Bulk Data folders, CSV, stdin) through the model and write one JSON line of predictions per record',
    )
    .argument('[inputs...]', 'files, folders, globs, or - for stdin (none with --fhir)')
    .option('-o, --out <file>', 'write predictions here instead of stdout')
    .option('--dead-letter <file>', 'write records that could not be processed here (JSON Lines: file, line, record id, reason)')
    .option(
      '--resume',
      'continue an interrupted run (kill, crash, full disk) from its --out and --dead-letter files: a torn last line is cut off, records already there are not run again, the rest is appended (same inputs and options; a missing file starts afresh)',
    )
    .option(
      '--shard <K/N>',
      "read only shard K of N: the records whose patient id hashes to K (FNV-1a of the id, mod N, + 1), so N processes or machines split one input with no coordination and their outputs together are one run's",
    )
    .option('--format <format>', `input format: ${INPUT_FORMATS.join(', ')}`, 'auto')
    .option(
      '--output-format <format>',
      `what each output line is: ${OUTPUT_FORMATS.join(', ')} (fhir: one FHIR R4 Bundle per record, with a RiskAssessment, draft MedicationRequests, a Provenance and the model Device; --format names the input's format)`,
      'jsonl',
    )
    .option('--unit <unit>', `one record per: ${UNITS.join(', ')}`, 'patient')
    .option('--model <dir>', 'model package folder (default: the embedded clinicalbert-mini)')
    .option('--verify', 'hash every model file (sha256), even those this user verified before and that have not changed since')
    .option('--device <device>', `where to run the model: ${DEVICES.join(', ')} (falls back to cpu with a message)`, 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per graph (0 = runtime default)', '1')
    .option(PRECISION_FLAG, PRECISION_HELP)
    .option('--batch-size <n>', 'records per inference batch', '16')
    .option(
      '--workers <n>',
      'threads that prepare records (tokenizing, linking, image and audio decoding) while the model runs; 0: on the main thread (same output either way)',
      String(defaultWorkers()),
    )
    .option('--top-k <n>', 'labels reported per head', '5')
    .option('--no-timing', 'leave per-record timings out, so the same input gives byte-identical output')
    .option(
      '--explain <level>',
      `explanations per record: ${EXPLAIN_LEVELS.join(', ')} (fast: modality ablation and knowledge-graph evidence, ~1 ms per record; full: adds word occlusion, attention rollout, image and audio saliency, ~0.4 s per record on one thread)`,
      'none',
    )
    .option('--max-errors <n>', 'abort (exit 3) once more than n records were dead-lettered');
  // the per-record budgets and input caps, shared with explain (src/cli/budget-flags.ts)
  // and how files and attachments are reached, shared with ask (src/cli/source-flags.ts)
  addSourceOptions(addBudgetOptions(analyze));
  // the FHIR server source, shared with ask (src/cli/fhir-flags.ts)
  addFhirOptions(analyze, { writeBack: true })
    .option('-q, --quiet', 'no progress, warnings or summary on stderr (errors still print)')
    .option('--log-format <format>', `stderr format: ${LOG_FORMATS.join(', ')}`, 'text')
    .option('--no-progress', 'no progress spinner even on a terminal')
    .option('--report <file>', 'also write a self-contained HTML report (summary of all records, detail for the first ones)')
    .option('--report-max-records <n>', 'records shown in detail in the report', String(DEFAULT_MAX_RECORDS))
    .addHelpText(
      'after',
      `
Examples:
  clinicalbert analyze samples/records.ndjson > predictions.jsonl
  clinicalbert analyze samples/bulk/ --dead-letter failed.jsonl --out predictions.jsonl
  cat bundles.ndjson | clinicalbert analyze - | jq '.predictions.diagnoses[0]'
  clinicalbert analyze samples/records.ndjson --explain full --no-timing | jq '.explanations.modalities'
  clinicalbert analyze samples/records.ndjson --output-format fhir | jq '.entry[0].resource.prediction'
  clinicalbert analyze 'exports/*.ndjson' --log-format json --quiet --max-errors 100
  clinicalbert analyze export/ --out predictions.jsonl --dead-letter failed.jsonl --resume   # after a kill: continue
  clinicalbert analyze export/ --shard 2/4 --out part-2.jsonl   # one of 4 machines; cat part-*.jsonl is the whole run
  clinicalbert analyze samples/records.ndjson --precision fp32   # the exported fp32 graphs instead of the package's default
  clinicalbert analyze --fhir https://fhir.example.org/r4 --fhir-token-env FHIR_TOKEN > predictions.jsonl
  clinicalbert analyze --fhir https://fhir.example.org/r4 --fhir-export group/nightly --state nightly.state.json
  clinicalbert analyze --fhir https://fhir.example.org/r4 --fhir-client-id my-app --fhir-key private.jwks.json --fhir-write-back

Exit codes: 0 all records written (inputs of reference data only skipped); 3 some dead-lettered (or --max-errors exceeded); 2 usage error; 1 internal failure, or a FHIR server that refuses (401/403/404) or keeps failing; 130/143 stopped by SIGINT/SIGTERM (records read so far written, summary printed, temporary files removed).`,
    )
    .action(async (inputs: string[], flags: AnalyzeFlags) => {
      startupMark('analyze: command running');
      const device: Device = parseChoice('--device', flags.device, DEVICES);
      const format: InputFormat = parseChoice('--format', flags.format, INPUT_FORMATS);
      const unit: RecordUnit = parseChoice('--unit', flags.unit, UNITS);
      const logFormat: LogFormat = parseChoice('--log-format', flags.logFormat, LOG_FORMATS);
      const explain: ExplainLevel = parseChoice('--explain', flags.explain, EXPLAIN_LEVELS);
      const outputFormat: OutputFormat = parseChoice('--output-format', flags.outputFormat, OUTPUT_FORMATS);
      if (outputFormat === 'fhir' && explain !== 'none') {
        throw new UsageError(
          `--explain ${explain} writes explanations into the JSON Lines output only: use --output-format jsonl with --explain, or leave --explain out with --output-format fhir`,
        );
      }
      const threads = parseCount('--threads', flags.threads, { max: 256 });
      const precision = parsePrecision(flags.precision);
      const batchSize = parseCount('--batch-size', flags.batchSize, { min: 1, max: 4096 });
      const topK = parseCount('--top-k', flags.topK, { min: 1, max: 1000 });
      const maxErrors = flags.maxErrors === undefined ? undefined : parseCount('--max-errors', flags.maxErrors);
      const budgets = parseBudgetFlags(flags);
      const reportMaxRecords = parseCount('--report-max-records', flags.reportMaxRecords, { max: 1_000_000 });
      const source = parseSourceFlags(flags);
      if (flags.resume) checkResume(flags, outputFormat);
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const workers = parseCount('--workers', flags.workers, { max: 64 });
      await checkOutputPaths({ '--out': flags.out, '--dead-letter': flags.deadLetter, '--report': flags.report }, inputs);
      const fhir = await fhirPlan(flags, inputs);
      // the run's modules (model, readers, sinks) load once the flags are known to be good
      const { analyzeCommand } = await import('../pipeline/command.js');
      startupMark('analyze: run modules loaded');
      process.exitCode = await withStopSignals({ format: logFormat, quiet: flags.quiet === true }, (signal) =>
        analyzeCommand({
          inputs,
          ...(fhir ? { fhir } : {}),
          read: {
            format,
            unit,
            ...source,
            ...budgets,
            signal,
          },
          ...(flags.out ? { out: flags.out } : {}),
          outputFormat,
          ...(flags.deadLetter ? { deadLetter: flags.deadLetter } : {}),
          ...(flags.model !== undefined ? { model: flags.model } : {}),
          ...(flags.verify ? { verify: true } : {}),
          device,
          threads,
          ...(precision ? { precision } : {}),
          batchSize,
          topK,
          timing: flags.timing,
          ...(maxErrors !== undefined ? { maxErrors } : {}),
          explain,
          ...(flags.report ? { report: { file: flags.report, maxRecords: reportMaxRecords } } : {}),
          logFormat,
          quiet: flags.quiet === true,
          progress: flags.progress,
          ...(flags.resume ? { resume: true } : {}),
          ...(shard ? { shard } : {}),
          workers,
        }),
      );
    });
}

/** `--resume` reads back what the interrupted run wrote: a file, from files or stdin, not a server. */
function checkResume(flags: AnalyzeFlags, outputFormat: OutputFormat): void {
  if (!flags.out || flags.out === '-') {
    throw new UsageError('--resume needs --out FILE: predictions written to stdout cannot be read back');
  }
  if (flags.fhir !== undefined) {
    throw new UsageError('--resume reads files or stdin, not --fhir (a server changes between runs): use --state for incremental exports');
  }
  if (flags.report && outputFormat === 'fhir') {
    throw new UsageError('--resume with --report needs --output-format jsonl (the report is built from prediction lines)');
  }
}
