/**
 * @file The `clinicalbert` command: wires the subcommands together and maps errors to exit codes.
 *
 * Each subcommand lives in its own file under src/cli/ and only parses arguments; the work is
 * done by the layers below (see ARCHITECTURE notes in README.md). A command's file is imported
 * only when that command runs (`import()`), and its own work modules only when its action runs,
 * so `analyze` does not load the code (and the dependencies) of `kg build`, `synth` or `report`:
 * start-up is part of every cron job and every `| head -1` (bench/startup.sh). Only the top-level
 * help and an unknown command load every command's file, to list them.
 * Exit codes: 0 success, 1 internal failure, 2 usage error (3 is reserved for "some records
 * dead-lettered" in `analyze`).
 *
 * Output failures: a reader that closes stdout early (`| head -1`) ends the run quietly with the
 * status the command had (0 when nothing else went wrong), as `head` users expect; a failing
 * output file (ENOSPC, EISDIR, EACCES) is one line and exit 1, and a closed stderr is ignored.
 * Error lines are one JSON object under `--log-format json`; in text, control characters of
 * messages (which may quote ids or paths from input) are escaped.
 */
import { Command, CommanderError } from 'commander';
import { escapeControl } from '../util/control-chars.js';
import { ClinicalBertError, UsageError } from '../util/errors.js';
import { startupMark } from '../util/startup-trace.js';
import { VERSION } from '../util/version.js';

startupMark('CLI entry loaded');

type Register = (program: Command) => void;

/** Every command, in the order `--help` lists them, with the import of its file. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  kg: async () => (await import('./kg.js')).registerKg,
  synth: async () => (await import('./synth.js')).registerSynth,
  analyze: async () => (await import('./analyze.js')).registerAnalyze,
  explain: async () => (await import('./explain.js')).registerExplain,
  ask: async () => (await import('./ask.js')).registerAsk,
  evaluate: async () => (await import('./evaluate.js')).registerEvaluate,
  report: async () => (await import('./report.js')).registerReport,
  queue: async () => (await import('./queue.js')).registerQueue,
  worker: async () => (await import('./queue.js')).registerWorker,
};

/**
 * The commands whose files `argv` needs: the one it names; none for `--version`; all of them
 * otherwise (the top-level help lists them, and an unknown command gets "did you mean").
 */
export function commandsFor(argv: readonly string[]): string[] {
  const first = argv[2];
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first];
  if (first === '--version' || first === '-V') return [];
  return Object.keys(COMMANDS);
}

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('clinicalbert')
    .description('Stream medical records through a fused multimodal clinical model.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const registers = await Promise.all(commandsFor(argv).map((name) => (COMMANDS[name] as () => Promise<Register>)()));
  for (const register of registers) register(program);
  startupMark('command loaded');
  return program;
}

/**
 * A reader that closes the pipe (`clinicalbert --help | head`) is not an error, and a closed
 * stderr (`2>&-`, a log collector gone) must not crash a run that can still write its output.
 */
function ignoreClosedStdio(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && stream === process.stdout) failOutput(error);
    });
  }
}

/** Another failure of stdout (not EPIPE, e.g. ENOSPC with `> /dev/full`): one line, exit 1. */
function failOutput(error: NodeJS.ErrnoException): void {
  printError(jsonLog, 'output_failed', `cannot write stdout: ${error.code ?? error.message}`, error.code ?? 'OUTPUT_FAILED');
  process.exit(1);
}

let jsonLog = false;

/** `--log-format json` anywhere in the arguments: errors are JSON objects then. */
function wantsJson(argv: string[]): boolean {
  return argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'));
}

function printError(json: boolean, event: string, message: string, code: string): void {
  const text = json
    ? `${JSON.stringify({ level: 'error', event, message, code })}\n`
    : `clinicalbert: ${message.split('\n').map(escapeControl).join('\n')}${event === 'usage' || event === 'internal' ? '' : ` [${code}]`}\n`;
  try {
    process.stderr.write(text);
  } catch {
    // stderr closed: nothing more can be said
  }
}

/** A system error (errno code and syscall) is the environment's, not a bug: no stack trace. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error;
}

export async function main(argv: string[]): Promise<number> {
  jsonLog = wantsJson(argv);
  ignoreClosedStdio();
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    // A command may set its own exit status (analyze: 3 when records were dead-lettered).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with 0; parse errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      printError(jsonLog, 'usage', error.message, error.code);
      return 2;
    }
    if (error instanceof ClinicalBertError) {
      printError(jsonLog, 'error', error.message, error.code);
      return 1;
    }
    if (isSystemError(error)) {
      printError(jsonLog, 'error', error.message, error.code ?? 'SYSTEM');
      return 1;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    printError(jsonLog, 'internal', `internal error: ${message}`, 'INTERNAL');
    return 1;
  }
}

const code = await main(process.argv);
process.exitCode = code;
