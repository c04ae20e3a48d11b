/**
 * @file The small grammar of questions `clinicalbert ask` understands: for each intent of
 * src/ask/types.ts, the patterns that recognise it and example questions.
 *
 * Why a grammar of patterns and not a parser or a model: the questions a clinician asks about one
 * record are few in kind ("Does the patient have X?", "Is the patient on X?", "Latest X?"), the
 * answers must be reproducible and explainable, and a reader must be able to say by hand which
 * intent a question gets. So the grammar is a list of rules, tried in order, first match wins.
 *
 * How a pattern reads a question: the question is lower-cased, curly quotes become straight,
 * white space runs become one space, and a polite opening ("please", "can you tell me") and the
 * final punctuation are dropped (`normalizeQuestion`). Each pattern is a regular expression over
 * that whole text with named captures:
 * - `thing`: the words asked about ("a pulmonary embolism", "an anticoagulant", "hba1c"); the
 *   question reader (src/ask/question.ts) drops articles and links them to the graph;
 * - `when`: time words that override the rule's time ("ever", "currently", "before");
 * - `op`, `value`, `unit`: a comparison ("above 7", "over 140 mmhg");
 * - `firstline`: "first-line" / "disease-modifying" (treats edges only).
 *
 * Order matters and is deliberate: graph intents first (their wording is the most specific), then
 * the model's prediction ("why …"), smoking and alcohol, family history (before allergies, whose
 * short "X allergy" form would read "family history of food allergy"), allergies before conditions
 * ("any allergies" is a list, not the atopy finding), lists before yes-no questions, medications and
 * observations before the generic condition forms ("is the patient on …" is a drug, "is the
 * patient …" is a state).
 */
import type { Intent, QuestionTime } from './types.js';

export interface GrammarRule {
  intent: Intent;
  kind: 'yes-no' | 'values';
  /** The question's time unless a `when` capture says otherwise. */
  time: QuestionTime;
  /** Anchored, over the normalised question (see `normalizeQuestion`), with match indices (`d`). */
  patterns: readonly RegExp[];
  /** 2-4 questions this rule reads. */
  examples: readonly string[];
}

/** Building blocks of the patterns, named in braces: `{PT}`, `{THING}`, … */
const PARTS: Readonly<Record<string, string>> = {
  /** The patient as subject. */
  PT: '(?:(?:the |this |our )?(?:patient|pt)|he|she|they)',
  /** The patient as owner ("the patient's", "her"), with a following space. */
  PTS: "(?:(?:the |this )?(?:patient'?s|pt'?s) |his |her |their |the )",
  THING: '(?<thing>.+?)',
  /** A thing of one to four words, where a longer capture would swallow another question's words. */
  THING_SHORT: '(?<thing>[^ ]+(?: [^ ]+){0,3}?)',
  OP: '(?<op>above|over|greater than|more than|higher than|exceeding|at least|>=|>|below|under|less than|lower than|at most|<=|<)',
  NUM: '(?<value>-?\\d+(?:\\.\\d+)?)',
  UNIT: '(?: ?(?<unit>%|[a-zµ°][a-z0-9/.\\[\\]{}*^µ°]*))?',
  /** Generic words for medicines (a medication list question). */
  MEDS: '(?:medications?|medicines?|meds|drugs?|prescriptions?|pills|tablets)',
  /** Generic words for diagnoses (a condition list question). */
  CONDS:
    '(?:conditions?|medical conditions?|diagnos[ie]s|problems?|medical problems?|health problems?|diseases?|illness(?:es)?|comorbidities)',
  /** Time words a `when` capture holds (TIME_WORDS maps them). */
  WHEN_NOW: '(?<when>currently |still |now |ever )?',
};

function expand(source: string): string {
  return source.replace(/\{([A-Z_]+)\}/g, (whole, name: string) => {
    const part = PARTS[name];
    if (part === undefined) throw new Error(`grammar: unknown part ${whole}`);
    return part;
  });
}

/** Compile one anchored pattern. */
function p(source: string): RegExp {
  return new RegExp(`^(?:${expand(source)})$`, 'd');
}

/** Time words a `when` capture may hold, and the time they mean. */
export const TIME_WORDS: Readonly<Record<string, QuestionTime>> = {
  ever: 'ever',
  currently: 'now',
  still: 'now',
  now: 'now',
  before: 'past',
  previously: 'past',
  'in the past': 'past',
  earlier: 'past',
  formerly: 'past',
};

