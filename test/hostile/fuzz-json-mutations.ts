/**
 * @file JSON-aware mutations for the fuzzer: each changes one field of a FHIR value the way a
 * broken or hostile export would — a key deleted, a value of the wrong type, a huge number or
 * string, deep nesting, a lone surrogate or control characters, another resourceType, a broken
 * reference, a duplicated entry or id, prototype keys, dates that are no dates — or one attachment:
 * bad base64, a wrong contentType, a hostile URL or path, another attachment's bytes, a hostile HTML
 * note, corrupted media bytes (a WAV declaring 1 Hz or 4 GHz, a PNG declaring 100000 × 100000).
 *
 * Each mutation returns a short description (what a failing case prints) or undefined when the
 * value has nothing it applies to.
 */
import type { Random } from '../../src/util/random.js';
import type { RawTable } from './fuzz-seeds.js';

type Holder = Record<string, unknown> | unknown[];
interface Slot {
  holder: Holder;
  key: string | number;
  path: string;
}

/** Every place in `root.v` a value sits (the root included), breadth limited. */
function slots(root: { v: unknown }, limit = 20_000): Slot[] {
  const out: Slot[] = [];
  const stack: Slot[] = [{ holder: root as Record<string, unknown>, key: 'v', path: '$' }];
  while (stack.length > 0 && out.length < limit) {
    const slot = stack.pop() as Slot;
    out.push(slot);
    const v = valueAt(slot);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ holder: v, key: i, path: `${slot.path}[${i}]` });
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) stack.push({ holder: v as Record<string, unknown>, key: k, path: `${slot.path}.${k}` });
    }
  }
  return out;
}

const valueAt = (s: Slot): unknown => (s.holder as Record<string | number, unknown>)[s.key];
const set = (s: Slot, value: unknown): void => {
  (s.holder as Record<string | number, unknown>)[s.key] = value;
};
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** A short path for descriptions (long base64 keys never appear in paths; indices do). */
const short = (path: string): string => (path.length > 60 ? `…${path.slice(-57)}` : path);

const WRONG_VALUES: unknown[] = [null, 0, -1, 1.5, true, false, '', 'x', [], {}, [null], { x: 1 }, ['a', 'b'], '0', 'null'];
const RAW_NUMBERS = ['1e999', '-1e999', '123456789012345678901234567890', '-0', '1e-400', '9007199254740993', '0.1e-99999'];
const HOSTILE_CHARS = [
  '\ud800',
  '\udfff',
  '\u0000',
  '\u001b[2J\u001b]0;pwned\u0007',
  '\u202e',
  '\r\nerror: forged line',
  '\ufeff',
  '\u2028\u2029',
  '\uffff',
  '\\',
  '"',
  '%00',
  '\u0085',
];
const RESOURCE_TYPES: unknown[] = [
  'Patient',
  'Bundle',
  'Binary',
  'Condition',
  'Observation',
  'Media',
  'Foo',
  '',
  123,
  null,
  '__proto__',
  'constructor',
  'patient',
];
const REFERENCES = [
  'Patient/does-not-exist',
  'urn:uuid:00000000-0000-0000-0000-000000000000',
  '#contained',
  '',
  'Patient/',
  '/',
  '../../../../etc/passwd',
  'http://169.254.169.254/latest/meta-data',
  'Patient/\ud800',
  'Binary/missing',
  'Patient/a/_history/1',
  'Patient?identifier=x',
];
const BAD_DATES = [
  '2024-13-45',
  '0000-00-00',
  '99999-01-01T00:00:00Z',
  '2024-02-30',
  '',
  'yesterday',
  '1800-01-01',
  '2999-12-31T23:59:59+14:00',
  '-000001-01-01',
  '2024',
];
const CONTENT_TYPES = [
  'image/png',
  'audio/wav',
  'text/html',
  'application/dicom',
  'text/plain; charset=utf-16',
  'audio/ogg',
  'video/mp4',
  '',
  'image/png; charset=utf-8',
  'x/../../y',
  'text/plain; charset=does-not-exist',
  'TEXT/PLAIN',
];
const URLS = [
  '../../../../etc/passwd',
  '/etc/passwd',
  'file:///etc/passwd',
  'http://127.0.0.1:1/x',
  'records_files/missing.png',
  'data:image/png;base64,AAAA',
  'data:text/plain,%E0%A4%A',
  'data:,%',
  'data:text/plain;base64,!!!',
  'Binary/missing',
  '.',
  '',
  'C:\\Windows\\win.ini',
  '\u0000',
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];

