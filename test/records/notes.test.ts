/**
 * Titles and dates travel with notes and media (the prediction line's `inputs.attachments` and the
 * report's record cards show them): from the attachment, else from the resource that holds it.
 */
import { describe, expect, it } from 'vitest';
import type { fhir4, ResourceEntry } from '../../src/records/fhir.js';
import { ResourceIndex } from '../../src/records/fhir-refs.js';
import { extractContent } from '../../src/records/notes.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(56, 7)]);

async function extract(resource: fhir4.FhirResource, maxHtmlNoteBytes?: number) {
  const entry: ResourceEntry = {
    resource,
    key: `${resource.resourceType}/${resource.id}`,
    position: { file: 'test.json' },
    baseDir: '/nonexistent',
  };
  const warnings: string[] = [];
  const out = await extractContent({
    entry,
    resolver: new ResourceIndex([]),
    options: { allowNetwork: false, maxAttachmentBytes: 1 << 20, ...(maxHtmlNoteBytes !== undefined ? { maxHtmlNoteBytes } : {}) },
    warn: (m) => warnings.push(m),
  });
  return { ...out, warnings };
}

describe('note and media titles and dates', () => {
  it('a DocumentReference note takes the attachment title, else the type text; its date', async () => {
    const doc: fhir4.DocumentReference = {
      resourceType: 'DocumentReference',
      id: 'd1',
      status: 'current',
      date: '2024-03-01T09:00:00Z',
      type: { text: 'Discharge summary' },
      content: [
        { attachment: { contentType: 'text/plain', data: b64('Fever and cough.') } },
        { attachment: { contentType: 'text/plain', title: 'Addendum', data: b64('Afebrile today.') } },
      ],
    };
    const { notes, warnings } = await extract(doc);
    expect(warnings).toEqual([]);
    expect(notes.map((n) => [n.resource, n.title, n.time])).toEqual([
      ['DocumentReference/d1', 'Discharge summary', '2024-03-01T09:00:00Z'],
      ['DocumentReference/d1.content[1]', 'Addendum', '2024-03-01T09:00:00Z'],
    ]);
  });

  it('a DiagnosticReport conclusion takes the report code text; a Media image its created date', async () => {
    const report: fhir4.DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: 'r1',
      status: 'final',
      code: { text: 'Chest X-ray report' },
      issued: '2024-03-02T10:00:00Z',
      conclusion: 'Right lower lobe consolidation.',
    };
    const r = await extract(report);
    expect(r.notes.map((n) => [n.title, n.time])).toEqual([['Chest X-ray report', '2024-03-02T10:00:00Z']]);

    const media: fhir4.Media = {
      resourceType: 'Media',
      id: 'm1',
      status: 'completed',
      createdDateTime: '2024-03-02T08:30:00Z',
      content: { contentType: 'image/png', title: 'Chest radiograph, frontal', data: b64(PNG) },
    };
    const m = await extract(media);
    expect(m.media.map((x) => [x.modality, x.title, x.time])).toEqual([['image', 'Chest radiograph, frontal', '2024-03-02T08:30:00Z']]);
  });

  it('a Binary carries neither', async () => {
    const { media } = await extract({ resourceType: 'Binary', id: 'b1', contentType: 'image/png', data: b64(PNG) });
    expect(media).toHaveLength(1);
    expect(media[0]?.title).toBeUndefined();
    expect(media[0]?.time).toBeUndefined();
  });
});

describe('the HTML note limit (--max-html-mb)', () => {
  const composition = {
    resourceType: 'Composition',
    id: 'c1',
    status: 'final',
    title: 'Discharge summary',
    section: [
      { title: 'Short', text: { status: 'generated', div: '<div>Wheezing.</div>' } },
      { title: 'Long', text: { status: 'generated', div: `<div>${'<p>stable</p>'.repeat(20)}</div>` } },
    ],
  } as unknown as fhir4.Composition;

  it('holds Composition narratives to it as it holds HTML attachments: a longer one is dropped with a warning', async () => {
    const all = await extract(composition);
    expect(all.notes.map((n) => n.resource)).toEqual(['Composition/c1.section[0]', 'Composition/c1.section[1]']);
    const capped = await extract(composition, 100);
    expect(capped.notes.map((n) => n.text)).toEqual(['Short\nWheezing.']);
    expect(capped.warnings).toEqual([
      'Composition/c1.section[1]: narrative of 271 bytes is over the 100-byte HTML note limit (--max-html-mb); ignored',
    ]);
    const html = await extract(
      {
        resourceType: 'DocumentReference',
        id: 'd1',
        status: 'current',
        content: [{ attachment: { contentType: 'text/html', data: b64(`<p>${'x'.repeat(200)}</p>`) } }],
      } as fhir4.DocumentReference,
      100,
    );
    expect(html.notes).toEqual([]);
    expect(html.warnings).toEqual([
      'DocumentReference/d1 content[0]: text/html note of 207 bytes is over the 100-byte HTML note limit (--max-html-mb); attachment ignored',
    ]);
  });
});
