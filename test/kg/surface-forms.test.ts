import { describe, expect, it } from 'vitest';
import { serializeKnowledgeGraph } from '../../src/kg/build/serialize.js';
import { addSurfaceForms, type SurfaceCuration } from '../../src/kg/build/surface-forms.js';
import { KG_FORMAT_VERSION, SYSTEMS, type Entity, type KnowledgeGraphFile, type SurfaceFormOrigin } from '../../src/kg/types.js';
import { surfaceFormProblems, validateGraphFile } from '../../src/kg/validate.js';

// A small slice of ICD-10-CM (undotted keys, long descriptions), as sources.ts reads it. The J32
// children are invented to test what happens when two conditions derive the same phrase.
const ICD10 = new Map([
  ['F41', 'Other anxiety disorders'],
  ['F410', 'Panic disorder [episodic paroxysmal anxiety]'],
  ['F411', 'Generalized anxiety disorder'],
  ['I480', 'Paroxysmal atrial fibrillation'],
  ['I4891', 'Unspecified atrial fibrillation'],
  ['I4892', 'Unspecified atrial flutter'],
  ['I509', 'Heart failure, unspecified'],
  ['J01', 'Acute sinusitis'],
  ['J010', 'Acute maxillary sinusitis'],
  ['J019', 'Acute sinusitis, unspecified'],
  ['J17', 'Pneumonia in diseases classified elsewhere'],
  ['J18', 'Pneumonia, unspecified organism'],
  ['J180', 'Bronchopneumonia, unspecified organism'],
  ['J181', 'Lobar pneumonia, unspecified organism'],
  ['J188', 'Other pneumonia, unspecified organism'],
  ['J32', 'Chronic sinusitis'],
  ['J320', 'Sinus disease'],
]);

const icd = (code: string) => ({ system: SYSTEMS.icd10, code });
const entity = (
  id: string,
  type: Entity['type'],
  name: string,
  codes: Entity['codes'],
  synonyms: string[] = [],
  linkOnly?: string[],
): Entity => ({
  id,
  type,
  name,
  codes,
  synonyms,
  ...(linkOnly ? { linkOnly } : {}),
});

const ENTITIES: Entity[] = [
  entity('condition:F41', 'condition', 'Panic attack', [icd('F41')]),
  entity('condition:I48.91', 'condition', 'Atrial fibrillation', [icd('I48.91')], ['afib']),
  entity('condition:I50.9', 'condition', 'Chronic congestive heart failure', [icd('I50.9')], ['chf']),
  entity('condition:J01', 'condition', 'Acute rhinosinusitis', [icd('J01')], ['sinusitis']),
  entity('condition:J17', 'condition', 'Pneumonia', [icd('J17'), icd('J18')], ['lobar pneumonia']),
  entity('condition:J32', 'condition', 'Chronic rhinosinusitis', [icd('J32')], ['chronic sinusitis']),
  entity('finding:E_53.head', 'finding', 'headache', [], ['head pain'], ['cephalalgic']),
  entity('antecedent:E_106', 'antecedent', 'heart failure', []),
];

const CURATION: SurfaceCuration = {
  excluded: [{ code: 'F41.1', why: 'not a panic attack' }],
  related: [{ entity: 'condition:I48.91', codes: ['I48.0'], why: 'a kind of atrial fibrillation' }],
  generic: ['disease', 'anxiety disorder'],
  abbreviations: [
    { form: 'paf', expansion: 'paroxysmal atrial fibrillation', entity: 'condition:I48.91', evidence: 'test' },
    { form: 'ha', expansion: 'headache', entity: 'finding:E_53.head', evidence: 'test' },
  ],
  rejected: [{ form: 'pe', readings: 'pulmonary embolism; physical examination', why: 'test' }],
};

const run = (curation: Partial<SurfaceCuration> = {}, entities: Entity[] = ENTITIES) =>
  addSurfaceForms(entities, ICD10, { ...CURATION, ...curation });
const linkOnly = (entities: Entity[], id: string) => entities.find((e) => e.id === id)?.linkOnly;

