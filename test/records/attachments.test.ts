import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAttachment, type AttachmentContext, type ResolvedAttachment } from '../../src/records/attachments.js';
import type { ResourceEntry } from '../../src/records/fhir.js';
import { ResourceIndex } from '../../src/records/fhir-refs.js';
import { tempFolder } from '../io/corpus.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(56, 7)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 3)]);
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.alloc(40, 1)]);

let dir = '';
let remove = () => {};
beforeAll(() => {
  ({ dir, remove } = tempFolder());
  mkdirSync(join(dir, 'input', 'files'), { recursive: true });
  writeFileSync(join(dir, 'input', 'files', 'x.png'), PNG);
  writeFileSync(join(dir, 'secret.png'), PNG);
  writeFileSync(join(dir, 'input', 'big.wav'), Buffer.concat([WAV, Buffer.alloc(2000)]));
  symlinkSync(join(dir, 'secret.png'), join(dir, 'input', 'link.png'));
});
afterAll(() => remove());

function context(opts: { entries?: ResourceEntry[]; allowNetwork?: boolean; allowPrivateNetwork?: boolean; max?: number } = {}): {
  ctx: AttachmentContext;
  warnings: string[];
} {
  const warnings: string[] = [];
  const ctx: AttachmentContext = {
    entry: { key: 'DocumentReference/d1', baseDir: join(dir, 'input') },
    resolver: new ResourceIndex(opts.entries ?? []),
    options: {
      allowNetwork: opts.allowNetwork ?? false,
      maxAttachmentBytes: opts.max ?? 20 * 1024 * 1024,
      allowPrivateNetwork: opts.allowPrivateNetwork ?? false,
    },
    warn: (m) => warnings.push(m),
    consumed: new Set(),
  };
  return { ctx, warnings };
}

