/**
 * @file `clinicalbert report`: builds the self-contained HTML report from a saved predictions file
 * (the JSON Lines that `analyze` wrote), the same report `analyze --report` writes live.
 *
 * Argument parsing, reading and messages only; the report itself is src/report/. The file is read
 * line by line, so a predictions file of any size works in bounded memory. Lines that are not
 * output lines are skipped with a warning naming the line number, never its content. The report
 * code is imported when the action runs, not to print `--help`.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { checkOutputPaths } from './output-paths.js';
import type { ModelManifest } from '../model/manifest.js';
import { loadModelPackage } from '../model/package.js';
import { Logger, LOG_FORMATS, type LogFormat } from '../pipeline/logger.js';
import type { RunSummary } from '../report/index.js';
import { DEFAULT_MAX_RECORDS } from '../report/limits.js';
import { ClinicalBertError, UsageError, parseChoice, parseCount, quote } from '../util/errors.js';

interface ReportFlags {
  out: string;
  model?: string;
  reportMaxRecords: string;
  deadLetter?: string;
  timestamp?: boolean;
  quiet?: boolean;
  logFormat: string;
}

/** Skipped lines reported one by one on stderr before switching to a count. */
const WARN_EACH = 20;

function openInput(path: string): Readable {
  if (path === '-') return process.stdin;
  if (!existsSync(path)) throw new UsageError(`predictions file ${quote(path)} does not exist`);
  if (!statSync(path).isFile()) throw new UsageError(`${quote(path)} is not a file (give the JSON Lines file analyze wrote)`);
  return createReadStream(path, { encoding: 'utf8' });
}

async function* lines(stream: Readable): AsyncGenerator<string> {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}

/** Counts of a dead-letter file (one JSON object per record), by its `code`. */
async function readDeadLetters(path: string): Promise<Pick<RunSummary, 'deadLettered' | 'deadLetterCodes'>> {
  if (!existsSync(path)) throw new UsageError(`dead-letter file ${quote(path)} does not exist`);
  const codes: Record<string, number> = {};
  let count = 0;
  for await (const text of lines(createReadStream(path, { encoding: 'utf8' }))) {
    if (text.trim() === '') continue;
    count++;
    let code = 'UNREADABLE_ENTRY';
    try {
      const value = JSON.parse(text) as { code?: unknown };
      if (typeof value.code === 'string' && value.code.length <= 64) code = value.code;
    } catch {
      // Counted under UNREADABLE_ENTRY: the record was still dead-lettered.
    }
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return { deadLettered: count, deadLetterCodes: codes };
}

async function loadManifest(
  dir: string | undefined,
  log: Logger,
): Promise<{ manifest?: ModelManifest; sha?: string; unavailable?: string }> {
  try {
    const pkg = await loadModelPackage(dir, { verify: 'size' });
    return { manifest: pkg.manifest, sha: pkg.sha };
  } catch (error) {
    if (!(error instanceof ClinicalBertError)) throw error;
    const reason = error.message.split('\n')[0] ?? error.message;
    log.warn('model_unavailable', `no model card in the report: ${reason}`);
    return { unavailable: reason };
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Build the self-contained HTML report (summary, model card, per-record explanations) from a saved predictions file')
    .argument('<predictions>', 'JSON Lines written by clinicalbert analyze, or - for stdin')
    .requiredOption('-o, --out <file>', 'write the HTML report here')
    .option('--model <dir>', 'model package whose card the report shows (default: the embedded clinicalbert-mini)')
    .option('--report-max-records <n>', 'records shown in detail; the summary always covers all', String(DEFAULT_MAX_RECORDS))
    .option('--dead-letter <file>', "the run's dead-letter file, to count dead-lettered records by reason in the summary")
    .option('--timestamp', 'print the generation time in the report (off by default, so the same input gives the same file)')
    .option('-q, --quiet', 'no warnings or summary on stderr (errors still print)')
    .option('--log-format <format>', `stderr format: ${LOG_FORMATS.join(', ')}`, 'text')
    .addHelpText(
      'after',
      `
Examples:
  clinicalbert analyze records.ndjson --explain fast -o predictions.jsonl
  clinicalbert report predictions.jsonl -o report.html
  clinicalbert report predictions.jsonl -o report.html --report-max-records 50 --dead-letter failed.jsonl

The report is one HTML file with everything inline; opening it makes no network request.`,
    )
    .action(async (input: string, flags: ReportFlags) => {
      const logFormat: LogFormat = parseChoice('--log-format', flags.logFormat, LOG_FORMATS);
      const maxRecords = parseCount('--report-max-records', flags.reportMaxRecords, { max: 1_000_000 });
      const log = new Logger(logFormat, flags.quiet === true);
      if (flags.out === '') throw new UsageError('-o/--out needs a file name');
      // the report may not overwrite the predictions it reads, nor the dead-letter file
      await checkOutputPaths({ '--out': flags.out }, [input, ...(flags.deadLetter ? [flags.deadLetter] : [])]);
      const stream = openInput(input);
      const deadLetters = flags.deadLetter ? await readDeadLetters(flags.deadLetter) : undefined;
      const model = await loadManifest(flags.model, log);

      const { ReportBuilder, writeReport } = await import('../report/index.js');
      const builder = new ReportBuilder({ maxRecords });
      const name = input === '-' ? 'stdin' : input;
      let n = 0;
      const warnSkip = (position: string, reason: string) => {
        if (builder.skipped <= WARN_EACH) log.warn('line_skipped', `${position}: skipped: ${reason}`, { position });
      };
      for await (const text of lines(stream)) {
        n++;
        if (text.trim() === '') continue;
        const position = `${name}:${n}`;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          builder.skip(position, 'not valid JSON');
          warnSkip(position, 'not valid JSON');
          continue;
        }
        const result = builder.add(value, position);
        if (!result.ok) warnSkip(position, result.reason);
      }
      if (builder.skipped > WARN_EACH) log.warn('line_skipped', `${builder.skipped - WARN_EACH} more lines skipped (listed in the report)`);

      const html = builder.render({
        ...(model.manifest ? { manifest: model.manifest } : {}),
        ...(model.sha ? { modelSha: model.sha } : {}),
        ...(model.unavailable ? { modelUnavailable: model.unavailable } : {}),
        ...(deadLetters ? { summary: deadLetters } : {}),
        ...(flags.timestamp ? { generatedAt: new Date().toISOString() } : {}),
        inputs: [name],
      });
      await writeReport(flags.out, html);
      const detailed = Math.min(builder.records, maxRecords);
      log.info(
        'summary',
        `report: ${builder.records} records (${detailed} in detail), ${builder.skipped} lines skipped; wrote ${flags.out}`,
        { records: builder.records, detailed, skipped: builder.skipped, out: flags.out },
      );
      if (builder.records === 0 && builder.skipped > 0) {
        log.warn('no_records', `${name} held no readable output lines; is it the JSON Lines file that analyze wrote?`);
      }
    });
}