describe('addSurfaceForms: ICD-10-CM forms', () => {
  it('derives forms from own codes, their direct children and related codes, after the curated link-only forms', () => {
    const { entities } = run();
    expect(linkOnly(entities, 'condition:I48.91')).toEqual(['paroxysmal atrial fibrillation', 'paf']);
    expect(linkOnly(entities, 'condition:J17')).toEqual(['bronchopneumonia']);
    expect(linkOnly(entities, 'condition:J01')).toEqual(['acute sinusitis', 'acute maxillary sinusitis']);
    expect(linkOnly(entities, 'finding:E_53.head')).toEqual(['cephalalgic', 'ha']);
  });

  it('records each added form with its code and description, or the abbreviation table', () => {
    const { origins } = run();
    expect(origins).toEqual<SurfaceFormOrigin[]>([
      {
        entity: 'condition:F41',
        form: 'panic disorder',
        source: 'icd10cm',
        code: 'F41.0',
        text: 'Panic disorder [episodic paroxysmal anxiety]',
      },
      {
        entity: 'condition:I48.91',
        form: 'paroxysmal atrial fibrillation',
        source: 'icd10cm',
        code: 'I48.0',
        text: 'Paroxysmal atrial fibrillation',
      },
      { entity: 'condition:I48.91', form: 'paf', source: 'abbreviation', text: 'paroxysmal atrial fibrillation' },
      { entity: 'condition:J01', form: 'acute sinusitis', source: 'icd10cm', code: 'J01', text: 'Acute sinusitis' },
      { entity: 'condition:J01', form: 'acute maxillary sinusitis', source: 'icd10cm', code: 'J01.0', text: 'Acute maxillary sinusitis' },
      {
        entity: 'condition:J17',
        form: 'bronchopneumonia',
        source: 'icd10cm',
        code: 'J18.0',
        text: 'Bronchopneumonia, unspecified organism',
      },
      { entity: 'condition:J32', form: 'sinus disease', source: 'icd10cm', code: 'J32.0', text: 'Sinus disease' },
      { entity: 'finding:E_53.head', form: 'ha', source: 'abbreviation', text: 'headache' },
    ]);
  });

  it('skips excluded codes, generic phrases, phrases another entity claims and phrases two conditions derive', () => {
    const { entities, notes } = run();
    const forms = entities.flatMap((e) => e.linkOnly ?? []);
    expect(forms).not.toContain('generalized anxiety disorder'); // excluded F41.1
    expect(forms).not.toContain('anxiety disorders'); // generic
    expect(linkOnly(entities, 'condition:I50.9')).toBeUndefined(); // "heart failure" belongs to the antecedent
    expect(notes.join('\n')).toContain('"heart failure" (I50.9, kept by antecedent:E_106)');
    expect(linkOnly(entities, 'condition:J32')).toEqual(['sinus disease']);
    expect(forms).not.toContain('chronic sinusitis'); // the entity's own name: nothing to add
  });

  it('drops a phrase derived by two conditions from both', () => {
    const icd10 = new Map([...ICD10, ['J321', 'Acute maxillary sinusitis']]);
    const { entities, notes } = addSurfaceForms(ENTITIES, icd10, CURATION);
    expect(linkOnly(entities, 'condition:J01')).toEqual(['acute sinusitis']);
    expect(linkOnly(entities, 'condition:J32')).toEqual(['sinus disease']);
    expect(notes.join('\n')).toContain('"acute maxillary sinusitis" (condition:J01, condition:J32)');
  });

  it('leaves the input entities untouched and keeps their order', () => {
    const before = JSON.stringify(ENTITIES);
    const { entities } = run();
    expect(JSON.stringify(ENTITIES)).toBe(before);
    expect(entities.map((e) => e.id)).toEqual(ENTITIES.map((e) => e.id));
  });
});

