/**
 * @file Runs the real `clinicalbert` binary in a child process, as a user would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(REPO_ROOT, 'bin', 'clinicalbert.js');

/** The model package tests run against (CI also runs them on the freshly trained ci package). */
export const MODEL_DIR = resolve(REPO_ROOT, process.env.CLINICALBERT_MODEL_DIR ?? 'models/clinicalbert-mini');
export const HAS_MODEL = existsSync(join(MODEL_DIR, 'manifest.json'));
export const MODEL_NOTE = HAS_MODEL ? '' : ` [SKIPPED: no model package at ${MODEL_DIR}]`;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `timeoutMs`: kill the child (SIGKILL) after this long; its status is then null. */
export function cli(args: string[], options: { input?: string; cwd?: string; timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    input: options.input,
    maxBuffer: 256 * 1024 * 1024,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The real CLI in a child process without blocking this one: for tests whose process also serves
 * the requests the CLI makes (the test FHIR server).
 */
export function cliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

/** Output lines without `source` (the one field that names where a record was read), sorted. */
export function withoutSource(stdout: string): string[] {
  return jsonLines(stdout)
    .map(({ source: _source, ...rest }) => JSON.stringify(rest))
    .sort();
}

/** Runs a shell pipeline (e.g. `clinicalbert analyze x | head -2`) and returns its outcome. */
export function shell(command: string): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
