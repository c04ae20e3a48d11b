/**
 * @file `clinicalbert ask "<question>" <inputs…>`: argument parsing only. The run is
 * src/ask/command.ts, imported when the action runs (so `ask --help` and a usage error load
 * neither the model nor the readers); the grammar of questions is src/ask/grammar.ts, whose
 * examples `--help` prints. Records come from files and stdin, or from a FHIR server with
 * analyze's `--fhir*` flags (src/cli/fhir-flags.ts), without `--fhir-write-back`.
 *
 * Exit codes as for analyze: 0 every record answered (inputs of reference data only skipped);
 * 3 some records dead-lettered (or --max-errors exceeded); 2 usage error, including a question
 * outside the grammar ("not understood", with examples); 1 internal failure or a FHIR server
 * refusing (401/403/404) or failing; 130 / 143 stopped by SIGINT / SIGTERM.
 */
import type { Command } from 'commander';
import { INPUT_FORMATS, type InputFormat } from '../io/types.js';
import { DEVICES, type Device } from '../model/devices.js';
import { defaultWorkers } from '../pipeline/featurize-pool.js';
import { LOG_FORMATS, type LogFormat } from '../pipeline/logger.js';
import { parseShard } from '../pipeline/shard.js';
import { withStopSignals } from '../pipeline/stop-signals.js';
import { UNITS, type RecordUnit } from '../records/types.js';
import { parseChoice, parseCount, UsageError } from '../util/errors.js';
import { addBudgetOptions, type BudgetFlags, parseBudgetFlags } from './budget-flags.js';
import { addSourceOptions, parseSourceFlags, type SourceFlags } from './source-flags.js';
import { addFhirOptions, type FhirFlags, fhirFlagGiven, fhirPlan } from './fhir-flags.js';
import { checkOutputPaths } from './output-paths.js';
import { READER_MODES, type ReaderMode } from '../ask/note-reader.js';
import { PRECISION_FLAG, PRECISION_HELP, parsePrecision } from './precision-flag.js';

interface AskFlags extends FhirFlags, BudgetFlags, SourceFlags {
  kg?: boolean;
  out?: string;
  deadLetter?: string;
  format: string;
  unit: string;
  model?: string;
  verify?: boolean;
  device: string;
  threads: string;
  precision?: string;
  reader: string;
  batchSize: string;
  workers: string;
  shard?: string;
  limit: string;
  maxErrors?: string;
  quiet?: boolean;
  logFormat: string;
  progress: boolean;
  report?: string;
}

/** The `--help` text of the grammar (src/ask/grammar.ts keeps the examples; this lays them out). */
const QUESTIONS_HELP = `
Questions (a small grammar; the thing asked about is linked to the knowledge graph):
  conditions, findings, symptoms   "Does the patient have asthma?"  "Has the patient ever had a pulmonary embolism?"
                                   "Did the patient have pneumonia before?"  "Is there a family history of diabetes?"
                                   "Any fever?"  "What conditions does the patient have?"
  medications (a drug or a class)  "Is the patient on an anticoagulant?"  "Is the patient taking warfarin?"
                                   "Has the patient ever taken amoxicillin?"  "What medications is the patient on?"
  allergies                        "Is the patient allergic to penicillin?"  "What allergies does the patient have?"
  vital signs and labs             "Latest HbA1c?"  "What is the trend of the BMI?"  "Is the HbA1c above 7?"
  smoking and alcohol              "Does the patient smoke?"  "Has the patient ever smoked?"  "Does the patient drink alcohol?"
  the model's prediction           "Why pneumonia?" (runs the model; cites the explanation's evidence)
  the graph alone (--kg)           "What treats hypertension?"  "First-line drugs for hypertension?"  "Which findings point to pericarditis?"
                                   "What are the risk factors for pulmonary embolism?"  "What is smoking a risk factor for?"
                                   "What is metformin used for?"

Answers: yes / no / unknown for yes-no questions, a list of values for what/which questions; every
answer cites its evidence (resource type and id; for a note the character offsets and the sentence)
with its assertion (affirmed, negated, historical, family, hypothetical). Coded FHIR facts answer
first; notes fill in what they do not hold. "unknown" when nothing in the record answers.`;

