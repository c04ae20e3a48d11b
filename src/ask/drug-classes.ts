/**
 * @file The drug classes a clinician asks about ("Is the patient on an anticoagulant?", "Which
 * antibiotics has the patient taken?"): each class's name, the forms a question uses for it, and
 * its member ingredients (lower-case generic names).
 *
 * Why a table of our own: the knowledge graph holds drugs, not classes (PharmacotherapyDB has no
 * hierarchy), and a record's medication is often a Synthea RxNorm display ("Warfarin Sodium 5 MG
 * Oral Tablet") whose drug the graph does not have, so a class has to be matched on ingredient
 * names as well as on graph entities.
 *
 * Source: curated from ATC level-3/4 classes (WHO Collaborating Centre for Drug Statistics
 * Methodology, ATC/DDD index), the ATC code of each class given below, restricted to ingredients
 * marketed in the US or UK and to the ones Synthea's medication modules prescribe. Deliberate
 * choices: aspirin is an antiplatelet (B01AC06), not an NSAID (M01A holds no aspirin); the
 * corticosteroids are systemic, inhaled and topical ones (H02AB, R03BA, D07A), since a question
 * about "steroids" means any of them; epinephrine is not a bronchodilator (C01CA24 for
 * anaphylaxis); `antihypertensive` and `diabetes-medication` are unions of other classes.
 *
 * A class's `members` are the graph's drug entities whose name or a synonym is one of the
 * ingredients (or an ingredient plus a salt word: "Ipratropium bromide", "Fluticasone furoate").
 */
import type { KnowledgeGraph } from '../kg/graph.js';
import { phraseKey } from '../kg/normalize.js';
import type { Entity } from '../kg/types.js';
import type { QuestionDrugClass } from './types.js';

export interface DrugClassDef {
  /** Stable key (`anticoagulant`). */
  id: string;
  name: string;
  /** ATC code(s) of the class, for the reader who checks the table. */
  atc: string;
  /**
   * The forms a question uses for the class, lower case. They are compared by `phraseKey` (the
   * graph's normaliser), so plurals and hyphens meet ("beta-blockers" is "beta blocker"), and a
   * class named like one of its ingredients claims that word ("penicillin" is the class J01C).
   */
  forms: readonly string[];
  /** Generic ingredient names, lower case. */
  ingredients: readonly string[];
  /** Other classes whose ingredients belong to this one (unions). */
  includes?: readonly string[];
}

const PENICILLINS = [
  'penicillin',
  'penicillin g',
  'penicillin v',
  'benzylpenicillin',
  'phenoxymethylpenicillin',
  'benzathine penicillin',
  'amoxicillin',
  'ampicillin',
  'piperacillin',
  'ticarcillin',
  'nafcillin',
  'oxacillin',
  'dicloxacillin',
  'cloxacillin',
  'flucloxacillin',
] as const;

const SSRIS = ['fluoxetine', 'sertraline', 'citalopram', 'escitalopram', 'paroxetine', 'fluvoxamine'] as const;

