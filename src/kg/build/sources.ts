/**
 * @file Reads the knowledge sources of `kg build --from <dir>` into plain typed records, with the
 * sha256 of every file read for the graph's provenance.
 *
 * Why separate from the graph assembly: parsing (JSON, TSV, CSV, gzip) and its error messages
 * ("which file, which line is malformed") are a different job from deciding what the graph says.
 * Nothing here interprets clinical content.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { ClinicalBertError, UsageError, quote } from '../../util/errors.js';

/** Input files, relative to the `--from` folder (the corpus's `knowledge/` folder). */
export const SOURCE_FILES = {
  ddxConditions: 'ddxplus/release_conditions.json',
  ddxEvidences: 'ddxplus/release_evidences.json',
  indications: 'pharmacotherapydb/indications.tsv',
  syntheaCodes: 'synthea-codes/codes_in_synthea_bundles.csv',
  icd10: 'icd10cm/icd10cm-order-Jan-2021.csv.gz',
} as const;

export type SourceKey = keyof typeof SOURCE_FILES;

export interface DdxCondition {
  name: string;
  nameEn: string;
  icd10: string;
  severity: number;
  symptoms: string[];
  antecedents: string[];
}

export interface DdxEvidence {
  id: string;
  questionEn: string;
  isAntecedent: boolean;
  dataType: 'B' | 'C' | 'M';
  /** The binary question this one refines (its own id for top-level questions). */
  parent: string;
}

export interface Indication {
  doid: string;
  drugbank: string;
  disease: string;
  drug: string;
  category: 'DM' | 'SYM' | 'NOT';
}

export interface SyntheaCode {
  resourceType: string;
  system: string;
  code: string;
  display: string;
  count: number;
}

export interface Sources {
  conditions: DdxCondition[];
  evidences: Map<string, DdxEvidence>;
  indications: Indication[];
  synthea: SyntheaCode[];
  /** ICD-10-CM code without dot -> long description. */
  icd10: Map<string, string>;
  /** sha256 of each file read, by key. */
  sha256: Record<SourceKey, string>;
}

async function readSource(fromDir: string, key: SourceKey): Promise<Buffer> {
  const path = join(fromDir, SOURCE_FILES[key]);
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(`kg build: missing source file ${quote(SOURCE_FILES[key])} under ${quote(fromDir)}`, {
        code: 'KG_MISSING_SOURCE',
        cause: error,
      });
    }
    throw new ClinicalBertError(`kg build: cannot read ${quote(path)}`, { code: 'KG_SOURCE_READ', cause: error });
  }
}

function malformed(key: SourceKey, detail: string, cause?: unknown): ClinicalBertError {
  return new ClinicalBertError(`kg build: ${SOURCE_FILES[key]}: ${detail}`, { code: 'KG_SOURCE_MALFORMED', cause });
}

