/**
 * Opens a generated report in Debian's Chromium (driven by playwright-core, no downloaded
 * browser) and checks what a reader would see: the page renders, hostile note text shows as
 * literal text, nothing from a note runs, and the page makes no request beyond its own file. At
 * 1280 px wide, with the committed package's manifest, nothing overflows sideways (with every fold
 * open too) and the model card's summary fits one 900 px screen. Leaves screenshots in test/.tmp/:
 * report.png (whole page), model-card.png (the screen a reader lands on from "Model card") and
 * record.png (the first record).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../src/model/manifest.js';
import { CONTENT_SECURITY_POLICY, ReportBuilder } from '../../src/report/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { BREAKOUT_NOTE, SCRIPT_NOTE, makeLine, makeThumbnail } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.tmp');
const VIEWPORT = { width: 1280, height: 900 };

/** Grayscale pixels of the top 30 % of a screenshot, at a fixed size. */
async function grayTop(png: Buffer): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(png).metadata();
  return sharp(png)
    .extract({ left: 0, top: 0, width, height: Math.floor(height * 0.3) })
    .resize(64, 19, { fit: 'fill' })
    .grayscale()
    .raw()
    .toBuffer();
}

function pixelCorrelation(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a.readUInt8(i);
    mb += b.readUInt8(i);
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a.readUInt8(i) - ma;
    const db = b.readUInt8(i) - mb;
    cov += da * db;
    va += da ** 2;
    vb += db ** 2;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

describe.skipIf(!hasChromium)(
  hasChromium ? 'report in Chromium' : `report in Chromium: skipped, ${CHROMIUM} not found (apt-get install -y chromium)`,
  () => {
    it('renders, runs nothing from a note, requests nothing, and shows the note as text', async () => {
      const { chromium } = await import('playwright-core');
      const thumbnail = await makeThumbnail();
      // The committed package's card: the real metrics are what has to fit on a screen.
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'models/clinicalbert-mini/manifest.json'), 'utf8')) as ModelManifest;
      const model = { name: manifest.name, version: manifest.version, sha: 'abcdef012345' };
      const builder = new ReportBuilder({ maxRecords: 3 });
      for (let i = 0; i < 8; i++) builder.add({ ...makeLine(i, { explain: true, thumbnail, hostile: i === 0 }), model });
      await mkdir(outDir, { recursive: true });
      const file = join(outDir, 'report.html');
      await writeFile(file, builder.render({ manifest, modelSha: model.sha, inputs: ['predictions.jsonl'] }));
      const fileUrl = pathToFileURL(file).href;

      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: VIEWPORT });
        const requests: string[] = [];
        const consoleErrors: string[] = [];
        const pageErrors: string[] = [];
        const failed: { url: string; error: string }[] = [];
        page.on('request', (request) => requests.push(request.url()));
        page.on('requestfailed', (request) => failed.push({ url: request.url(), error: request.failure()?.errorText ?? '' }));
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await page.goto(fileUrl, { waitUntil: 'load' });

        // Nothing from a note ran, and nothing was even attempted (a CSP block would log an error).
        expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
        expect(pageErrors).toEqual([]);
        expect(consoleErrors).toEqual([]);
        expect(await page.locator('img').count()).toBe(0);
        expect(await page.locator('script').count()).toBe(1);
        expect(await page.locator('script').getAttribute('type')).toBe('application/json');

        // No request but the file itself (inline data: images may be reported; nothing else).
        // Chromium reports even attempts that the CSP refused, so this also rules out tries.
        expect(requests.filter((url) => url !== fileUrl && !url.startsWith('data:'))).toEqual([]);
        expect(requests).toContain(fileUrl);

        // The hostile text is on screen, literally.
        const note = page.locator('article.record').first().locator('.note.signed');
        await expect.poll(() => note.isVisible()).toBe(true);
        // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() is the rendered text a reader sees, the point of this check; textContent() would include hidden text
        const noteText = await note.innerText();
        expect(noteText).toContain(SCRIPT_NOTE);
        expect(noteText).toContain(BREAKOUT_NOTE);
        // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() is the rendered text a reader sees, the point of this check; textContent() would include hidden text
        expect(await page.locator('article.record').first().locator('h3').innerText()).toContain(BREAKOUT_NOTE);

        // Key sections render with real size.
        expect(await page.locator('#summary').isVisible()).toBe(true);
        // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() is the rendered text a reader sees, the point of this check; textContent() would include hidden text
        expect(await page.locator('#model-card').innerText()).toContain('clinicalbert-mini');
        expect(await page.locator('article.record').count()).toBe(3);
        const bar = await page.locator('#summary svg.bar').first().boundingBox();
        expect(bar?.width).toBeGreaterThan(50);
        const marks = page.locator('article.record').first().locator('.note.signed mark');
        expect(await marks.count()).toBeGreaterThan(3);
        const background = await marks
          .first()
          .evaluate(
            (el) =>
              (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor,
          );
        expect(background).toMatch(/^rgba?\(/);
        expect(background).not.toBe('rgba(0, 0, 0, 0)');
        expect(await page.getByText('Attention (not a faithfulness measure)').first().isVisible()).toBe(true);
        expect(await page.locator('svg.waveform').first().isVisible()).toBe(true);

        // The image overlay shows the thumbnail (not a blank box) under the tinted grid.
        const overlay = page.locator('svg.image-overlay').first();
        const box = await overlay.boundingBox();
        expect(box?.width).toBeGreaterThan(150);
        // Under its faint top rows, the overlay must show the same picture as the plain image.
        const plain = page.locator('svg.image-plain').first();
        expect(await plain.isVisible()).toBe(true);
        const correlation = pixelCorrelation(await grayTop(await plain.screenshot()), await grayTop(await overlay.screenshot()));
        expect(correlation).toBeGreaterThan(0.8);
        expect(await overlay.locator('.cells rect').count()).toBeGreaterThan(10);

        // The page's CSP is in force: an image the page itself tried to load would be refused.
        expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(CONTENT_SECURITY_POLICY);
        const violated = await page.evaluate(`new Promise((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
          const probe = document.createElement('img');
          probe.src = 'http://127.0.0.1:9/probe.png';
          document.body.appendChild(probe);
          setTimeout(() => resolve('no violation'), 2000);
        })`);
        expect(violated).toBe('img-src');
        // Chromium reports the refused attempt as a request that failed before leaving the browser.
        await expect.poll(() => failed.find((f) => f.url.startsWith('http://127.0.0.1:9/'))?.error).toMatch(/CSP|blocked/i);
        await page.evaluate("document.querySelectorAll('img').forEach((el) => el.remove())");

        // No horizontal overflow at 1280 px: the page is no wider than the window.
        const scrollWidth = () => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
        expect(await scrollWidth()).toBeLessThanOrEqual(VIEWPORT.width);

        // The model card's summary (what it is, real-note results, limitations; raw numbers folded)
        // fits one screen: from its top to the end of the card, at most the window's height.
        const card = page.locator('#model-card');
        await expect.poll(() => card.isVisible()).toBe(true);
        expect(await card.locator('details.fold').count()).toBe(2);
        for (const open of await card.locator('details.fold').evaluateAll((els) => els.map((el) => el.hasAttribute('open'))))
          expect(open).toBe(false);
        const cardBox = await card.boundingBox();
        expect(cardBox?.height).toBeGreaterThan(300);
        expect(cardBox?.height).toBeLessThanOrEqual(VIEWPORT.height);
        // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() is the rendered text a reader sees, the point of this check; textContent() would include hidden text
        const cardText = await card.innerText();
        expect(cardText).toContain('Results on real notes');
        expect(cardText).toContain('Limitations');
        expect(cardText).toContain('TF-IDF + logistic regression');
        expect(cardText).not.toContain('Measured on held-out data');
        await card.evaluate((el) => (el as unknown as { scrollIntoView(): void }).scrollIntoView());
        await page.screenshot({ path: join(outDir, 'model-card.png') });
        await page
          .locator('article.record')
          .first()
          .screenshot({ path: join(outDir, 'record.png') });
        await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });

        // Opened, the folds keep their wide tables inside (they scroll there), not the page.
        await page.evaluate("document.querySelectorAll('details').forEach((el) => { el.open = true; })");
        // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() is the rendered text a reader sees, the point of this check; textContent() would include hidden text
        expect(await card.innerText()).toContain('Measured on held-out data');
        expect(await scrollWidth()).toBeLessThanOrEqual(VIEWPORT.width);
        for (const name of ['report.png', 'model-card.png', 'record.png']) expect(existsSync(join(outDir, name))).toBe(true);
      } finally {
        await browser.close();
      }
    });
  },
);
