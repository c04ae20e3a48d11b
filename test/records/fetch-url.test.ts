/**
 * @file Where `--allow-network` may go (issue 11, item 5): private addresses refused by the resolved
 * address, redirects followed by hand and re-checked hop by hop, a per-record fetch budget and a
 * bound on parallel fetches. Servers are local node:http servers on loopback, so tests that need a
 * fetch to succeed pass allowPrivateNetwork, and refusal is asserted without it.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchAttachment, isPrivateAddress, MAX_REDIRECTS, RecordFetcher } from '../../src/records/fetch-url.js';
import { readRecords } from '../../src/records/read.js';
import { collect, tempFolder } from '../io/corpus.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: RequestListener, host = '127.0.0.1'): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

describe('fetchAttachment', () => {
  it('classifies loopback, link-local, private, unspecified and metadata addresses as private', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::5', '::ffff:127.0.0.1', '::ffff:7f00:1', '[::1]']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses loopback by address and by name (the resolved address) without --allow-private-network', async () => {
    let hits = 0;
    const base = await serve((_req, res) => {
      hits++;
      res.end('note');
    });
    const port = new URL(base).port;
    const literal = await fetchAttachment(`${base}/n.txt`, 1000);
    expect(literal).toEqual({
      ok: false,
      reason: `fetching from 127.0.0.1:${port} refused (private address; pass --allow-private-network)`,
    });
    const named = await fetchAttachment(`http://localhost:${port}/n.txt`, 1000);
    expect(named).toEqual({ ok: false, reason: `fetching from localhost:${port} refused (private address; pass --allow-private-network)` });
    expect(hits).toBe(0);
    const allowed = await fetchAttachment(`${base}/n.txt`, 1000, { allowPrivateNetwork: true });
    expect(allowed.ok && Buffer.from(allowed.bytes).toString()).toBe('note');
  });

  it('re-checks every redirect hop: one local server redirecting to another is refused', async () => {
    const target = await serve((_req, res) => res.end('secret from the second service'), '127.0.0.2');
    const first = await serve((_req, res) => res.writeHead(302, { location: `${target}/secret` }).end());
    // refuse only the second service's address: the first hop passes, the redirect does not
    const refuse = (address: string): boolean => address === '127.0.0.2';
    const refused = await fetchAttachment(`${first}/a.txt`, 1000, { refuse });
    expect(refused).toEqual({
      ok: false,
      reason: `fetching from ${new URL(target).host} refused (private address; pass --allow-private-network)`,
    });
    // without any flag the first hop is already refused
    expect((await fetchAttachment(`${first}/a.txt`, 1000)).ok).toBe(false);
    // with the flag the redirect is followed
    const followed = await fetchAttachment(`${first}/a.txt`, 1000, { allowPrivateNetwork: true });
    expect(followed.ok && Buffer.from(followed.bytes).toString()).toBe('secret from the second service');
  });

  it('follows at most MAX_REDIRECTS hops, http(s) only', async () => {
    const base = await serve((req, res) => {
      const n = Number(req.url?.slice(1));
      if (req.url === '/file') res.writeHead(301, { location: 'file:///etc/passwd' }).end();
      else res.writeHead(307, { location: `/${n + 1}` }).end();
    });
    const loop = await fetchAttachment(`${base}/0`, 1000, { allowPrivateNetwork: true });
    expect(loop).toEqual({ ok: false, reason: `fetching from ${new URL(base).host} failed (more than ${MAX_REDIRECTS} redirects)` });
    const file = await fetchAttachment(`${base}/file`, 1000, { allowPrivateNetwork: true });
    expect(file).toEqual({ ok: false, reason: `redirect from ${new URL(base).host} to a file: URL refused` });
  });
});

describe('RecordFetcher', () => {
  it("a record's fetches share one wall-clock budget: trickling servers are cut off with a warning", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const fetcher = new RecordFetcher(1 << 20, { allowPrivateNetwork: true, budgetMs: 300 });
    const results = await Promise.all([1, 2, 3, 4].map((i) => fetcher.fetch(`${base}/${i}.txt`)));
    for (const r of results) {
      expect(r).toEqual({ ok: false, reason: `fetching from ${new URL(base).host} failed (the record's fetch budget of 0.3 s is spent)` });
    }
    // the budget is spent: a later fetch of the record is not started
    const late = await fetcher.fetch(`${base}/5.txt`);
    expect(late.ok).toBe(false);
    expect(!late.ok && late.reason).toContain('skipped');
  });

  it('runs at most `concurrency` fetches of a record at once, each URL once', async () => {
    let open = 0;
    let most = 0;
    let hits = 0;
    const base = await serve((_req, res) => {
      hits++;
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        res.end('ok');
      }, 30);
    });
    const fetcher = new RecordFetcher(1000, { allowPrivateNetwork: true, budgetMs: 10_000, concurrency: 2 });
    const urls = [1, 2, 3, 4, 5, 6, 1].map((i) => `${base}/${i}`);
    const results = await Promise.all(urls.map((u) => fetcher.fetch(u)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(most).toBe(2);
    expect(hits).toBe(6);
  });
});

describe('readRecords with allowNetwork', () => {
  it('gives each record one fetch budget: four trickling note URLs end as four warnings, and loopback needs the flag', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const { dir, remove } = tempFolder('cb-fetch-');
    try {
      const file = join(dir, 'in.json');
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: 'p1' } },
          ...[1, 2, 3, 4].map((i) => ({
            resource: {
              resourceType: 'DocumentReference',
              id: `d${i}`,
              status: 'current',
              subject: { reference: 'Patient/p1' },
              content: [{ attachment: { contentType: 'text/plain', url: `${base}/note-${i}.txt` } }],
            },
          })),
        ],
      };
      writeFileSync(file, JSON.stringify(bundle));
      const host = new URL(base).host;
      const budget = await collect(readRecords([file], { allowNetwork: true, allowPrivateNetwork: true, fetchBudgetMs: 300 }));
      const warnings = budget.flatMap((item) => (item.kind === 'record' ? item.record.warnings : []));
      for (const i of [1, 2, 3, 4]) {
        expect(warnings).toContain(
          `DocumentReference/d${i} content[0]: fetching from ${host} failed (the record's fetch budget of 0.3 s is spent); attachment ignored`,
        );
      }
      const refused = await collect(readRecords([file], { allowNetwork: true }));
      const why = refused.flatMap((item) => (item.kind === 'record' ? item.record.warnings : []));
      expect(why.filter((w) => w.includes('refused (private address; pass --allow-private-network)'))).toHaveLength(4);
    } finally {
      remove();
    }
  });
});
