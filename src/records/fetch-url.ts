/**
 * @file Fetch one attachment by http(s) URL — only ever called when the user passed
 * `--allow-network`; without it the tool makes no request at all.
 *
 * Why a module of its own: fetching is the one place record assembly touches the network, so its
 * limits live together: a timeout, the same size cap as inline data (checked against
 * Content-Length first, then while streaming, so an oversized or endless body is cut off early),
 * no credentials, and failures reported by host and status only. The path and query are left out
 * of messages because they often carry patient or record identifiers.
 */
export const FETCH_TIMEOUT_MS = 30_000;

export type FetchResult = { ok: true; bytes: Uint8Array; contentType?: string } | { ok: false; reason: string };

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** GET `url` with a size cap; never throws. */
export async function fetchAttachment(url: string, maxBytes: number, timeoutMs = FETCH_TIMEOUT_MS): Promise<FetchResult> {
  const host = hostOf(url);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', credentials: 'omit', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const { cause, name } = error as { cause?: { code?: string; message?: string }; name: string };
    const why = name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? name);
    return { ok: false, reason: `fetching from ${host} failed (${why})` };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    return { ok: false, reason: `fetching from ${host} failed (HTTP ${response.status})` };
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return { ok: false, reason: `attachment of ${mb(declared)} from ${host} exceeds the ${mb(maxBytes)} limit` };
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body ?? []) {
      total += chunk.length;
      if (total > maxBytes) {
        await response.body?.cancel().catch(() => {});
        return { ok: false, reason: `attachment from ${host} exceeds the ${mb(maxBytes)} limit` };
      }
      chunks.push(chunk);
    }
  } catch (error) {
    return { ok: false, reason: `reading from ${host} failed (${(error as Error).name})` };
  }
  const bytes = Buffer.concat(chunks, total);
  const contentType = response.headers.get('content-type') ?? undefined;
  return contentType ? { ok: true, bytes, contentType } : { ok: true, bytes };
}
