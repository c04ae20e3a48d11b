/**
 * @file `clinicalbert analyze`: argument parsing, progress and the summary for the main job.
 * The work itself is src/pipeline/analyze.ts.
 *
 * Exit codes: 0 every record written; 3 some records dead-lettered (or --max-errors exceeded);
 * 2 usage error; 1 internal failure.
 */
import type { Command } from 'commander';
import ora, { type Ora } from 'ora';
import { explainBatch } from '../explain/explain.js';
import { DEFAULT_MAX_RECORDS, ReportBuilder, writeReport } from '../report/index.js';
import { EXPLAIN_LEVELS, type ExplainLevel } from '../explain/types.js';
import { ClinicalModel } from '../model/runtime.js';
import { DEVICES, type Device } from '../model/session.js';
import type { DeadLetter } from '../io/dead-letter.js';
import { estimateRecordCount } from '../io/estimate.js';
import { runAnalyze, type AnalyzeCounts } from '../pipeline/analyze.js';
import { progressLine } from '../pipeline/progress.js';
import { Logger, LOG_FORMATS, type LogFormat } from '../pipeline/logger.js';
import { INPUT_FORMATS, UNITS, type InputFormat, type RecordUnit } from '../records/read.js';
import { parseChoice, parseCount } from '../util/errors.js';

export const EXIT_SOME_DEAD_LETTERED = 3;

