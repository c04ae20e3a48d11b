/**
 * @file `ask` as a run, once its flags are parsed (src/cli/ask.ts): loads the model package (its
 * knowledge graph and linker; its model for questions about the prediction), reads the question
 * (src/ask/question.ts), and either answers it from the graph alone (`--kg`: one line) or runs
 * the records through src/ask/run.ts, with progress, dead letters, the HTML report and the summary
 * on stderr, as `analyze` does. A FHIR server (`--fhir`) is read and its `--state` advanced as
 * `analyze` does (src/pipeline/fhir-run.ts).
 *
 * Exit codes: 0 every record answered; 3 some dead-lettered (or --max-errors exceeded); a question
 * not understood is a UsageError (exit 2) raised before any record is read.
 */
import type { FhirRunPlan } from '../cli/fhir-flags.js';
import { estimateRecordCount } from '../io/estimate.js';
import { JsonLinesSink } from '../io/jsonl-sink.js';
import { KnowledgeGraph } from '../kg/graph.js';
import { EntityLinker } from '../kg/link.js';
import type { Precision } from '../model/manifest.js';
import { loadModelPackage } from '../model/package.js';
import type { Device } from '../model/session.js';
import { fhirRun } from '../pipeline/fhir-run.js';
import { Logger, type LogFormat } from '../pipeline/logger.js';
import { progressLine } from '../pipeline/progress.js';
import { EXIT_SOME_DEAD_LETTERED, runLogHandlers, runSpinner } from '../pipeline/run-log.js';
import type { Shard } from '../pipeline/shard.js';
import type { InputFormat, ReadOptions, RecordUnit } from '../records/read.js';
import type { ClinicalRecord } from '../records/types.js';
import { answerGraph } from './answer-graph.js';
import { answerPrediction, predictionLabel } from './answer-prediction.js';
import { answerRecord } from './answer-record.js';
import { citeEntity } from './cite.js';
import { buildAnswerLine } from './line.js';
import { NoteReader, type ReaderMode, readRecordMentions, readsQuestion } from './note-reader.js';
import { parseQuestion } from './question.js';
import { runAsk } from './run.js';
import { GRAPH_INTENTS, type GraphIntent, type ParsedQuestion } from './types.js';

export interface AskRun {
  question: string;
  inputs: string[];
  /** Read this FHIR server instead of the inputs (`--fhir`), and keep its state file. */
  fhir?: FhirRunPlan;
  kg: boolean;
  read: Partial<ReadOptions> & { format: InputFormat; unit: RecordUnit };
  out?: string;
  deadLetter?: string;
  report?: string;
  model?: string;
  verify?: boolean;
  device: Device;
  threads: number;
  precision?: Precision;
  /** Which reader states condition mentions in notes (src/ask/note-reader.ts). */
  reader: ReaderMode;
  batchSize: number;
  workers: number;
  limit: number;
  shard?: Shard;
  maxErrors?: number;
  logFormat: LogFormat;
  quiet: boolean;
  progress: boolean;
}

const isGraphIntent = (intent: string): intent is GraphIntent => (GRAPH_INTENTS as readonly string[]).includes(intent);