async function resolve(
  attachment: Record<string, unknown>,
  opts: Parameters<typeof context>[0] = {},
): Promise<{ out: ResolvedAttachment; warnings: string[] }> {
  const { ctx, warnings } = context(opts);
  const out = await resolveAttachment(attachment, 'DocumentReference/d1 content[0]', ctx);
  return { out, warnings };
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');

describe('resolveAttachment', () => {
  it('decodes text/plain with any charset and reduces text/html', async () => {
    const latin1 = await resolve({
      contentType: 'text/plain; charset=ISO-8859-1',
      data: b64(Buffer.from([0x66, 0x69, 0xe8, 0x76, 0x72, 0x65])),
    });
    expect(latin1.out).toEqual({ kind: 'text', text: 'fièvre', contentType: 'text/plain' });
    const html = await resolve({ contentType: 'text/html', data: b64('<p>Cough &amp; fever</p><script>x()</script>') });
    expect(html.out).toEqual({ kind: 'text', text: 'Cough & fever', contentType: 'text/html' });
  });

  it('turns truncated or invalid base64 into a warning, not a crash', async () => {
    const data = b64(PNG);
    for (const bad of [data.slice(0, -2), `${data.slice(0, 10)}!${data.slice(11)}`, `QQ==${data}`]) {
      const { out, warnings } = await resolve({ contentType: 'image/png', data: bad });
      expect(out.kind).toBe('none');
      expect(warnings).toEqual([expect.stringMatching(/^DocumentReference\/d1 content\[0\]: invalid base64/)]);
    }
  });

  it('drops data whose declared size does not match (truncated export)', async () => {
    const { out, warnings } = await resolve({ contentType: 'image/png', data: b64(PNG), size: PNG.length + 100 });
    expect(out.kind).toBe('none');
    expect(warnings[0]).toContain('truncated');
  });

  it('uses the real type when the declared one is wrong, and drops bytes that are not what they claim', async () => {
    const mislabelled = await resolve({ contentType: 'image/png', data: b64(JPEG) });
    expect(mislabelled.out).toMatchObject({ kind: 'media', media: { modality: 'image', contentType: 'image/jpeg' } });
    expect(mislabelled.warnings[0]).toContain('declared image/png but the bytes are image/jpeg');
    const garbage = await resolve({ contentType: 'image/png', data: b64('not an image at all') });
    expect(garbage.out.kind).toBe('none');
    expect(garbage.warnings[0]).toContain('do not look like image/png');
  });

  it('warns about unsupported types: audio/ogg, video/mp4, application/pdf', async () => {
    for (const [type, noun] of [
      ['audio/ogg', 'audio'],
      ['video/mp4', 'video'],
      ['application/pdf', 'attachment'],
    ] as const) {
      const { out, warnings } = await resolve({ contentType: type, data: b64('x'.repeat(30)) });
      expect(out.kind).toBe('none');
      expect(warnings).toEqual([`DocumentReference/d1 content[0]: ${type} not supported, ${noun} ignored`]);
    }
  });

  it('reads WAV under its aliases as audio', async () => {
    for (const type of ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave']) {
      const { out } = await resolve({ contentType: type, data: b64(WAV), title: 'Lung sounds' });
      expect(out).toMatchObject({
        kind: 'media',
        media: { modality: 'audio', contentType: 'audio/wav', title: 'Lung sounds', resource: 'DocumentReference/d1' },
      });
    }
  });

  it('reads relative files inside the input folder and refuses escapes', async () => {
    const ok = await resolve({ contentType: 'image/png', url: 'files/x.png' });
    expect(ok.out).toMatchObject({ kind: 'media', media: { url: 'files/x.png' } });
    expect(ok.out.kind === 'media' && Buffer.from(ok.out.media.data ?? []).equals(PNG)).toBe(true);
    for (const [url, why] of [
      ['../secret.png', 'leaves'],
      ['files/../../secret.png', 'leaves'],
      [join(dir, 'secret.png'), 'absolute'],
      [`file://${join(dir, 'secret.png')}`, 'absolute'],
      ['link.png', 'link'],
      ['files/missing.png', 'not found'],
    ] as const) {
      const { out, warnings } = await resolve({ contentType: 'image/png', url });
      expect(out.kind, url).toBe('none');
      expect(warnings[0], url).toContain(why);
      expect(warnings[0]).not.toContain(dir);
    }
  });

  it('reads data: URLs, base64 or percent-encoded to bytes; a bad percent-escape drops that attachment with a warning', async () => {
    const note = await resolve({ url: 'data:text/plain,Cough%20and%20fever' });
    expect(note.out).toEqual({ kind: 'text', text: 'Cough and fever', contentType: 'text/plain' });
    // bytes that are not UTF-8 (decodeURIComponent threw on %89)
    const png = await resolve({ url: `data:image/png,${[...PNG].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}` });
    expect(png.warnings).toEqual([]);
    expect(Buffer.from((png.out as { media: { data: Uint8Array } }).media.data).equals(PNG)).toBe(true);
    const b64png = await resolve({ url: `data:image/png;base64,${b64(PNG)}` });
    expect(b64png.out).toMatchObject({ kind: 'media', media: { contentType: 'image/png' } });
    for (const url of ['data:text/plain,Jane%zzDoe', 'data:text/plain,Jane Doe 100%', 'data:text/plain,%E']) {
      const bad = await resolve({ url });
      expect(bad.out, url).toEqual({ kind: 'none' });
      expect(bad.warnings, url).toEqual([
        expect.stringMatching(/^DocumentReference\/d1 content\[0\]: data: URL with an invalid percent-escape at character \d+/),
      ]);
      expect(bad.warnings[0]).not.toContain('Jane');
    }
  });

  it('drops oversized attachments, inline or by file', async () => {
    const inline = await resolve({ contentType: 'image/png', data: b64(PNG) }, { max: 32 });
    expect(inline.warnings[0]).toMatch(/exceeds the .* limit/);
    const file = await resolve({ contentType: 'audio/wav', url: 'big.wav' }, { max: 1000 });
    expect(file.out.kind).toBe('none');
    expect(file.warnings[0]).toMatch(/exceeds the .* limit/);
  });

  it('never fetches http(s) URLs: keeps the URL with a warning', async () => {
    const plain = await resolve({ contentType: 'image/jpeg', url: 'https://images.example.org/x.jpg' });
    expect(plain.out).toEqual({
      kind: 'media',
      media: { modality: 'image', contentType: 'image/jpeg', url: 'https://images.example.org/x.jpg', resource: 'DocumentReference/d1' },
    });
    expect(plain.warnings).toEqual(['DocumentReference/d1 content[0]: attachment by URL not fetched; pass --allow-network']);
  });

  it('with --allow-network (and --allow-private-network for loopback) fetches http URLs, capped in size, naming only the host on failure', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/x.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      else if (req.url === '/untyped') res.writeHead(200).end(PNG);
      else if (req.url === '/big.wav') res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.concat([WAV, Buffer.alloc(4000)]));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const png = await resolve({ contentType: 'image/png', url: `${base}/x.png` }, { allowNetwork: true, allowPrivateNetwork: true });
      expect(png.warnings).toEqual([]);
      expect(png.out).toMatchObject({ kind: 'media', media: { modality: 'image', contentType: 'image/png', url: `${base}/x.png` } });
      expect(Buffer.from((png.out as { media: { data: Uint8Array } }).media.data).equals(PNG)).toBe(true);
      // No contentType on the attachment: the response's, checked against the bytes.
      const untyped = await resolve({ url: `${base}/untyped` }, { allowNetwork: true, allowPrivateNetwork: true });
      expect(untyped.out).toMatchObject({ kind: 'media', media: { contentType: 'image/png' } });
      const missing = await resolve(
        { contentType: 'image/png', url: `${base}/patient-123/x.png` },
        { allowNetwork: true, allowPrivateNetwork: true },
      );
      expect(missing.out.kind).toBe('none');
      expect(missing.warnings).toEqual([
        `DocumentReference/d1 content[0]: fetching from 127.0.0.1:${new URL(base).port} failed (HTTP 404); attachment ignored`,
      ]);
      const big = await resolve(
        { contentType: 'audio/wav', url: `${base}/big.wav` },
        { allowNetwork: true, allowPrivateNetwork: true, max: 1000 },
      );
      expect(big.out.kind).toBe('none');
      expect(big.warnings[0]).toMatch(/exceeds the 0\.0 MB limit; attachment ignored$/);
      // 127.0.0.1 is loopback: refused without --allow-private-network, before any request.
      const before0 = requests.length;
      const loopback = await resolve({ contentType: 'image/png', url: `${base}/x.png` }, { allowNetwork: true });
      expect(loopback.out.kind).toBe('none');
      expect(loopback.warnings).toEqual([
        `DocumentReference/d1 content[0]: fetching from 127.0.0.1:${new URL(base).port} refused (private address; pass --allow-private-network); attachment ignored`,
      ]);
      expect(requests.length).toBe(before0);
      // Without the flag nothing reaches the server.
      const before = requests.length;
      await resolve({ contentType: 'image/png', url: `${base}/x.png` });
      expect(requests.length).toBe(before);
    } finally {
      await new Promise((r) => server.close(r));
    }
    // A port nobody listens on any more refuses the connection.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await resolve(
      { contentType: 'image/png', url: `http://127.0.0.1:${port}/x.png` },
      { allowNetwork: true, allowPrivateNetwork: true },
    );
    expect(refused.warnings).toEqual([
      `DocumentReference/d1 content[0]: fetching from 127.0.0.1:${port} failed (ECONNREFUSED); attachment ignored`,
    ]);
  });

  it('resolves Binary references inside the input, and reports missing ones', async () => {
    const binary: ResourceEntry = {
      resource: { resourceType: 'Binary', id: 'b1', contentType: 'image/png', data: b64(PNG) },
      key: 'Binary/b1',
      position: { file: 'in.json', entry: 2 },
      baseDir: dir,
      fullUrl: 'urn:uuid:0f0e0d0c-0000-4000-8000-000000000001',
    };
    for (const url of ['Binary/b1', 'urn:uuid:0f0e0d0c-0000-4000-8000-000000000001', 'http://fhir.example.org/Binary/b1']) {
      const { out, warnings } = await resolve({ url }, { entries: [binary] });
      expect(out, url).toMatchObject({ kind: 'media', media: { contentType: 'image/png' } });
      expect(warnings, url).toEqual([]);
    }
    const missing = await resolve({ url: 'Binary/nope' }, { entries: [binary] });
    expect(missing.warnings[0]).toContain('Binary/nope not found');
  });
});