/** Comparison words and the operator they mean. */
export const COMPARISON_WORDS: Readonly<Record<string, 'above' | 'below'>> = {
  above: 'above',
  over: 'above',
  'greater than': 'above',
  'more than': 'above',
  'higher than': 'above',
  exceeding: 'above',
  'at least': 'above',
  '>': 'above',
  '>=': 'above',
  below: 'below',
  under: 'below',
  'less than': 'below',
  'lower than': 'below',
  'at most': 'below',
  '<': 'below',
  '<=': 'below',
};

export const GRAMMAR: readonly GrammarRule[] = [
  // ---- Graph intents (`ask --kg`) ----
  {
    intent: 'uses-of',
    kind: 'values',
    time: 'any',
    patterns: [
      p('what (?:is|are) {THING} (?:used|prescribed|indicated|given|taken) (?:for|to treat)'),
      p('what does {THING} treat'),
      p('what (?:conditions?|diseases?) does {THING} treat'),
      p('(?:what are )?(?:the )?(?:uses|indications) (?:of|for) {THING}'),
    ],
    examples: ['What is metformin used for?', 'What does lisinopril treat?', 'What are the indications of atorvastatin?'],
  },
  {
    intent: 'risk-factor-for',
    kind: 'values',
    time: 'any',
    patterns: [
      p('what (?:is|are) {THING} (?:a )?risk factors? for'),
      p('what does {THING} (?:predispose (?:to|for)|increase the risk of|raise the risk of)'),
      p('(?:is|are) {THING} (?:a )?risk factors? for what'),
    ],
    examples: ['What is smoking a risk factor for?', 'What does diabetes predispose to?'],
  },
  {
    intent: 'risk-factors-of',
    kind: 'values',
    time: 'any',
    patterns: [
      p('(?:what|which) (?:are|is) (?:the )?(?:main |known |common )?risk factors? (?:for|of) {THING}'),
      p('(?:the )?risk factors? (?:for|of) {THING}'),
      p('what (?:increases|raises) the risk (?:of|for) {THING}'),
      p('what predisposes (?:to|for) {THING}'),
    ],
    examples: [
      'What are the risk factors for pulmonary embolism?',
      'Risk factors for pneumonia?',
      'What increases the risk of pneumothorax?',
    ],
  },
  {
    intent: 'findings-of',
    kind: 'values',
    time: 'any',
    patterns: [
      p(
        '(?:what|which) (?:findings|symptoms|signs|features)(?: and symptoms)? (?:point to|suggest|indicate|go with|are (?:typical |seen |common )?(?:of|for|in)) {THING}',
      ),
      p(
        '(?:what|which) (?:are|is) (?:the )?(?:typical |common |main |usual |key )?(?:findings|symptoms|signs|presenting features|clinical features)(?: and symptoms)? (?:of|for|in) {THING}',
      ),
      p('(?:typical |common )?(?:findings|symptoms|signs)(?: and symptoms)? (?:of|for|in) {THING}'),
      p('how does {THING} present'),
    ],
    examples: ['Which findings point to pericarditis?', 'What are the symptoms of asthma?', 'How does pneumothorax present?'],
  },
  {
    intent: 'treats',
    kind: 'values',
    time: 'any',
    patterns: [
      p(
        '(?:what|which) (?:are|is) (?:the )?(?<firstline>first[ -]line|disease[ -]modifying) (?:drugs?|treatments?|therap(?:y|ies)|medications?|agents?) (?:for|of|in) {THING}',
      ),
      p(
        '(?<firstline>first[ -]line|disease[ -]modifying) (?:drugs?|treatments?|therap(?:y|ies)|medications?|agents?) (?:for|of|in) {THING}',
      ),
      p(
        '(?:what|which) (?:drugs? |medications? |medicines? )?(?:treats?|(?:is|are) used (?:to treat|for)|(?:is|are) (?:given|prescribed) for) {THING}',
      ),
      p('(?:what|which) (?:are|is) (?:the )?(?:treatments?|therap(?:y|ies)|drugs?|medications?) (?:for|of) {THING}'),
      p('how (?:is|are) {THING} treated'),
      p('how (?:do you|do we|to|should you|should we) treat {THING}'),
      p('(?:treatments?|therap(?:y|ies)|drugs?|medications?) (?:for|of) {THING}'),
    ],
    examples: ['What treats hypertension?', 'First-line drugs for hypertension?', 'How is hypertension treated?'],
  },

  // ---- Record intents ----
  {
    intent: 'prediction',
    kind: 'yes-no',
    time: 'now',
    patterns: [
      p(
        'why (?:does|did|would|is|was) (?:the )?(?:model|clinicalbert|system|classifier|prediction) (?:predict|suggest|say|think|flag|pick|choose|give)(?:ing)? {THING}',
      ),
      p('why (?:is|was) {THING} (?:predicted|suggested|flagged)'),
      p('why (?:the )?(?:prediction|diagnosis) (?:of )?{THING}'),
      p('explain (?:the )?(?:prediction (?:of )?)?{THING}'),
      p('why (?:(?:does|did|is|was) {PT} (?:have |has |got |get |diagnosed with |suffering from )?)?{THING}'),
    ],
    examples: ['Why pneumonia?', 'Why does the model predict pneumonia?', 'Explain the prediction of pericarditis?'],
  },
  {
    intent: 'smoking',
    kind: 'yes-no',
    time: 'past',
    patterns: [
      p('(?:did|does) {PT} smoke (?:before|previously|in the past)'),
      p('(?:is|was) {PT} (?:a )?(?:former|ex|past|previous) smoker'),
      p('(?:has|have|did) {PT} (?:quit|stopped|stop|give up|given up) (?:smoking|tobacco)'),
      p('did {PT} (?:smoke|use tobacco)'),
    ],
    examples: ['Did the patient smoke before?', 'Is the patient a former smoker?'],
  },
  {
    intent: 'smoking',
    kind: 'yes-no',
    time: 'ever',
    patterns: [
      p('(?:has|have) {PT} (?:ever )?(?:smoked|used tobacco|been a smoker)(?: cigarettes| tobacco)?'),
      p('(?:did|does|do) {PT} ever (?:smoke|use tobacco)'),
      p('ever smoked'),
      p('(?:any )?(?:smoking|tobacco) history'),
    ],
    examples: ['Has the patient ever smoked?', 'Smoking history?'],
  },
  {
    intent: 'smoking',
    kind: 'yes-no',
    time: 'now',
    patterns: [
      p('(?:does|do) {PT} {WHEN_NOW}(?:smoke|use tobacco)(?: cigarettes| tobacco)?(?: now| currently)?'),
      p('(?:is|are) {PT} (?:a )?(?:current |active )?(?:smoker|tobacco user)'),
      p('(?:is|are) {PT} {WHEN_NOW}smoking'),
      p('(?:current )?smok(?:er|ing)(?: status)?'),
      p('(?:any )?tobacco(?: use)?'),
    ],
    examples: ['Does the patient smoke?', 'Is the patient a smoker?', 'Smoking status?'],
  },
  {
    intent: 'alcohol',
    kind: 'yes-no',
    time: 'past',
    patterns: [
      p('did {PT} (?:drink|use|consume) (?:alcohol|etoh)(?: before| previously| in the past)?'),
      p('did {PT} drink (?:before|previously|in the past)'),
      p('(?:has|have|did) {PT} (?:quit|stopped|stop) (?:drinking|alcohol)'),
    ],
    examples: ['Did the patient drink alcohol before?', 'Has the patient stopped drinking?'],
  },
  {
    intent: 'alcohol',
    kind: 'yes-no',
    time: 'ever',
    patterns: [
      p('(?:has|have) {PT} ever (?:drunk|drank|used|consumed) (?:alcohol|etoh)'),
      p('(?:did|does|do) {PT} ever (?:drink|use alcohol)(?: alcohol)?'),
      p('(?:any )?(?:alcohol|drinking) history'),
    ],
    examples: ['Has the patient ever drunk alcohol?', 'Alcohol history?'],
  },
  {
    intent: 'alcohol',
    kind: 'yes-no',
    time: 'now',
    patterns: [
      p('(?:does|do) {PT} {WHEN_NOW}(?:drink(?: alcohol| etoh| beer| wine| liquor)?|(?:use|consume) (?:alcohol|etoh))'),
      p('(?:is|are) {PT} (?:a )?(?:current |heavy |regular )?(?:drinker|alcohol user)'),
      p('(?:is|are) {PT} {WHEN_NOW}drinking(?: alcohol)?'),
      p('(?:any )?(?:alcohol|etoh)(?: use| intake| consumption)?'),
    ],
    examples: ['Does the patient drink alcohol?', 'Alcohol use?'],
  },
  {
    intent: 'condition',
    kind: 'yes-no',
    time: 'family',
    patterns: [
      p('(?:is there|are there|does {PT} have|any|has {PT} got) (?:a |any )?(?:known )?(?:family history|family hx|fhx|fh) of {THING}'),
      p('(?:family history|family hx|fhx|fh) of {THING}'),
      p(
        '(?:does|do|did|has|have) {PTS}?(?:anyone in the family|anybody in the family|family members?|family|relatives?|mother|father|parents?|brothers?|sisters?|siblings?) (?:have|has|had|ever had) (?:a history of )?{THING}',
      ),
    ],
    examples: ['Is there a family history of diabetes?', 'Does anyone in the family have asthma?'],
  },
  {
    intent: 'allergies',
    kind: 'values',
    time: 'now',
    patterns: [
      p(
        '(?:what|which) (?:known |documented |drug )?(?:allergies|allergens|intolerances)(?: (?:does|do) {PT} have| (?:has|have) {PT} (?:got|had|reported)| (?:are|is) (?:documented|recorded|listed|on file))?',
      ),
      p('(?:does|do|has) {PT} (?:have|got) (?:any )?(?:known )?(?:drug )?allergies'),
      p('(?:is|are) {PT} allergic to anything'),
      p('what (?:is|are) {PT} allergic to'),
      p('(?:any |list (?:the |all )?)?(?:known )?(?:drug )?allergies'),
    ],
    examples: ['What allergies does the patient have?', 'Any allergies?', 'What is the patient allergic to?'],
  },
  {
    intent: 'allergy',
    kind: 'yes-no',
    time: 'now',
    patterns: [
      p('(?:is|are) {PT} allergic to {THING}'),
      p('(?:does|do|did) {PT} have (?:an? |any )?(?:known )?(?:allergy|allergies|intolerance|sensitivity) to {THING}'),
      p('(?:does|do|did) {PT} have (?:an? |any )?(?:known )?{THING_SHORT} (?:allergy|allergies|intolerance|sensitivity)'),
      p('(?:any )?(?:known )?(?:allergy|allergies|intolerance) to {THING}'),
      p('allergic to {THING}'),
      p('(?:any |an? )?(?:known )?{THING_SHORT} (?:allergy|allergies|intolerance)'),
    ],
    examples: ['Is the patient allergic to penicillin?', 'Does the patient have an allergy to peanuts?', 'Latex allergy?'],
  },
  {
    intent: 'conditions',
    kind: 'values',
    time: 'ever',
    patterns: [
      p('(?:what|which) {CONDS} (?:has|have|did) {PT} (?:ever )?(?:had|have|been diagnosed with)'),
      p('(?:what (?:is|are) )?{PTS}?(?:past )?medical history'),
    ],
    examples: ['What conditions has the patient had?', 'What is the past medical history?'],
  },
  {
    intent: 'conditions',
    kind: 'values',
    time: 'now',
    patterns: [
      p('(?:what|which) {CONDS} (?:does|do) {PT} (?:currently )?(?:have|suffer from)'),
      p('(?:does|do) {PT} have (?:any )?(?:known |chronic |medical )?{CONDS}'),
      p('(?:what|which) (?:are|is) {PTS}?(?:current |active )?{CONDS}'),
      p('(?:(?:what (?:is|are) )?(?:the |list (?:the |all )?)?)?{PTS}?(?:current |active )?(?:problem list|{CONDS})'),
    ],
    examples: ['What conditions does the patient have?', 'Problem list?', 'What are the active diagnoses?'],
  },
  {
    intent: 'medications',
    kind: 'values',
    time: 'ever',
    patterns: [
      p(
        '(?:what|which) {THING} (?:has|have) {PT} (?:ever )?(?:taken|been on|been taking|received|used|been prescribed|been given|had)(?: before| previously| in the past)?',
      ),
      p(
        '(?:what|which) {THING} (?:did|was|were) {PT} (?:ever )?(?:take|on|taking|receive|use|prescribed|given)(?: before| previously| in the past)?',
      ),
    ],
    examples: ['Which antibiotics has the patient taken?', 'What medications has the patient ever been on?'],
  },
  {
    intent: 'medications',
    kind: 'values',
    time: 'now',
    patterns: [
      p('(?:what|which) {THING} (?:is|are) {PT} (?:currently |now )?(?:on|taking|using|receiving|prescribed)(?: now| currently)?'),
      p('(?:what|which) {THING} (?:does|do) {PT} (?:currently )?(?:take|use|receive)'),
      p('what (?:is|are) {PT} (?:currently )?(?:on|taking)'),
      p('(?:what (?:are|is) )?(?:the |list (?:the |all )?)?{PTS}?(?:current |active )?(?:medication list|{MEDS})'),
    ],
    examples: ['What medications is the patient on?', 'Which statins is the patient taking?', 'Current medications?'],
  },
  {
    intent: 'medication',
    kind: 'yes-no',
    time: 'ever',
    patterns: [
      p('(?:has|have) {PT} (?:ever )?(?:taken|been on|been taking|used|received|been prescribed|been given) {THING}'),
      p('(?:did|does|do|was|were) {PT} ever (?:take|on|taking|use|receive|been on|prescribed|given) {THING}'),
      p('ever (?:taken|been on|on) {THING}'),
    ],
    examples: ['Has the patient ever taken amoxicillin?', 'Has the patient been on a statin?'],
  },
  {
    intent: 'medication',
    kind: 'yes-no',
    time: 'past',
    patterns: [
      p('did {PT} (?:take|use|receive) {THING}'),
      p('(?:was|were) {PT} (?:on|taking|prescribed|given|using|receiving) {THING}'),
      p('(?:has|have) {PT} (?:previously|formerly) (?:taken|been on|used|received) {THING}'),
    ],
    examples: ['Was the patient on a statin before?', 'Did the patient take ibuprofen?'],
  },
  {
    intent: 'medication',
    kind: 'yes-no',
    time: 'now',
    patterns: [
      p('(?:is|are) {PT} {WHEN_NOW}(?:on|taking|using|receiving|prescribed) {THING}'),
      p('(?:does|do) {PT} {WHEN_NOW}(?:take|use|receive) {THING}'),
      p('(?:currently )?(?:on|taking) {THING}'),
    ],
    examples: ['Is the patient on an anticoagulant?', 'Is the patient taking warfarin?', 'Does the patient take metformin?'],
  },
  {
    intent: 'observation',
    kind: 'yes-no',
    time: 'ever',
    patterns: [
      p('(?:has|was|did) {PTS}?{THING} ever (?:been |gone |go |risen |rise |fallen |fall |dropped |drop |measured )?{OP} {NUM}{UNIT}'),
    ],
    examples: ['Has the HbA1c ever been above 9?', 'Was the heart rate ever over 120?'],
  },
  {
    intent: 'observation',
    kind: 'yes-no',
    time: 'latest',
    patterns: [
      p('(?:is|was|are|were) {PTS}?(?:latest |last |most recent |current |recent )?{THING} (?:still )?{OP} {NUM}{UNIT}'),
      p('(?:latest |last |most recent |current )?{THING_SHORT} {OP} {NUM}{UNIT}'),
    ],
    examples: ['Is the HbA1c above 7?', 'Is the systolic blood pressure over 140?', 'Is the BMI below 18.5?'],
  },
  {
    intent: 'observation',
    kind: 'values',
    time: 'trend',
    patterns: [
      p('(?:what (?:is|was|are) |show (?:me )?)?(?:the )?(?:trend|course|trajectory|evolution) (?:of|in|for) {PTS}?{THING}(?: over time)?'),
      p('how (?:has|have|did) {PTS}?{THING} (?:changed|change|trended|evolved|developed)(?: over time)?'),
      p('(?:what (?:is|was|are) |show (?:me )?)?{PTS}?{THING} (?:trend|over time)'),
    ],
    examples: ['What is the trend of the BMI?', 'How has the HbA1c changed over time?', 'Weight trend?'],
  },
  {
    intent: 'observation',
    kind: 'values',
    time: 'latest',
    patterns: [
      p(
        '(?:what (?:is|was|are|were) )?{PTS}?(?:latest|last|most recent|current|recent|newest) {THING}(?: values?| levels?| results?| readings?| measurements?)?',
      ),
      p('what (?:is|was|are|were) {PTS}{THING}(?: values?| levels?| results?| readings?| measurements?)?'),
    ],
    examples: ['Latest HbA1c?', 'What is the latest blood pressure?', "What is the patient's BMI?"],
  },
  {
    intent: 'condition',
    kind: 'yes-no',
    time: 'ever',
    patterns: [
      p('(?:has|have) {PT} ever (?:had|been diagnosed with|suffered from|experienced|reported|been treated for) {THING}'),
      p('(?:did|does|do) {PT} ever (?:have|get|suffer from|experience) {THING}'),
      p('(?:has|have) {PT} (?:had|been diagnosed with|suffered from|experienced|been treated for) {THING}'),
      p('ever (?:had |diagnosed with )?{THING}'),
    ],
    examples: ['Has the patient ever had a pulmonary embolism?', 'Has the patient had pneumonia?'],
  },
  {
    intent: 'condition',
    kind: 'yes-no',
    time: 'past',
    patterns: [
      p('(?:does|do|did) {PT} have (?:a |any )?(?:past |prior |previous |known )?(?:medical )?(?:history|hx) of {THING}'),
      p('(?:is there|are there|any) (?:a |any )?(?:past |prior |previous )?(?:medical )?(?:history|hx) of {THING}'),
      p('(?:past |prior |previous )?(?:medical )?(?:history|hx) of {THING}'),
      p('did {PT} (?:have|get|suffer from|experience) {THING}'),
      p('(?:has|have) {PT} (?:previously|formerly) (?:had|been diagnosed with) {THING}'),
    ],
    examples: ['Did the patient have pneumonia before?', 'Does the patient have a history of hypertension?', 'History of stroke?'],
  },
  {
    intent: 'condition',
    kind: 'yes-no',
    time: 'now',
    patterns: [
      p(
        '(?:does|do) {PT} {WHEN_NOW}(?:have|suffer from|report|complain of|present with|experience|show|exhibit|endorse|describe|feel|get) {THING}',
      ),
      p(
        '(?:is|are) {PT} {WHEN_NOW}(?:suffering from|experiencing|reporting|complaining of|presenting with|diagnosed with|being treated for|known to have|positive for) {THING}',
      ),
      p('(?:has|have) {PT} got {THING}'),
      p('(?:is|are) there (?:any )?(?:evidence of |signs? of |symptoms? of |a diagnosis of )?{THING}'),
      p('any (?:evidence of |signs? of |symptoms? of )?{THING}'),
      p('(?:is|are) {PT} {THING}'),
    ],
    examples: ['Does the patient have asthma?', 'Does the patient report chest pain?', 'Any fever?', 'Is the patient pregnant?'],
  },
];