interface AnalyzeFlags {
  out?: string;
  deadLetter?: string;
  format: string;
  unit: string;
  model?: string;
  device: string;
  threads: string;
  batchSize: string;
  topK: string;
  timing: boolean;
  maxErrors?: string;
  maxAttachmentMb: string;
  allowNetwork?: boolean;
  quiet?: boolean;
  logFormat: string;
  progress: boolean;
  explain: string;
  report?: string;
  reportMaxRecords: string;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description(
      'Stream records (FHIR R4 NDJSON, Bundles, Bulk Data folders, CSV, stdin) through the model and write one JSON line of predictions per record',
    )
    .argument('<inputs...>', 'files, folders, globs, or - for stdin')
    .option('-o, --out <file>', 'write predictions here instead of stdout')
    .option('--dead-letter <file>', 'write records that could not be processed here (JSON Lines: file, line, record id, reason)')
    .option('--format <format>', `input format: ${INPUT_FORMATS.join(', ')}`, 'auto')
    .option('--unit <unit>', `one record per: ${UNITS.join(', ')}`, 'patient')
    .option('--model <dir>', 'model package folder (default: the embedded clinicalbert-mini)')
    .option('--device <device>', `where to run the model: ${DEVICES.join(', ')} (falls back to cpu with a message)`, 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per graph (0 = runtime default)', '1')
    .option('--batch-size <n>', 'records per inference batch', '16')
    .option('--top-k <n>', 'labels reported per head', '5')
    .option('--no-timing', 'leave per-record timings out, so the same input gives byte-identical output')
    .option(
      '--explain <level>',
      `explanations per record: ${EXPLAIN_LEVELS.join(', ')} (fast: modality ablation and knowledge-graph evidence, ~1 ms per record; full: adds word occlusion, attention rollout, image and audio saliency, ~0.4 s per record on one thread)`,
      'none',
    )
    .option('--max-errors <n>', 'abort (exit 3) once more than n records were dead-lettered')
    .option('--max-attachment-mb <n>', 'attachments larger than this are dropped with a warning', '20')
    .option('--allow-network', 'allow fetching attachments by URL (off by default: nothing is fetched)')
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
  clinicalbert analyze 'exports/*.ndjson' --log-format json --quiet --max-errors 100

Exit codes: 0 all records written; 3 some dead-lettered (or --max-errors exceeded); 2 usage error; 1 internal failure.`,
    )
    .action(async (inputs: string[], flags: AnalyzeFlags) => {
      const device: Device = parseChoice('--device', flags.device, DEVICES);
      const format: InputFormat = parseChoice('--format', flags.format, INPUT_FORMATS);
      const unit: RecordUnit = parseChoice('--unit', flags.unit, UNITS);
      const logFormat: LogFormat = parseChoice('--log-format', flags.logFormat, LOG_FORMATS);
      const explain: ExplainLevel = parseChoice('--explain', flags.explain, EXPLAIN_LEVELS);
      const threads = parseCount('--threads', flags.threads, { max: 256 });
      const batchSize = parseCount('--batch-size', flags.batchSize, { min: 1, max: 4096 });
      const topK = parseCount('--top-k', flags.topK, { min: 1, max: 1000 });
      const maxErrors = flags.maxErrors === undefined ? undefined : parseCount('--max-errors', flags.maxErrors);
      const maxAttachmentMb = parseCount('--max-attachment-mb', flags.maxAttachmentMb, { max: 10_000 });
      const reportMaxRecords = parseCount('--report-max-records', flags.reportMaxRecords, { max: 1_000_000 });
      const log = new Logger(logFormat, flags.quiet === true);
      const report = flags.report ? new ReportBuilder({ maxRecords: reportMaxRecords }) : undefined;

      const model = await ClinicalModel.load(flags.model, {
        device,
        threads,
        onWarning: (message) => log.warn('device_fallback', message),
      });
      // A pseudo-terminal of zero width (`script` without a terminal, some containers) sends ora
      // into an endless line-clearing loop: no spinner there.
      const showProgress =
        flags.progress && !flags.quiet && logFormat === 'text' && process.stderr.isTTY === true && (process.stderr.columns ?? 0) > 0;
      let spinner: Ora | undefined;
      const began = Date.now();
      let total: number | undefined;
      const progressText = (c: AnalyzeCounts) => progressLine(c, (Date.now() - began) / 1000, total);
      /** Log lines go above the spinner, which is drawn again below them. */
      const aboveSpinner = (print: () => void) => {
        spinner?.clear();
        print();
        spinner?.render();
      };
      if (showProgress) {
        spinner = ora({ text: 'analyzing…', stream: process.stderr }).start();
        // Counting costs a read of the inputs; only worth it when someone watches.
        void estimateRecordCount(inputs, { unit, format }).then((n) => (total = n));
      }

      const summary = await runAnalyze(model, {
        inputs,
        read: { format, unit, allowNetwork: flags.allowNetwork === true, maxAttachmentBytes: maxAttachmentMb * 1024 * 1024 },
        ...(flags.out ? { out: flags.out } : {}),
        ...(flags.deadLetter ? { deadLetter: flags.deadLetter } : {}),
        batchSize,
        topK,
        timing: flags.timing,
        ...(maxErrors !== undefined ? { maxErrors } : {}),
        ...(explain !== 'none' ? { explain: (batch, m) => explainBatch(m, batch, explain, { timing: flags.timing }) } : {}),
        ...(report ? { onLine: (l) => void report.add(l) } : {}),
        onProgress: (c) => {
          if (spinner) spinner.text = progressText(c);
        },
        // Without a dead-letter file the letters would be lost: print each one (as an error, so
        // --quiet still shows it), naming the position and the reason, never record content.
        ...(flags.deadLetter
          ? {}
          : {
              onDeadLetter: (l: DeadLetter) => {
                const where = `${l.file}${l.line !== undefined ? `:${l.line}` : ''}${l.entry !== undefined ? ` entry ${l.entry}` : ''}`;
                aboveSpinner(() =>
                  log.error('dead_letter', `${where}${l.recordId ? ` (${l.recordId})` : ''}: ${l.code}: ${l.reason}`, { ...l }),
                );
              },
            }),
        onWarning: (recordId, warning) => {
          aboveSpinner(() => log.warn('record_warning', `${recordId}: ${warning}`, { record: recordId }));
        },
      });
      await model.release();
      spinner?.stop();
      const line =
        `analyze: read ${summary.read}, written ${summary.written}, dead-lettered ${summary.deadLettered}, ` +
        `warnings ${summary.warnings}, ${summary.recordsPerSecond.toFixed(1)} records/s (${summary.seconds.toFixed(1)} s)` +
        (summary.stoppedByReader ? ' — output closed by the reader' : '');
      if (report && flags.report) {
        // Without timing the report must be byte-identical for the same input: leave rates out.
        const { seconds: _seconds, recordsPerSecond: _rate, ...counts } = summary;
        const runSummary = flags.timing ? summary : counts;
        await writeReport(flags.report, report.render({ manifest: model.manifest, modelSha: model.pkg.sha, summary: runSummary, inputs }));
        log.info(
          'report',
          `report: ${report.records} records (${Math.min(report.records, reportMaxRecords)} in detail) -> ${flags.report}`,
        );
      }
      const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
      log.info('summary', line, { ...summary, peakRssMb, device, providers: model.providers });
      if (summary.aborted) log.error('aborted', `stopped: more than ${String(maxErrors)} records dead-lettered (--max-errors)`);
      process.exitCode = summary.deadLettered > 0 || summary.aborted ? EXIT_SOME_DEAD_LETTERED : 0;
    });
}
