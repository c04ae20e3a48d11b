/**
 * @file Resolve one FHIR Attachment (or Binary) into note text or an image/audio attachment.
 *
 * The data may be inline base64, a `Binary/<id>` (or `urn:uuid:`) reference to a resource in the
 * same Bundle or export, a relative file path beside the input, a `data:` URL, or an http(s) URL.
 * Every way this can go wrong (truncated or invalid base64, a size or hash that does not match,
 * an unsupported or mislabelled type, a path escaping the input folder, an oversized file, a URL
 * that would need the network without --allow-network, a failed fetch) ends as a warning on the record and the attachment is dropped or
 * kept by reference, never as an exception. Warnings name the resource and attachment, not content.
 *
 * Budgets: each attachment is capped (`maxAttachmentBytes`), an HTML note too (`maxHtmlNoteBytes`),
 * and the decoded bytes of all attachments of one record (src/records/record-budget.ts), where a
 * Binary counts once however many attachments point to it. A Binary is decoded once per group of
 * resources (a Bundle, or one Bulk patient: the resolver is made per group) and its bytes shared
 * by every attachment and every record of the group that uses it.
 */
import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { readFile, stat } from 'node:fs/promises';
import { SYSTEMS } from '../util/code-systems.js';
import { base64DecodedSize, checkBase64, decodeBase64 } from './base64.js';
import { isTextType, kindNoun, modalityOf, parseContentType, sniffContentType, type ParsedContentType } from './content-types.js';
import { type fhir4, items, num, obj, type ResourceEntry, str } from './fhir.js';
import type { ReferenceResolver } from './fhir-refs.js';
import { htmlToText, MAX_HTML_NOTE_BYTES } from './html-text.js';
import { type LoadedBytes, MAX_RECORD_DECODED_BYTES, RecordBudget } from './record-budget.js';
import { parseDataUrl, percentDecode } from './data-url.js';
import { DEFAULT_FETCH_BUDGET_MS, RecordFetcher } from './fetch-url.js';
import { resolveInside } from './safe-path.js';
import type { ImageLimits, MediaAttachment } from './types.js';

export const DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface AttachmentOptions {
  /** Attachments by http(s) URL are fetched (src/records/fetch-url.ts); otherwise they stay remote with a warning. */
  allowNetwork: boolean;
  maxAttachmentBytes: number;
  /** Loopback, link-local and private addresses may be fetched (`--allow-private-network`); refused otherwise. */
  allowPrivateNetwork?: boolean;
  /** Wall-clock budget for all URL fetches of one record (`--fetch-budget-s`); DEFAULT_FETCH_BUDGET_MS when absent. */
  fetchBudgetMs?: number;
  /** Decoded attachment bytes of one record, each Binary counted once (`--max-record-mb`); MAX_RECORD_DECODED_BYTES when absent. */
  maxRecordDecodedBytes?: number;
  /** Largest HTML note reduced to text (`--max-html-mb`); MAX_HTML_NOTE_BYTES when absent. */
  maxHtmlNoteBytes?: number;
  /** Decoder budgets copied onto each image attachment (`--max-megapixels`, `--max-inflate-mb`); the decoders' defaults when absent. */
  imageLimits?: ImageLimits;
  /** The fetches of the record being assembled (its budget); one per call when absent (see withRecordFetcher). */
  fetcher?: RecordFetcher;
}

/** Options for one record: a fresh RecordFetcher (budget, concurrency) when the network is allowed. */
export function withRecordFetcher<O extends AttachmentOptions>(options: O): O {
  if (!options.allowNetwork) return options;
  const fetcher = new RecordFetcher(options.maxAttachmentBytes, {
    allowPrivateNetwork: options.allowPrivateNetwork === true,
    budgetMs: options.fetchBudgetMs ?? DEFAULT_FETCH_BUDGET_MS,
  });
  return { ...options, fetcher };
}

