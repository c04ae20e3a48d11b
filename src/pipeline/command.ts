/**
 * @file `analyze` as a run, once its flags are parsed (src/cli/analyze.ts): loads the model, runs
 * the pipeline (src/pipeline/analyze.ts) with explanations when asked, shows progress on a
 * terminal, logs warnings and dead letters, writes the HTML report, and ends with the summary and
 * the exit code.
 *
 * Why apart from the CLI: the command file only parses; what a run does with its records, its
 * log and its report lives beside the pipeline it drives.
 *
 * What only some runs use is imported when they use it: the spinner (ora) on a terminal, the
 * explanation methods with `--explain`, the HTML report with `--report` (start-up,
 * bench/startup.sh).
 *
 * Exit codes: 0 every record written or skipped on purpose (reference data only); 3 some records
 * dead-lettered (or --max-errors exceeded), or some results not written back (--fhir-write-back).
 */
import type { ExplainLevel } from '../explain/types.js';
import { estimateRecordCount } from '../io/estimate.js';
import { ClinicalModel } from '../model/runtime.js';
import type { Precision } from '../model/manifest.js';
import type { Device } from '../model/session.js';
import type { InputFormat, ReadOptions, RecordUnit } from '../records/read.js';
import { runAnalyze, type AnalyzeCounts } from './analyze.js';
import type { OutputFormat } from './fhir-output.js';
import { Logger, type LogFormat } from './logger.js';
import { progressLine } from './progress.js';
import { EXIT_SOME_DEAD_LETTERED, runLogHandlers, runSpinner } from './run-log.js';
import type { FhirRunPlan } from '../cli/fhir-flags.js';
import { FhirHttp } from '../io/fhir-http.js';
import { FhirWriteBack } from '../io/fhir-write-back.js';
import { fhirRun } from './fhir-run.js';
import { UsageError } from '../util/errors.js';
import { readResume, type ResumeLedger } from '../io/resume.js';
import type { JsonObject } from '../util/json.js';
import type { PredictionLine } from './prediction.js';
import type { Shard } from './shard.js';

/** One `analyze` run as the flags describe it. */
export interface AnalyzeRun {
  inputs: string[];
  read: Partial<ReadOptions> & { format: InputFormat; unit: RecordUnit };
  /** Read this FHIR server instead of the inputs (`--fhir`), and keep its state file. */
  fhir?: FhirRunPlan;
  out?: string;
  /** jsonl (prediction lines, the default) or fhir (one FHIR R4 Bundle per record). */
  outputFormat?: OutputFormat;
  deadLetter?: string;
  /** Model package folder (default: the embedded model). */
  model?: string;
  /** `--verify`: hash every package file, trusting no earlier check (src/model/verified-files.ts). */
  verify?: boolean;
  device: Device;
  threads: number;
  /** `--precision`: which of the package's graphs run (the package's default when absent). */
  precision?: Precision;
  batchSize: number;
  topK: number;
  timing: boolean;
  maxErrors?: number;
  explain: ExplainLevel;
  /** Also write the HTML report here, with this many records in detail. */
  report?: { file: string; maxRecords: number };
  logFormat: LogFormat;
  quiet: boolean;
  /** Show the progress spinner (when stderr is a terminal and the log is text). */
  progress: boolean;
  /** Featurizing threads (`--workers`, src/pipeline/featurize-pool.ts). */
  workers?: number;
  /** `--shard K/N`: only this shard's records (src/pipeline/shard.ts). */
  shard?: Shard;
  /** `--resume`: continue the interrupted run whose `out` (and `deadLetter`) files are there (src/io/resume.ts). */
  resume?: boolean;
}