export async function askCommand(run: AskRun): Promise<number> {
  const log = new Logger(run.logFormat, run.quiet);
  // The question is read against the package's graph before anything else loads: the model (its
  // ONNX sessions) only for questions about its prediction, never for --kg or the record alone.
  const pkg = await loadModelPackage(run.model, { verify: run.verify ? 'hash' : 'cached' });
  const graph = await KnowledgeGraph.load(pkg.path(pkg.manifest.knowledgeGraph.file));
  const question = parseQuestion(run.question, graph, { kg: run.kg });
  if (run.kg || isGraphIntent(question.intent)) return answerFromGraph(run, question, graph, log);
  const needsModel = question.intent === 'prediction';
  if (needsModel) predictionLabel(pkg.manifest, question);
  const model = needsModel
    ? await (await import('../model/runtime.js')).ClinicalModel.load(run.model, {
        device: run.device,
        threads: run.threads,
        // just verified above
        verify: 'size',
        graph,
        ...(run.precision ? { precision: run.precision } : {}),
        onWarning: (message) => log.warn('device_fallback', message),
      })
    : undefined;
  // The learnt reader's encoder session only when the mode asks for it and the question is its kind.
  const reader =
    run.reader !== 'rules' && readsQuestion(question)
      ? await NoteReader.load(pkg, {
          device: run.device,
          threads: run.threads,
          onWarning: (message) => log.warn('device_fallback', message),
        }).catch(async (error: unknown) => {
          await model?.release();
          throw error;
        })
      : undefined;
  try {
    const linker = new EntityLinker(graph);
    const context = { graph, linker };
    const fromRecord = async (record: ClinicalRecord) =>
      reader
        ? answerRecord(record, question, context, {
            reader: run.reader,
            readings: await readRecordMentions(reader, record, question, context),
          })
        : answerRecord(record, question, context);
    const cite = (record: Parameters<typeof citeEntity>[0], entityId: string) => citeEntity(record, entityId, context);

    const reporting = run.report ? await import('../report/answers.js') : undefined;
    const report = reporting ? new reporting.AnswerReport() : undefined;
    const { spinner, above } = await runSpinner(run, 'asking…');
    let total: number | undefined;
    const began = Date.now();
    // Counting costs a read of the inputs: files only, never a server.
    if (spinner && !run.fhir)
      void estimateRecordCount(run.inputs, { unit: run.read.unit, format: run.read.format }).then((n) => (total = n));
    const server = run.fhir ? fhirRun(run.fhir, log, above) : undefined;
    const logs = runLogHandlers(log, above, { deadLetterFile: run.deadLetter !== undefined });

    const summary = await runAsk(model, {
      inputs: run.inputs,
      read: { ...run.read, ...(server ? { fhir: server.source } : {}), onNotice: logs.onNotice },
      question,
      needsModel,
      answer: (record, view) =>
        view ? answerPrediction(record, question, view, { graph, manifest: pkg.manifest, cite }) : fromRecord(record),
      batchSize: run.batchSize,
      ...(run.out ? { out: run.out } : {}),
      ...(run.deadLetter ? { deadLetter: run.deadLetter } : {}),
      ...(run.maxErrors !== undefined ? { maxErrors: run.maxErrors } : {}),
      ...(run.shard ? { shard: run.shard } : {}),
      ...(needsModel && run.workers ? { workers: run.workers } : {}),
      ...(report ? { onLine: (l) => report.add(l) } : {}),
      onProgress: (c) => {
        if (spinner) spinner.text = progressLine(c, (Date.now() - began) / 1000, total);
      },
      ...(logs.onDeadLetter ? { onDeadLetter: logs.onDeadLetter } : {}),
      onSkipped: logs.onSkipped,
    });
    spinner?.stop();
    if (report && reporting && run.report) {
      const { writeReport } = await import('../report/write.js');
      const inputs = run.fhir ? [run.fhir.source.base] : run.inputs;
      await writeReport(run.report, report.render({ question: run.question, inputs, counts: summary }));
      log.info('report', `report: ${report.records} answers -> ${run.report}`);
    }
    // an incremental run advances only when it read the whole export and was not cut short, as analyze's
    await server?.saveState({ stoppedEarly: summary.aborted || summary.stoppedByReader, signal: run.read.signal });
    const a = summary.answers;
    log.info(
      'summary',
      `ask: read ${summary.read}, written ${summary.written} (yes ${a.yes}, no ${a.no}, lists ${a.values}, unknown ${a.unknown}), ` +
        `dead-lettered ${summary.deadLettered}, ${summary.skipped > 0 ? `skipped ${summary.skipped}, ` : ''}` +
        `${summary.otherShards !== undefined ? `left to other shards ${summary.otherShards}, ` : ''}` +
        `${summary.recordsPerSecond.toFixed(1)} records/s (${summary.seconds.toFixed(1)} s)${model ? `, model ${pkg.manifest.name}` : ''}` +
        (summary.stoppedByReader ? ' — output closed by the reader' : ''),
      { ...summary, intent: question.intent, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) },
    );
    if (summary.aborted) log.error('aborted', `stopped: more than ${String(run.maxErrors)} records dead-lettered (--max-errors)`);
    return summary.deadLettered > 0 || summary.aborted ? EXIT_SOME_DEAD_LETTERED : 0;
  } finally {
    await model?.release();
    await reader?.release();
  }
}

/** `ask --kg` (or a graph question): one line from the graph alone, and its report. */
async function answerFromGraph(run: AskRun, question: ParsedQuestion, graph: KnowledgeGraph, log: Logger): Promise<number> {
  const line = buildAnswerLine(question, answerGraph(question, graph, { limit: run.limit }));
  const sink = new JsonLinesSink(run.out);
  await sink.write(line);
  await sink.close();
  if (run.report) {
    const { AnswerReport } = await import('../report/answers.js');
    const { writeReport } = await import('../report/write.js');
    const report = new AnswerReport();
    report.add(line);
    const answers = { yes: 0, no: 0, unknown: line.answer === 'unknown' ? 1 : 0, values: Array.isArray(line.answer) ? 1 : 0 };
    await writeReport(
      run.report,
      report.render({
        question: run.question,
        inputs: ['knowledge graph'],
        counts: { read: 0, written: 1, deadLettered: 0, skipped: 0, answers },
      }),
    );
  }
  log.info('summary', `ask --kg: ${Array.isArray(line.answer) ? `${line.answer.length} values` : line.answer} from ${graph.file.name}`);
  return 0;
}