describe('addSurfaceForms: curated tables are checked', () => {
  const fails = (curation: Partial<SurfaceCuration>, message: RegExp) => {
    expect(() => run(curation)).toThrow(message);
    try {
      run(curation);
    } catch (error) {
      expect(error).toMatchObject({ code: 'KG_CURATION_MISMATCH' });
    }
  };

  it('rejects an abbreviation for a missing entity, one the graph already has, and an upper-case one', () => {
    fails(
      { abbreviations: [{ form: 'xyz', expansion: 'x', entity: 'condition:NOPE', evidence: '' }] },
      /"condition:NOPE", which the graph lacks/,
    );
    fails(
      { abbreviations: [{ form: 'afib', expansion: 'x', entity: 'condition:I48.91', evidence: '' }] },
      /"afib" is already a surface form of condition:I48.91/,
    );
    fails(
      { abbreviations: [{ form: 'chf', expansion: 'x', entity: 'condition:J17', evidence: '' }] },
      /"chf" is already a surface form of condition:I50.9/,
    );
    fails({ abbreviations: [{ form: 'PNA', expansion: 'x', entity: 'condition:J17', evidence: '' }] }, /lower-case/);
  });

  it('fails when a rejected abbreviation is a surface form after all', () => {
    fails(
      { rejected: [{ form: 'afib', readings: 'x', why: 'test' }] },
      /rejected abbreviation "afib" is a surface form of condition:I48.91/,
    );
    fails({ rejected: [{ form: 'ha', readings: 'x', why: 'test' }] }, /rejected abbreviation "ha" is a surface form of finding:E_53.head/);
  });

  it('fails on curated codes the ICD-10-CM file lacks or that no condition reads', () => {
    fails({ excluded: [{ code: 'Z99.99', why: '' }] }, /excluded ICD-10 code "Z99.99" is not a dotted code in the ICD-10-CM file/);
    fails(
      {
        excluded: [
          { code: 'J01.0', why: '' },
          { code: 'I48.92', why: '' },
        ],
      },
      /I48.92 is not read for any condition/,
    );
    fails({ related: [{ entity: 'condition:J17', codes: ['J15'], why: '' }] }, /related ICD-10 code "J15"/);
    fails({ related: [{ entity: 'condition:J99', codes: ['J01'], why: '' }] }, /"condition:J99", which the graph lacks/);
  });
});

describe('surface-form provenance in kg.json', () => {
  const graphFile = (surfaceForms: unknown): KnowledgeGraphFile =>
    ({
      formatVersion: KG_FORMAT_VERSION,
      name: 'test',
      provenance: { builtBy: 'test', sources: [], notes: [], surfaceForms },
      entities: run().entities,
      edges: [],
    }) as KnowledgeGraphFile;

  it('accepts the records the build writes, and a file without any', () => {
    expect(() => validateGraphFile(graphFile(run().origins), 'test')).not.toThrow();
    expect(() => validateGraphFile(graphFile(undefined), 'test')).not.toThrow();
  });

  it('names every record whose form is not on its entity, or that is malformed', () => {
    const good = run().origins;
    const problems = surfaceFormProblems(
      [
        ...good,
        { entity: 'condition:J17', form: 'pna', source: 'abbreviation', text: 'pneumonia' },
        { entity: 'condition:J99', form: 'x', source: 'abbreviation', text: 'x' },
        { entity: 'condition:J01', form: 'acute sinusitis', source: 'icd10cm', text: 'Acute sinusitis' },
        { entity: 'condition:J01', form: 'sinusitis', source: 'guess', text: 'x' },
        { entity: 'condition:J01', form: 'sinusitis' },
      ],
      run().entities,
    );
    expect(problems).toEqual([
      '"pna" on condition:J17: the entity has no such form',
      '"x" on condition:J99: no such entity',
      '"acute sinusitis" on condition:J01 comes from ICD-10-CM but names no code',
      '"acute sinusitis" on condition:J01 is recorded twice',
      '"sinusitis" on condition:J01 has source "guess"; expected one of icd10cm, abbreviation',
      `record #${good.length + 4} lacks entity, form or text`,
    ]);
    expect(surfaceFormProblems({}, [])).toEqual(['not an array']);
  });

  it('refuses to load a graph whose provenance names a form its entity lacks', () => {
    const bad = [...run().origins, { entity: 'condition:J17', form: 'pna', source: 'abbreviation', text: 'pneumonia' }];
    expect(() => validateGraphFile(graphFile(bad), 'test')).toThrow(
      /provenance.surfaceForms: "pna" on condition:J17: the entity has no such form/,
    );
    expect(() => validateGraphFile(graphFile(bad), 'test')).toThrow(expect.objectContaining({ code: 'KG_PROVENANCE' }));
  });

  it('serialises one record per line and reads back the same object', () => {
    const file = graphFile(run().origins);
    const text = serializeKnowledgeGraph(file);
    expect(JSON.parse(text)).toEqual(file);
    expect(text).toContain(
      '\n    {"entity":"condition:I48.91","form":"paf","source":"abbreviation","text":"paroxysmal atrial fibrillation"},\n',
    );
  });
});
