import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../src/util/code-systems.js';
import { readRecords } from '../../src/records/read.js';
import type { ClinicalRecord, RecordItem } from '../../src/records/types.js';
import { collect, CORPUS, CORPUS_NOTE, HAS_CORPUS, tempFolder } from '../io/corpus.js';

const records = (items: RecordItem[]): ClinicalRecord[] => items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 9)]);
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.alloc(40, 1)]);
const HEADER =
  'id,patient_id,sex,birth_date,visit_time,note_text,image_file,audio_file,condition_codes,medication_codes,allergy_codes,observations';

let dir = '';
let remove = () => {};
beforeAll(() => {
  ({ dir, remove } = tempFolder());
  mkdirSync(join(dir, 'csv', 'records_files'), { recursive: true });
  writeFileSync(join(dir, 'csv', 'records_files', 'p1-chest.png'), PNG);
  writeFileSync(join(dir, 'csv', 'records_files', 'p1-audio.wav'), WAV);
  writeFileSync(join(dir, 'outside.png'), PNG);
});
afterAll(() => remove());

async function readCsvText(text: string) {
  const file = join(dir, 'csv', `t${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, text);
  const stream = readRecords([file]);
  return { items: await collect(stream), stats: stream.stats, file };
}

describe('CSV rows to records', () => {
  it('reads every column of docs/csv-format.md', async () => {
    const row = [
      'synth-0',
      'p1',
      'female',
      '1971-05-02',
      '2025-07-14T09:12:00Z',
      '"CHIEF COMPLAINT: Cough, fever.\nPlan: ""rest"""',
      'records_files/p1-chest.png',
      'records_files/p1-audio.wav',
      'snomed:38341003;icd10:I10',
      'rxnorm:314076;drugbank:DB00945',
      'snomed:91936005',
      '8867-4=88;8310-5=38.4;2339-0=n/a',
    ].join(',');
    const { items, stats, file } = await readCsvText(`${HEADER}\n${row}\n`);
    expect(items).toHaveLength(1);
    const r = records(items)[0] as ClinicalRecord;
    expect(r).toMatchObject({
      id: 'synth-0',
      patient: 'Patient/p1',
      time: '2025-07-14T09:12:00Z',
      source: { file, line: 2 },
      demographics: { sex: 'female', birthDate: '1971-05-02', ageYears: 54 },
      warnings: [],
    });
    expect(r.notes).toEqual([
      {
        text: 'CHIEF COMPLAINT: Cough, fever.\nPlan: "rest"',
        resource: 'CSV/synth-0.note_text',
        contentType: 'text/plain',
        time: '2025-07-14T09:12:00Z',
      },
    ]);
    expect(r.media.map((m) => [m.modality, m.contentType, m.url, m.data?.length])).toEqual([
      ['image', 'image/png', 'records_files/p1-chest.png', PNG.length],
      ['audio', 'audio/wav', 'records_files/p1-audio.wav', WAV.length],
    ]);
    const codes = r.facts.map(
      (f) => `${f.kind}|${f.codings[0]?.system}|${f.codings[0]?.code}|${f.value ?? f.valueText ?? ''}|${f.unit ?? ''}`,
    );
    expect(codes).toEqual([
      `condition|${SYSTEMS.snomed}|38341003||`,
      `condition|${SYSTEMS.icd10}|I10||`,
      `medication|${SYSTEMS.rxnorm}|314076||`,
      `medication|${SYSTEMS.drugbank}|DB00945||`,
      `allergy|${SYSTEMS.snomed}|91936005||`,
      `observation|${SYSTEMS.loinc}|8867-4|88|/min`,
      `observation|${SYSTEMS.loinc}|8310-5|38.4|Cel`,
      `observation|${SYSTEMS.loinc}|2339-0|n/a|`,
    ]);
    expect(stats).toMatchObject({ itemsRead: 1, itemsUsed: 1, recordsYielded: 1 });
  });

  it('warns about bad values, escaping paths, missing files and repeated ids, without stopping', async () => {
    const rows = [
      'r1,p1,femme,05/02/1971,yesterday,,../outside.png,records_files/none.wav,loinc:123;snomed:1,ndc:55,,HR=88',
      'r1,p2,male,,,,records_files/p1-audio.wav,,,,,',
      ',p3,male,,,,,,,,,',
    ];
    const { items, stats } = await readCsvText(`${HEADER}\n${rows.join('\n')}\n`);
    const [first, second] = records(items);
    expect(first?.warnings).toEqual([
      'CSV/r1: sex is not one of female, male, other, unknown; ignored',
      'CSV/r1: birth_date is not a YYYY-MM-DD date; ignored',
      'CSV/r1: visit_time is not an ISO 8601 date-time; ignored',
      "CSV/r1.image_file: attachment path leaves the input file's folder (..); refused; ignored",
      'CSV/r1.audio_file: attachment file not found; ignored',
      'CSV/r1: condition_codes entry 0 is not snomed:<code> or icd10:<code>; ignored',
      'CSV/r1: medication_codes entry 0 is not rxnorm:<code> or drugbank:<code>; ignored',
      'CSV/r1: observations entry 0 is not LOINC=value; ignored',
    ]);
    expect(first?.facts).toEqual([
      { kind: 'condition', codings: [{ system: SYSTEMS.snomed, code: '1' }], resource: 'CSV/r1.condition_codes' },
    ]);
    expect(second?.warnings).toEqual([
      'CSV/r1: id repeats an earlier row of the file',
      'CSV/r1.image_file: holds audio/wav, not image; kept as audio',
    ]);
    expect(items[2]).toMatchObject({ kind: 'failure', code: 'NO_ID', position: { line: 4 } });
    expect(stats).toMatchObject({ itemsRead: 3, itemsUsed: 2, itemsFailed: 1 });
  });
});

describe.skipIf(!HAS_CORPUS)(`CSV with corpus images and audio${CORPUS_NOTE}`, () => {
  it('reads a DICOM, an X-ray PNG and a WAV beside the CSV', async () => {
    const files = join(dir, 'csv', 'corpus_files');
    mkdirSync(files, { recursive: true });
    copyFileSync(join(CORPUS, 'images', 'dicom', 'CT_small.dcm'), join(files, 'ct.dcm'));
    copyFileSync(join(CORPUS, 'images', 'chest-xray', 'ARDSSevere.png'), join(files, 'cxr.png'));
    copyFileSync(join(CORPUS, 'audio', 'heart-sounds-physionet2016', 'MR.wav'), join(files, 'mr.wav'));
    const { items } = await readCsvText(
      `${HEADER}\nc1,p,male,,,,corpus_files/cxr.png,corpus_files/mr.wav,,,,\nc2,p,male,,,,corpus_files/ct.dcm,,,,,\n`,
    );
    const recs = records(items);
    expect(recs.map((r) => r.media.map((m) => m.contentType))).toEqual([['image/png', 'audio/wav'], ['application/dicom']]);
    expect(recs.flatMap((r) => r.warnings)).toEqual([]);
  });
});
