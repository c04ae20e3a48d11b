/**
 * @file The `--fhir*` flags of `analyze` and `ask`: registered (`addFhirOptions`), checked and
 * turned into the FHIR server source's options (src/io/fhir-server.ts) and the state file of
 * incremental runs (src/io/fhir-state.ts).
 *
 * Why apart from src/cli/analyze.ts: a dozen flags that only mean something together (an export
 * level without a server, `--state` with a search, two token sources) are easier to register and
 * check in one place, and two commands read the same servers the same way. Only `analyze` has
 * `--fhir-write-back` (`ask` writes answers, not FHIR resources). The token is read here from the environment variable or file the user named, and from
 * here on it travels only in the Authorization header: no message names it. SMART Backend
 * Services (`--fhir-client-id` + `--fhir-key`) loads its private key here; tokens are fetched
 * later, on the first request (src/io/smart-auth.ts). `--fhir-write-back` is checked here too.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { FhirExportLevel, FhirSourceOptions } from '../io/fhir-server.js';
import { readFhirState } from '../io/fhir-state.js';
import { readSmartKey, type SmartKey } from '../io/smart-auth.js';
import { parseCount, quote, UsageError } from '../util/errors.js';

export interface FhirFlags {
  fhir?: string;
  fhirExport?: string;
  fhirType?: string;
  since?: string;
  state?: string;
  fhirTokenEnv?: string;
  fhirTokenFile?: string;
  fhirClientId?: string;
  fhirKey?: string;
  fhirScope?: string;
  fhirTokenUrl?: string;
  fhirWriteBack?: boolean;
  fhirTimeout: string;
  fhirMaxWait: string;
  fhirRetries: string;
}

export interface FhirRunPlan {
  source: FhirSourceOptions;
  /** Where to keep the transactionTime of the last whole export (`--state`). */
  state?: { file: string; server: string; level: string };
  /** SMART Backend Services: tokens fetched with this client id and key (src/io/smart-auth.ts). */
  smart?: { clientId: string; key: SmartKey; scope: string; tokenUrl?: string };
  /** POST each record's result Bundle back to the server as a transaction (`--fhir-write-back`). */
  writeBack?: boolean;
}

const TYPE_NAME = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * Registers the FHIR server source's options on `command` (in this order, which is `--help`'s);
 * `writeBack` adds `--fhir-write-back`. Returns the command, to chain further options.
 */
export function addFhirOptions(command: Command, options: { writeBack: boolean }): Command {
  command
    .option('--fhir <base>', 'read records from this FHIR R4 server (search, $everything; the only origin contacted) instead of files')
    .option('--fhir-export <level>', 'with --fhir: read by Bulk Data $export instead: system, patient or group/<id>')
    .option('--fhir-type <types>', 'with --fhir-export: only these resource types (_type), e.g. Patient,Condition,Observation')
    .option('--since <instant>', 'with --fhir-export: only resources changed after this instant (_since)')
    .option('--state <file>', 'with --fhir-export: keep the transactionTime of the last whole export here and pass it as _since next time')
    .option('--fhir-token-env <name>', 'bearer token for --fhir from this environment variable')
    .option('--fhir-token-file <path>', 'bearer token for --fhir from this file')
    .option('--fhir-client-id <id>', 'SMART Backend Services: client id registered with the server (with --fhir-key)')
    .option('--fhir-key <file>', 'SMART Backend Services: JWK or JWKS file with the private RS384 or ES384 key (kid required)')
    .option(
      '--fhir-scope <scopes>',
      `SMART Backend Services scopes (default system/*.read${options.writeBack ? ', plus system/*.write with --fhir-write-back' : ''})`,
    )
    .option('--fhir-token-url <url>', 'SMART token endpoint, when not the one the server advertises (consent to that origin too)');
  if (options.writeBack) {
    command.option(
      '--fhir-write-back',
      'with --fhir: POST the result Bundle of each record to the server as a transaction (implies --output-format fhir)',
    );
  }
  return command
    .option('--fhir-timeout <seconds>', 'time allowed for one request to the FHIR server (retried on 429, 5xx and timeouts)', '60')
    .option('--fhir-max-wait <seconds>', 'longest wait for a Bulk Data export to be ready', '3600')
    .option(
      '--fhir-retries <n>',
      'tries per request to the FHIR server on 429, 5xx, timeouts and cut downloads (exponential backoff)',
      '5',
    );
}

