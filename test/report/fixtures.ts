/**
 * @file Hand-made inputs for the report tests: a model manifest with a model card, and output
 * lines with every kind of explanation, drawn from a seeded generator so each test gets the same
 * records. Some notes carry script and attribute-breakout text, as a hostile export could.
 *
 * These are inputs, not stand-ins: the report code under test runs for real on them.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Explanations, WordAttribution } from '../../src/explain/types.js';
import type { ModelManifest, LabelSpec } from '../../src/model/manifest.js';
import type { PredictionLine, ScoredLabel } from '../../src/pipeline/prediction.js';
import { Random } from '../../src/util/random.js';
import { must } from '../support/must.js';

export const SCRIPT_NOTE = '<script>window.__pwned=1</script>';
export const BREAKOUT_NOTE = '"><img src=x onerror="window.__pwned=2">';

const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const DIAGNOSES: LabelSpec[] = [
  { id: 'condition:J18', display: 'Pneumonia, unspecified organism', system: ICD10, code: 'J18.9' },
  { id: 'condition:J45', display: 'Asthma', system: ICD10, code: 'J45.9' },
  { id: 'condition:I21', display: 'Acute myocardial infarction', system: ICD10, code: 'I21.9' },
  { id: 'condition:J06', display: 'Acute upper respiratory infection', system: ICD10, code: 'J06.9' },
  { id: 'condition:I50', display: 'Heart failure', system: ICD10, code: 'I50.9' },
  { id: 'condition:E11', display: 'Type 2 diabetes mellitus', system: ICD10, code: 'E11.9' },
];
const DRUGS: LabelSpec[] = [
  { id: 'drug:723', display: 'amoxicillin', system: RXNORM, code: '723' },
  { id: 'drug:435', display: 'albuterol', system: RXNORM, code: '435' },
  { id: 'drug:1191', display: 'aspirin', system: RXNORM, code: '1191' },
  { id: 'drug:4603', display: 'furosemide', system: RXNORM, code: '4603' },
  { id: 'drug:6809', display: 'metformin', system: RXNORM, code: '6809' },
];
const SEVERITY: LabelSpec[] = ['mild', 'moderate', 'severe'].map((s) => ({ id: s, display: s }));
const SPECIALTY: LabelSpec[] = ['pulmonology', 'cardiology', 'general medicine', 'endocrinology'].map((s) => ({ id: s, display: s }));

const graph = (file: string) => ({
  file,
  sha256: '0'.repeat(64),
  bytes: 16,
  inputs: [{ name: 'input', dtype: 'float32' as const, shape: ['batch', 8] }],
  outputs: [{ name: 'output', dtype: 'float32' as const, shape: ['batch', 8] }],
  precision: 'fp32',
  opset: 17,
});

export function makeManifest(): ModelManifest {
  return {
    formatVersion: 1,
    name: 'clinicalbert-mini',
    version: '0.1.0-test',
    description: 'A small fused text, image, audio and knowledge-graph model for tests of the report.',
    license: 'Apache-2.0',
    createdBy: 'training/build.sh --config tiny',
    intendedUse: 'Research and software testing on synthetic records; not for clinical decisions.',
    graphs: { text: graph('text.onnx'), image: graph('image.onnx'), audio: graph('audio.onnx'), fusion: graph('fusion.onnx') },
    text: { tokenizer: 'tokenizer.json', tokenizerConfig: 'tokenizer_config.json', maxLength: 256, lowercase: true },
    image: { size: 64, channels: 1, mean: 0.5, std: 0.25 },
    audio: { sampleRate: 8000, seconds: 10, melBins: 32, fftSize: 256, hopLength: 128 },
    knowledgeGraph: { file: 'kg.json', sha256: '0'.repeat(64), entityVocabulary: 'entities.txt', maxEntities: 32 },
    heads: {
      diagnoses: { output: 'diagnoses', activation: 'softmax', labels: DIAGNOSES, description: 'Most likely diagnosis (ICD-10).' },
      drugs: {
        output: 'drugs',
        activation: 'sigmoid',
        labels: DRUGS,
        description: 'Drugs a clinician would consider (RxNorm).',
        threshold: 0.5,
      },
      severity: { output: 'severity', activation: 'softmax', labels: SEVERITY, description: 'Severity of the presentation.' },
      specialty: { output: 'specialty', activation: 'softmax', labels: SPECIALTY, description: 'Specialty of the note.' },
    },
    metrics: {
      heldOut: { records: 2000, seed: 7 },
      splits: {
        validation: { diagnosisAccuracy: 0.812, diagnosisMacroF1: 0.7431, drugMicroF1: 0.702 },
        test: { diagnosisAccuracy: 0.798, diagnosisMacroF1: 0.7312, drugMicroF1: 0.691 },
      },
      calibration: { ece: 0.0312 },
      // The shape `clinicalbert evaluate` reports (src/explain/evaluate.ts FaithfulnessReport).
      faithfulness: {
        records: 400,
        seed: 7,
        maxUnits: 64,
        aopcK: [1, 5, 10, 20, 50],
        methods: {
          'word-occlusion': {
            records: 400,
            comprehensiveness: { k10: 0.281, k20: 0.352, aopc: 0.314 },
            sufficiency: { k10: 0.142, k20: 0.108, aopc: 0.121 },
            msPerRecord: 21.4,
          },
          'attention-rollout': {
            records: 400,
            comprehensiveness: { k10: 0.071, k20: 0.094, aopc: 0.083 },
            sufficiency: { k10: 0.301, k20: 0.255, aopc: 0.268 },
            msPerRecord: 0.9,
          },
          random: {
            records: 400,
            comprehensiveness: { k10: 0.035, k20: 0.052, aopc: 0.041 },
            sufficiency: { k10: 0.322, k20: 0.291, aopc: 0.297 },
            msPerRecord: 0,
          },
        },
      },
    },
    files: [],
  };
}

/**
 * Writes the manifest as a package folder that `loadModelPackage(dir, { verify: 'size' })`
 * accepts: every referenced file exists with the listed size and hash (their bytes are filler;
 * only the card is read from them).
 */