export function registerAsk(program: Command): void {
  const ask = program
    .command('ask')
    .description(
      'Answer a question about each record (one JSON line per record), or about the knowledge graph alone (--kg), every answer citing its evidence',
    )
    .argument('<question>', 'the question, in quotes (see Questions below)')
    .argument('[inputs...]', 'files, folders, globs, or - for stdin (none with --kg or --fhir)')
    .option('--kg', 'answer from the knowledge graph alone (what treats X, which findings point to X, risk factors), citing its edges')
    .option('-o, --out <file>', 'write answers here instead of stdout')
    .option('--dead-letter <file>', 'write records that could not be processed here (JSON Lines: file, line, record id, reason)')
    .option('--format <format>', `input format: ${INPUT_FORMATS.join(', ')}`, 'auto')
    .option('--unit <unit>', `one record per: ${UNITS.join(', ')}`, 'patient')
    .option(
      '--shard <K/N>',
      'read only shard K of N: the records whose patient id hashes to K (FNV-1a of the id, mod N, + 1), as analyze --shard',
    )
    .option('--limit <n>', 'with --kg: most values in an answer', '20')
    .option(
      '--model <dir>',
      'model package folder (default: the embedded clinicalbert-mini): its knowledge graph, and its model for "why" questions',
    )
    .option('--verify', 'hash every model file (sha256), even those this user verified before and that have not changed since')
    .option('--device <device>', `where "why" questions run the model: ${DEVICES.join(', ')}`, 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads per graph ("why" questions)', '1')
    .option(PRECISION_FLAG, PRECISION_HELP)
    .option(
      '--reader <reader>',
      `how a note states a condition: ${READER_MODES.join(', ')} (rules: ConText negation, history, family, hypothetical; ` +
        'learnt: the learnt note reader; agree: a mention counts only where both agree — fewer answers, fewer wrong)',
      'rules',
    )
    .option('--batch-size <n>', 'records per inference batch ("why" questions)', '16')
    .option('--workers <n>', 'threads that prepare records for the model ("why" questions)', String(defaultWorkers()))
    .option('--max-errors <n>', 'abort (exit 3) once more than n records were dead-lettered');
  addSourceOptions(addBudgetOptions(ask));
  // the FHIR server source, as analyze's (src/cli/fhir-flags.ts); answers are not written back
  addFhirOptions(ask, { writeBack: false })
    .option('-q, --quiet', 'no progress, warnings or summary on stderr (errors still print)')
    .option('--log-format <format>', `stderr format: ${LOG_FORMATS.join(', ')}`, 'text')
    .option('--no-progress', 'no progress spinner even on a terminal')
    .option('--report <file>', 'also write a self-contained HTML report of the answers with their cited evidence')
    .addHelpText(
      'after',
      `${QUESTIONS_HELP}

Examples:
  clinicalbert ask "Does the patient smoke?" samples/records.ndjson | jq -c '[.id, .answer]'
  clinicalbert ask "Is the patient on an anticoagulant?" export/ --out answers.jsonl --report answers.html
  clinicalbert ask "Latest HbA1c?" bundles.ndjson | jq '.answer[0]'
  clinicalbert ask "Why pneumonia?" samples/records.ndjson | jq '.evidence'
  clinicalbert ask "Is the patient on an anticoagulant?" --fhir https://fhir.example.org/r4 --fhir-token-env FHIR_TOKEN
  clinicalbert ask --kg "What treats hypertension?" | jq -r '.answer[].display'

Exit codes: 0 all records answered (inputs of reference data only skipped); 3 some dead-lettered (or --max-errors exceeded); 2 usage error, or a question not understood; 1 internal failure, or a FHIR server that refuses (401/403/404) or keeps failing; 130/143 stopped by SIGINT/SIGTERM.`,
    )
    .action(async (question: string, inputs: string[], flags: AskFlags) => {
      const format: InputFormat = parseChoice('--format', flags.format, INPUT_FORMATS);
      const unit: RecordUnit = parseChoice('--unit', flags.unit, UNITS);
      const device: Device = parseChoice('--device', flags.device, DEVICES);
      const logFormat: LogFormat = parseChoice('--log-format', flags.logFormat, LOG_FORMATS);
      const threads = parseCount('--threads', flags.threads, { max: 256 });
      const precision = parsePrecision(flags.precision);
      const reader: ReaderMode = parseChoice('--reader', flags.reader, READER_MODES);
      const batchSize = parseCount('--batch-size', flags.batchSize, { min: 1, max: 4096 });
      const workers = parseCount('--workers', flags.workers, { max: 64 });
      const limit = parseCount('--limit', flags.limit, { min: 1, max: 10_000 });
      const maxErrors = flags.maxErrors === undefined ? undefined : parseCount('--max-errors', flags.maxErrors);
      const budgets = parseBudgetFlags(flags);
      const source = parseSourceFlags(flags);
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      if (question.trim() === '')
        throw new UsageError('the question is empty: give it in quotes, e.g. clinicalbert ask "Does the patient smoke?" records.ndjson');
      if (flags.kg && inputs.length > 0) {
        throw new UsageError(`--kg answers from the knowledge graph alone: leave out the inputs (${inputs.length} given)`);
      }
      const serverFlag = flags.kg ? fhirFlagGiven(flags) : undefined;
      if (serverFlag) throw new UsageError(`--kg answers from the knowledge graph alone: leave out ${serverFlag}`);
      if (!flags.kg && inputs.length === 0 && flags.fhir === undefined) {
        throw new UsageError(
          'no inputs: give files, folders, globs or - for stdin, or --fhir <base URL> (or --kg to ask the knowledge graph)',
        );
      }
      await checkOutputPaths({ '--out': flags.out, '--dead-letter': flags.deadLetter, '--report': flags.report }, inputs);
      // --fhir: the server instead of inputs (and the other --fhir* flags only with it)
      const fhir = flags.kg ? undefined : await fhirPlan(flags, inputs);
      const { askCommand } = await import('../ask/command.js');
      process.exitCode = await withStopSignals({ format: logFormat, quiet: flags.quiet === true }, (signal) =>
        askCommand({
          question,
          inputs,
          ...(fhir ? { fhir } : {}),
          kg: flags.kg === true,
          read: {
            format,
            unit,
            ...source,
            ...budgets,
            signal,
          },
          ...(flags.out ? { out: flags.out } : {}),
          ...(flags.deadLetter ? { deadLetter: flags.deadLetter } : {}),
          ...(flags.report ? { report: flags.report } : {}),
          ...(flags.model !== undefined ? { model: flags.model } : {}),
          ...(flags.verify ? { verify: true } : {}),
          device,
          threads,
          ...(precision ? { precision } : {}),
          reader,
          batchSize,
          workers,
          limit,
          ...(shard ? { shard } : {}),
          ...(maxErrors !== undefined ? { maxErrors } : {}),
          logFormat,
          quiet: flags.quiet === true,
          progress: flags.progress,
        }),
      );
    });
}
