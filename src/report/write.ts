/**
 * @file Writes the report file atomically: to a temporary file beside it, then renamed, so a
 * cron job or a browser never sees half a report (and a failed run leaves the previous one).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ClinicalBertError } from '../util/errors.js';

export async function writeReport(path: string, htmlText: string): Promise<void> {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temp, htmlText, 'utf8');
    await rename(temp, target);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new ClinicalBertError(`cannot write the report to ${target}`, { code: 'REPORT_WRITE', cause });
  }
}