export const DRUG_CLASSES: readonly DrugClassDef[] = [
  {
    id: 'anticoagulant',
    name: 'anticoagulant',
    atc: 'B01AA, B01AB, B01AE, B01AF, B01AX',
    forms: [
      'anticoagulant',
      'anticoagulants',
      'anticoagulation',
      'anticoagulant medication',
      'anticoagulant medications',
      'oral anticoagulant',
      'oral anticoagulants',
      'blood thinner',
      'blood thinners',
      'doac',
      'doacs',
      'noac',
      'noacs',
    ],
    ingredients: [
      'warfarin',
      'acenocoumarol',
      'phenprocoumon',
      'heparin',
      'enoxaparin',
      'dalteparin',
      'tinzaparin',
      'nadroparin',
      'fondaparinux',
      'apixaban',
      'rivaroxaban',
      'edoxaban',
      'dabigatran',
      'argatroban',
      'bivalirudin',
      'desirudin',
    ],
  },
  {
    id: 'antiplatelet',
    name: 'antiplatelet',
    atc: 'B01AC',
    forms: [
      'antiplatelet',
      'antiplatelets',
      'antiplatelet agent',
      'antiplatelet agents',
      'antiplatelet drug',
      'antiplatelet drugs',
      'antiplatelet medication',
      'antiplatelet medications',
      'antiplatelet therapy',
      'platelet inhibitor',
      'platelet inhibitors',
    ],
    ingredients: [
      'aspirin',
      'acetylsalicylic acid',
      'clopidogrel',
      'prasugrel',
      'ticagrelor',
      'ticlopidine',
      'cangrelor',
      'dipyridamole',
      'cilostazol',
      'tirofiban',
      'eptifibatide',
      'abciximab',
      'vorapaxar',
    ],
  },
  {
    id: 'antibiotic',
    name: 'antibiotic',
    atc: 'J01, J04A',
    forms: [
      'antibiotic',
      'antibiotics',
      'antibacterial',
      'antibacterials',
      'antibacterial agent',
      'antibacterial agents',
      'antibacterial drug',
      'antibacterial drugs',
      'antibiotic medication',
      'antibiotic medications',
    ],
    ingredients: [
      ...PENICILLINS,
      // Cephalosporins (J01DB-DI).
      'cefalexin',
      'cephalexin',
      'cefadroxil',
      'cefazolin',
      'cefaclor',
      'cefuroxime',
      'cefprozil',
      'cefoxitin',
      'cefdinir',
      'cefixime',
      'cefpodoxime',
      'ceftriaxone',
      'cefotaxime',
      'ceftazidime',
      'cefepime',
      'ceftaroline',
      // Carbapenems and monobactams (J01DF, J01DH).
      'meropenem',
      'imipenem',
      'ertapenem',
      'doripenem',
      'aztreonam',
      // Macrolides and lincosamides (J01FA, J01FF).
      'azithromycin',
      'clarithromycin',
      'erythromycin',
      'clindamycin',
      // Tetracyclines (J01AA).
      'doxycycline',
      'minocycline',
      'tetracycline',
      'tigecycline',
      // Quinolones (J01MA).
      'ciprofloxacin',
      'levofloxacin',
      'moxifloxacin',
      'ofloxacin',
      'norfloxacin',
      'gemifloxacin',
      // Sulfonamides and trimethoprim (J01E).
      'sulfamethoxazole',
      'trimethoprim',
      // Aminoglycosides (J01G).
      'gentamicin',
      'tobramycin',
      'amikacin',
      'streptomycin',
      'neomycin',
      // Glycopeptides and others (J01X).
      'vancomycin',
      'teicoplanin',
      'daptomycin',
      'linezolid',
      'nitrofurantoin',
      'fosfomycin',
      'metronidazole',
      'colistin',
      'polymyxin b',
      'chloramphenicol',
      'fidaxomicin',
      // Antimycobacterials (J04A).
      'rifampin',
      'rifampicin',
      'isoniazid',
      'ethambutol',
      'pyrazinamide',
      'dapsone',
    ],
  },
  {
    id: 'penicillin',
    name: 'penicillin',
    atc: 'J01C',
    forms: ['penicillin', 'penicillins', 'penicillin antibiotic', 'penicillin antibiotics', 'penicillin class antibiotics'],
    ingredients: PENICILLINS,
  },
  {
    id: 'antiviral',
    name: 'antiviral',
    atc: 'J05A',
    forms: [
      'antiviral',
      'antivirals',
      'antiviral drug',
      'antiviral drugs',
      'antiviral medication',
      'antiviral medications',
      'antiviral agent',
      'antiviral agents',
      'antiretroviral',
      'antiretrovirals',
    ],
    ingredients: [
      'oseltamivir',
      'zanamivir',
      'peramivir',
      'baloxavir',
      'acyclovir',
      'aciclovir',
      'valacyclovir',
      'valaciclovir',
      'famciclovir',
      'ganciclovir',
      'valganciclovir',
      'remdesivir',
      'nirmatrelvir',
      'molnupiravir',
      'ribavirin',
      'sofosbuvir',
      'ledipasvir',
      'velpatasvir',
      'glecaprevir',
      'entecavir',
      'adefovir',
      'tenofovir',
      'emtricitabine',
      'lamivudine',
      'zidovudine',
      'abacavir',
      'didanosine',
      'stavudine',
      'efavirenz',
      'nevirapine',
      'delavirdine',
      'rilpivirine',
      'etravirine',
      'dolutegravir',
      'raltegravir',
      'bictegravir',
      'elvitegravir',
      'ritonavir',
      'lopinavir',
      'darunavir',
      'atazanavir',
      'nelfinavir',
      'indinavir',
      'saquinavir',
      'amprenavir',
      'fosamprenavir',
      'maraviroc',
    ],
  },
  {
    id: 'statin',
    name: 'statin',
    atc: 'C10AA',
    forms: ['statin', 'statins', 'hmg coa reductase inhibitor', 'hmg coa reductase inhibitors', 'statin therapy'],
    ingredients: ['atorvastatin', 'simvastatin', 'rosuvastatin', 'pravastatin', 'lovastatin', 'fluvastatin', 'pitavastatin'],
  },
  {
    id: 'beta-blocker',
    name: 'beta blocker',
    atc: 'C07A',
    forms: [
      'beta blocker',
      'beta blockers',
      'betablocker',
      'betablockers',
      'beta adrenergic blocker',
      'beta adrenergic blockers',
      'beta adrenergic blocking agent',
      'beta adrenergic blocking agents',
    ],
    ingredients: [
      'metoprolol',
      'atenolol',
      'propranolol',
      'carvedilol',
      'bisoprolol',
      'nebivolol',
      'labetalol',
      'nadolol',
      'timolol',
      'pindolol',
      'acebutolol',
      'betaxolol',
      'esmolol',
      'sotalol',
      'penbutolol',
      'carteolol',
      'oxprenolol',
      'celiprolol',
    ],
  },
  {
    id: 'ace-inhibitor',
    name: 'ACE inhibitor',
    atc: 'C09A, C09B',
    forms: [
      'ace inhibitor',
      'ace inhibitors',
      'acei',
      'ace i',
      'angiotensin converting enzyme inhibitor',
      'angiotensin converting enzyme inhibitors',
    ],
    ingredients: [
      'lisinopril',
      'enalapril',
      'ramipril',
      'captopril',
      'benazepril',
      'fosinopril',
      'quinapril',
      'perindopril',
      'trandolapril',
      'moexipril',
      'cilazapril',
      'zofenopril',
      'imidapril',
    ],
  },
  {
    id: 'arb',
    name: 'angiotensin receptor blocker',
    atc: 'C09C, C09D',
    forms: [
      'angiotensin receptor blocker',
      'angiotensin receptor blockers',
      'angiotensin ii receptor blocker',
      'angiotensin ii receptor blockers',
      'angiotensin 2 receptor blocker',
      'angiotensin 2 receptor blockers',
      'angiotensin receptor antagonist',
      'angiotensin receptor antagonists',
      'angiotensin ii receptor antagonist',
      'angiotensin ii receptor antagonists',
      'arb',
      'arbs',
      'sartan',
      'sartans',
    ],
    ingredients: ['losartan', 'valsartan', 'irbesartan', 'candesartan', 'olmesartan', 'telmisartan', 'eprosartan', 'azilsartan'],
  },
  {
    id: 'calcium-channel-blocker',
    name: 'calcium channel blocker',
    atc: 'C08',
    forms: [
      'calcium channel blocker',
      'calcium channel blockers',
      'calcium channel blocking agent',
      'calcium channel blocking agents',
      'calcium antagonist',
      'calcium antagonists',
      'ccb',
      'ccbs',
    ],
    ingredients: [
      'amlodipine',
      'nifedipine',
      'felodipine',
      'isradipine',
      'nicardipine',
      'nisoldipine',
      'nimodipine',
      'lercanidipine',
      'clevidipine',
      'diltiazem',
      'verapamil',
      'bepridil',
    ],
  },
  {
    id: 'diuretic',
    name: 'diuretic',
    atc: 'C03',
    forms: ['diuretic', 'diuretics', 'water pill', 'water pills', 'loop diuretic', 'loop diuretics', 'thiazide', 'thiazides'],
    ingredients: [
      'furosemide',
      'frusemide',
      'bumetanide',
      'torsemide',
      'torasemide',
      'ethacrynic acid',
      'hydrochlorothiazide',
      'hctz',
      'chlorthalidone',
      'chlorothiazide',
      'indapamide',
      'metolazone',
      'bendroflumethiazide',
      'hydroflumethiazide',
      'methyclothiazide',
      'spironolactone',
      'eplerenone',
      'amiloride',
      'triamterene',
    ],
  },
  {
    id: 'antihypertensive',
    name: 'antihypertensive',
    atc: 'C02, C03, C07, C08, C09',
    forms: [
      'antihypertensive',
      'antihypertensives',
      'antihypertensive medication',
      'antihypertensive medications',
      'antihypertensive drug',
      'antihypertensive drugs',
      'blood pressure medication',
      'blood pressure medications',
      'blood pressure medicine',
      'blood pressure meds',
      'blood pressure pill',
      'blood pressure pills',
      'bp medication',
      'bp medications',
      'bp meds',
      'high blood pressure medication',
      'high blood pressure medications',
    ],
    includes: ['beta-blocker', 'ace-inhibitor', 'arb', 'calcium-channel-blocker', 'diuretic'],
    // C02 (centrally acting, alpha blockers, vasodilators, ganglion blockers) and renin inhibitors (C09XA).
    ingredients: [
      'clonidine',
      'methyldopa',
      'guanfacine',
      'guanabenz',
      'moxonidine',
      'reserpine',
      'guanethidine',
      'guanadrel',
      'mecamylamine',
      'doxazosin',
      'prazosin',
      'terazosin',
      'hydralazine',
      'minoxidil',
      'aliskiren',
    ],
  },
  {
    id: 'insulin',
    name: 'insulin',
    atc: 'A10A',
    forms: ['insulin', 'insulins', 'insulin therapy'],
    ingredients: [
      'insulin',
      'insulin glargine',
      'insulin lispro',
      'insulin aspart',
      'insulin detemir',
      'insulin degludec',
      'insulin glulisine',
      'insulin isophane',
      'isophane insulin',
      'nph insulin',
      'regular insulin',
    ],
  },
  {
    id: 'antidiabetic',
    name: 'antidiabetic (non-insulin)',
    atc: 'A10B',
    forms: [
      'antidiabetic',
      'non insulin antidiabetic',
      'antidiabetics',
      'oral antidiabetic',
      'oral antidiabetics',
      'oral antidiabetic drug',
      'oral antidiabetic drugs',
      'oral hypoglycemic',
      'oral hypoglycemics',
      'oral hypoglycaemic',
      'oral hypoglycaemics',
      'oral diabetes medication',
      'oral diabetes medications',
    ],
    ingredients: [
      'metformin',
      'glipizide',
      'glyburide',
      'glibenclamide',
      'glimepiride',
      'gliclazide',
      'tolbutamide',
      'tolazamide',
      'chlorpropamide',
      'pioglitazone',
      'rosiglitazone',
      'sitagliptin',
      'saxagliptin',
      'linagliptin',
      'alogliptin',
      'vildagliptin',
      'empagliflozin',
      'dapagliflozin',
      'canagliflozin',
      'ertugliflozin',
      'repaglinide',
      'nateglinide',
      'acarbose',
      'miglitol',
      // GLP-1 agonists are A10BJ too (mostly injected).
      'liraglutide',
      'semaglutide',
      'dulaglutide',
      'exenatide',
      'lixisenatide',
    ],
  },
  {
    id: 'diabetes-medication',
    name: 'diabetes medication',
    atc: 'A10',
    forms: [
      'diabetes medication',
      'diabetes medications',
      'diabetes medicine',
      'diabetes drug',
      'diabetes drugs',
      'diabetes meds',
      'diabetic medication',
      'diabetic medications',
      'hypoglycemic agent',
      'hypoglycemic agents',
      'glucose lowering drug',
      'glucose lowering drugs',
      'glucose lowering medication',
      'glucose lowering medications',
    ],
    includes: ['insulin', 'antidiabetic'],
    ingredients: [],
  },
  {
    id: 'opioid',
    name: 'opioid',
    atc: 'N02A, N07BC, R05DA',
    forms: [
      'opioid',
      'opioids',
      'opiate',
      'opiates',
      'narcotic',
      'narcotics',
      'opioid analgesic',
      'opioid analgesics',
      'opioid pain medication',
      'opioid pain medications',
      'narcotic pain medication',
      'narcotic pain medications',
    ],
    ingredients: [
      'morphine',
      'codeine',
      'dihydrocodeine',
      'hydrocodone',
      'oxycodone',
      'hydromorphone',
      'oxymorphone',
      'fentanyl',
      'sufentanil',
      'remifentanil',
      'alfentanil',
      'tramadol',
      'tapentadol',
      'methadone',
      'buprenorphine',
      'meperidine',
      'pethidine',
      'levorphanol',
      'butorphanol',
      'nalbuphine',
      'pentazocine',
    ],
  },
  {
    id: 'nsaid',
    name: 'NSAID',
    atc: 'M01A',
    forms: [
      'nsaid',
      'nsaids',
      'non steroidal anti inflammatory',
      'non steroidal anti inflammatories',
      'non steroidal anti inflammatory drug',
      'non steroidal anti inflammatory drugs',
      'nonsteroidal anti inflammatory',
      'nonsteroidal anti inflammatories',
      'nonsteroidal anti inflammatory drug',
      'nonsteroidal anti inflammatory drugs',
      'anti inflammatory',
      'anti inflammatories',
      'anti inflammatory drug',
      'anti inflammatory drugs',
    ],
    ingredients: [
      'ibuprofen',
      'naproxen',
      'diclofenac',
      'celecoxib',
      'etoricoxib',
      'meloxicam',
      'indomethacin',
      'indometacin',
      'ketorolac',
      'ketoprofen',
      'piroxicam',
      'etodolac',
      'nabumetone',
      'sulindac',
      'flurbiprofen',
      'fenoprofen',
      'oxaprozin',
      'tolmetin',
      'diflunisal',
      'mefenamic acid',
      'meclofenamate',
    ],
  },
  {
    id: 'corticosteroid',
    name: 'corticosteroid',
    atc: 'H02AB, R03BA, D07A',
    forms: [
      'corticosteroid',
      'corticosteroids',
      'steroid',
      'steroids',
      'glucocorticoid',
      'glucocorticoids',
      'corticoid',
      'corticoids',
      'inhaled corticosteroid',
      'inhaled corticosteroids',
      'inhaled steroid',
      'inhaled steroids',
      'oral steroid',
      'oral steroids',
      'systemic steroids',
    ],
    ingredients: [
      'prednisone',
      'prednisolone',
      'methylprednisolone',
      'dexamethasone',
      'hydrocortisone',
      'cortisone',
      'betamethasone',
      'triamcinolone',
      'budesonide',
      'fluticasone',
      'beclomethasone',
      'beclometasone',
      'mometasone',
      'ciclesonide',
      'flunisolide',
      'fludrocortisone',
      'deflazacort',
      'fluocinolone',
      'fluocinonide',
      'desonide',
      'clobetasol',
    ],
  },
  {
    id: 'bronchodilator',
    name: 'bronchodilator',
    atc: 'R03AC, R03BB, R03CC, R03DA',
    forms: [
      'bronchodilator',
      'bronchodilators',
      'beta agonist',
      'beta agonists',
      'beta 2 agonist',
      'beta 2 agonists',
      'beta2 agonist',
      'beta2 agonists',
      'saba',
      'laba',
      'lama',
      'rescue inhaler',
      'rescue inhalers',
    ],
    ingredients: [
      'albuterol',
      'salbutamol',
      'levalbuterol',
      'terbutaline',
      'metaproterenol',
      'orciprenaline',
      'pirbuterol',
      'isoetarine',
      'isoproterenol',
      'isoprenaline',
      'salmeterol',
      'formoterol',
      'arformoterol',
      'indacaterol',
      'olodaterol',
      'vilanterol',
      'ipratropium',
      'tiotropium',
      'aclidinium',
      'umeclidinium',
      'glycopyrronium',
      'theophylline',
      'aminophylline',
      'dyphylline',
    ],
  },
  {
    id: 'antidepressant',
    name: 'antidepressant',
    atc: 'N06A',
    forms: ['antidepressant', 'antidepressants', 'antidepressant medication', 'antidepressant medications'],
    ingredients: [
      ...SSRIS,
      'venlafaxine',
      'desvenlafaxine',
      'duloxetine',
      'milnacipran',
      'levomilnacipran',
      'bupropion',
      'mirtazapine',
      'trazodone',
      'nefazodone',
      'vilazodone',
      'vortioxetine',
      'amitriptyline',
      'nortriptyline',
      'imipramine',
      'desipramine',
      'clomipramine',
      'doxepin',
      'protriptyline',
      'trimipramine',
      'maprotiline',
      'amoxapine',
      'phenelzine',
      'tranylcypromine',
      'isocarboxazid',
    ],
  },
  {
    id: 'ssri',
    name: 'SSRI',
    atc: 'N06AB',
    forms: ['ssri', 'ssris', 'selective serotonin reuptake inhibitor', 'selective serotonin reuptake inhibitors'],
    ingredients: SSRIS,
  },
  {
    id: 'antiepileptic',
    name: 'antiepileptic',
    atc: 'N03A',
    forms: [
      'antiepileptic',
      'antiepileptics',
      'antiepileptic drug',
      'antiepileptic drugs',
      'antiepileptic medication',
      'antiepileptic medications',
      'anticonvulsant',
      'anticonvulsants',
      'antiseizure medication',
      'antiseizure medications',
      'anti seizure medication',
      'anti seizure medications',
      'seizure medication',
      'seizure medications',
      'aed',
      'aeds',
    ],
    ingredients: [
      'phenytoin',
      'fosphenytoin',
      'carbamazepine',
      'oxcarbazepine',
      'eslicarbazepine',
      'valproate',
      'valproic acid',
      'divalproex',
      'lamotrigine',
      'levetiracetam',
      'brivaracetam',
      'topiramate',
      'zonisamide',
      'lacosamide',
      'gabapentin',
      'pregabalin',
      'phenobarbital',
      'primidone',
      'ethosuximide',
      'clobazam',
      'clonazepam',
      'felbamate',
      'tiagabine',
      'vigabatrin',
      'rufinamide',
      'perampanel',
      'cenobamate',
      'trimethadione',
    ],
  },
  {
    id: 'proton-pump-inhibitor',
    name: 'proton pump inhibitor',
    atc: 'A02BC',
    forms: ['proton pump inhibitor', 'proton pump inhibitors', 'ppi', 'ppis'],
    ingredients: ['omeprazole', 'esomeprazole', 'lansoprazole', 'dexlansoprazole', 'pantoprazole', 'rabeprazole'],
  },
];

