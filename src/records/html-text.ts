/**
 * @file Reduce HTML (notes sent as text/html, XHTML narratives) to the plain text a tokenizer
 * reads: scripts, styles and comments dropped, block elements turned into line breaks, tags
 * removed and character references decoded.
 *
 * A regular-expression reduction rather than a DOM parser: notes are simple documents, and the
 * result only has to be readable text, never rendered again (the HTML report escapes all text).
 */

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  deg: '°',
  plusmn: '±',
  micro: 'µ',
  middot: '·',
  times: '×',
  divide: '÷',
  frac12: '½',
  frac14: '¼',
  frac34: '¾',
  sup2: '²',
  sup3: '³',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  bull: '•',
  hellip: '…',
  laquo: '«',
  raquo: '»',
  le: '≤',
  ge: '≥',
  ne: '≠',
  larr: '←',
  rarr: '→',
  uarr: '↑',
  darr: '↓',
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  mu: 'μ',
  eacute: 'é',
  egrave: 'è',
  euml: 'ë',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  szlig: 'ß',
  ccedil: 'ç',
  ntilde: 'ñ',
  aacute: 'á',
  iacute: 'í',
  oacute: 'ó',
  uacute: 'ú',
  agrave: 'à',
  acirc: 'â',
  ecirc: 'ê',
};

/** Decode HTML character references (named, decimal and hexadecimal). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : '\uFFFD';
    }
    return NAMED[ref] ?? NAMED[ref.toLowerCase()] ?? whole;
  });
}

const BLOCK = /^(?:p|div|br|li|ul|ol|tr|table|h[1-6]|pre|section|article|header|footer|blockquote|dt|dd|hr|title)$/i;

/** Plain text of an HTML fragment or document. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<(script|style)\b[^>]*\/>/gi, '')
    .replace(/<\/?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>/g, (_tag, name: string) => (BLOCK.test(name) ? '\n' : /^t[dh]$/i.test(name) ? ' ' : ''))
    .replace(/<![^>]*>/g, '');
  return decodeEntities(text)
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
}