/** Short lists of questions of each kind, for `ask --help` and for the "not understood" message. */
export const QUESTION_EXAMPLES: { readonly record: readonly string[]; readonly graph: readonly string[] } = {
  record: [
    'Does the patient have asthma?',
    'Has the patient ever had a pulmonary embolism?',
    'Is there a family history of diabetes?',
    'What conditions does the patient have?',
    'Is the patient on an anticoagulant?',
    'Which antibiotics has the patient taken?',
    'Is the patient allergic to penicillin?',
    'Latest HbA1c?',
    'Is the systolic blood pressure over 140?',
    'What is the trend of the BMI?',
    'Does the patient smoke?',
    'Why pneumonia?',
  ],
  graph: [
    'What treats hypertension?',
    'First-line drugs for hypertension?',
    'Which findings point to pericarditis?',
    'What are the risk factors for pulmonary embolism?',
    'What is smoking a risk factor for?',
    'What is metformin used for?',
  ],
};

/** A question as the patterns see it, with where each of its characters came from in the original. */
export interface NormalizedQuestion {
  text: string;
  /** `at[i]`: the index in the original question of `text[i]`. */
  at: number[];
}

const POLITE_OPENING =
  /^(?:(?:please|so|ok|okay|hi)[,:]? )*(?:(?:(?:can|could|would) you (?:please )?(?:tell me|check|say|confirm)|tell me|i (?:want|would like) to know|do you know)[,:]? )?/;

/**
 * Lower-case the question, straighten quotes, collapse white space, and drop a polite opening
 * ("please", "can you tell me") and the final punctuation, keeping a map back to the original.
 */
export function normalizeQuestion(question: string): NormalizedQuestion {
  let text = '';
  const at: number[] = [];
  let space = false;
  for (let i = 0; i < question.length; i++) {
    const ch = question[i] as string;
    if (/\s/.test(ch)) {
      space = text.length > 0;
      continue;
    }
    if (space) {
      text += ' ';
      at.push(i - 1);
      space = false;
    }
    const lower = ch === '\u2019' || ch === '\u2018' ? "'" : ch === '\u201c' || ch === '\u201d' ? '"' : ch.toLowerCase();
    for (const c of lower) {
      text += c;
      at.push(i);
    }
  }
  const end = text.search(/[\s?.!]*$/);
  const start = POLITE_OPENING.exec(text.slice(0, end))?.[0].length ?? 0;
  return { text: text.slice(start, end), at: at.slice(start, end) };
}