/** What resolving an attachment needs of what holds it: its key (for `resource` fields and messages) and folder. */
export type AttachmentOwner = Pick<ResourceEntry, 'key' | 'baseDir'>;

export interface AttachmentContext<Owner extends AttachmentOwner = AttachmentOwner> {
  /** The resource (or CSV cell) holding the attachment. */
  entry: Owner;
  resolver: ReferenceResolver;
  options: AttachmentOptions;
  warn(message: string): void;
  /** Keys of Binary resources consumed by reference, so they are not attached twice. */
  consumed?: Set<string>;
  /** The decoded-bytes budget of the record being assembled; one per resolver when absent (see budgetOf). */
  budget?: RecordBudget;
}

export type ResolvedAttachment =
  | { kind: 'text'; text: string; contentType: string }
  | { kind: 'media'; media: MediaAttachment }
  | { kind: 'none' };

const NONE: ResolvedAttachment = { kind: 'none' };

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

type Loaded = LoadedBytes;

/**
 * Resolve an attachment. `where` names it in messages, e.g. `DocumentReference/7 content[0]`.
 * `title`, `bodySite` and `imagingModality` are copied onto media.
 */
export async function resolveAttachment(
  attachment: fhir4.Attachment,
  where: string,
  ctx: AttachmentContext,
  extra: { title?: string; bodySite?: string; imagingModality?: string } = {},
): Promise<ResolvedAttachment> {
  const loaded = await load(attachment, where, ctx);
  if (!loaded) return NONE;
  const declared = str(attachment.contentType) ?? loaded.contentType;
  let type: ParsedContentType | undefined = declared ? parseContentType(declared) : undefined;

  if (loaded.bytes) {
    const bytes = loaded.bytes;
    const size = num(attachment.size);
    if (size !== undefined && size !== bytes.length) {
      ctx.warn(`${where}: size says ${size} bytes but the data has ${bytes.length} (truncated?); attachment ignored`);
      return NONE;
    }
    const hash = str(attachment.hash);
    if (hash && str(attachment.data) !== undefined) {
      const sha1 = createHash('sha1').update(bytes).digest('base64');
      if (sha1 !== hash.replace(/\s+/g, '')) {
        ctx.warn(`${where}: SHA-1 hash does not match the data (corrupt or truncated?); attachment ignored`);
        return NONE;
      }
    }
    if (bytes.length === 0) {
      ctx.warn(`${where}: empty attachment ignored`);
      return NONE;
    }
    const sniffed = sniffContentType(bytes);
    if (!type) {
      if (!sniffed) {
        ctx.warn(`${where}: no contentType and the bytes are not a known format; attachment ignored`);
        return NONE;
      }
      type = parseContentType(sniffed);
    } else if (sniffed && sniffed !== type.mime && (modalityOf(sniffed) || modalityOf(type.mime) || isTextType(type.mime))) {
      ctx.warn(`${where}: declared ${type.mime} but the bytes are ${sniffed}; read as ${sniffed}`);
      type = parseContentType(sniffed);
    } else if (!sniffed && modalityOf(type.mime) && type.mime !== 'application/dicom') {
      ctx.warn(`${where}: the bytes do not look like ${type.mime}; ${kindNoun(type.mime)} ignored`);
      return NONE;
    } else if (!sniffed && type.mime === 'application/dicom') {
      ctx.warn(`${where}: no DICM marker at byte 128 (DICOM without preamble?); kept for the decoder to judge`);
    }
  }
  if (!type) {
    ctx.warn(`${where}: no contentType; attachment ignored`);
    return NONE;
  }

  if (isTextType(type.mime)) {
    if (!loaded.bytes) return NONE; // remote text: the load step already warned
    const maxHtml = ctx.options.maxHtmlNoteBytes ?? MAX_HTML_NOTE_BYTES;
    if (type.mime !== 'text/plain' && loaded.bytes.length > maxHtml) {
      ctx.warn(
        `${where}: ${type.mime} note of ${loaded.bytes.length} bytes is over the ${maxHtml}-byte HTML note limit (--max-html-mb); attachment ignored`,
      );
      return NONE;
    }
    const text = decodeText(loaded.bytes, type, where, ctx);
    return { kind: 'text', text: type.mime === 'text/plain' ? text : htmlToText(text), contentType: type.mime };
  }
  const modality = modalityOf(type.mime);
  if (!modality) {
    ctx.warn(`${where}: ${type.mime} not supported, ${kindNoun(type.mime)} ignored`);
    return NONE;
  }
  const media: MediaAttachment = { modality, contentType: type.mime, resource: ctx.entry.key };
  if (loaded.bytes) media.data = loaded.bytes;
  if (loaded.url) media.url = loaded.url;
  const title = str(attachment.title) ?? extra.title;
  if (title) media.title = title;
  if (extra.bodySite) media.bodySite = extra.bodySite;
  if (extra.imagingModality) media.imagingModality = extra.imagingModality;
  if (modality === 'image' && ctx.options.imageLimits) media.limits = { ...ctx.options.imageLimits };
  return { kind: 'media', media };
}