/** Words that may follow an ingredient in a drug's name without making it another drug (as phrase keys). */
const SALT_WORDS = keySet([
  'acetonide',
  'besylate',
  'bromide',
  'calcium',
  'furoate',
  'hydrochloride',
  'maleate',
  'mesylate',
  'mofetil',
  'monohydrate',
  'potassium',
  'propionate',
  'sodium',
  'succinate',
  'sulfate',
  'tartrate',
]);

function keySet(words: readonly string[]): Set<string> {
  return new Set(words.map((w) => phraseKey(w)));
}

const byForm = new Map<string, DrugClassDef>();
const byId = new Map<string, DrugClassDef>();
for (const def of DRUG_CLASSES) {
  byId.set(def.id, def);
  for (const form of def.forms) {
    const key = phraseKey(form);
    if (key && !byForm.has(key)) byForm.set(key, def);
  }
}

/** The class's ingredients with those of the classes it includes, sorted, without repeats. */
export function classIngredients(def: DrugClassDef): string[] {
  const out = new Set<string>(def.ingredients);
  for (const id of def.includes ?? []) {
    const inner = byId.get(id);
    if (inner) for (const i of classIngredients(inner)) out.add(i);
  }
  return [...out].sort();
}

/** A drug class by its stable id. */
export function drugClassById(id: string): DrugClassDef | undefined {
  return byId.get(id);
}

