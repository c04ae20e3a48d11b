/**
 * @file Resolve one FHIR Attachment (or Binary) into note text or an image/audio attachment.
 *
 * The data may be inline base64, a `Binary/<id>` (or `urn:uuid:`) reference to a resource in the
 * same Bundle or export, a relative file path beside the input, a `data:` URL, or an http(s) URL.
 * Every way this can go wrong (truncated or invalid base64, a size or hash that does not match,
 * an unsupported or mislabelled type, a path escaping the input folder, an oversized file, a URL
 * that would need the network without --allow-network, a failed fetch) ends as a warning on the record and the attachment is dropped or
 * kept by reference, never as an exception. Warnings name the resource and attachment, not content.
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
import { parseDataUrl, percentDecode } from './data-url.js';
import { DEFAULT_FETCH_BUDGET_MS, RecordFetcher } from './fetch-url.js';
import { resolveInside } from './safe-path.js';
import type { MediaAttachment } from './types.js';

export const DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface AttachmentOptions {
  /** Attachments by http(s) URL are fetched (src/records/fetch-url.ts); otherwise they stay remote with a warning. */
  allowNetwork: boolean;
  maxAttachmentBytes: number;
  /** Loopback, link-local and private addresses may be fetched (`--allow-private-network`); refused otherwise. */
  allowPrivateNetwork?: boolean;
  /** Wall-clock budget for all URL fetches of one record (`--fetch-budget-s`); DEFAULT_FETCH_BUDGET_MS when absent. */
  fetchBudgetMs?: number;
  /** Decoded bytes of the Binaries one record references, each counted once; MAX_RECORD_DECODED_BYTES when absent. */
  maxRecordDecodedBytes?: number;
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
}

export type ResolvedAttachment =
  | { kind: 'text'; text: string; contentType: string }
  | { kind: 'media'; media: MediaAttachment }
  | { kind: 'none' };

const NONE: ResolvedAttachment = { kind: 'none' };

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

interface Loaded {
  bytes?: Uint8Array;
  /** Content type found on the way (a Binary's, a data: URL's), when the attachment has none. */
  contentType?: string;
  /** Kept when the data stays remote. */
  url?: string;
}

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
    if (type.mime !== 'text/plain' && loaded.bytes.length > MAX_HTML_NOTE_BYTES) {
      ctx.warn(
        `${where}: ${type.mime} note of ${loaded.bytes.length} bytes is over the ${MAX_HTML_NOTE_BYTES}-byte HTML note limit; attachment ignored`,
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

function decodeInline(data: string, where: string, ctx: AttachmentContext): Loaded | undefined {
  const max = ctx.options.maxAttachmentBytes;
  const estimated = base64DecodedSize(data);
  if (estimated > max) {
    ctx.warn(`${where}: attachment of ${mb(estimated)} exceeds the ${mb(max)} limit; ignored`);
    return undefined;
  }
  const check = checkBase64(data);
  if (!check.ok) {
    ctx.warn(`${where}: ${check.reason}; attachment ignored`);
    return undefined;
  }
  return { bytes: decodeBase64(check.clean) };
}

/**
 * Decoded bytes of Binaries referenced by one record's attachments (64 MiB): each Binary counts
 * once however many attachments point to it; one that would pass the budget is dropped with a
 * warning. Inline data and files are bounded by `maxAttachmentBytes` each.
 */
export const MAX_RECORD_DECODED_BYTES = 64 * 1024 * 1024;

/**
 * The Binaries decoded for one group of resources (a Bundle, or one Bulk patient's resources:
 * the resolver is made per group), by key, and their bytes. One 10 MB Binary referenced by 300
 * Media was decoded 300 times (3.2 GB); now once, and the Media share the bytes.
 */
const decodedBinaries = new WeakMap<ReferenceResolver, { byKey: Map<string, Loaded | undefined>; bytes: number }>();

async function fromResource(target: ResourceEntry, where: string, ctx: AttachmentContext): Promise<Loaded | undefined> {
  const r = target.resource;
  if (r.resourceType !== 'Binary') {
    ctx.warn(`${where}: the attachment points to ${target.key}, not a Binary; ignored`);
    return undefined;
  }
  ctx.consumed?.add(target.key);
  let decoded = decodedBinaries.get(ctx.resolver);
  if (!decoded) {
    decoded = { byKey: new Map(), bytes: 0 };
    decodedBinaries.set(ctx.resolver, decoded);
  }
  if (decoded.byKey.has(target.key)) return decoded.byKey.get(target.key);
  const loaded = decodeBinary(r as fhir4.Binary, target.key, where, ctx, decoded.bytes);
  if (loaded?.bytes) decoded.bytes += loaded.bytes.length;
  decoded.byKey.set(target.key, loaded);
  return loaded;
}

function decodeBinary(r: fhir4.Binary, key: string, where: string, ctx: AttachmentContext, usedBytes: number): Loaded | undefined {
  const contentType = str(r.contentType);
  const data = r.data;
  if (typeof data !== 'string') {
    ctx.warn(`${where}: ${key} has no data; ignored`);
    return undefined;
  }
  const budget = ctx.options.maxRecordDecodedBytes ?? MAX_RECORD_DECODED_BYTES;
  const size = base64DecodedSize(data);
  if (usedBytes + size > budget) {
    ctx.warn(`${where}: ${key} (${mb(size)}) would take the record's decoded attachments past the ${mb(budget)} budget; ignored`);
    return undefined;
  }
  const inline = decodeInline(data, `${where} (${key})`, ctx);
  if (!inline) return undefined;
  return contentType ? { ...inline, contentType } : inline;
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