export async function writeModelPackage(dir: string): Promise<ModelManifest> {
  await mkdir(dir, { recursive: true });
  const manifest = makeManifest();
  const names = [
    'text.onnx',
    'image.onnx',
    'audio.onnx',
    'fusion.onnx',
    'tokenizer.json',
    'tokenizer_config.json',
    'kg.json',
    'entities.txt',
  ];
  for (const name of names) {
    const bytes = Buffer.from(`${name} filler bytes\n`);
    await writeFile(join(dir, name), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    manifest.files.push({ path: name, sha256, bytes: bytes.length });
    for (const g of Object.values(manifest.graphs)) {
      if (g.file === name) Object.assign(g, { sha256, bytes: bytes.length });
    }
    if (name === 'kg.json') manifest.knowledgeGraph.sha256 = sha256;
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** A 64×64 grayscale "chest film" with a bright patch low on the left, as a PNG data URL. */
export async function makeThumbnail(): Promise<string> {
  const size = 64;
  const pixels = Buffer.alloc(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const lung = Math.abs(x - 20) < 11 || Math.abs(x - 44) < 11 ? 40 : 150;
      const patch = Math.hypot(x - 18, y - 42) < 7 ? 110 : 0;
      pixels[y * size + x] = Math.min(255, lung + patch + Math.round(20 * Math.sin(y / 3)));
    }
  }
  const png = await sharp(pixels, { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Peak amplitude per slice of a synthetic breath recording with crackles in seconds 3 to 5. */
export function makeEnvelope(seconds: number, slices: number): number[] {
  const rng = Random.derive(11, 'envelope');
  return Array.from({ length: slices }, (_, i) => {
    const t = (i / slices) * seconds;
    const breath = 0.35 + 0.3 * Math.max(0, Math.sin((2 * Math.PI * t) / 2.5));
    const crackle = t >= 3 && t < 5 && rng.chance(0.3) ? 0.35 : 0;
    return Math.round((breath + crackle + 0.05 * rng.float()) * 1000) / 1000;
  });
}

const SENTENCES = [
  'Patient reports fever and productive cough for three days.',
  'Denies chest pain.',
  'Crackles heard at the right lung base.',
  'History of type 2 diabetes on metformin.',
  'Mild wheeze on expiration, improved after albuterol.',
  'Shortness of breath on exertion.',
];

function scored(labels: LabelSpec[], rng: Random, count: number, threshold?: number): ScoredLabel[] {
  const order = rng.shuffle(labels);
  let remaining = 1;
  const out: ScoredLabel[] = [];
  for (const l of order.slice(0, count)) {
    const score = Math.round(remaining * (0.45 + 0.5 * rng.float()) * 1e4) / 1e4;
    remaining -= score;
    if (threshold !== undefined && score < threshold && out.length > 0) break;
    out.push({ id: l.id, ...(l.system ? { system: l.system } : {}), ...(l.code ? { code: l.code } : {}), display: l.display, score });
  }
  return out.sort((a, b) => b.score - a.score);
}

function wordSpans(text: string): { start: number; end: number; word: string }[] {
  return [...text.matchAll(/[A-Za-z]+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length, word: m[0] }));
}

export interface LineOptions {
  /** Put SCRIPT_NOTE and BREAKOUT_NOTE into the note and other text fields. */
  hostile?: boolean;
  explain?: boolean;
  thumbnail?: string;
  /**
   * The diagnosis head abstained ("none of these", schema 1.1): no diagnoses, no severity (it
   * follows the diagnoses), and the explanations, if any, explain the abstention.
   */
  abstain?: boolean;
}

/** The abstention score of an abstaining fixture line (threshold ABSTENTION_THRESHOLD). */
export const ABSTENTION_SCORE = 0.9312;
export const ABSTENTION_THRESHOLD = 0.42;

/** Makes a line abstain on the diagnosis head, as analyze writes it. */
function abstain(line: PredictionLine): PredictionLine {
  return {
    ...line,
    schemaVersion: line.subject ? '1.3' : '1.1',
    predictions: { ...line.predictions, diagnoses: [], severity: [] },
    abstained: {
      diagnoses: {
        reason: 'NO_LABEL_FITS',
        message: `none of the ${DIAGNOSES.length} diagnosis labels fits the evidence`,
        score: ABSTENTION_SCORE,
        threshold: ABSTENTION_THRESHOLD,
      },
      severity: {
        reason: 'FOLLOWS_ABSTAINED',
        message: 'nothing reported: this head follows diagnoses, which abstained',
        head: 'diagnoses',
      },
    },
  };
}

/**
 * The record's subject and attachments (schema 1.2) for line `i`, from their own seeded generator
 * so that the rest of the line is as before. Every fourth line is an older line without them (and
 * without the model's precision, schema 1.3).
 */
function subjectAndAttachments(
  i: number,
  hostile: boolean,
): Pick<PredictionLine, 'subject'> & { attachments?: PredictionLine['inputs']['attachments'] } {
  if (i % 4 === 3) return {};
  const rng = Random.derive(2024, 'report-subject', i);
  const day = `2024-0${1 + rng.int(9)}-1${rng.int(10)}`;
  return {
    subject: {
      ageYears: i % 5 === 4 ? null : 18 + rng.int(70),
      sex: i % 6 === 5 ? null : rng.pick(['female', 'male']),
      encounterDate: hostile ? BREAKOUT_NOTE : `${day}T09:30:00Z`,
    },
    attachments: [
      { kind: 'note', resource: `DocumentReference/note-${i}`, title: null, date: day },
      ...(i % 3 !== 2
        ? [{ kind: 'image' as const, resource: `Media/img-${i}`, title: hostile ? SCRIPT_NOTE : 'Chest X-ray, PA view', date: null }]
        : []),
      ...(i % 2 === 0 ? [{ kind: 'audio' as const, resource: `Media/audio-${i}`, title: null, date: hostile ? BREAKOUT_NOTE : day }] : []),
    ],
  };
}

/** Output line number `i` of a synthetic run (seeded: the same i gives the same line). */
export function makeLine(i: number, options: LineOptions = {}): PredictionLine {
  const rng = Random.derive(2024, 'report-line', i);
  const hostile = options.hostile === true;
  const diagnoses = scored(DIAGNOSES, rng, 5);
  const top = must(diagnoses[0], 'a top diagnosis');
  const hasImage = i % 3 !== 2;
  const hasAudio = i % 2 === 0;
  const sentences = rng.shuffle(SENTENCES).slice(0, 3 + rng.int(3));
  if (hostile) sentences.splice(1, 0, SCRIPT_NOTE, BREAKOUT_NOTE);
  const text = sentences.join(' ');
  const warnings: string[] = [];
  if (rng.chance(0.3)) warnings.push(`Media/img-${i}: attachment of ${21 + rng.int(30)}.0 MB exceeds the 20.0 MB limit; ignored`);
  if (rng.chance(0.2)) warnings.push(`DocumentReference/note-${i}: empty note text ignored`);
  if (hostile) warnings.push(`DocumentReference/${BREAKOUT_NOTE}: ${SCRIPT_NOTE} ignored`);

  const { subject, attachments } = subjectAndAttachments(i, hostile);
  const line: PredictionLine = {
    schemaVersion: subject ? '1.3' : '1.0',
    id: hostile ? `patient-${i}${BREAKOUT_NOTE}` : `patient-${i}`,
    patient: `Patient/patient-${i}`,
    source: { file: hostile ? `exports/${SCRIPT_NOTE}.ndjson` : 'exports/bundles.ndjson', line: i + 1 },
    ...(subject ? { subject } : {}),
    // an older line (no subject) does not say its precision (schema 1.3)
    model: { name: 'clinicalbert-mini', version: '0.1.0-test', sha: 'abcdef012345', ...(subject ? { precision: 'int8' } : {}) },
    inputs: {
      notes: 1 + rng.int(2),
      tokens: 40 + rng.int(200),
      truncated: rng.chance(0.1),
      entities: 2 + rng.int(10),
      image: hasImage ? `Media/img-${i}` : null,
      audio: hasAudio ? `Media/audio-${i}` : null,
      ...(attachments ? { attachments } : {}),
    },
    predictions: {
      diagnoses,
      drugs: scored(DRUGS, rng, 3, 0.5),
      severity: scored(SEVERITY, rng, 3),
      specialty: scored(SPECIALTY, rng, 3),
    },
    warnings,
  };
  // `diagnoses` is the line's own array: a hostile line shows the script text in its top label.
  const shownTop = hostile ? { ...top, display: `${top.display} ${SCRIPT_NOTE}` } : top;
  if (hostile) diagnoses[0] = shownTop;
  if (!options.explain) return options.abstain ? abstain(line) : line;

  // Words of the script sentence get no weight, so that text is drawn unmarked (between spans);
  // the breakout sentence is one weighted span, so its markup characters are drawn inside <mark>.
  const breakoutAt = hostile ? text.indexOf(BREAKOUT_NOTE) : -1;
  const inBreakout = (at: number) => breakoutAt >= 0 && at >= breakoutAt && at < breakoutAt + BREAKOUT_NOTE.length;
  const spans = wordSpans(text).filter((s) => !inBreakout(s.start));
  if (breakoutAt >= 0) {
    spans.push({ start: breakoutAt, end: breakoutAt + BREAKOUT_NOTE.length, word: BREAKOUT_NOTE });
    spans.sort((a, b) => a.start - b.start);
  }
  const scriptAt = hostile ? text.indexOf(SCRIPT_NOTE) : -1;
  const unweighted = (at: number) => scriptAt >= 0 && at >= scriptAt && at < scriptAt + SCRIPT_NOTE.length;
  const words: WordAttribution[] = spans.map((s) => {
    if (unweighted(s.start)) return { start: s.start, end: s.end, weight: 0 };
    const key = /fever|cough|crackles|wheeze|breath/i.test(s.word) ? 0.08 + 0.1 * rng.float() : 0;
    const against = /chest|pain/i.test(s.word) ? -(0.02 + 0.05 * rng.float()) : 0;
    return { start: s.start, end: s.end, weight: Math.round((key + against + 0.01 * rng.normal()) * 1e4) / 1e4 };
  });
  const attentionRaw = spans.map(() => rng.float() ** 3);
  const attentionSum = attentionRaw.reduce((a, b) => a + b, 0);
  const find = (word: string): [number, number] | undefined => {
    const at = text.toLowerCase().indexOf(word);
    return at < 0 ? undefined : [at, at + word.length];
  };
  const fever = find('fever');
  const chest = find('chest pain');
  const cells = Array.from({ length: 64 }, (_, k) => {
    const row = Math.floor(k / 8);
    const col = k % 8;
    const near = Math.hypot(row - 5.2, col - 2.2);
    return Math.round((near < 2 ? 0.12 - 0.05 * near : 0) * 1e4 + rng.normal() * 30) / 1e4;
  });
  const explanations: Explanations = {
    level: 'full',
    target: { head: 'diagnoses', index: 0, id: top.id, display: shownTop.display, score: top.score },
    methods: [
      { name: 'modality-ablation', faithful: true, forwardPasses: 4, ms: 3.2 },
      { name: 'kg-evidence', faithful: false, forwardPasses: 0, ms: 0.4 },
      { name: 'word-occlusion', faithful: true, forwardPasses: spans.length, ms: 21.5 },
      { name: 'attention-rollout', faithful: false, forwardPasses: 0, ms: 0.9 },
      ...(hasImage ? [{ name: 'image-occlusion', faithful: true, forwardPasses: 64, ms: 40.1 }] : []),
      ...(hasAudio ? [{ name: 'audio-occlusion', faithful: true, forwardPasses: 10, ms: 12.7 }] : []),
    ],
    modalities: [
      { modality: 'text', present: true, scoreWithout: 0.21, contribution: Math.round((top.score - 0.21) * 1e4) / 1e4 },
      hasImage
        ? { modality: 'image', present: true, scoreWithout: Math.min(1, top.score + 0.03), contribution: -0.03 }
        : { modality: 'image', present: false, scoreWithout: null, contribution: null },
      hasAudio
        ? { modality: 'audio', present: true, scoreWithout: top.score - 0.05, contribution: 0.05 }
        : { modality: 'audio', present: false, scoreWithout: null, contribution: null },
      { modality: 'entities', present: true, scoreWithout: top.score - 0.12, contribution: 0.12 },
    ],
    evidence: [
      {
        id: top.id,
        display: shownTop.display,
        score: top.score,
        facts: [
          {
            entityId: 'finding:E_91',
            name: hostile ? `fever ${BREAKOUT_NOTE}` : 'fever',
            flag: 'mentioned',
            edge: 'symptom_of',
            p: 0.74,
            attention: 0.31,
            ...(fever ? { span: fever } : {}),
          },
          { entityId: 'observation:8310-5', name: 'body temperature high', flag: 'abnormal', edge: 'abnormal_in', attention: 0.12 },
          { entityId: 'condition:E11', name: 'type 2 diabetes', flag: 'historical', edge: 'risk_factor_for', p: 0.2, attention: 0.05 },
        ],
        against: chest
          ? [{ entityId: 'finding:E_55', name: 'chest pain', flag: 'negated', edge: 'symptom_of', p: 0.4, attention: 0.02, span: chest }]
          : [],
      },
    ],
    words: { method: 'word-occlusion', text, words },
    attention: {
      method: 'attention-rollout',
      text,
      words: spans.map((s, k) => ({ start: s.start, end: s.end, weight: Math.round(((attentionRaw[k] ?? 0) / attentionSum) * 1e4) / 1e4 })),
    },
    ...(hasImage && options.thumbnail
      ? { image: { method: 'image-occlusion' as const, resource: `Media/img-${i}`, grid: 8, cells, thumbnail: options.thumbnail } }
      : {}),
    ...(hasAudio
      ? {
          audio: {
            method: 'audio-occlusion' as const,
            resource: `Media/audio-${i}`,
            seconds: 10,
            segments: Array.from({ length: 10 }, (_, s) => ({
              start: s,
              end: s + 1,
              weight: s >= 3 && s < 5 ? 0.06 + 0.02 * rng.float() : Math.round(0.01 * rng.normal() * 1e4) / 1e4,
            })),
            envelope: makeEnvelope(10, 400),
          },
        }
      : {}),
  };
  if (options.abstain) {
    const target = {
      head: 'diagnoses',
      index: DIAGNOSES.length,
      id: 'none',
      display: 'none of these labels',
      score: ABSTENTION_SCORE,
      abstention: 'label' as const,
    };
    return { ...abstain(line), explanations: { ...explanations, target } };
  }
  return { ...line, explanations };
}

/** Every start tag in a document, with its name and attribute names (for "nothing executable" checks). */
export function startTags(doc: string): { name: string; attributes: string[] }[] {
  return [...doc.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)].map((m) => ({
    name: must(m[1], 'a tag name').toLowerCase(),
    attributes: [...(m[2] ?? '').replace(/="[^"]*"/g, '').matchAll(/\s+([^\s=>]+)/g)].map((a) =>
      must(a[1], 'an attribute name').toLowerCase(),
    ),
  }));
}
