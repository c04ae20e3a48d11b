/**
 * @file `analyze --fhir … --fhir-write-back`: each record's result Bundle (src/pipeline/fhir-output.ts,
 * built as a `transaction`) POSTed to the `--fhir` base, so predictions land in the server the
 * records came from.
 *
 * Why its own module: a write is only done when the server says so. The request goes through the
 * same HTTP layer as the reads (one origin, retries on 429/5xx, the same token or SMART auth); the
 * answer must be a `transaction-response` Bundle with one 2xx entry per entry sent, else the write
 * failed. A failure is a `FhirServerError` with code `FHIR_WRITE_BACK` naming the URL and the
 * status (the caller turns it into that record's dead letter and goes on); 401 and 403 keep their
 * own codes, which stop the run as they do for reads. The model Device is sent with
 * `ifNoneExist` on its identifier, so the server creates it once however many runs post to it.
 */
import type { Bundle } from 'fhir/r4.js';
import { type FhirHttp, FhirServerError } from './fhir-http.js';

/** Codes that stop the run rather than dead-letter one record. */
export const FATAL_WRITE_CODES = new Set(['FHIR_UNAUTHORIZED', 'FHIR_FORBIDDEN', 'FHIR_REDIRECT', 'FHIR_OTHER_ORIGIN']);

export class FhirWriteBack {
  constructor(private readonly http: FhirHttp) {}

  /** POST one transaction Bundle; resolves with the locations the server gave, or throws a FhirServerError. */
  async post(bundle: Bundle): Promise<string[]> {
    const url = this.http.base;
    let status: number;
    let body: Record<string, unknown>;
    try {
      ({ status, body } = await this.http.json(url, { method: 'POST', body: bundle }));
    } catch (error) {
      if (!(error instanceof FhirServerError) || FATAL_WRITE_CODES.has(error.code)) throw error;
      throw new FhirServerError(`write-back refused: ${error.message}`, {
        code: 'FHIR_WRITE_BACK',
        url: error.url,
        ...(error.status !== undefined ? { status: error.status } : {}),
        cause: error,
      });
    }
    const sent = bundle.entry?.length ?? 0;
    const entries = (body.entry as { response?: { status?: string; location?: string } }[] | undefined) ?? [];
    const fail = (why: string) =>
      new FhirServerError(`write-back to ${url} (POST, ${status}): ${why}`, { code: 'FHIR_WRITE_BACK', url, status });
    if (body.resourceType !== 'Bundle' || body.type !== 'transaction-response') {
      throw fail(
        `the answer is a ${String(body.resourceType)}${body.type ? ` (${String(body.type)})` : ''}, not a transaction-response Bundle`,
      );
    }
    if (entries.length !== sent) throw fail(`${entries.length} entries answered for ${sent} sent`);
    const bad = entries.findIndex((e) => !/^2\d\d\b/.test(String(e.response?.status ?? '')));
    if (bad >= 0) throw fail(`entry ${bad} answered ${String(entries[bad]?.response?.status ?? 'no status')}`);
    return entries.map((e) => e.response?.location ?? '').filter(Boolean);
  }
}
