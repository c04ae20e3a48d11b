/**
 * @file A run's FHIR server source, once `--fhir*` is checked (src/cli/fhir-flags.ts): the read
 * option `read.fhir` (SMART Backend Services auth, the server's log lines, the transactionTime of
 * an export read whole), and at the end the `--state` file of incremental exports.
 *
 * Why apart from the commands: `analyze` (src/pipeline/command.ts) and `ask` (src/ask/command.ts)
 * read servers the same way and advance `--state` under the same rule: only when the whole export
 * was read and the run was not cut short (--max-errors, the output closed, SIGINT/SIGTERM). A
 * state advanced past records that were never written would lose them for good.
 */
import type { FhirRunPlan } from '../cli/fhir-flags.js';
import type { FhirAuth } from '../io/fhir-http.js';
import type { FhirSourceOptions } from '../io/fhir-server.js';
import { writeFhirState } from '../io/fhir-state.js';
import { SmartBackendAuth } from '../io/smart-auth.js';
import type { Logger } from './logger.js';

export interface FhirRun {
  /** The read option `read.fhir`. */
  source: FhirSourceOptions;
  /** SMART Backend Services: one token cache, for the reads and any other request of the run (write-back). */
  auth?: FhirAuth;
  /** Logs a line of the server source (retries, export progress) above the spinner. */
  onLog: (message: string) => void;
  /**
   * Writes `--state` when the export was read whole and the run not stopped early, and logs
   * either way; does nothing without `--state`.
   */
  saveState: (outcome: { stoppedEarly: boolean; signal?: AbortSignal | undefined }) => Promise<void>;
}

/** The server source of `plan`; `above` prints a log line above the progress spinner. */
export function fhirRun(plan: FhirRunPlan, log: Logger, above: (print: () => void) => void): FhirRun {
  const onLog = (message: string) => above(() => log.info('fhir', `fhir: ${message}`));
  const smart = plan.smart;
  const auth: FhirAuth | undefined = smart
    ? new SmartBackendAuth({
        base: plan.source.base,
        clientId: smart.clientId,
        key: smart.key,
        scope: smart.scope,
        ...(smart.tokenUrl ? { tokenUrl: smart.tokenUrl } : {}),
        ...(plan.source.timeoutMs !== undefined ? { timeoutMs: plan.source.timeoutMs } : {}),
        ...(plan.source.maxAttempts !== undefined ? { maxAttempts: plan.source.maxAttempts } : {}),
        onRetry: onLog,
      })
    : undefined;
  // the transactionTime of an export read whole (set by the source after its last item)
  let completed: { transactionTime?: string } | undefined;
  const source: FhirSourceOptions = {
    ...plan.source,
    ...(auth ? { auth } : {}),
    onLog,
    onComplete: (done) => {
      completed = done;
    },
  };
  const saveState: FhirRun['saveState'] = async ({ stoppedEarly, signal }) => {
    const state = plan.state;
    if (!state) return;
    // (nor when SIGINT/SIGTERM stopped the read: src/pipeline/stop-signals.ts)
    if (completed?.transactionTime && !stoppedEarly && !signal?.aborted) {
      await writeFhirState(state.file, { server: state.server, export: state.level, transactionTime: completed.transactionTime });
      log.info('state', `state: next export since ${completed.transactionTime} -> ${state.file}`);
    } else {
      log.info(
        'state',
        `state: not advanced (${stoppedEarly ? 'the run stopped early' : 'the export was not read whole'}) -> ${state.file}`,
      );
    }
  };
  return { source, ...(auth ? { auth } : {}), onLog, saveState };
}
