/**
 * @file Start-up timestamps, for bench/startup.sh: with `CLINICALBERT_STARTUP_TRACE=1` in the
 * environment, each `startupMark` writes `startup <ms> ms <what>` to stderr, in milliseconds since
 * the process started (`performance.now()`), so the benchmark can say where the time to the first
 * output line goes. Off (the default) a mark costs one boolean test and prints nothing.
 */
const tracing = process.env.CLINICALBERT_STARTUP_TRACE === '1';

export function startupMark(what: string): void {
  if (tracing) process.stderr.write(`startup ${performance.now().toFixed(1)} ms ${what}\n`);
}
