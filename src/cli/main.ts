/**
 * @file The `clinicalbert` command: wires the subcommands together and maps errors to exit codes.
 *
 * Each subcommand lives in its own file under src/cli/ and only parses arguments; the work is
 * done by the layers below (see ARCHITECTURE notes in README.md).
 * Exit codes: 0 success, 1 internal failure, 2 usage error (3 is reserved for "some records
 * dead-lettered" in `analyze`).
 */
import { Command, CommanderError } from 'commander';
import { ClinicalBertError, UsageError } from '../util/errors.js';
import { registerKg } from './kg.js';
import { registerSynth } from './synth.js';
import { registerAnalyze } from './analyze.js';
import { registerExplain } from './explain.js';
import { registerEvaluate } from './evaluate.js';
import { registerReport } from './report.js';
import { VERSION } from '../util/version.js';

export function buildProgram(): Command {
  const program = new Command('clinicalbert')
    .description('Stream medical records through a fused multimodal clinical model.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerKg(program);
  registerSynth(program);
  registerAnalyze(program);
  registerExplain(program);
  registerEvaluate(program);
  registerReport(program);
  return program;
}

/** A reader that closes the pipe (`clinicalbert --help | head`) is not an error. */
function ignoreClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export async function main(argv: string[]): Promise<number> {
  ignoreClosedStdout();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command may set its own exit status (analyze: 3 when records were dead-lettered).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with 0; parse errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`clinicalbert: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ClinicalBertError) {
      process.stderr.write(`clinicalbert: ${error.message} [${error.code}]\n`);
      return 1;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`clinicalbert: internal error: ${message}\n`);
    return 1;
  }
}

const code = await main(process.argv);
process.exitCode = code;
