/**
 * @file Turns a `ClinicalRecord` into the model's inputs: token ids of the note text, the linked
 * knowledge-graph entities with how each was found (mentioned, negated, family, history, coded,
 * abnormal measurement), and the decoded image and audio.
 *
 * Why one module for training and inference: the recipe featurizes its training records through
 * this same code (training/featurize.ts), so the model is trained on exactly what the runtime will
 * feed it — the same tokenizer, the same linker, the same image resize, the same resampling.
 * Everything here is deterministic; warnings name attachments by resource id, never by content.
 */
import type { EntityLinker } from '../kg/link.js';
import { SYSTEMS } from '../kg/types.js';
import { prepareAudioWindows, type AudioInputSpec } from '../media/audio.js';
import { MediaError } from '../media/errors.js';
import { readImage, type ImageInputSpec } from '../media/image.js';
import type { ClinicalRecord, CodedFact, MediaAttachment, NoteText } from '../records/types.js';
import { factState, isAbnormalInterpretation } from '../records/status.js';
import { newestFirst, notChestRadiograph } from './media-choice.js';
import { type RangeSubject, rangeSubjectOf, REFERENCE_LOINC, referenceRange } from './reference-ranges.js';
import type { Tokenizer } from './tokenizer.js';

/** How an entity entered the record; the fusion head embeds this beside the entity. */
export const ENTITY_FLAGS = {
  pad: 0,
  mentioned: 1,
  negated: 2,
  family: 3,
  historical: 4,
  coded: 5,
  abnormal: 6,
} as const;
export type EntityFlag = keyof typeof ENTITY_FLAGS;

export interface FeatureSpec {
  maxLength: number;
  maxEntities: number;
  image: ImageInputSpec;
  audio: AudioInputSpec;
}

export interface LinkedEntity {
  id: string;
  flag: EntityFlag;
  /** Where in `text` the entity was mentioned (absent for coded facts and measurements). */
  span?: [number, number];
  /** FHIR `Type/id` for coded facts. */
  resource?: string;
}

export interface RecordFeatures {
  /** The note text given to the tokenizer (most recent notes first, capped). */
  text: string;
  inputIds: number[];
  entities: LinkedEntity[];
  /** Index into the entity vocabulary per entity (same order as `entities`). */
  entityIds: number[];
  entityFlags: number[];
  image?: Float32Array;
  imageResource?: string;
  /** One or more windows of `spec.audio.seconds`, end to end (the runtime pools their embeddings). */
  audio?: Float32Array;
  audioResource?: string;
  warnings: string[];
}

/**
 * Characters of note text read per token of the model's window (8,192 for 256 tokens): the text
 * encoder sees the first `maxLength` tokens of it, the entity linker reads all of it, so a
 * diagnosis stated at the end of a long note (an assessment, a discharge diagnosis) still reaches
 * the model as a linked entity. About 97% of MTSamples transcriptions fit; the rest is never read.
 */
export const CHARS_PER_TOKEN = 32;

/** Most recent notes first; undated ones last, in source order. */
export function selectNoteText(notes: readonly NoteText[], maxChars: number): string {
  const ordered = notes
    .map((note, index) => ({ note, index }))
    .sort((a, b) => {
      const ta = a.note.time ?? '';
      const tb = b.note.time ?? '';
      if (ta !== tb) return ta < tb ? 1 : -1;
      return a.index - b.index;
    });
  let text = '';
  for (const { note } of ordered) {
    const body = note.text.trim();
    if (!body) continue;
    text = text ? `${text}\n\n${body}` : body;
    if (text.length >= maxChars) return text.slice(0, maxChars);
  }
  return text;
}

/**
 * Whether a coded fact still holds for the patient (src/records/status.ts `factState`): not
 * history (resolved, inactive, stopped…) and not retracted (entered in error, refuted,
 * cancelled…); in an encounter's record, a condition that held during that encounter holds.
 */
export function isActiveFact(fact: CodedFact): boolean {
  return factState(fact) === 'current';
}

/**
 * Whether a measurement is outside the reference range of its (first ranged) LOINC code for the
 * patient's age and sex (reference-ranges.ts); a code with no range at this age is not flagged.
 */