/** Runs `analyze` and returns its exit code. */
export async function analyzeCommand(run: AnalyzeRun): Promise<number> {
  const { inputs, device, maxErrors } = run;
  const log = new Logger(run.logFormat, run.quiet);
  const reporting = run.report ? await import('../report/index.js') : undefined;
  const report = reporting && run.report ? new reporting.ReportBuilder({ maxRecords: run.report.maxRecords }) : undefined;
  const explainBatch = run.explain !== 'none' ? (await import('../explain/explain.js')).explainBatch : undefined;

  const model = await ClinicalModel.load(run.model, {
    device,
    threads: run.threads,
    verify: run.verify ? 'hash' : 'cached',
    ...(run.precision ? { precision: run.precision } : {}),
    onWarning: (message) => log.warn('device_fallback', message),
  });
  const { spinner, above: aboveSpinner } = await runSpinner(run, 'analyzing…');
  const began = Date.now();
  let total: number | undefined;
  const progressText = (c: AnalyzeCounts) => progressLine(c, (Date.now() - began) / 1000, total);
  // Counting costs a read of the inputs; only worth it when someone watches.
  if (spinner && !run.fhir) void estimateRecordCount(inputs, { unit: run.read.unit, format: run.read.format }).then((n) => (total = n));

  // --fhir: the server's log lines above the spinner, SMART auth, --state (src/pipeline/fhir-run.ts)
  const server = run.fhir ? fhirRun(run.fhir, log, aboveSpinner) : undefined;
  let writeBack: FhirWriteBack | undefined;
  if (run.fhir && server) {
    if (run.fhir.writeBack) {
      if (run.explain !== 'none') {
        throw new UsageError(
          `--explain ${run.explain} writes explanations into the JSON Lines output only: leave it out with --fhir-write-back`,
        );
      }
      run.outputFormat = 'fhir';
      // one token cache for the reads and the write-back
      writeBack = new FhirWriteBack(
        new FhirHttp({ ...run.fhir.source, ...(server.auth ? { auth: server.auth } : {}), onRetry: server.onLog }),
      );
    }
    run.read = { ...run.read, fhir: server.source };
  }
  const explain = run.explain;
  let resume: ResumeLedger | undefined;
  if (run.resume && run.out) {
    resume = await readResume({
      out: run.out,
      ...(run.deadLetter ? { deadLetter: run.deadLetter } : {}),
      outputFormat: run.outputFormat ?? 'jsonl',
      modelSha: model.pkg.sha,
      precision: model.precision,
      ...(report ? { onLine: (l: JsonObject) => void report.add(l as unknown as PredictionLine) } : {}),
    });
    for (const f of resume.files) {
      const torn = f.tornBytes > 0 ? `, a torn last line of ${f.tornBytes} bytes cut off` : '';
      log.info('resume', `resume: ${f.path}: ${f.lines} lines of the interrupted run kept${torn}`, { ...f });
    }
  }
  const logs = runLogHandlers(log, aboveSpinner, { deadLetterFile: run.deadLetter !== undefined });
  const summary = await runAnalyze(model, {
    inputs,
    read: { ...run.read, onNotice: logs.onNotice },
    ...(run.out ? { out: run.out } : {}),
    ...(run.outputFormat ? { outputFormat: run.outputFormat } : {}),
    ...(run.deadLetter ? { deadLetter: run.deadLetter } : {}),
    batchSize: run.batchSize,
    topK: run.topK,
    timing: run.timing,
    ...(maxErrors !== undefined ? { maxErrors } : {}),
    ...(explainBatch && explain !== 'none' ? { explain: (batch, m) => explainBatch(m, batch, explain, { timing: run.timing }) } : {}),
    ...(report ? { onLine: (l) => void report.add(l) } : {}),
    ...(writeBack ? { writeBack } : {}),
    ...(resume ? { resume } : {}),
    ...(run.shard ? { shard: run.shard } : {}),
    ...(run.workers ? { workers: run.workers } : {}),
    onProgress: (c) => {
      if (spinner) spinner.text = progressText(c);
    },
    ...(logs.onDeadLetter ? { onDeadLetter: logs.onDeadLetter } : {}),
    onSkipped: logs.onSkipped,
    onWarning: (recordId, warning) => {
      aboveSpinner(() => log.warn('record_warning', `${recordId}: ${warning}`, { record: recordId }));
    },
  });
  await model.release();
  spinner?.stop();
  const line =
    `analyze: read ${summary.read}, written ${summary.written}, dead-lettered ${summary.deadLettered}, ` +
    `${summary.skipped > 0 ? `skipped ${summary.skipped}, ` : ''}` +
    `${summary.otherShards !== undefined ? `left to other shards ${summary.otherShards} (--shard ${run.shard?.index}/${run.shard?.count}), ` : ''}` +
    `${summary.resumed !== undefined ? `already done ${summary.resumed} (--resume), ` : ''}` +
    `warnings ${summary.warnings}, ${summary.noEvidence > 0 ? `no evidence ${summary.noEvidence}, ` : ''}` +
    (summary.writtenBack !== undefined ? `written back ${summary.writtenBack}, write-back failed ${summary.writeBackFailed ?? 0}, ` : '') +
    `${summary.recordsPerSecond.toFixed(1)} records/s (${summary.seconds.toFixed(1)} s)` +
    (summary.stoppedByReader ? ' — output closed by the reader' : '');
  if (report && reporting && run.report) {
    // Without timing the report must be byte-identical for the same input: leave rates out.
    const { seconds: _seconds, recordsPerSecond: _rate, ...counts } = summary;
    const runSummary = run.timing ? summary : counts;
    await reporting.writeReport(
      run.report.file,
      report.render({ manifest: model.manifest, modelSha: model.pkg.sha, summary: runSummary, inputs }),
    );
    log.info(
      'report',
      `report: ${report.records} records (${Math.min(report.records, run.report.maxRecords)} in detail) -> ${run.report.file}`,
    );
  }
  // an incremental run advances only when it read the whole export and was not cut short
  await server?.saveState({ stoppedEarly: summary.aborted || summary.stoppedByReader, signal: run.read.signal });
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  log.info('summary', line, { ...summary, peakRssMb, device, providers: model.providers, precision: model.precision });
  if (summary.aborted) log.error('aborted', `stopped: more than ${String(maxErrors)} records dead-lettered (--max-errors)`);
  return summary.deadLettered > 0 || (summary.writeBackFailed ?? 0) > 0 || summary.aborted ? EXIT_SOME_DEAD_LETTERED : 0;
}