/** A placeholder string that serialize() swaps for `text`. */
function rawValue(raw: RawTable, text: string): string {
  const token = `__cb_raw_${raw.size}__`;
  raw.set(token, text);
  return token;
}

function deep(rng: Random, raw: RawTable): { token: string; depth: number } {
  const depth = rng.pick([64, 1000, 20_000, 100_000]);
  const text = rng.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return { token: rawValue(raw, text), depth };
}

const b64 = (bytes: Buffer): string => bytes.toString('base64');

/** Mutations of the decoded bytes of an attachment. */
function mutateMedia(rng: Random, bytes: Buffer): { bytes: Buffer; what: string } {
  const out = Buffer.from(bytes);
  const wav = out.subarray(0, 4).toString('latin1') === 'RIFF';
  const png = out[0] === 0x89 && out[1] === 0x50;
  if (wav && out.length >= 44 && rng.chance(0.6)) {
    // the fmt chunk of a canonical WAV: sample rate at 24, channels at 22, bits at 34, data size at 40
    const which = rng.pick(['rate-1', 'rate-0', 'rate-max', 'channels-0', 'channels-max', 'bits-odd', 'size-max']);
    if (which === 'rate-1') out.writeUInt32LE(1, 24);
    if (which === 'rate-0') out.writeUInt32LE(0, 24);
    if (which === 'rate-max') out.writeUInt32LE(0xffffffff, 24);
    if (which === 'channels-0') out.writeUInt16LE(0, 22);
    if (which === 'channels-max') out.writeUInt16LE(0xffff, 22);
    if (which === 'bits-odd') out.writeUInt16LE(rng.pick([0, 1, 7, 12, 64]), 34);
    if (which === 'size-max') out.writeUInt32LE(0xffffffff, 40);
    return { bytes: out, what: `wav ${which}` };
  }
  if (png && out.length >= 24 && rng.chance(0.6)) {
    // IHDR width and height (the CRC is left wrong, as a hand-edited file would have it)
    const side = rng.pick([0, 1, 100_000, 0x7fffffff]);
    out.writeUInt32BE(side, 16);
    out.writeUInt32BE(rng.pick([side, 1, 100_000]), 20);
    return { bytes: out, what: `png ihdr ${side}` };
  }
  if (rng.chance(0.3)) return { bytes: out.subarray(0, rng.int(out.length + 1)), what: 'truncated' };
  const flips = rng.intBetween(1, 16);
  for (let i = 0; i < flips && out.length > 0; i++) {
    const at = rng.int(out.length);
    out[at] = (out[at] as number) ^ (1 << rng.int(8));
  }
  return { bytes: out, what: `${flips} bit flips` };
}

function hostileHtml(rng: Random): string {
  const n = rng.intBetween(1000, 60_000);
  return rng.pick([
    () => '<a'.repeat(n),
    () => `<p>chest pain</p>${'<!--'.repeat(n)}`,
    () => `${'<script '.repeat(n / 4)}>tail`,
    () => `<html><head><title>x</title></head><body>${'<div>'.repeat(n / 5)}shortness of breath</body>`,
    () => `&#${'9'.repeat(40)};&amp;&#x110000;&#0;&nbsp;${'&'.repeat(n)}`,
    () => '<style>'.repeat(n / 7),
  ])();
}

type Mutation = (rng: Random, root: { v: unknown }, raw: RawTable) => string | undefined;

function pickSlot(rng: Random, all: Slot[], keep: (s: Slot) => boolean): Slot | undefined {
  const matching = all.filter(keep);
  return matching.length > 0 ? rng.pick(matching) : undefined;
}

const notRoot = (s: Slot) => s.path !== '$';
const stringSlot = (s: Slot) => typeof valueAt(s) === 'string' && notRoot(s);
const keyed =
  (...keys: string[]) =>
  (s: Slot) =>
    typeof s.key === 'string' && keys.includes(s.key);
