/**
 * @file Escaping for the HTML report: the one way any value reaches the document.
 *
 * Record text (notes, ids, labels, warnings, file names) comes from outside and may hold
 * `<script>` or an attribute breakout such as `"><img onerror=…>`. Rather than trusting every
 * call site to remember an escape, the report is built with the `html` template tag: every
 * interpolated value is escaped unless it is already an `Html` fragment made by this module.
 * The escape covers both text and (always double-quoted) attribute contexts, so the same rule
 * holds wherever a value lands. Inline JSON gets its own escape because HTML does not parse
 * entities inside `<script>`: there a `</script>` in a string would end the element.
 */

/** A fragment of trusted markup: only this module and the `html` tag create one. */
export class Html {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What may be interpolated into `html`: fragments pass through, everything else is escaped. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes text for an element body or a quoted attribute value. Other characters (any script,
 * emoji, combining marks) pass unchanged: the document is UTF-8. NUL and other C0 controls but
 * tab, newline and carriage return are dropped, since HTML parsers treat them inconsistently.
 */
export function escapeHtml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the class matches the C0 controls on purpose, to drop them from the page
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[&<>"'`]/g, (c) => ENTITIES[c] as string);
}

function renderValue(value: HtmlValue): string {
  if (value instanceof Html) return value.value;
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(renderValue).join('');
}

/**
 * Template tag that escapes every interpolation. Booleans, null and undefined render as nothing
 * (so `${cond && html`…`}` works); arrays are joined; non-finite numbers render as nothing rather
 * than `NaN` inside an SVG attribute.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += renderValue(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/**
 * Markup that is trusted by construction (the style sheet, fixed constants). Never pass record
 * data here.
 */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/** Joins fragments with a separator (itself escaped when it is a string). */
export function joinHtml(parts: readonly HtmlValue[], separator: HtmlValue = ''): Html {
  const sep = renderValue(separator);
  return new Html(parts.map(renderValue).join(sep));
}

/**
 * JSON for an inline `<script type="application/json">` block. `<`, `>` and `&` become `\u003c`
 * and friends, so no `</script>` or `<!--` can appear; U+2028/2029 are escaped for old parsers.
 * The result is still valid JSON that parses back to the same value.
 */
export function jsonForHtml(value: unknown): Html {
  const text = JSON.stringify(value) ?? 'null';
  return new Html(
    text
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}

const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/**
 * The thumbnail URL if it is an inline base64 image, else undefined. Anything else (an http URL,
 * `javascript:`, SVG that could carry script) is refused here, and the page's CSP would block it
 * anyway.
 */
export function safeDataImageUrl(url: unknown): string | undefined {
  return typeof url === 'string' && url.length < 8_000_000 && DATA_IMAGE.test(url) ? url : undefined;
}