function isAbnormal(fact: CodedFact, subject: RangeSubject): boolean {
  if (fact.kind !== 'observation' || fact.value === undefined) return false;
  for (const c of fact.codings) {
    if (c.system !== SYSTEMS.loinc || !REFERENCE_LOINC.has(c.code)) continue;
    const range = referenceRange(c.code, subject.ageYears, subject.sex);
    return range !== undefined && (fact.value < range[0] || fact.value > range[1]);
  }
  return false;
}

export class Featurizer {
  private readonly vocabIndex: Map<string, number>;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly linker: EntityLinker,
    /** Entity ids in embedding order; index 0 is the padding entry. */
    readonly entityVocabulary: readonly string[],
    readonly spec: FeatureSpec,
  ) {
    this.vocabIndex = new Map(entityVocabulary.map((id, i) => [id, i]));
  }

  /**
   * Entities in the order given, deduplicated by (entity, flag), those outside the vocabulary left
   * out, capped at `spec.maxEntities`: the one rule every entity list of the model follows.
   */
  dedupeEntities(...lists: Iterable<LinkedEntity>[]): LinkedEntity[] {
    const out: LinkedEntity[] = [];
    const seen = new Set<string>();
    for (const list of lists) {
      for (const entity of list) {
        if (out.length >= this.spec.maxEntities) return out;
        const key = `${entity.id}|${entity.flag}`;
        if (seen.has(key) || !this.vocabIndex.has(entity.id)) continue;
        seen.add(key);
        out.push(entity);
      }
    }
    return out;
  }

  /**
   * Entities of a text and a record's coded facts: text mentions first, then facts (`dedupeEntities`).
   * Measurements are read against the reference ranges of `subject`'s age and sex (adult ranges
   * when it is absent or says nothing).
   */
  linkEntities(text: string, facts: readonly CodedFact[], subject: RangeSubject = {}): LinkedEntity[] {
    return this.dedupeEntities(this.textEntities(text), this.factEntities(facts, subject));
  }

  /**
   * Entities mentioned in a text, flagged by how (family, negated, historical, mentioned). Mentions
   * in an allergy list are left out: an allergen is neither a finding nor a drug taken. Mentions in
   * a medication list stay `mentioned`.
   */
  private *textEntities(text: string): Generator<LinkedEntity> {
    for (const m of this.linker.link(text)) {
      if (m.section === 'allergies') continue;
      const flag: EntityFlag = m.experiencer === 'family' ? 'family' : m.negated ? 'negated' : m.historical ? 'historical' : 'mentioned';
      yield { id: m.entityId, flag, span: [m.start, m.end] };
    }
  }

  /**
   * Entities of coded facts, read by status (src/records/status.ts `factState`): `coded` for those
   * that hold, `historical` for those that no longer do (resolved, stopped…), none for retracted
   * ones; and `abnormal` for a result out of its reference range or interpreted positive,
   * detected, abnormal, high or low. History comes after the rest, so it never crowds current
   * evidence out of the entity cap.
   */
  private *factEntities(facts: readonly CodedFact[], subject: RangeSubject): Generator<LinkedEntity> {
    const history: CodedFact[] = [];
    for (const fact of facts) {
      const state = factState(fact);
      if (state === 'ignored') continue;
      if (fact.kind === 'observation') {
        if (!isAbnormal(fact, subject) && !isAbnormalInterpretation(fact.interpretation)) continue;
        for (const id of this.linker.linkCodes(fact.codings))
          yield { id, flag: 'abnormal', ...(fact.resource ? { resource: fact.resource } : {}) };
        continue;
      }
      if (state === 'history') {
        history.push(fact);
        continue;
      }
      for (const id of this.linker.linkCodes(fact.codings))
        yield { id, flag: 'coded', ...(fact.resource ? { resource: fact.resource } : {}) };
    }
    for (const fact of history) {
      for (const id of this.linker.linkCodes(fact.codings))
        yield { id, flag: 'historical', ...(fact.resource ? { resource: fact.resource } : {}) };
    }
  }

  /**
   * The features with the note replaced by `text`, tokenized and linked again (explanations
   * remove words and run the result). The record's facts are not part of `RecordFeatures`, so the
   * entities the original linked from coded facts and measurements (those without a span) are
   * kept after the text's. That equals featurizing the record with this note, except when the
   * original hit the entity cap, where facts that did not fit originally still do not.
   */
  withText(features: RecordFeatures, text: string): RecordFeatures {
    const entities = this.dedupeEntities(
      this.textEntities(text),
      features.entities.filter((e) => !e.span),
    );
    return {
      ...features,
      text,
      inputIds: this.tokenizer.encode(text, this.spec.maxLength).ids,
      entities,
      ...this.entityInputs(entities),
    };
  }

  /** Vocabulary indices and flag codes of entities, in the same order. */
  private entityInputs(entities: readonly LinkedEntity[]): Pick<RecordFeatures, 'entityIds' | 'entityFlags'> {
    return {
      entityIds: entities.map((e) => this.vocabIndex.get(e.id) as number),
      entityFlags: entities.map((e) => ENTITY_FLAGS[e.flag]),
    };
  }

  async featurize(record: ClinicalRecord): Promise<RecordFeatures> {
    const warnings: string[] = [];
    const text = selectNoteText(record.notes, this.spec.maxLength * CHARS_PER_TOKEN);
    const { ids } = this.tokenizer.encode(text, this.spec.maxLength);
    const entities = this.linkEntities(text, record.facts, rangeSubjectOf(record.demographics, record.time));
    const features: RecordFeatures = {
      text,
      inputIds: ids,
      entities,
      ...this.entityInputs(entities),
      warnings,
    };
    // The model reads one image and one recording per record, the newest eligible one of each
    // that decodes (src/model/media-choice.ts); every other one is named in a warning.
    const unused: MediaAttachment[] = [];
    for (const media of newestFirst(record.media.filter((m) => m.modality === 'image' && m.data))) {
      if (features.image) {
        unused.push(media);
        continue;
      }
      const why = notChestRadiograph(media.bodySite, media.imagingModality);
      if (why) {
        warnings.push(`${media.resource}: image not used: ${why}; the image encoder reads chest radiographs`);
        continue;
      }
      try {
        // the decoder budgets the record was read with (--max-megapixels, --max-inflate-mb)
        const { data, dicom } = await readImage(media.data as Uint8Array, this.spec.image, media.limits);
        const dicomWhy = dicom && notChestRadiograph(dicom.bodyPart, dicom.modality);
        if (dicomWhy) {
          warnings.push(`${media.resource}: image not used: the DICOM file says ${dicomWhy}; the image encoder reads chest radiographs`);
          continue;
        }
        features.image = data;
        features.imageResource = media.resource;
      } catch (error) {
        if (!(error instanceof MediaError)) throw error;
        warnings.push(`${media.resource}: image ignored: ${error.message}`);
      }
    }
    for (const media of newestFirst(record.media.filter((m) => m.modality === 'audio' && m.data))) {
      if (features.audio) {
        unused.push(media);
        continue;
      }
      try {
        const audio = prepareAudioWindows(media.data as Uint8Array, this.spec.audio);
        features.audio = audio.samples;
        features.audioResource = media.resource;
        const read = audio.windows * this.spec.audio.seconds;
        if (audio.sourceSeconds > read + this.spec.audio.seconds / 2) {
          warnings.push(
            `${media.resource}: audio read for its first ${read} s of ${audio.sourceSeconds.toFixed(1)} s ` +
              `(${audio.windows} windows of ${this.spec.audio.seconds} s, pooled)`,
          );
        }
      } catch (error) {
        if (!(error instanceof MediaError)) throw error;
        warnings.push(`${media.resource}: audio ignored: ${error.message}`);
      }
    }
    for (const media of unused) {
      const used = media.modality === 'image' ? features.imageResource : features.audioResource;
      const which = media.modality === 'image' ? 'the newest chest image' : 'the newest recording';
      warnings.push(`${media.resource}: ${media.modality} not used: the model reads one ${media.modality} per record, ${which} (${used})`);
    }
    return features;
  }
}

/** The entity vocabulary of a graph: "[PAD]" then every entity id in sorted order. */
export function entityVocabularyOf(entityIds: Iterable<string>): string[] {
  return ['[PAD]', ...[...entityIds].sort()];
}