/** Whether a drug entity is one of the ingredients (by name or synonym, a salt word allowed after it). */
function isIngredient(entity: Entity, keys: ReadonlySet<string>): boolean {
  for (const form of [entity.name, ...entity.synonyms]) {
    const key = phraseKey(form);
    if (keys.has(key)) return true;
    const words = key.split(' ');
    if (words.length === 2 && keys.has(words[0] as string) && SALT_WORDS.has(words[1] as string)) return true;
  }
  return false;
}

/** The graph's drug entity ids whose name or a synonym is one of the ingredients, sorted. */
export function drugMembers(graph: KnowledgeGraph, ingredients: readonly string[]): string[] {
  const keys = new Set(ingredients.map((i) => phraseKey(i)).filter((k) => k !== ''));
  return graph
    .ofType('drug')
    .filter((e) => isIngredient(e, keys))
    .map((e) => e.id)
    .sort();
}

/** Leading articles a question puts before a class ("an anticoagulant", "any statins"). */
const ARTICLES = new Set(['a', 'an', 'the', 'any', 'some']);

function stripArticles(words: string): string {
  const parts = words.trim().split(/\s+/);
  while (parts.length > 1 && ARTICLES.has((parts[0] as string).toLowerCase())) parts.shift();
  return parts.join(' ');
}

