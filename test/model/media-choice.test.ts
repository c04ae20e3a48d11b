/**
 * The model reads one image and one recording per record; a record that carries more gets a
 * warning naming each one not used and the one read, instead of losing them without a word.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PredictionLine } from '../../src/pipeline/prediction.js';
import { cli, HAS_MODEL, jsonLines, MODEL_DIR, MODEL_NOTE, REPO_ROOT } from '../support/cli.js';

const files = join(REPO_ROOT, 'samples', 'records_files');

function media(id: string, contentType: string, file: string) {
  return {
    resourceType: 'Media',
    id,
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    content: { contentType, data: readFileSync(join(files, file)).toString('base64') },
  };
}

describe.skipIf(!HAS_MODEL)(`one image and one recording per record${MODEL_NOTE}`, () => {
  it('reads the first of each and names the others in warnings', () => {
    const png = '25517934-6574-4dcb-8e89-4aa122e93f0e-chest.png';
    const png2 = '2bb15ec6-a8a0-45f7-ac6a-6c787836af61-chest.png';
    const wav = '25517934-6574-4dcb-8e89-4aa122e93f0e-audio.wav';
    const entries = [
      { resourceType: 'Patient', id: 'p1' },
      media('i1', 'image/png', png),
      media('a1', 'audio/wav', wav),
      media('i2', 'image/png', png2),
      media('a2', 'audio/wav', wav),
    ].map((resource) => ({ resource }));
    const input = `${JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: entries })}\n`;
    const r = cli(['analyze', '-', '--no-timing', '--model', MODEL_DIR], { input });
    expect(r.status).toBe(0);
    const [line] = jsonLines(r.stdout) as unknown as PredictionLine[];
    expect(line?.inputs.image).toBe('Media/i1');
    expect(line?.inputs.audio).toBe('Media/a1');
    expect([...(line?.warnings ?? [])].sort()).toEqual([
      'Media/a2: audio not used: the model reads one audio per record (Media/a1)',
      'Media/i2: image not used: the model reads one image per record (Media/i1)',
    ]);
  });
});
