/**
 * @file The curated clinical lexicon for DDXPlus's 223 evidences: a short name a clinician would
 * write, a body system (findings) or history category (antecedents), and the lower-case surface
 * forms that appear in notes.
 *
 * Why curated: DDXPlus states each evidence as a patient-facing question ("Do you have a fever
 * (either felt or measured with a thermometer)?"). Notes say "febrile" or "fever", so the graph
 * needs names and synonyms the questions do not give. Rules for writing entries:
 * - The name and every synonym must read naturally after "reports" or in a history list, because
 *   the generator writes them into notes; prefer nouns and gerunds ("fainting", not "fainted"):
 *   the linker's suffix rules (src/kg/normalize.ts) already match the other inflections.
 * - No two entities of the same type may share a surface form; the build checks it.
 * - Abbreviations are listed only when unambiguous in a clinical note ("sob", not "pe").
 *
 * `foldInto`: DDXPlus's categorical and multi-choice evidences (pain character, location,
 * intensity…; rash colour, size…; swelling location) refine a binary parent question and carry no
 * per-condition values in the public release, so they are folded into that parent: they get no
 * entity of their own, their DDXPlus code is listed on the parent.
 * `inverted`: the DDXPlus question names the protective side ("Are your vaccinations up to
 * date?") of what is clinically a risk factor; the entity names the risk side.
 */

export type FindingSystem =
  | 'general'
  | 'respiratory'
  | 'cardiovascular'
  | 'ent'
  | 'gastrointestinal'
  | 'neurological'
  | 'musculoskeletal'
  | 'skin'
  | 'eye'
  | 'psychiatric'
  | 'genitourinary'
  | 'hematologic';

export type HistoryCategory =
  | 'medical history'
  | 'family history'
  | 'lifestyle'
  | 'exposure'
  | 'medication'
  | 'social'
  | 'reproductive'
  | 'demographic';

export interface EvidenceLexiconEntry {
  name: string;
  system: FindingSystem | HistoryCategory;
  synonyms: readonly string[];
  /** SNOMED CT codes for the same finding, as Synthea records them (codes_in_synthea_bundles.csv). */
  snomed?: readonly string[];
  /** Forms the linker matches that are not noun phrases ("febrile"); see Entity.linkOnly. */
  linkOnly?: readonly string[];
  /** For categorical/multi-choice evidences: the binary evidence they refine. */
  foldInto?: string;
  /** Why the entity names the opposite side of the DDXPlus question. */
  inverted?: string;
}

const e = (
  name: string,
  system: FindingSystem | HistoryCategory,
  synonyms: readonly string[] = [],
  extra: Partial<EvidenceLexiconEntry> = {},
): EvidenceLexiconEntry => ({ name, system, synonyms, ...extra });

const fold = (name: string, parent: string): EvidenceLexiconEntry => ({
  name,
  system: 'general',
  synonyms: [],
  foldInto: parent,
});

