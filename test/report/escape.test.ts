import { describe, expect, it } from 'vitest';
import { escapeHtml, html, joinHtml, jsonForHtml, safeDataImageUrl, trusted } from '../../src/report/escape.js';
import { BREAKOUT_NOTE, SCRIPT_NOTE, startTags } from './fixtures.js';

describe('escapeHtml', () => {
  it('turns a script tag into text', () => {
    const out = escapeHtml(SCRIPT_NOTE);
    expect(out).toBe('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(out).not.toContain('<');
  });

  it('keeps an attribute breakout inside its attribute', () => {
    const out = html`<div title="${BREAKOUT_NOTE}">${BREAKOUT_NOTE}</div>`.value;
    expect(out).toBe(
      '<div title="&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;">&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;</div>',
    );
    expect(startTags(out)).toEqual([{ name: 'div', attributes: ['title'] }]);
  });

  it('escapes single quotes and backticks for any quoting style', () => {
    expect(escapeHtml(`a'b\`c`)).toBe('a&#39;b&#96;c');
  });

  it('cannot close the style element', () => {
    const out = html`<style>p{color:red}</style><p>${'</style><script>x()</script>'}</p>`.value;
    expect(out.match(/<\/style>/g)).toHaveLength(1);
    expect(out).toContain('&lt;/style&gt;&lt;script&gt;');
  });

  it('leaves unicode text as it is', () => {
    const text = 'Ωmega — 患者の記録 😀 café (e\u0301) עִברִית';
    expect(escapeHtml(text)).toBe(text);
  });

  it('drops C0 control characters but keeps tabs and newlines', () => {
    expect(escapeHtml('a\u0000b\u0007c\td\ne\r\n')).toBe('abc\td\ne\r\n');
  });

  it('escapes ampersands once, so entity text stays literal', () => {
    expect(escapeHtml('&lt;b&gt; &amp; &#x3c;')).toBe('&amp;lt;b&amp;gt; &amp;amp; &amp;#x3c;');
  });
});

describe('html tag', () => {
  it('passes fragments through without escaping them twice', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}</p>`.value).toBe('<p><b>&lt;i&gt;</b></p>');
  });

  it('joins arrays and drops null, undefined, booleans and non-finite numbers', () => {
    expect(html`${['<a>', html`<br>`, 3]}|${null}|${undefined}|${false}|${true}|${Number.NaN}|${Infinity}|${0}`.value).toBe(
      '&lt;a&gt;<br>3|||||||0',
    );
  });

  it('escapes string separators in joinHtml', () => {
    expect(joinHtml(['a', 'b'], '<hr>').value).toBe('a&lt;hr&gt;b');
    expect(joinHtml(['a', 'b'], trusted('<hr>')).value).toBe('a<hr>b');
  });
});

describe('jsonForHtml', () => {
  it('cannot end a script element or open a comment, and parses back to the same value', () => {
    const value = { note: `</script><!-- ${SCRIPT_NOTE} & \u2028 \u2029`, n: [1, 2] };
    const out = jsonForHtml(value).value;
    expect(out).not.toMatch(/<\/|<!--|</);
    expect(out).not.toContain('\u2028');
    expect(JSON.parse(out)).toEqual(value);
  });
});

describe('safeDataImageUrl', () => {
  it('accepts inline base64 raster images', () => {
    expect(safeDataImageUrl('data:image/png;base64,iVBORw0KGgo=')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(safeDataImageUrl('data:image/jpeg;base64,/9j/4AAQ')).toBe('data:image/jpeg;base64,/9j/4AAQ');
  });

  it.each([
    'javascript:alert(1)',
    'http://example.org/x.png',
    'https://example.org/x.png',
    'data:image/svg+xml;base64,PHN2Zz4=',
    'data:text/html;base64,PHNjcmlwdD4=',
    'data:image/png;base64,abc" onerror="x',
    'data:image/png,rawbytes',
    '',
  ])('refuses %s', (url) => {
    expect(safeDataImageUrl(url)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    expect(safeDataImageUrl(42)).toBeUndefined();
    expect(safeDataImageUrl(null)).toBeUndefined();
  });
});
