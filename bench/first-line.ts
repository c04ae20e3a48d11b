/**
 * @file The timer behind bench/startup.sh: how long a command takes until its first stdout line
 * (or until it exits), measured from just before the process is spawned, median of several runs.
 * What users feel as "start-up" is the first line of `analyze`, so that is what is timed, beside
 * two baselines on the same machine in the same run: a bare `node -e ''` and `clinicalbert
 * --version` (Node plus the CLI's own entry module).
 *
 *   node --import tsx bench/first-line.ts <runs> <case>...   (bench/startup.sh writes the cases)
 *
 * A case is `label\tstdin-file-or-empty\tuntil\tenv\tcommand args...` (tab-separated, `until` is
 * `line` or `exit`, `env` is NAME=VALUE pairs joined by spaces, or empty). Prints one table.
 * With CLINICALBERT_STARTUP_TRACE=1 in a case's env, the `startup` lines the CLI writes to stderr
 * (src/util/startup-trace.ts) are collected and the median of each mark printed under the table.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface Case {
  label: string;
  stdin: string;
  until: 'line' | 'exit';
  env: Record<string, string>;
  argv: string[];
}

interface Run {
  ms: number;
  marks: Map<string, number>;
}

function parseCase(spec: string): Case {
  const [label = '', stdin = '', until = 'line', env = '', ...argv] = spec.split('\t');
  const vars: Record<string, string> = {};
  for (const pair of env.split(' ').filter(Boolean)) {
    const at = pair.indexOf('=');
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  if (until !== 'line' && until !== 'exit') throw new Error(`case ${label}: until must be line or exit`);
  return { label, stdin, until, env: vars, argv };
}

function once(c: Case): Promise<Run> {
  return new Promise((resolve, reject) => {
    const input = c.stdin ? readFileSync(c.stdin) : undefined;
    const started = performance.now();
    const child = spawn(c.argv[0] as string, c.argv.slice(1), {
      env: { ...process.env, ...c.env },
      stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let firstLine: number | undefined;
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (firstLine === undefined && chunk.includes(10)) firstLine = performance.now() - started;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    if (input) child.stdin?.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      const exited = performance.now() - started;
      if (code !== 0) return reject(new Error(`${c.label}: exit ${code}\n${stderr.slice(-2000)}`));
      const ms = c.until === 'exit' ? exited : firstLine;
      if (ms === undefined) return reject(new Error(`${c.label}: no line on stdout`));
      const marks = new Map<string, number>();
      for (const m of stderr.matchAll(/^startup +([\d.]+) ms +(.+)$/gm)) marks.set(m[2] as string, Number(m[1]));
      resolve({ ms, marks });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const [runsArg = '5', ...specs] = process.argv.slice(2);
const runs = Number(runsArg);
const cases = specs.map(parseCase);
const results = new Map<Case, Run[]>(cases.map((c) => [c, []]));
// Interleaved (case 1, case 2, …, then again), so a burst of load from elsewhere touches every
// case alike instead of one case's runs.
for (let r = 0; r < runs; r++) for (const c of cases) results.get(c)?.push(await once(c));

const width = Math.max(...cases.map((c) => c.label.length)) + 2;
console.log(`${''.padEnd(width)}${'median ms'.padStart(10)}${'min'.padStart(8)}${'max'.padStart(8)}`);
for (const c of cases) {
  const ms = (results.get(c) ?? []).map((run) => run.ms);
  const cells = [median(ms), Math.min(...ms), Math.max(...ms)].map((v) => v.toFixed(0));
  console.log(`${c.label.padEnd(width)}${cells[0]?.padStart(10)}${cells[1]?.padStart(8)}${cells[2]?.padStart(8)}`);
}
for (const c of cases) {
  const traced = results.get(c) ?? [];
  const names = [...new Set(traced.flatMap((run) => [...run.marks.keys()]))];
  if (names.length === 0) continue;
  console.log(`\n${c.label}: where the time goes (median ms since the process started, CLINICALBERT_STARTUP_TRACE=1)`);
  for (const name of names) {
    const at = traced.map((run) => run.marks.get(name)).filter((v): v is number => v !== undefined);
    console.log(`  ${median(at).toFixed(0).padStart(6)}  ${name}`);
  }
  // measured from the spawn, so a few ms more than the process's own clock would say
  console.log(
    `  ${median(traced.map((run) => run.ms))
      .toFixed(0)
      .padStart(6)}  first output line (from the spawn)`,
  );
}