/**
 * The drug class named by `words` ("anticoagulant", "blood thinners", "an ACE inhibitor"), with
 * its graph members and ingredients; undefined when the words name no class in DRUG_CLASSES.
 */
export function resolveDrugClass(graph: KnowledgeGraph, words: string): QuestionDrugClass | undefined {
  const text = stripArticles(words);
  const def = byForm.get(phraseKey(text));
  if (!def) return undefined;
  const ingredients = classIngredients(def);
  return { id: def.id, name: def.name, members: drugMembers(graph, ingredients), ingredients, text };
}

/** Every ingredient of the table, by its normalised key. */
const allIngredients = new Map<string, string>();
for (const def of DRUG_CLASSES) {
  for (const i of def.ingredients) {
    const key = phraseKey(i);
    if (key && !allIngredients.has(key)) allIngredients.set(key, i);
  }
}

/**
 * A single ingredient of the table that the graph has no drug for ("amoxicillin", "warfarin"),
 * as a one-ingredient class (id `ingredient:<name>`), so that a medication question about it can
 * still be matched on medication text. Undefined when the words are no ingredient of the table.
 */
export function resolveIngredient(graph: KnowledgeGraph, words: string): QuestionDrugClass | undefined {
  const text = stripArticles(words);
  const ingredient = allIngredients.get(phraseKey(text));
  if (!ingredient) return undefined;
  return {
    id: `ingredient:${ingredient}`,
    name: ingredient,
    members: drugMembers(graph, [ingredient]),
    ingredients: [ingredient],
    text,
  };
}