/** DDXPlus evidence id -> lexicon entry. Every evidence in release_evidences.json has one. */
export const EVIDENCE_LEXICON: Readonly<Record<string, EvidenceLexiconEntry>> = {
  // ---- Findings (DDXPlus symptoms) -------------------------------------------------------------
  E_91: e('fever', 'general', ['pyrexia', 'feverishness', 'high temperature'], {
    snomed: ['386661006'],
    linkOnly: ['febrile', 'feverish', 'pyrexial'],
  }),
  // E_53 is split by the typical pain site of each condition (see lexicon/sites.ts); this generic
  // entity keeps the unsited word "pain" linkable.
  E_53: e('pain', 'general', ['aching', 'soreness'], { linkOnly: ['painful'] }),
  E_55: fold('pain location', 'E_53'),
  E_57: fold('pain radiation', 'E_53'),
  E_54: fold('pain character', 'E_53'),
  E_59: fold('pain onset', 'E_53'),
  E_56: fold('pain intensity', 'E_53'),
  E_58: fold('pain localisation', 'E_53'),
  E_159: e('loss of consciousness', 'neurological', ['syncope', 'syncopal episode', 'fainting', 'passing out', 'blackout']),
  E_129: e('rash', 'skin', ['skin rash', 'skin lesion', 'hive', 'urticaria', 'skin eruption', 'erythema']),
  E_133: fold('rash location', 'E_129'),
  E_130: fold('rash colour', 'E_129'),
  E_134: fold('rash pain', 'E_129'),
  E_132: fold('rash swelling', 'E_129'),
  E_136: fold('rash itching', 'E_129'),
  E_135: fold('lesion size', 'E_129'),
  E_131: fold('lesion peeling', 'E_129'),
  E_154: e('pallor', 'skin', ['pale skin', 'paleness', 'pallid complexion'], { linkOnly: ['pale', 'pallid'] }),
  E_155: e('palpitations', 'cardiovascular', ['heart racing', 'racing heart', 'rapid heartbeat', 'pounding heart', 'skipped beats']),
  E_210: e('vomiting blood', 'gastrointestinal', ['hematemesis', 'haematemesis', 'coffee ground emesis', 'coffee ground vomit']),
  E_140: e('black stools', 'gastrointestinal', ['melena', 'melaena', 'tarry stools', 'black tarry stools']),
  E_51: e('diarrhea', 'gastrointestinal', ['diarrhoea', 'loose stools', 'watery stools', 'frequent stools'], { snomed: ['267060006'] }),
  E_75: e('choking sensation', 'respiratory', ['feeling of choking', 'sensation of suffocation', 'smothering sensation']),
  E_89: e('fatigue', 'general', ['tiredness', 'exhaustion', 'lethargy', 'non-restful sleep', 'weariness'], {
    snomed: ['84229001'],
    linkOnly: ['tired', 'fatigued', 'exhausted', 'lethargic'],
  }),
  E_114: e('irritability', 'psychiatric', ['irritable mood', 'mood swings', 'fussiness'], { linkOnly: ['irritable', 'fussy'] }),
  E_82: e('feeling faint', 'neurological', ['presyncope', 'near syncope', 'near fainting', 'faintness']),
  E_148: e('nausea', 'gastrointestinal', ['queasiness', 'urge to vomit'], { linkOnly: ['nauseated', 'nauseous', 'queasy'] }),
  E_94: e('chills', 'general', ['shivers', 'shivering', 'rigors', 'shaking chills'], { snomed: ['43724002'] }),
  E_220: e('pleuritic chest pain', 'respiratory', [
    'pleuritic pain',
    'pain on deep inspiration',
    'pain on inspiration',
    'pain with deep breathing',
    'pain worse with breathing',
  ]),
  E_161: e('loss of appetite', 'gastrointestinal', ['poor appetite', 'anorexia', 'early satiety', 'appetite loss']),
  E_179: e('blood in stool', 'gastrointestinal', [
    'hematochezia',
    'haematochezia',
    'rectal bleeding',
    'bloody stools',
    'bright red blood per rectum',
  ]),
  E_162: e('weight loss', 'general', ['unintentional weight loss', 'involuntary weight loss', 'unexplained weight loss', 'losing weight']),
  E_173: e('heartburn', 'gastrointestinal', ['pyrosis', 'acid regurgitation', 'sour taste in the mouth', 'bitter taste in the mouth']),
  E_33: e('pain relieved by leaning forward', 'general', ['relief on leaning forward', 'pain better leaning forward']),
  E_218: e('symptoms worse on exertion', 'cardiovascular', [
    'exertional symptoms',
    'exertional chest pain',
    'exertional dyspnea',
    'dyspnea on exertion',
  ]),
  E_93: e('numbness in the feet', 'neurological', ['numb feet', 'tingling in the feet', 'foot numbness', 'pins and needles in the feet']),
  E_66: e(
    'shortness of breath',
    'respiratory',
    [
      'sob',
      'dyspnea',
      'dyspnoea',
      'breathlessness',
      'difficulty breathing',
      'trouble breathing',
      'labored breathing',
      'laboured breathing',
      'respiratory distress',
    ],
    { snomed: ['267036007', '271825005'], linkOnly: ['short of breath', 'breathless', 'dyspneic', 'dyspnoeic'] },
  ),
  E_163: e('vaginal discharge', 'genitourinary', ['abnormal vaginal discharge']),
  E_30: e('abdominal bloating', 'gastrointestinal', ['bloating', 'abdominal distension', 'abdominal distention', 'distended abdomen']),
  E_127: e('excessive tearing', 'eye', ['watery eyes', 'lacrimation', 'teary eyes', 'eye watering']),
  E_181: e('nasal congestion', 'ent', ['runny nose', 'rhinorrhea', 'rhinorrhoea', 'stuffy nose', 'blocked nose', 'nasal discharge']),
  E_88: e('severe fatigue', 'general', ['extreme fatigue', 'extreme tiredness', 'prostration', 'inability to do usual activities']),
  E_43: e('seizure', 'neurological', ['convulsion', 'absence episode', 'absence seizure', 'tonic clonic seizure']),
  E_156: e('one-sided facial weakness', 'neurological', ['facial droop', 'facial palsy', 'unilateral facial weakness', 'facial paralysis']),
  E_144: e('muscle aches', 'musculoskeletal', ['myalgia', 'myalgias', 'muscle pain', 'body aches', 'aching muscles', 'sore muscles'], {
    snomed: ['68962001'],
  }),
  E_216: e('pain worse with movement', 'musculoskeletal', ['pain on movement', 'pain with movement', 'movement-related pain']),
  E_201: e('cough', 'respiratory', ['persistent cough', 'hacking cough'], {
    snomed: ['49727002'],
  }),
  E_217: e('orthopnea', 'respiratory', ['orthopnoea', 'breathlessness lying flat'], {
    linkOnly: ['worse when lying flat', 'worse lying down'],
  }),
  E_215: e('symptoms worse after eating', 'gastrointestinal', ['postprandial pain', 'postprandial symptoms', 'pain after meals']),
  E_64: e('breathlessness on minimal exertion', 'respiratory', [
    'dyspnea on minimal exertion',
    'shortness of breath on minimal exertion',
    'exercise intolerance',
    'reduced exercise tolerance',
  ]),
  E_96: e('weight gain', 'general', ['recent weight gain', 'increased weight']),
  E_50: e('sweating', 'general', ['diaphoresis', 'sweats', 'night sweats', 'excessive sweating', 'clamminess', 'perspiration'], {
    linkOnly: ['diaphoretic', 'sweaty', 'clammy'],
  }),
  E_97: e('sore throat', 'ent', ['throat pain', 'painful throat', 'scratchy throat', 'throat soreness']),
  E_9: e('swollen lymph nodes', 'hematologic', [
    'lymphadenopathy',
    'swollen glands',
    'enlarged lymph nodes',
    'painful lymph nodes',
    'adenopathy',
  ]),
  E_76: e('dizziness', 'neurological', ['lightheadedness', 'light-headedness', 'dizzy spells', 'giddiness'], {
    linkOnly: ['dizzy', 'lightheaded', 'light-headed'],
  }),
  E_65: e('difficulty swallowing', 'gastrointestinal', ['dysphagia', 'trouble swallowing', 'painful swallowing', 'odynophagia']),
  E_74: e('red eyes', 'eye', ['eye redness', 'bloodshot eyes', 'conjunctival injection', 'conjunctival redness']),
  E_205: e('trismus', 'musculoskeletal', ['lockjaw', 'jaw stiffness', 'difficulty opening the mouth', 'jaw pain on opening']),
  E_63: e('difficulty speaking', 'neurological', ['dysarthria', 'slurred speech', 'trouble speaking', 'speech difficulty']),
  E_128: e('brief episodes of suffocation', 'respiratory', ['choking spells', 'suffocating episodes', 'brief choking episodes']),
  E_190: e('drooling', 'ent', ['excessive saliva', 'hypersalivation', 'sialorrhea', 'sialorrhoea', 'increased salivation']),
  E_39: e('confusion', 'neurological', ['disorientation', 'altered mental status', 'acute confusion'], {
    linkOnly: ['confused', 'disoriented'],
  }),
  E_212: e('hoarseness', 'ent', ['hoarse voice', 'voice change', 'change in voice', 'dysphonia', 'raspy voice', 'loss of voice'], {
    linkOnly: ['hoarse'],
  }),
  E_206: e('mouth ulcers', 'gastrointestinal', ['oral ulcers', 'mouth sores', 'oral sores', 'aphthous ulcers', 'canker sores']),
  E_52: e('double vision', 'eye', ['diplopia', 'seeing double']),
  E_203: e('coughing fits', 'respiratory', [
    'paroxysmal cough',
    'coughing spells',
    'coughing paroxysms',
    'bouts of coughing',
    'cough fits',
  ]),
  E_38: e('jaw weakness', 'neurological', ['jaw pain', 'jaw fatigue', 'weakness in the jaw']),
  E_172: e('drooping eyelids', 'eye', ['ptosis', 'droopy eyelids', 'eyelid drooping', 'difficulty opening the eyes']),
  E_84: e('weakness in both legs', 'neurological', [
    'bilateral leg weakness',
    'weakness in both arms',
    'weakness of the legs',
    'leg weakness',
    'paraparesis',
    'quadriparesis',
    'tetraparesis',
  ]),
  E_90: e('fatigable muscle weakness', 'neurological', [
    'fatigable weakness',
    'weakness worse with fatigue',
    'weakness worse with activity',
  ]),
  E_211: e('vomiting', 'gastrointestinal', ['repeated vomiting', 'retching', 'emesis', 'throwing up']),
  E_166: e('vomiting after coughing', 'respiratory', ['post-tussive vomiting', 'posttussive vomiting', 'post-tussive emesis']),
  E_112: e('inspiratory whoop', 'respiratory', ['whoop', 'whooping sound', 'noisy breathing after coughing']),
  E_178: e('unusual bleeding or bruising', 'hematologic', [
    'unusual bleeding',
    'easy bruising',
    'abnormal bleeding',
    'unexplained bruising',
    'bleeding',
  ]),
  E_152: fold('swelling location', 'E_151'),
  // E_151 is split by site like E_53 (see lexicon/sites.ts).
  E_151: e('swelling', 'general', ['edema', 'oedema', 'swollen area']),
  E_45: e('coughing up blood', 'respiratory', ['hemoptysis', 'haemoptysis', 'blood in sputum', 'bloody sputum', 'blood-streaked sputum']),
  E_194: e('stridor', 'respiratory', ['inspiratory stridor', 'high-pitched breathing', 'noisy breathing']),
  E_83: e('facial muscle weakness', 'neurological', ['facial weakness', 'weakness of the facial muscles', 'eye muscle weakness']),
  E_157: e('numbness around the mouth', 'neurological', [
    'perioral numbness',
    'perioral tingling',
    'tingling around the mouth',
    'circumoral numbness',
  ]),
  E_176: e('weakness', 'neurological', ['paralysis', 'paresis', 'focal weakness', 'hemiparesis', 'limb weakness']),
  E_42: e('exposure to a known allergen', 'general', ['allergen exposure', 'contact with an allergen', 'known allergen exposure']),
  E_214: e('wheezing', 'respiratory', ['wheeze', 'expiratory wheeze', 'wheeziness'], { snomed: ['56018004'] }),
  E_150: e(
    'inability to pass stool or gas',
    'gastrointestinal',
    ['obstipation', 'inability to pass gas', 'inability to pass stool', 'bowel obstruction symptoms'],
    {
      inverted:
        'DDXPlus asks "Have you been able to pass stools or gas since your symptoms increased?"; for inguinal hernia the finding that matters is obstruction, so the entity names the inability.',
    },
  ),
  E_32: e('decreased appetite', 'gastrointestinal', ['poor feeding', 'reduced appetite', 'reduced feeding', 'feeding poorly']),
  E_221: e('pain worse with straining', 'gastrointestinal', ['pain on straining', 'pain worse with coughing', 'pain with lifting']),
  E_202: e('barking cough', 'respiratory', ['barky cough', 'seal-like cough', 'croupy cough']),
  E_219: e('symptoms worse at night', 'general', ['nocturnal symptoms', 'nocturnal cough', 'night-time cough', 'nighttime symptoms']),
  E_170: e('itchy eyes', 'eye', ['eye itching', 'itching eyes', 'ocular itching']),
  E_77: e(
    'productive cough',
    'respiratory',
    ['sputum production', 'phlegm', 'purulent sputum', 'colored sputum', 'coloured sputum', 'green sputum', 'yellow sputum', 'sputum'],
    {
      snomed: ['248595008'],
    },
  ),
  E_13: e('symptoms worsening over two weeks', 'cardiovascular', [
    'crescendo pattern',
    'increasing frequency of chest pain',
    'worsening with less exertion',
    'progressively less exertion',
  ]),
  E_14: e('chest pain at rest', 'cardiovascular', ['rest pain', 'pain at rest', 'resting chest pain', 'rest angina']),
  E_169: e('itchy nose', 'ent', ['nasal itching', 'itchy throat', 'itching of the nose']),
  E_177: e('numbness or tingling', 'neurological', [
    'numbness',
    'tingling',
    'paresthesia',
    'paresthesias',
    'paraesthesia',
    'pins and needles',
    'loss of sensation',
  ]),
  E_175: e('malaise', 'general', ['generalized malaise', 'general malaise', 'feeling unwell', 'general discomfort', 'vague discomfort']),
  E_174: e('wasting', 'general', ['cachexia', 'weight loss and poor appetite']),
  E_145: e('heavy menstrual periods', 'genitourinary', [
    'menorrhagia',
    'heavy periods',
    'heavy menstrual bleeding',
    'prolonged periods',
    'heavy menses',
  ]),
  E_92: e('facial flushing', 'skin', ['flushing', 'flushed face', 'red cheeks', 'flushed cheeks', 'facial redness'], {
    linkOnly: ['flushed'],
  }),
  E_192: e('neck spasm', 'musculoskeletal', ['torticollis', 'wry neck', 'neck muscle spasm']),
  E_188: e('pale stools and dark urine', 'gastrointestinal', [
    'pale stools',
    'clay-colored stools',
    'acholic stools',
    'dark urine',
    'tea-colored urine',
  ]),
  E_164: e('irregular heartbeat', 'cardiovascular', [
    'irregular heart beat',
    'irregular pulse',
    'irregularly irregular pulse',
    'irregular heart rhythm',
  ]),
  E_193: e('muscle spasms', 'musculoskeletal', ['spasm', 'dystonia', 'involuntary muscle contractions', 'facial spasms']),
  E_168: e('tongue protrusion', 'neurological', ['protruding tongue', 'tongue thrusting']),
  E_180: e('oculogyric crisis', 'eye', ['eyes rolling upward', 'uncontrolled eye movements', 'fixed upward gaze']),
  E_67: e('paroxysmal nocturnal dyspnea', 'respiratory', [
    'pnd',
    'paroxysmal nocturnal dyspnoea',
    'nocturnal dyspnea',
    'waking up short of breath',
  ]),
  E_171: e('depersonalization', 'psychiatric', [
    'derealization',
    'depersonalisation',
    'derealisation',
    'feeling of unreality',
    'feeling detached',
  ]),
  E_111: e('fear of dying', 'psychiatric', ['sense of impending doom', 'impending doom', 'fear of death']),
  E_182: e('purulent nasal discharge', 'ent', [
    'green nasal discharge',
    'yellow nasal discharge',
    'discolored nasal discharge',
    'greenish nasal discharge',
    'purulent rhinorrhea',
  ]),
  E_103: e('loss of smell', 'ent', ['anosmia', 'hyposmia', 'reduced sense of smell', 'loss of sense of smell']),
  E_23: e('apnea episodes', 'respiratory', ['apnea', 'apnoea', 'apneic episodes', 'pauses in breathing']),

  // ---- Antecedents (DDXPlus history, exposures, risk factors) ----------------------------------
  E_16: e('anxiety', 'psychiatric', ['anxiousness', 'nervousness'], { linkOnly: ['anxious', 'feeling anxious', 'nervous'] }),
  E_102: e('elevated blood pressure', 'medical history', ['raised blood pressure', 'consulting for high blood pressure']),
  E_78: e(
    'excessive alcohol use',
    'lifestyle',
    ['alcohol abuse', 'alcoholism', 'heavy drinking', 'heavy alcohol use', 'alcohol dependence', 'alcohol use disorder', 'etoh abuse'],
    { snomed: ['10939881000119104'] },
  ),
  E_146: e('new oral anticoagulant', 'medication', ['noac', 'doac', 'oral anticoagulant', 'anticoagulation']),
  E_104: e('high blood pressure', 'medical history', [
    'high bp',
    'blood pressure medication',
    'antihypertensive medication',
    'antihypertensives',
  ]),
  E_79: e('smoker', 'lifestyle', ['smoking', 'current smoker', 'cigarette smoker', 'cigarette smoking', 'tobacco use', 'tobacco smoker']),
  E_196: e('recent surgery', 'medical history', [
    'surgery in the last month',
    'recent operation',
    'postoperative state',
    'post-operative state',
  ]),
  E_105: e('previous heart attack or angina', 'medical history', [
    'history of myocardial infarction',
    'previous myocardial infarction',
    'prior myocardial infarction',
    'history of mi',
    'prior mi',
    'previous heart attack',
    'history of heart attack',
    'history of angina',
    'known angina',
  ]),
  E_108: e('poor circulation', 'medical history', ['peripheral vascular disease', 'peripheral arterial disease', 'pvd', 'claudication']),
  E_71: e('high cholesterol', 'medical history', [
    'hypercholesterolemia',
    'hypercholesterolaemia',
    'elevated cholesterol',
    'cholesterol medication',
  ]),
  E_41: e('sick contact', 'exposure', ['sick contacts', 'contact with a sick person', 'exposure to sick contacts']),
  E_100: e('hormone therapy', 'medication', [
    'hormone use',
    'oral contraceptives',
    'oral contraceptive pill',
    'ocp',
    'hormone replacement therapy',
    'hrt',
    'birth control pills',
    'estrogen therapy',
  ]),
  E_69: e('diabetes', 'medical history', ['diabetes mellitus', 'dm'], { linkOnly: ['diabetic'] }),
  E_167: e('pregnancy', 'reproductive', ['possible pregnancy', 'current pregnancy'], { linkOnly: ['pregnant', 'currently pregnant'] }),
  E_115: e('unprotected sex with multiple partners', 'lifestyle', [
    'multiple sexual partners',
    'unprotected sex',
    'unprotected intercourse',
    'high-risk sexual behavior',
  ]),
  E_70: e('overweight', 'medical history', ['significantly overweight', 'excess body weight']),
  E_10: e('nsaid use', 'medication', ['nsaids', 'anti-inflammatory drugs', 'anti-inflammatories', 'nonsteroidal anti-inflammatory drugs']),
  E_165: e('family history of pneumothorax', 'family history', ['family history of collapsed lung']),
  E_8: e('dialysis', 'medical history', ['hemodialysis', 'haemodialysis', 'peritoneal dialysis', 'dialysis dependence']),
  E_25: e('family history of cluster headache', 'family history', ['cluster headache in the family']),
  E_184: e('vasodilator medication', 'medication', ['vasodilators', 'vasodilator use', 'nitrates']),
  E_185: e('head trauma', 'medical history', ['head injury', 'traumatic brain injury', 'tbi', 'concussion'], { snomed: ['62106007'] }),
  E_99: e('migraine', 'medical history', ['migraine headache', 'history of migraine', 'family history of migraine']),
  E_107: e('stroke', 'medical history', ['cva', 'cerebrovascular accident', 'previous stroke', 'prior stroke'], { snomed: ['230690007'] }),
  E_226: e('atopy', 'medical history', ['allergies', 'allergic disposition', 'allergy'], {
    linkOnly: ['prone to allergies', 'atopic', 'allergic'],
  }),
  E_62: e('stimulant drug use', 'lifestyle', ['stimulant use', 'stimulants', 'cocaine use', 'cocaine', 'amphetamine use', 'amphetamines']),
  E_49: e('daycare attendance', 'exposure', ['daycare', 'day care', 'nursery attendance', 'daycare work']),
  E_95: e("Parkinson's disease", 'medical history', ['parkinson disease', 'parkinsons', 'parkinsonism']),
  E_204: e('recent travel', 'exposure', ['travel', 'travel abroad', 'international travel', 'foreign travel', 'recent trip abroad']),
  E_37: e('metastatic cancer', 'medical history', ['metastases', 'metastatic disease', 'metastatic malignancy']),
  E_153: e('treated for osteoporosis', 'medical history', ['osteoporosis treatment', 'osteoporosis medication']),
  E_124: e('asthma', 'medical history', ['history of asthma', 'bronchodilator use', 'inhaler use', 'reactive airway disease'], {
    linkOnly: ['asthmatic'],
  }),
  E_98: e('hiatal hernia', 'medical history', ['hiatus hernia']),
  E_116: e('recent cold', 'medical history', ['recent common cold', 'recent upper respiratory infection', 'recent uri']),
  E_48: e('crowded household', 'social', [
    'large household',
    'crowded living conditions',
    'overcrowding',
    'living with four or more people',
  ]),
  E_2: e('HIV infection', 'medical history', ['hiv', 'hiv disease'], { linkOnly: ['hiv positive', 'living with hiv'] }),
  E_227: e('immunosuppression', 'medical history', ['immune suppression', 'immunodeficiency'], {
    linkOnly: ['immunosuppressed', 'immunocompromised'],
  }),
  E_61: e('intravenous drug use', 'lifestyle', ['ivdu', 'ivda', 'injection drug use', 'iv drug use', 'intravenous drug user']),
  E_47: e('inflammatory bowel disease', 'medical history', ['ibd', "crohn's disease", 'crohns', 'ulcerative colitis']),
  E_27: e('previous sexually transmitted infection', 'medical history', [
    'sti',
    'std',
    'sexually transmitted infection',
    'sexually transmitted disease',
  ]),
  E_143: e('sedentary lifestyle', 'lifestyle', ['physical inactivity', 'lack of exercise', 'inactive lifestyle'], {
    linkOnly: ['sedentary'],
    inverted:
      'DDXPlus asks "Do you exercise regularly, 4 times per week or more?" as an antecedent of angina; the risk factor is its absence.',
  }),
  E_191: e('former smoker', 'lifestyle', [
    'ex-smoker',
    'previous smoker',
    'past smoker',
    'quit smoking',
    'stopped smoking',
    'history of smoking',
  ]),
  E_208: e('underweight', 'medical history', ['low bmi', 'low body weight', 'malnourishment']),
  E_126: e('liver cirrhosis', 'medical history', ['cirrhosis', 'hepatic cirrhosis', 'cirrhotic liver', 'chronic liver disease']),
  E_189: e('HIV-positive sexual partner', 'exposure', ['hiv positive partner', 'partner with hiv', 'sexual partner with hiv']),
  E_7: e('poor diet', 'lifestyle', ['poor nutrition', 'unhealthy diet', 'malnutrition', 'inadequate diet']),
  E_24: e('previous anemia', 'medical history', ['history of anemia', 'history of anaemia', 'prior anemia', 'known anemia']),
  E_26: e('family history of anemia', 'family history', ['family history of anaemia', 'anemia in the family']),
  E_113: e('chronic kidney disease', 'medical history', [
    'ckd',
    'chronic kidney failure',
    'chronic renal failure',
    'chronic renal insufficiency',
    'esrd',
  ]),
  E_160: e('premature birth', 'medical history', [
    'born prematurely',
    'prematurity',
    'preterm birth',
    'birth complications',
    'ex-premature',
  ]),
  E_28: e('family history of myasthenia gravis', 'family history', ['myasthenia gravis in the family']),
  E_20: e('rheumatoid arthritis', 'medical history', ['rheumatoid disease']),
  E_80: e('depression', 'medical history', [
    'history of depression',
    'major depression',
    'major depressive disorder',
    'mdd',
    'depressive disorder',
  ]),
  E_40: e('pertussis contact', 'exposure', [
    'contact with pertussis',
    'pertussis exposure',
    'exposure to whooping cough',
    'contact with whooping cough',
  ]),
  E_0: e('recent viral infection', 'medical history', ['recent viral illness', 'recent virus', 'viral prodrome']),
  E_1: e('recent antibiotics for an ear infection', 'medication', [
    'recent antibiotics',
    'recent antibiotic use',
    'antibiotics for an ear infection',
  ]),
  E_34: e('active cancer', 'medical history', ['cancer', 'malignancy', 'active malignancy', 'chemotherapy']),
  E_209: e(
    'incomplete vaccinations',
    'medical history',
    ['vaccinations not up to date', 'immunizations not up to date', 'missed vaccinations'],
    {
      linkOnly: ['unvaccinated', 'not vaccinated', 'incompletely vaccinated', 'unimmunized'],
      inverted: 'DDXPlus asks "Are your vaccinations up to date?"; the risk factor for the infections that list it is being unvaccinated.',
    },
  ),
  E_139: e('congenital heart defect', 'medical history', ['heart defect', 'congenital heart disease']),
  E_19: e('hyperthyroidism', 'medical history', ['overactive thyroid', 'thyrotoxicosis', 'graves disease'], { linkOnly: ['hyperthyroid'] }),
  E_31: e('severe COPD', 'medical history', ['severe copd', 'end-stage copd', 'severe chronic obstructive pulmonary disease']),
  E_22: e(
    'heart valve disease',
    'medical history',
    ['valvular heart disease', 'valve disease', 'aortic stenosis', 'mitral regurgitation', 'mitral valve prolapse'],
    {
      snomed: ['60573004'],
    },
  ),
  E_60: e('energy drink use', 'lifestyle', ['energy drinks', 'regular energy drinks']),
  E_35: e('regular coffee or tea', 'lifestyle', ['coffee', 'tea', 'caffeine intake', 'caffeine use', 'coffee drinking']),
  E_213: e('recent decongestant use', 'medication', ['decongestants', 'decongestant', 'decongestant use', 'recent stimulant medication']),
  E_12: e('severe food allergy', 'medical history', ['food allergy', 'known food allergy']),
  E_44: e('corticosteroid use', 'medication', ['steroids', 'corticosteroids', 'steroid use', 'chronic steroids', 'glucocorticoids']),
  E_4: e('history of croup', 'medical history', ['previous croup', 'prior croup', 'family history of croup', 'croup in the family']),
  E_81: e('chronic anxiety', 'medical history', ['anxiety disorder', 'generalized anxiety disorder', 'generalised anxiety disorder']),
  E_109: e('previous deep vein thrombosis', 'medical history', [
    'dvt',
    'deep vein thrombosis',
    'deep venous thrombosis',
    'history of dvt',
    'prior dvt',
  ]),
  E_110: e('immobilization', 'exposure', ['immobility', 'bed rest', 'prolonged immobilization', 'immobilisation'], {
    linkOnly: ['bedridden', 'bedbound', 'immobilized'],
  }),
  E_17: e('Asian descent', 'demographic', ['asian', 'asian ethnicity']),
  E_18: e('cystic fibrosis', 'medical history', ['mucoviscidosis']),
  E_118: e('previous pneumonia', 'medical history', ['history of pneumonia', 'prior pneumonia', 'recurrent pneumonia']),
  E_123: e('COPD', 'medical history', [
    'copd',
    'chronic obstructive pulmonary disease',
    'emphysema',
    'chronic bronchitis',
    'chronic obstructive lung disease',
  ]),
  E_207: e('city living', 'social', ['urban residence', 'urban living', 'lives in a big city']),
  E_86: e('family history of allergies', 'family history', [
    'family history of atopy',
    'family history of hay fever',
    'family history of eczema',
  ]),
  E_87: e('family history of asthma', 'family history', ['asthma in the family']),
  E_141: e('early menarche', 'reproductive', ['menarche before age 12', 'early first period']),
  E_11: e('prolonged breastfeeding', 'reproductive', ['breastfeeding for more than nine months', 'extended breastfeeding']),
  E_186: e('obstructive sleep apnea', 'medical history', ['osa', 'sleep apnea', 'sleep apnoea', 'obstructive sleep apnoea', 'cpap use']),
  E_106: e('heart failure', 'medical history', ['history of heart failure', 'known heart failure']),
  E_158: e('endocrine disorder', 'medical history', [
    'endocrine disease',
    'hormonal disorder',
    'hormone dysfunction',
    'hypothyroidism',
    'endocrinopathy',
  ]),
  E_187: e('recent dark-fleshed fish or Swiss cheese', 'exposure', [
    'tuna',
    'mackerel',
    'swiss cheese',
    'dark-fleshed fish',
    'spoiled fish',
  ]),
  E_6: e('chronic pancreatitis', 'medical history', ['recurrent pancreatitis']),
  E_125: e('previous gastroesophageal reflux', 'medical history', [
    'history of reflux',
    'history of gerd',
    'previous reflux',
    'reflux history',
  ]),
  E_21: e('previous pneumothorax', 'medical history', ['history of pneumothorax', 'prior pneumothorax', 'previous collapsed lung']),
  E_222: e('secondhand smoke exposure', 'exposure', [
    'secondhand smoke',
    'second-hand smoke',
    'passive smoking',
    'passive smoke exposure',
    'smoke exposure',
  ]),
  E_15: e('recent antipsychotic', 'medication', ['antipsychotic', 'antipsychotics', 'neuroleptic', 'neuroleptics', 'new antipsychotic']),
  E_147: e('recent parenteral sedative or antiemetic', 'medication', [
    'chemical restraint',
    'rapid tranquilization',
    'im sedation',
    'iv antiemetic',
    'im antiemetic',
  ]),
  E_137: e('lymph node removal', 'medical history', ['lymphadenectomy', 'lymph node dissection', 'axillary dissection']),
  E_149: e('calcium channel blocker', 'medication', ['calcium channel blockers', 'ccb']),
  E_197: e('nephrotic syndrome', 'medical history', ['nephrotic kidney disease', 'protein-losing kidney disease']),
  E_3: e('previous pericarditis', 'medical history', ['history of pericarditis', 'prior pericarditis', 'recurrent pericarditis']),
  E_29: e('family history of psychiatric illness', 'family history', ['family history of mental illness', 'family psychiatric history']),
  E_225: e('family history of early cardiovascular disease', 'family history', [
    'family history of premature coronary artery disease',
    'family history of early heart disease',
    'family history of heart disease',
    'family history of cad',
    'family history of heart attack',
  ]),
  E_73: e('Ebola contact', 'exposure', ['ebola exposure', 'contact with ebola', 'exposure to ebola']),
  E_138: e('fibromyalgia', 'medical history', ['fibromyalgia syndrome']),
  E_101: e('recent hospitalization for asthma', 'medical history', [
    'hospitalization for asthma',
    'hospitalisation for asthma',
    'asthma admission',
  ]),
  E_46: e('frequent asthma attacks', 'medical history', [
    'recurrent asthma attacks',
    'two or more asthma attacks',
    'multiple asthma exacerbations',
  ]),
  E_119: e('history of chronic sinusitis', 'medical history', ['known chronic sinusitis', 'diagnosed chronic sinusitis']),
  E_72: e('recent COPD exacerbations', 'medical history', [
    'frequent copd exacerbations',
    'previous copd exacerbations',
    'copd exacerbations in the past year',
  ]),
  E_198: e('agricultural work', 'exposure', ['farmer', 'farm worker', 'agricultural worker', 'farming']),
  E_200: e('mining work', 'exposure', ['miner', 'coal miner', 'mining', 'mine worker']),
  E_199: e('construction work', 'exposure', ['construction worker', 'works in construction']),
  E_121: e('deviated nasal septum', 'medical history', ['deviated septum', 'septal deviation']),
  E_120: e('nasal polyps', 'medical history', ['nasal polyp', 'nasal polyposis', 'polyps in the nose']),
  E_142: e('mother with asthma', 'family history', ['maternal asthma', 'mother has asthma', 'mother is asthmatic']),
  E_195: e('suburban living', 'social', ['suburban residence', 'lives in the suburbs']),
  E_183: e('rural living', 'social', ['rural residence', 'lives in a rural area', 'rural area']),
  E_224: e('family history of lung cancer', 'family history', ['lung cancer in the family']),
  E_223: e('family history of pancreatic cancer', 'family history', ['pancreatic cancer in the family']),
  E_5: e('previous pulmonary edema', 'medical history', [
    'history of pulmonary edema',
    'prior pulmonary edema',
    'history of fluid in the lungs',
  ]),
};