function parseJson(key: SourceKey, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw malformed(key, 'not valid JSON', error);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseConditions(bytes: Buffer): DdxCondition[] {
  const json = parseJson('ddxConditions', bytes);
  if (!isRecord(json)) throw malformed('ddxConditions', 'expected an object keyed by condition name');
  return Object.entries(json).map(([name, raw]) => {
    if (!isRecord(raw) || typeof raw['icd10-id'] !== 'string' || typeof raw.severity !== 'number') {
      throw malformed('ddxConditions', `condition ${quote(name)} lacks icd10-id or severity`);
    }
    if (!isRecord(raw.symptoms) || !isRecord(raw.antecedents)) {
      throw malformed('ddxConditions', `condition ${quote(name)} lacks symptoms or antecedents`);
    }
    return {
      name,
      nameEn: typeof raw['cond-name-eng'] === 'string' ? raw['cond-name-eng'] : name,
      icd10: raw['icd10-id'],
      severity: raw.severity,
      symptoms: Object.keys(raw.symptoms),
      antecedents: Object.keys(raw.antecedents),
    };
  });
}

function parseEvidences(bytes: Buffer): Map<string, DdxEvidence> {
  const json = parseJson('ddxEvidences', bytes);
  if (!isRecord(json)) throw malformed('ddxEvidences', 'expected an object keyed by evidence id');
  const out = new Map<string, DdxEvidence>();
  for (const [id, raw] of Object.entries(json)) {
    if (!isRecord(raw) || typeof raw.question_en !== 'string' || typeof raw.is_antecedent !== 'boolean') {
      throw malformed('ddxEvidences', `evidence ${quote(id)} lacks question_en or is_antecedent`);
    }
    const dataType = raw.data_type;
    if (dataType !== 'B' && dataType !== 'C' && dataType !== 'M') {
      throw malformed('ddxEvidences', `evidence ${quote(id)} has data_type ${quote(dataType)}; expected B, C or M`);
    }
    out.set(id, {
      id,
      questionEn: raw.question_en,
      isAntecedent: raw.is_antecedent,
      dataType,
      parent: typeof raw.code_question === 'string' ? raw.code_question : id,
    });
  }
  return out;
}

function parseDelimited(key: SourceKey, text: string, delimiter: string): Record<string, string>[] {
  try {
    return parse(text, { columns: true, delimiter, skip_empty_lines: true, relax_quotes: delimiter === '\t' }) as Record<string, string>[];
  } catch (error) {
    throw malformed(key, 'cannot parse', error);
  }
}

function requireColumns(key: SourceKey, rows: Record<string, string>[], columns: string[]): void {
  const first = rows[0];
  if (!first) throw malformed(key, 'no rows');
  for (const c of columns) if (!(c in first)) throw malformed(key, `missing column ${quote(c)}`);
}

function parseIndications(bytes: Buffer): Indication[] {
  const rows = parseDelimited('indications', bytes.toString('utf8'), '\t');
  requireColumns('indications', rows, ['doid_id', 'drugbank_id', 'disease', 'drug', 'category']);
  return rows.map((r, i) => {
    const category = r.category;
    if (category !== 'DM' && category !== 'SYM' && category !== 'NOT') {
      throw malformed('indications', `row ${i + 2}: category ${quote(category)}; expected DM, SYM or NOT`);
    }
    return { doid: r.doid_id ?? '', drugbank: r.drugbank_id ?? '', disease: r.disease ?? '', drug: r.drug ?? '', category };
  });
}

function parseSynthea(bytes: Buffer): SyntheaCode[] {
  const rows = parseDelimited('syntheaCodes', bytes.toString('utf8'), ',');
  requireColumns('syntheaCodes', rows, ['resourceType', 'system', 'code', 'display', 'count']);
  return rows.map((r, i) => {
    const count = Number(r.count);
    if (!Number.isInteger(count) || count < 0) throw malformed('syntheaCodes', `row ${i + 2}: count ${quote(r.count)}`);
    return { resourceType: r.resourceType ?? '', system: r.system ?? '', code: r.code ?? '', display: r.display ?? '', count };
  });
}

function parseIcd10(bytes: Buffer): Map<string, string> {
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch (error) {
    throw malformed('icd10', 'not a gzip file', error);
  }
  const rows = parseDelimited('icd10', text, ',');
  requireColumns('icd10', rows, ['code', 'long']);
  const out = new Map<string, string>();
  for (const r of rows) if (r.code && r.long) out.set(r.code.toUpperCase(), r.long);
  return out;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function readSources(fromDir: string): Promise<Sources> {
  const keys = Object.keys(SOURCE_FILES) as SourceKey[];
  const bytes = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await readSource(fromDir, k)] as const))) as Record<
    SourceKey,
    Buffer
  >;
  return {
    conditions: parseConditions(bytes.ddxConditions),
    evidences: parseEvidences(bytes.ddxEvidences),
    indications: parseIndications(bytes.indications),
    synthea: parseSynthea(bytes.syntheaCodes),
    icd10: parseIcd10(bytes.icd10),
    sha256: Object.fromEntries(keys.map((k) => [k, sha256(bytes[k])])) as Record<SourceKey, string>,
  };
}
