/**
 * @file `clinicalbert evaluate --qa`: runs the QA sets (src/ask/evaluate.ts) through `ask`'s
 * record answerer and through the baseline (the entity searched in the notes, negation only:
 * src/ask/baseline.ts) in one run, and prints both tables, ours first, so every figure in the model
 * card has its baseline beside it. `--out` keeps both reports as JSON.
 *
 * The graph is the model package's (`--model`, default the embedded one): the questions name its
 * entities and the answerer links with it. When the package has a learnt note reader (reader.json),
 * the same sets run twice more through `ask --reader learnt` and `ask --reader agree`
 * (src/ask/note-reader.ts), so that the learnt reader is measured beside the rules it would
 * replace; that is the only ONNX session it creates.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { KnowledgeGraph } from '../kg/graph.js';
import { EntityLinker } from '../kg/link.js';
import { loadModelPackage } from '../model/package.js';
import { UsageError } from '../util/errors.js';
import { answerRecord } from './answer-record.js';
import { baselineAnswerer } from './baseline.js';
import { renderQaReport, runQaEvaluation } from './evaluate.js';
import { NoteReader, type ReaderMode, readRecordMentions } from './note-reader.js';
import type { Answerer, QaReport } from './qa-types.js';
import { READER_FILE } from './reader.js';

export interface QaRun {
  /** Generated held-out records (with `labels`), for the generated set. */
  records: string[];
  labels?: string;
  corpus?: string;
  /** Comma-separated set names. */
  sets?: string;
  limit?: number;
  model?: string;
  out?: string;
  json: boolean;
}

export interface QaComparison {
  ask: QaReport;
  baseline: QaReport;
  /** `ask` with the learnt note reader, alone and checked against the rules (when the package has one). */
  readers?: { learnt: QaReport; agree: QaReport; encoder: string };
}

export async function qaCommand(run: QaRun): Promise<void> {
  if (!run.corpus)
    throw new UsageError('--qa needs --corpus <dir>: the folder holding text/negex-context and fhir/synthea-bundles-with-notes');
  if (run.records.length > 1) throw new UsageError(`--qa reads one file of generated records, got ${run.records.length}`);
  if (run.records.length === 1 && !run.labels)
    throw new UsageError('--qa with generated records needs --labels <file> (written by clinicalbert synth)');
  const sets = run.sets
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const pkg = await loadModelPackage(run.model);
  const graph = await KnowledgeGraph.load(pkg.path(pkg.manifest.knowledgeGraph.file));
  const linker = new EntityLinker(graph);
  const ask: Answerer = (record, question, options) => answerRecord(record, question, { graph, linker }, { coded: options.coded });
  const generated = run.records[0] && run.labels ? { records: run.records[0], labels: run.labels } : undefined;
  const options = {
    corpus: run.corpus,
    graph,
    ...(sets ? { sets } : {}),
    ...(run.limit !== undefined ? { limit: run.limit } : {}),
    ...(generated ? { generated } : {}),
  };
  const result: QaComparison = {
    ask: await runQaEvaluation(ask, options),
    baseline: await runQaEvaluation(baselineAnswerer(graph), options),
  };
  if (existsSync(pkg.path(READER_FILE))) {
    const reader = await NoteReader.load(pkg, { device: 'cpu', threads: 1 });
    try {
      const context = { graph, linker };
      const withReader =
        (mode: ReaderMode): Answerer =>
        async (record, question, o) =>
          answerRecord(record, question, context, {
            coded: o.coded,
            reader: mode,
            readings: await readRecordMentions(reader, record, question, context),
          });
      result.readers = {
        learnt: await runQaEvaluation(withReader('learnt'), options),
        agree: await runQaEvaluation(withReader('agree'), options),
        encoder: reader.encoder,
      };
    } finally {
      await reader.release();
    }
  }
  if (run.out) {
    const path = resolve(run.out);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  }
  if (run.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(`== ask (${pkg.manifest.name} ${pkg.manifest.version}: coded facts first, notes with ConText assertions)\n\n`);
  process.stdout.write(renderQaReport(result.ask));
  process.stdout.write("\n== baseline: the question's entity searched in the notes, negation only\n\n");
  process.stdout.write(renderQaReport(result.baseline));
  if (result.readers) {
    process.stdout.write(`\n== ask --reader learnt (the learnt note reader, ${result.readers.encoder}, states condition mentions)\n\n`);
    process.stdout.write(renderQaReport(result.readers.learnt));
    process.stdout.write('\n== ask --reader agree (a condition mention counts only where the rules and the learnt reader agree)\n\n');
    process.stdout.write(renderQaReport(result.readers.agree));
  }
}