function decodeText(bytes: Uint8Array, type: ParsedContentType, where: string, ctx: AttachmentContext): string {
  const charset = type.charset ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    ctx.warn(`${where}: unknown charset ${JSON.stringify(charset.slice(0, 40))}; decoded as UTF-8`);
    decoder = new TextDecoder('utf-8', { fatal: true });
  }
  try {
    return decoder.decode(bytes);
  } catch {
    ctx.warn(`${where}: text is not valid ${decoder.encoding}; bad bytes replaced`);
    return new TextDecoder(decoder.encoding).decode(bytes);
  }
}

/** Get the bytes of an attachment from wherever they are. Undefined means dropped (warned). */
async function load(attachment: fhir4.Attachment, where: string, ctx: AttachmentContext): Promise<Loaded | undefined> {
  const max = ctx.options.maxAttachmentBytes;
  const data = attachment.data;
  if (typeof data === 'string') return decodeInline(data, where, ctx);
  const url = str(attachment.url);
  if (!url) {
    ctx.warn(`${where}: attachment has neither data nor url; ignored`);
    return undefined;
  }
  if (/^https?:\/\//i.test(url)) {
    const resolved = await ctx.resolver.resolve(url);
    if (resolved) return fromResource(resolved, where, ctx);
    const declared = str(attachment.contentType);
    const mime = declared ? parseContentType(declared).mime : undefined;
    // a type the model cannot read would be dropped once fetched: say only that
    if (mime && !isTextType(mime) && !modalityOf(mime)) return { url };
    if (!ctx.options.allowNetwork) {
      ctx.warn(`${where}: attachment by URL not fetched; pass --allow-network`);
      return { url };
    }
    const fetcher = ctx.options.fetcher ?? (withRecordFetcher(ctx.options).fetcher as RecordFetcher);
    const fetched = await fetcher.fetch(url);
    if (!fetched.ok) {
      ctx.warn(`${where}: ${fetched.reason}; attachment ignored`);
      return undefined;
    }
    if (!charge(fetched.bytes.length, where, ctx)) return undefined;
    return fetched.contentType ? { bytes: fetched.bytes, contentType: fetched.contentType, url } : { bytes: fetched.bytes, url };
  }
  if (url.startsWith('data:')) {
    const parsed = parseDataUrl(url);
    if (!parsed.ok) {
      ctx.warn(`${where}: ${parsed.reason}; ignored`);
      return undefined;
    }
    const { contentType } = parsed;
    if (parsed.base64) {
      const inline = decodeInline(parsed.data, where, ctx);
      return inline && contentType ? { ...inline, contentType } : inline;
    }
    const decoded = percentDecode(parsed.data);
    if (!decoded.ok) {
      ctx.warn(`${where}: data: URL with an ${decoded.reason}; attachment ignored`);
      return undefined;
    }
    const { bytes } = decoded;
    if (bytes.length > max) {
      ctx.warn(`${where}: attachment of ${mb(bytes.length)} exceeds the ${mb(max)} limit; ignored`);
      return undefined;
    }
    if (!charge(bytes.length, where, ctx)) return undefined;
    return contentType ? { bytes, contentType } : { bytes };
  }
  if (/^(urn:|[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$|#)/.test(url)) {
    const resolved = await ctx.resolver.resolve(url);
    if (resolved) return fromResource(resolved, where, ctx);
    if (url.startsWith('urn:') || /^Binary\//.test(url)) {
      ctx.warn(`${where}: referenced ${url.startsWith('urn:') ? 'resource' : url} not found in the input; attachment ignored`);
      return undefined;
    }
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) && !/^[A-Za-z]:[\\/]/.test(url) && !url.startsWith('file:')) {
    ctx.warn(`${where}: attachment URL scheme ${JSON.stringify(url.slice(0, url.indexOf(':')))} not supported; ignored`);
    return undefined;
  }
  return fromFile(url, where, ctx);
}

/** Inline base64 data, checked against the attachment cap and the record's budget before it is decoded. */
function decodeInline(data: string, where: string, ctx: AttachmentContext): Loaded | undefined {
  const decoded = decodeBase64Data(data, ctx.options.maxAttachmentBytes);
  if (!decoded.ok) {
    ctx.warn(`${where}: ${decoded.reason}; ${decoded.dropped}`);
    return undefined;
  }
  if (!charge(decoded.size, where, ctx)) return undefined;
  return { bytes: decoded.decode() };
}

/** Base64 text checked against `max` (from its length) and its alphabet; decoding is left to the caller. */
function decodeBase64Data(
  data: string,
  max: number,
): { ok: true; size: number; decode: () => Uint8Array } | { ok: false; reason: string; dropped: string } {
  const estimated = base64DecodedSize(data);
  if (estimated > max) return { ok: false, reason: `attachment of ${mb(estimated)} exceeds the ${mb(max)} limit`, dropped: 'ignored' };
  const check = checkBase64(data);
  if (!check.ok) return { ok: false, reason: check.reason, dropped: 'attachment ignored' };
  return { ok: true, size: check.bytes, decode: () => decodeBase64(check.clean) };
}

/** The record's decoded-bytes budget: the context's, else one per resolver (a caller assembling no record of its own). */
function budgetOf(ctx: AttachmentContext): RecordBudget {
  if (ctx.budget) return ctx.budget;
  let budget = fallbackBudgets.get(ctx.resolver);
  if (!budget) {
    budget = new RecordBudget(ctx.options.maxRecordDecodedBytes ?? MAX_RECORD_DECODED_BYTES);
    fallbackBudgets.set(ctx.resolver, budget);
  }
  return budget;
}

const fallbackBudgets = new WeakMap<ReferenceResolver, RecordBudget>();

/** Count `bytes` of attachment data against the record's budget; false (and a warning) past it. */
function charge(bytes: number, where: string, ctx: AttachmentContext, what = `attachment of ${mb(bytes)}`): boolean {
  const budget = budgetOf(ctx);
  if (!budget.fits(bytes)) {
    ctx.warn(
      `${where}: ${what} would take the record's decoded attachments past the ${mb(budget.limit)} budget (--max-record-mb); ignored`,
    );
    return false;
  }
  budget.take(bytes);
  return true;
}

/**
 * The Binaries decoded for one group of resources (a Bundle, or one Bulk patient: the resolver is
 * made per group), by key: their bytes, or why they cannot be read. One 10 MB Binary referenced by
 * 300 Media was decoded 300 times (3.2 GB); now once, and the Media (and the records of the group)
 * share the bytes.
 */
const decodedBinaries = new WeakMap<ReferenceResolver, Map<string, { loaded: Loaded } | { reason: string }>>();

async function fromResource(target: ResourceEntry, where: string, ctx: AttachmentContext): Promise<Loaded | undefined> {
  const r = target.resource;
  if (r.resourceType !== 'Binary') {
    ctx.warn(`${where}: the attachment points to ${target.key}, not a Binary; ignored`);
    return undefined;
  }
  ctx.consumed?.add(target.key);
  // once per record: a Binary already counted (or refused, with its warning) gives the same again
  const budget = budgetOf(ctx);
  if (budget.binaries.has(target.key)) return budget.binaries.get(target.key);
  const loaded = binaryForRecord(r as fhir4.Binary, target.key, where, ctx, budget);
  budget.binaries.set(target.key, loaded);
  return loaded;
}

function binaryForRecord(r: fhir4.Binary, key: string, where: string, ctx: AttachmentContext, budget: RecordBudget): Loaded | undefined {
  let decoded = decodedBinaries.get(ctx.resolver);
  if (!decoded) {
    decoded = new Map();
    decodedBinaries.set(ctx.resolver, decoded);
  }
  const known = decoded.get(key);
  if (known && 'reason' in known) {
    ctx.warn(`${where}: ${known.reason}`);
    return undefined;
  }
  const data = r.data;
  const size = known ? (known.loaded.bytes?.length ?? 0) : typeof data === 'string' ? base64DecodedSize(data) : 0;
  // checked before decoding: a Binary past the budget is never decoded for this record
  if (!budget.fits(size)) {
    ctx.warn(
      `${where}: ${key} (${mb(size)}) would take the record's decoded attachments past the ${mb(budget.limit)} budget (--max-record-mb); ignored`,
    );
    return undefined;
  }
  if (known) {
    budget.take(size);
    return known.loaded;
  }
  const result = decodeBinary(r, key, ctx.options.maxAttachmentBytes);
  decoded.set(key, result);
  if ('reason' in result) {
    ctx.warn(`${where}: ${result.reason}`);
    return undefined;
  }
  budget.take(result.loaded.bytes?.length ?? 0);
  return result.loaded;
}

/** A Binary's bytes, or why it cannot be read (the same for every record that uses it). */
function decodeBinary(r: fhir4.Binary, key: string, max: number): { loaded: Loaded } | { reason: string } {
  const contentType = str(r.contentType);
  const data = r.data;
  if (typeof data !== 'string') return { reason: `${key} has no data; ignored` };
  const decoded = decodeBase64Data(data, max);
  if (!decoded.ok) return { reason: `${key}: ${decoded.reason}; ${decoded.dropped}` };
  const bytes = decoded.decode();
  return { loaded: contentType ? { bytes, contentType } : { bytes } };
}

async function fromFile(reference: string, where: string, ctx: AttachmentContext): Promise<Loaded | undefined> {
  const safe = await resolveInside(ctx.entry.baseDir, reference);
  if (!safe.ok) {
    ctx.warn(`${where}: ${safe.reason}; ignored`);
    return undefined;
  }
  try {
    const info = await stat(safe.path);
    if (!info.isFile()) {
      ctx.warn(`${where}: attachment path is not a file; ignored`);
      return undefined;
    }
    if (info.size > ctx.options.maxAttachmentBytes) {
      ctx.warn(`${where}: attachment of ${mb(info.size)} exceeds the ${mb(ctx.options.maxAttachmentBytes)} limit; ignored`);
      return undefined;
    }
    if (!charge(info.size, where, ctx)) return undefined;
    const buffer = await readFile(safe.path);
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length), url: reference };
  } catch {
    ctx.warn(`${where}: attachment file cannot be read; ignored`);
    return undefined;
  }
}

/** Body site of a Media resource as a code (SNOMED preferred), or its text. */
export function bodySiteOf(concept: fhir4.CodeableConcept | undefined): string | undefined {
  const o = obj(concept);
  if (!o) return undefined;
  const codings = items(o.coding);
  const snomed = codings.find((c) => str(c?.system) === SYSTEMS.snomed && str(c?.code));
  return str(snomed?.code) ?? str(codings.find((c) => str(c?.code))?.code) ?? str(o.text);
}
