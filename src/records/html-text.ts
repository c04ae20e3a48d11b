/**
 * @file Reduce HTML (notes sent as text/html, XHTML narratives) to the plain text a tokenizer
 * reads: scripts, styles and comments dropped, block elements turned into line breaks, tags
 * removed and character references decoded.
 *
 * A regular-expression reduction rather than a DOM parser: notes are simple documents, and the
 * result only has to be readable text, never rendered again (the HTML report escapes all text).
 *
 * Linear time (issue 11): a lazy or `[^>]*>` pattern run by `replace` tries again at every later
 * start when its closing delimiter is missing, so a 400 KB note of unclosed tags took 46 s. Each
 * step below is a left-to-right scan that gives the same result as the pattern it replaces (the
 * patterns are named in the comments), but stops as soon as no later match is possible. The size
 * of an HTML note is also capped (MAX_HTML_NOTE_BYTES, checked by the callers).
 */

/**
 * Largest HTML note (text/html attachment or narrative) reduced to text: 2 MiB, far above any
 * clinical note (the longest in the corpus are tens of KB); a longer one is dropped with a warning.
 */
export const MAX_HTML_NOTE_BYTES = 2 * 1024 * 1024;

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

/**
 * `html.indexOf('>', from)` for non-decreasing `from`, remembering the last answer: many openings
 * before one far `>` would otherwise each scan to it.
 */
function gtFinder(html: string): (from: number) => number {
  let at = -2;
  return (from) => {
    if (at === -1 || (at >= from && at !== -2)) return at;
    at = html.indexOf('>', from);
    return at;
  };
}

/**
 * Every span from `start` to the first `end` after it removed, left to right in one pass; an
 * unclosed `start` and what follows it stay.
 */
function removeSpans(html: string, start: string, end: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = html.indexOf(start, from);
    if (open < 0) break;
    const close = html.indexOf(end, open + start.length);
    if (close < 0) break;
    out += html.slice(from, open);
    from = close + end.length;
  }
  return out + html.slice(from);
}

/** `/<!--[\s\S]*?-->/g` removed. */
function removeComments(html: string): string {
  return removeSpans(html, '<!--', '-->');
}

/** `/<(script|style|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi` removed. */
function removeRawBlocks(html: string): string {
  const open = /<(script|style|head)\b/gi;
  const closed = new Set<string>();
  const nextGt = gtFinder(html);
  let out = '';
  let from = 0;
  for (let m = open.exec(html); m; m = open.exec(html)) {
    const name = (m[1] as string).toLowerCase();
    if (closed.has(name)) continue;
    const tagEnd = nextGt(open.lastIndex);
    // no `>` after this point: no later opening tag can match either
    if (tagEnd < 0) break;
    const close = new RegExp(`<\\/${name}\\s*>`, 'gi');
    close.lastIndex = tagEnd + 1;
    const c = close.exec(html);
    if (!c) {
      // no closing tag after this point: no later `<name` can match
      closed.add(name);
      continue;
    }
    out += html.slice(from, m.index);
    from = c.index + c[0].length;
    open.lastIndex = from;
  }
  return out + html.slice(from);
}

/** `/<(script|style)\b[^>]*\/>/gi` removed. */
function removeEmptyRawTags(html: string): string {
  const open = /<(script|style)\b/gi;
  const nextGt = gtFinder(html);
  let out = '';
  let from = 0;
  for (let m = open.exec(html); m; m = open.exec(html)) {
    const tagEnd = nextGt(open.lastIndex);
    if (tagEnd < 0) break;
    if (tagEnd - 1 >= open.lastIndex && html[tagEnd - 1] === '/') {
      out += html.slice(from, m.index);
      from = tagEnd + 1;
      open.lastIndex = from;
    }
  }
  return out + html.slice(from);
}

/** `/<\/?([A-Za-z][A-Za-z0-9:-]*)\b[^>]*>/g` replaced by `replace(name)`. */
function replaceTags(html: string, replace: (name: string) => string): string {
  const open = /<\/?([A-Za-z][A-Za-z0-9:-]*)\b/g;
  let out = '';
  let from = 0;
  for (let m = open.exec(html); m; m = open.exec(html)) {
    const tagEnd = html.indexOf('>', open.lastIndex);
    if (tagEnd < 0) break;
    out += html.slice(from, m.index) + replace(m[1] as string);
    from = tagEnd + 1;
    open.lastIndex = from;
  }
  return out + html.slice(from);
}

/** `/<![^>]*>/g` removed. */
function removeDeclarations(html: string): string {
  return removeSpans(html, '<!', '>');
}

/** Plain text of an HTML fragment or document (linear in its length). */
export function htmlToText(html: string): string {
  const text = removeDeclarations(
    replaceTags(removeEmptyRawTags(removeRawBlocks(removeComments(html))), (name) =>
      BLOCK.test(name) ? '\n' : /^t[dh]$/i.test(name) ? ' ' : '',
    ),
  );
  return decodeEntities(text)
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
}
