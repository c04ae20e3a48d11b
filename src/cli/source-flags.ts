/**
 * @file The flags of how files and attachments are reached, shared by the commands that read
 * records from files or stdin (`analyze`, `ask`): `--base-dir` for stdin's relative attachment
 * paths, and the consent to fetch attachments by URL with its time budget. Checked here once, so
 * both commands refuse the same bad values with the same words.
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { ReadOptions } from '../records/read.js';
import { parseCount, quote, UsageError } from '../util/errors.js';

export interface SourceFlags {
  baseDir?: string;
  allowNetwork?: boolean;
  allowPrivateNetwork?: boolean;
  fetchBudgetS: string;
}

export function addSourceOptions<C extends Command>(command: C): C {
  command
    .option(
      '--base-dir <dir>',
      'stdin (-): read relative attachment paths of the records from this folder (without it they are refused with a warning)',
    )
    .option('--allow-network', 'allow fetching attachments by URL (off by default: nothing is fetched)')
    .option(
      '--allow-private-network',
      'with --allow-network: also fetch from loopback, link-local and private addresses (refused by default, on every redirect hop and every resolved address)',
    )
    .option(
      '--fetch-budget-s <n>',
      'with --allow-network: wall-clock seconds for all URL fetches of one record; a fetch past it is dropped with a warning',
      '30',
    );
  return command;
}

/** The read options the flags give, or a UsageError quoting the bad value. */
export function parseSourceFlags(
  flags: SourceFlags,
): Pick<ReadOptions, 'allowNetwork' | 'allowPrivateNetwork' | 'fetchBudgetMs'> & { stdinBaseDir?: string } {
  const fetchBudgetS = parseCount('--fetch-budget-s', flags.fetchBudgetS, { min: 1, max: 3600 });
  if (flags.baseDir !== undefined && !isFolder(flags.baseDir)) {
    throw new UsageError(`--base-dir must be an existing folder, got ${quote(flags.baseDir)}`);
  }
  return {
    allowNetwork: flags.allowNetwork === true,
    allowPrivateNetwork: flags.allowPrivateNetwork === true,
    fetchBudgetMs: fetchBudgetS * 1000,
    ...(flags.baseDir !== undefined ? { stdinBaseDir: flags.baseDir } : {}),
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
