/**
 * @file Note text and media of one resource: DocumentReference attachments, DiagnosticReport
 * presentedForm and conclusion, Communication payloads, Media content, Composition sections and
 * (when nothing else points to it) a Binary.
 *
 * Text attachments become notes (HTML reduced to text); image and audio attachments become media
 * with their bytes undecoded. What the attachment layer rejects arrives here as warnings only.
 * An HTML note over the HTML note limit (`--max-html-mb`), attachment or Composition narrative,
 * is dropped with a warning.
 */
import { bodySiteOf, resolveAttachment, type AttachmentContext } from './attachments.js';
import { conceptText, type fhir4, items, obj, preferredCode, type ResourceEntry, str } from './fhir.js';
import { SYSTEMS } from '../util/code-systems.js';
import { htmlToText, MAX_HTML_NOTE_BYTES } from './html-text.js';
import type { MediaAttachment, NoteText } from './types.js';

export interface ExtractedContent {
  notes: NoteText[];
  media: MediaAttachment[];
}

interface NoteMeta {
  type?: string;
  time?: string;
  title?: string;
}

function note(text: string, resource: string, contentType: string, meta: NoteMeta): NoteText {
  const n: NoteText = { text, resource, contentType };
  if (meta.type) n.type = meta.type;
  if (meta.title) n.title = meta.title;
  if (meta.time) n.time = meta.time;
  return n;
}

/** Notes and media of the resource in `ctx.entry`. */
export async function extractContent(ctx: AttachmentContext<ResourceEntry>): Promise<ExtractedContent> {
  const r = ctx.entry.resource;
  const key = ctx.entry.key;
  const out: ExtractedContent = { notes: [], media: [] };
  const addText = (text: string, resource: string, contentType: string, meta: NoteMeta): void => {
    const trimmed = text.trim();
    if (trimmed === '') ctx.warn(`${resource}: empty note text ignored`);
    else out.notes.push(note(trimmed, resource, contentType, meta));
  };
  const attach = async (
    attachment: fhir4.Attachment | undefined,
    label: string,
    resource: string,
    meta: NoteMeta,
    extra: { title?: string; bodySite?: string; imagingModality?: string } = {},
  ): Promise<void> => {
    const a = obj(attachment);
    if (!a) {
      ctx.warn(`${label}: not an attachment; ignored`);
      return;
    }
    const resolved = await resolveAttachment(a, label, ctx, extra);
    if (resolved.kind === 'text') {
      const title = str(a.title) ?? extra.title ?? meta.title;
      addText(resolved.text, resource, resolved.contentType, title ? { ...meta, title } : meta);
    } else if (resolved.kind === 'media') {
      if (meta.time) resolved.media.time = meta.time;
      out.media.push(resolved.media);
    }
  };

  switch (r.resourceType) {
    case 'DocumentReference': {
      const meta = { type: preferredLoinc(r.type), time: str(r.date) ?? str(obj(obj(r.context)?.period)?.start) };
      for (const [i, content] of items(r.content).entries()) {
        const resource = i === 0 ? key : `${key}.content[${i}]`;
        const title = conceptText(r.type) ?? str(r.description);
        await attach(content?.attachment, `${key} content[${i}]`, resource, meta, title ? { title } : {});
      }
      break;
    }
    case 'DiagnosticReport': {
      const meta = {
        type: preferredLoinc(r.code),
        time: str(r.effectiveDateTime) ?? str(obj(r.effectivePeriod)?.start) ?? str(r.issued),
        title: conceptText(r.code),
      };
      for (const [i, form] of items(r.presentedForm).entries()) {
        const resource = i === 0 ? key : `${key}.presentedForm[${i}]`;
        await attach(form, `${key} presentedForm[${i}]`, resource, meta);
      }
      const conclusion = str(r.conclusion);
      if (conclusion) addText(conclusion, `${key}.conclusion`, 'text/plain', meta);
      break;
    }
    case 'Communication': {
      const meta = { time: str(r.sent) ?? str(r.received) };
      for (const [i, p] of items(r.payload).entries()) {
        const resource = `${key}.payload[${i}]`;
        const text = str(p?.contentString);
        if (text) addText(text, resource, 'text/plain', meta);
        else if (p?.contentAttachment !== undefined) await attach(p.contentAttachment, `${key} payload[${i}]`, resource, meta);
      }
      break;
    }
    case 'Media': {
      const meta = { time: str(r.createdDateTime) ?? str(obj(r.createdPeriod)?.start) ?? str(r.issued) };
      // The view (PA, lateral…) says how, not where: only bodySite names the body part.
      const bodySite = bodySiteOf(r.bodySite);
      const imaging = preferredCode(r.modality);
      await attach(r.content, `${key} content`, key, meta, {
        ...(bodySite ? { bodySite } : {}),
        ...(imaging ? { imagingModality: imaging } : {}),
      });
      break;
    }
    case 'Binary': {
      await attach({ contentType: r.contentType, data: r.data }, key, key, {});
      break;
    }
    case 'Composition': {
      const maxHtml = ctx.options.maxHtmlNoteBytes ?? MAX_HTML_NOTE_BYTES;
      const meta = { type: preferredLoinc(r.type), time: str(r.date), title: str(r.title) };
      const walk = (sections: (fhir4.CompositionSection | undefined)[], path: string): void => {
        for (const [i, s] of sections.entries()) {
          const here = `${path}.section[${i}]`;
          const div = str(obj(s?.text)?.div);
          if (div && Buffer.byteLength(div) > maxHtml) {
            ctx.warn(
              `${key}${here}: narrative of ${Buffer.byteLength(div)} bytes is over the ${maxHtml}-byte HTML note limit (--max-html-mb); ignored`,
            );
          } else if (div) {
            const title = str(s?.title);
            const text = htmlToText(div);
            if (text !== '') out.notes.push(note(title ? `${title}\n${text}` : text, `${key}${here}`, 'text/html', meta));
          }
          walk(items(s?.section), here);
        }
      };
      walk(items(r.section), '');
      break;
    }
    default:
      break;
  }
  return out;
}

function preferredLoinc(concept: fhir4.CodeableConcept | undefined): string | undefined {
  const code = preferredCode(concept, SYSTEMS.loinc);
  const codings = items(obj(concept)?.coding);
  return codings.some((c) => str(c?.system) === SYSTEMS.loinc) ? code : undefined;
}

/** Resource types whose content this module reads. */
export const CONTENT_TYPES = new Set(['DocumentReference', 'DiagnosticReport', 'Communication', 'Media', 'Binary', 'Composition']);

/** Keep the first of identical note texts (in the order given) and list the others on it. */
export function dedupeNotes(notes: NoteText[]): NoteText[] {
  const byText = new Map<string, NoteText>();
  const out: NoteText[] = [];
  for (const n of notes) {
    const seen = byText.get(n.text);
    if (seen) {
      seen.duplicates ??= [];
      seen.duplicates.push(n.resource);
      continue;
    }
    byText.set(n.text, n);
    out.push(n);
  }
  return out;
}