/** The flags that need `--fhir` (those without a default). */
const NEEDS_SERVER = [
  'fhirExport',
  'fhirType',
  'since',
  'state',
  'fhirTokenEnv',
  'fhirTokenFile',
  'fhirClientId',
  'fhirKey',
  'fhirScope',
  'fhirTokenUrl',
  'fhirWriteBack',
] as const;

/** The first FHIR server flag given (`--fhir` first), as typed: for commands that read no server in some mode (`ask --kg`). */
export function fhirFlagGiven(flags: FhirFlags): string | undefined {
  if (flags.fhir !== undefined) return '--fhir';
  const given = NEEDS_SERVER.find((k) => flags[k] !== undefined);
  return given ? `--${kebab(given)}` : undefined;
}

/** The source options the flags ask for, or undefined without `--fhir`; a UsageError when they do not fit. */
export async function fhirPlan(flags: FhirFlags, inputs: readonly string[]): Promise<FhirRunPlan | undefined> {
  if (!flags.fhir) {
    const stray = NEEDS_SERVER.find((k) => flags[k] !== undefined);
    if (stray) throw new UsageError(`--${kebab(stray)} needs --fhir <base URL>`);
    if (inputs.length === 0) throw new UsageError('give at least one input (a file, folder, glob or -), or --fhir <base URL>');
    return undefined;
  }
  if (inputs.length > 0) throw new UsageError(`--fhir reads the server instead of files; leave out the inputs (${quote(inputs[0])})`);
  let base: URL;
  try {
    base = new URL(flags.fhir);
  } catch {
    throw new UsageError(`--fhir must be an http(s) base URL, got ${quote(flags.fhir)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new UsageError(`--fhir must be an http(s) base URL, got ${quote(flags.fhir)}`);
  }
  if (base.username || base.password || base.search || base.hash) {
    throw new UsageError(
      '--fhir must be a plain base URL (no credentials, query or fragment); pass a token with --fhir-token-env or --fhir-token-file',
    );
  }
  const server = base.toString().replace(/\/+$/, '');

  let level: FhirExportLevel | undefined;
  if (flags.fhirExport !== undefined) {
    const v = flags.fhirExport;
    if (v === 'system' || v === 'patient' || /^group\/[A-Za-z0-9\-.]{1,64}$/.test(v)) level = v as FhirExportLevel;
    else throw new UsageError(`--fhir-export must be system, patient or group/<id>, got ${quote(v)}`);
  }
  for (const k of ['fhirType', 'since', 'state'] as const) {
    if (flags[k] !== undefined && !level)
      throw new UsageError(`--${kebab(k)} applies to Bulk Data exports: add --fhir-export system|patient|group/<id>`);
  }
  const types = flags.fhirType
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const badType = types?.find((t) => !TYPE_NAME.test(t));
  if (badType !== undefined) throw new UsageError(`--fhir-type takes resource type names separated by commas, got ${quote(badType)}`);
  if (flags.since !== undefined && (!/^\d{4}-\d{2}-\d{2}T/.test(flags.since) || Number.isNaN(Date.parse(flags.since)))) {
    throw new UsageError(`--since must be a FHIR instant such as 2024-01-31T00:00:00Z, got ${quote(flags.since)}`);
  }
  if (flags.since !== undefined && flags.state !== undefined) {
    throw new UsageError('--since and --state both set _since: pass one (--state keeps it from run to run)');
  }

  if (flags.fhirTokenEnv !== undefined && flags.fhirTokenFile !== undefined) {
    throw new UsageError('pass the token one way: --fhir-token-env or --fhir-token-file');
  }
  let token: string | undefined;
  if (flags.fhirTokenEnv !== undefined) {
    token = process.env[flags.fhirTokenEnv]?.trim();
    if (!token) throw new UsageError(`--fhir-token-env ${flags.fhirTokenEnv}: that environment variable is not set or empty`);
  }
  if (flags.fhirTokenFile !== undefined) {
    try {
      token = readFileSync(flags.fhirTokenFile, 'utf8').trim();
    } catch (error) {
      throw new UsageError(
        `--fhir-token-file: cannot read ${quote(flags.fhirTokenFile)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (!token) throw new UsageError(`--fhir-token-file ${quote(flags.fhirTokenFile)} is empty`);
  }
  if (token !== undefined && /[\r\n]/.test(token)) throw new UsageError('the FHIR token holds a line break; pass one token');

  let smart: FhirRunPlan['smart'];
  if ((flags.fhirClientId === undefined) !== (flags.fhirKey === undefined)) {
    throw new UsageError('SMART Backend Services needs both --fhir-client-id and --fhir-key');
  }
  if (flags.fhirClientId === undefined && (flags.fhirScope !== undefined || flags.fhirTokenUrl !== undefined)) {
    throw new UsageError('--fhir-scope and --fhir-token-url are for SMART Backend Services: add --fhir-client-id and --fhir-key');
  }
  if (flags.fhirClientId !== undefined && flags.fhirKey !== undefined) {
    if (token !== undefined)
      throw new UsageError(
        'pass one kind of credentials: a token (--fhir-token-env/--fhir-token-file) or --fhir-client-id with --fhir-key',
      );
    if (!flags.fhirClientId.trim()) throw new UsageError('--fhir-client-id is empty');
    let tokenUrl: string | undefined;
    if (flags.fhirTokenUrl !== undefined) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(flags.fhirTokenUrl);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.username || parsed.password) {
        throw new UsageError(`--fhir-token-url must be an http(s) URL without credentials, got ${quote(flags.fhirTokenUrl)}`);
      }
      tokenUrl = parsed.toString();
    }
    const scope = (flags.fhirScope ?? (flags.fhirWriteBack ? 'system/*.read system/*.write' : 'system/*.read')).trim();
    if (!scope || /[\r\n]/.test(scope)) throw new UsageError(`--fhir-scope must be space-separated scopes, got ${quote(flags.fhirScope)}`);
    smart = { clientId: flags.fhirClientId.trim(), key: readSmartKey(flags.fhirKey), scope, ...(tokenUrl ? { tokenUrl } : {}) };
  }

  let since = flags.since;
  if (flags.state !== undefined && level) since = (await readFhirState(flags.state, server, level))?.transactionTime;

  const timeoutMs = parseCount('--fhir-timeout', flags.fhirTimeout, { min: 1, max: 3600 }) * 1000;
  const maxAttempts = parseCount('--fhir-retries', flags.fhirRetries, { min: 1, max: 20 });
  const maxWaitMs = parseCount('--fhir-max-wait', flags.fhirMaxWait, { min: 1, max: 7 * 24 * 3600 }) * 1000;
  return {
    source: {
      base: server,
      timeoutMs,
      maxWaitMs,
      maxAttempts,
      ...(token !== undefined ? { token } : {}),
      ...(level ? { export: level } : {}),
      ...(types?.length ? { types } : {}),
      ...(since !== undefined ? { since } : {}),
    },
    ...(flags.state !== undefined && level ? { state: { file: flags.state, server, level } } : {}),
    ...(smart ? { smart } : {}),
    ...(flags.fhirWriteBack ? { writeBack: true } : {}),
  };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