/** Attachment-like objects: they have contentType, data or url. */
const attachmentSlot = (s: Slot) => {
  const v = valueAt(s);
  return isObject(v) && ('data' in v || ('contentType' in v && 'url' in v));
};

const MUTATIONS: Record<string, Mutation> = {
  delete(rng, root) {
    const s = pickSlot(rng, slots(root), notRoot);
    if (!s) return undefined;
    if (Array.isArray(s.holder)) s.holder.splice(s.key as number, 1);
    else delete s.holder[s.key as string];
    return `delete ${short(s.path)}`;
  },
  'wrong-type'(rng, root) {
    const s = pickSlot(rng, slots(root), notRoot);
    if (!s) return undefined;
    const value = rng.pick(WRONG_VALUES);
    set(s, structuredClone(value));
    return `${short(s.path)} = ${JSON.stringify(value)}`;
  },
  number(rng, root, raw) {
    const all = slots(root);
    const s = pickSlot(rng, all, (x) => typeof valueAt(x) === 'number') ?? pickSlot(rng, all, notRoot);
    if (!s) return undefined;
    const text = rng.pick(RAW_NUMBERS);
    set(s, rawValue(raw, text));
    return `${short(s.path)} = ${text}`;
  },
  'huge-string'(rng, root) {
    const s = pickSlot(rng, slots(root), stringSlot) ?? pickSlot(rng, slots(root), notRoot);
    if (!s) return undefined;
    const n = rng.pick([10_000, 100_000, 400_000]);
    set(s, rng.chance(0.5) ? 'A'.repeat(n) : '\u{1F600}'.repeat(n / 2));
    return `${short(s.path)} = string of ${n}`;
  },
  deep(rng, root, raw) {
    const s = pickSlot(rng, slots(root), notRoot);
    if (!s) return undefined;
    const { token, depth } = deep(rng, raw);
    set(s, token);
    return `${short(s.path)} nested ${depth} deep`;
  },
  chars(rng, root) {
    const s = pickSlot(rng, slots(root), stringSlot);
    if (!s) return undefined;
    const text = valueAt(s) as string;
    const at = rng.int(Math.min(text.length, 200) + 1);
    const char = rng.pick(HOSTILE_CHARS);
    set(s, text.slice(0, at) + char + text.slice(at));
    return `${short(s.path)} gets ${JSON.stringify(char)}`;
  },
  'resource-type'(rng, root) {
    const s = pickSlot(rng, slots(root), keyed('resourceType'));
    if (!s) return undefined;
    const type = rng.pick(RESOURCE_TYPES);
    set(s, type);
    return `${short(s.path)} = ${JSON.stringify(type)}`;
  },
  reference(rng, root) {
    const s = pickSlot(rng, slots(root), keyed('reference', 'fullUrl'));
    if (!s) return undefined;
    const ref = rng.pick(REFERENCES);
    set(s, ref);
    return `${short(s.path)} = ${JSON.stringify(ref)}`;
  },
  duplicate(rng, root) {
    const all = slots(root);
    const s =
      pickSlot(rng, all, (x) => x.key === 'entry' && Array.isArray(valueAt(x)) && (valueAt(x) as unknown[]).length > 0) ??
      pickSlot(rng, all, (x) => Array.isArray(valueAt(x)) && (valueAt(x) as unknown[]).length > 0);
    if (!s) return undefined;
    const list = valueAt(s) as unknown[];
    const copies = rng.pick([1, 1, 2, 50]);
    const item = rng.pick(list);
    for (let i = 0; i < copies; i++) list.splice(rng.int(list.length + 1), 0, structuredClone(item));
    return `${short(s.path)}: one item ${copies} more time(s)`;
  },
  'same-id'(rng, root) {
    const ids = slots(root).filter(keyed('id'));
    if (ids.length === 0) return undefined;
    const id = rng.pick(['x', '', 'p1', ids[0] ? String(valueAt(ids[0])) : 'x']);
    for (const s of ids) set(s, id);
    return `every id = ${JSON.stringify(id)}`;
  },
  proto(rng, root) {
    const s = pickSlot(rng, slots(root), (x) => isObject(valueAt(x)));
    if (!s) return undefined;
    const key = rng.pick(PROTO_KEYS);
    Object.defineProperty(valueAt(s), key, {
      value: rng.pick([{ polluted: true }, 'x', null, [1]]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return `${short(s.path)}.${key} added`;
  },
  date(rng, root) {
    const s = pickSlot(rng, slots(root), (x) => stringSlot(x) && /^\d{4}-\d\d/.test(valueAt(x) as string));
    if (!s) return undefined;
    const date = rng.pick(BAD_DATES);
    set(s, date);
    return `${short(s.path)} = ${JSON.stringify(date)}`;
  },
  empty(rng, root) {
    const s = pickSlot(rng, slots(root), (x) => notRoot(x) && valueAt(x) !== null && typeof valueAt(x) === 'object');
    if (!s) return undefined;
    const value = rng.pick([[], {}]);
    set(s, value);
    return `${short(s.path)} = ${JSON.stringify(value)}`;
  },
  attachment(rng, root) {
    const all = slots(root);
    const s = pickSlot(rng, all, attachmentSlot);
    if (!s) return undefined;
    const a = valueAt(s) as Record<string, unknown>;
    const data = typeof a.data === 'string' ? a.data : '';
    const which = rng.pick(['base64', 'base64', 'content-type', 'url', 'swap', 'html', 'media', 'media', 'size', 'no-data']);
    const where = short(s.path);
    switch (which) {
      case 'base64': {
        const bad = rng.pick([
          () => '!!!!',
          () => 'A',
          () => 'AB=',
          () => '====',
          () => 'QUJD\u0000RA==',
          () => `@@@${data.slice(3)}`,
          () => data.slice(0, rng.int(data.length + 1)),
          () => data.replace(/(.{7})/g, '$1 \n'),
          () => `data:image/png;base64,${data}`,
          () => data.replace(/\+/g, '-').replace(/\//g, '_'),
          () => `${data}${'='.repeat(rng.intBetween(1, 9))}`,
        ])();
        a.data = bad;
        return `${where}.data bad base64`;
      }
      case 'content-type': {
        const type = rng.pick(CONTENT_TYPES);
        a.contentType = type;
        return `${where}.contentType = ${JSON.stringify(type)}`;
      }
      case 'url': {
        const url = rng.pick(URLS);
        delete a.data;
        a.url = url;
        return `${where}.url = ${JSON.stringify(url)}`;
      }
      case 'swap': {
        const other = pickSlot(
          rng,
          all,
          (x) => x !== s && attachmentSlot(x) && typeof (valueAt(x) as Record<string, unknown>).data === 'string',
        );
        if (!other) return undefined;
        a.data = (valueAt(other) as Record<string, unknown>).data;
        return `${where}.data from ${short(other.path)}`;
      }
      case 'html':
        a.contentType = 'text/html';
        a.data = b64(Buffer.from(hostileHtml(rng)));
        return `${where} hostile HTML note`;
      case 'media': {
        if (!data) return undefined;
        const mutated = mutateMedia(rng, Buffer.from(data, 'base64'));
        a.data = b64(mutated.bytes);
        return `${where}.data ${mutated.what}`;
      }
      case 'size':
        a.size = rng.pick([-1, 1e12, 'x', 0]);
        return `${where}.size lies`;
      default:
        delete a.data;
        delete a.url;
        return `${where} without data or url`;
    }
  },
};

/** Weights: attachments and types are where readers break most; plain deletions are cheap variety. */
const WEIGHTS: Record<keyof typeof MUTATIONS, number> = {
  delete: 3,
  'wrong-type': 3,
  number: 1,
  'huge-string': 1,
  deep: 1,
  chars: 2,
  'resource-type': 2,
  reference: 2,
  duplicate: 1,
  'same-id': 1,
  proto: 1,
  date: 1,
  empty: 1,
  attachment: 4,
};
const NAMES = Object.keys(WEIGHTS);

/** One JSON-aware mutation of `root.v` (a Bundle, a resource, or the list of an NDJSON file's values). */
export function mutateJson(rng: Random, root: { v: unknown }, raw: RawTable): string | undefined {
  const name = NAMES[rng.weightedIndex(NAMES.map((n) => WEIGHTS[n] as number))] as string;
  return (MUTATIONS[name] as Mutation)(rng, root, raw);
}
