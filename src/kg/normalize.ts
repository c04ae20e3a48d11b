/**
 * @file Tokenising and normalising text the same way everywhere the graph's surface forms meet
 * text: when the build checks that no two entities claim the same phrase, when the graph looks a
 * name up, and when the linker scans a note.
 *
 * Why one module: a synonym only matches a note if both went through identical rules, so the
 * rules live in one place. They are deliberately small and predictable (no dictionary-based
 * lemmatiser), because the Python training recipe calls the linker through Node and a reader must
 * be able to say by hand what a phrase normalises to.
 *
 * Inflections: instead of listing "coughing", "coughs" and "coughed" as synonyms, every word token
 * is reduced by a few suffix rules (`stem`), applied identically to the dictionary and to the text.
 * The rules only need to agree with themselves, not to produce real English stems.
 */

export interface Token {
  /** Character offsets into the original string (end exclusive). */
  start: number;
  end: number;
  /** `word` for letters/digits, `punct` for the separators that matter to negation scope. */
  kind: 'word' | 'punct';
  /** Lower-case, accent-free, apostrophe-free form (`word`), or the punctuation character. */
  norm: string;
  /** `norm` after the suffix rules; equals `norm` for punctuation. */
  stem: string;
}

// Words: letters and digits, with internal apostrophes ("alzheimer's", "doesn't"); numbers keep
// their decimal point ("38.5") so it is not read as a sentence end. Punctuation that bounds a
// negation scope or separates list items is kept as a token; everything else ("-", "/", "(", "+")
// only separates words.
const TOKEN_RE = /\d+(?:[.,]\d+)*|[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[.;:!?,\n]/gu;

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** Lower-case, strip accents ("Barré" -> "barre") and apostrophes ("alzheimer's" -> "alzheimer"). */
export function normalizeWord(word: string): string {
  let w = word.toLowerCase().normalize('NFD').replace(COMBINING_MARKS, '');
  w = w.replace(/['’]s$/, '');
  return w.replace(/['’]/g, '');
}

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

/**
 * Reduce a normalised word by a few suffix rules, e.g. coughing/coughs/coughed -> cough,
 * wheeze/wheezing/wheezes -> wheez, allergies -> allergy, ribs -> rib, rashes -> rash,
 * stopped -> stop. Words under four letters and words with digits are kept as they are, so
 * abbreviations ("hiv", "sob") survive and "hives" -> "hive" stays apart from "hiv".
 */
export function stem(word: string): string {
  let w = word;
  if (w.length < 4 || /\d/.test(w)) return w;
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 5 && w.endsWith('ing')) {
    w = w.slice(0, -3);
  } else if (w.length > 4 && w.endsWith('ed') && !w.endsWith('eed')) {
    w = w.slice(0, -2);
  } else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) {
    w = w.slice(0, -1);
  }
  // A final silent e, so that "wheeze" meets "wheezing"; only in longer words ("hive" stays).
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  // A doubled final consonant, so that "stopped" meets "stop" and "travelled" meets "travel";
  // applied to every word (so "swell" and "swelling" both become "swel"), except s and z ("loss").
  const n = w.length;
  const last = w[n - 1] as string;
  if (n >= 4 && last === w[n - 2] && !VOWELS.has(last) && last !== 's' && last !== 'z') w = w.slice(0, -1);
  return w;
}

/** Split text into word and punctuation tokens with their character offsets. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    const raw = m[0];
    const start = m.index;
    const end = start + raw.length;
    if (raw.length === 1 && '.;:!?,\n'.includes(raw)) {
      tokens.push({ start, end, kind: 'punct', norm: raw, stem: raw });
    } else {
      const norm = normalizeWord(raw);
      tokens.push({ start, end, kind: 'word', norm, stem: stem(norm) });
    }
  }
  return tokens;
}

/**
 * The dictionary key of a phrase: its word tokens, stemmed, joined by single spaces
 * ("Coughing up-blood" -> "cough up blood"). Punctuation inside a phrase is dropped.
 */
export function phraseKey(phrase: string): string {
  return tokenize(phrase)
    .filter((t) => t.kind === 'word')
    .map((t) => t.stem)
    .join(' ');
}
