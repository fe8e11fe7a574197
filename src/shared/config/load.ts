/**
 * Loads and validates the configuration: from a file (`--config FILE`) or the app setting MAILBOX_HEALTH_CONFIG.
 * Validation is strict (unknown keys are errors) and reports every problem at once with its path.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, formatPath, type ConfigIssue } from './errors.js';
import { parseAuthorizeEndpoint } from './esm.js';
import {
  EsmSchema,
  RawConfigSchema,
  type EsmSettings,
  type RawConfig,
  type RawMailbox,
  type SecretRef,
} from './schema.js';

export type MailboxConfig = Omit<RawMailbox, 'tenantId' | 'clientId'> & {
  tenantId: string;
  clientId: string;
};
export type Config = Omit<RawConfig, 'mailboxes' | '$schema'> & { mailboxes: MailboxConfig[] };

export interface LoadedConfig {
  config: Config;
  /** Non-fatal findings, e.g. a secret given inline as { "value" }. Never contains the secret itself. */
  warnings: string[];
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: formatPath([...issue.path, key]), message: 'unknown key' });
    } else if (
      issue.code === 'invalid_union' &&
      issue.unionErrors.length > 0 &&
      !issue.message.startsWith('expected')
    ) {
      out.push({ path: formatPath(issue.path), message: issue.message });
    } else {
      const message =
        issue.code === 'invalid_type' && issue.received === 'undefined'
          ? `required (${issue.expected === 'string' ? 'expected a string' : `expected ${issue.expected}`})`
          : issue.message;
      out.push({ path: formatPath(issue.path), message });
    }
  }
  return out;
}

function collectValueSecrets(node: unknown, path: Array<string | number>, found: string[]): void {
  if (Array.isArray(node)) node.forEach((v, i) => collectValueSecrets(v, [...path, i], found));
  else if (node && typeof node === 'object') {
    const rec = node as Record<string, unknown>;
    if (Object.keys(rec).length === 1 && typeof rec.value === 'string') found.push(formatPath(path));
    else for (const [k, v] of Object.entries(rec)) collectValueSecrets(v, [...path, k], found);
  }
}

/** Cross-field rules the schema cannot express: unique ids, ESM consistency, references between sections. */
function crossCheck(raw: RawConfig, issues: ConfigIssue[], opts: ParseOptions): MailboxConfig[] {
  // Under `esm: 'judge'` an ESM block that contradicts the mailbox is kept for the caller to judge, not an error.
  const esmIssue = (issue: ConfigIssue) => {
    if (opts.esm !== 'judge') issues.push(issue);
  };
  const seen = new Map<string, number>();
  const mailboxes: MailboxConfig[] = [];
  raw.mailboxes.forEach((m, i) => {
    const at = (...p: Array<string | number>) => formatPath(['mailboxes', i, ...p]);
    const first = seen.get(m.id);
    if (first !== undefined)
      issues.push({ path: at('id'), message: `duplicate mailbox id "${m.id}" (also mailboxes[${first}])` });
    else seen.set(m.id, i);

    let clientId = m.clientId;
    let tenantId = m.tenantId;
    const esm = m.esm;
    if (esm) {
      const esmClient = esm['mail.oauth.client.id'];
      if (esmClient !== undefined) {
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(esmClient.trim())) {
          esmIssue({ path: at('esm', 'mail.oauth.client.id'), message: 'expected a GUID' });
        } else if (clientId && clientId.toLowerCase() !== esmClient.trim().toLowerCase()) {
          esmIssue({
            path: at('esm', 'mail.oauth.client.id'),
            message: `disagrees with mailboxes[${i}].clientId (ESM uses another app registration)`,
          });
        } else clientId ??= esmClient.trim();
      }
      const endpoint = esm['mail.oauth.authorize.endpoint'];
      if (endpoint !== undefined) {
        const parsed = parseAuthorizeEndpoint(endpoint.trim());
        if ('error' in parsed)
          esmIssue({ path: at('esm', 'mail.oauth.authorize.endpoint'), message: parsed.error });
        else if (tenantId && tenantId.toLowerCase() !== parsed.tenant.toLowerCase()) {
          esmIssue({
            path: at('esm', 'mail.oauth.authorize.endpoint'),
            message: `tenant "${parsed.tenant}" disagrees with mailboxes[${i}].tenantId "${tenantId}"`,
          });
        } else tenantId ??= parsed.tenant;
      }
    }
    if (!clientId)
      issues.push({ path: at('clientId'), message: 'required (a GUID, or esm["mail.oauth.client.id"])' });
    if (!tenantId)
      issues.push({
        path: at('tenantId'),
        message: 'required (a GUID or domain, or esm["mail.oauth.authorize.endpoint"])',
      });
    if (m.inbox.warnAfterMinutes >= m.inbox.critAfterMinutes) {
      issues.push({ path: at('inbox', 'warnAfterMinutes'), message: 'must be below inbox.critAfterMinutes' });
    }
    const { clientId: _c, tenantId: _t, ...rest } = m;
    mailboxes.push({ ...rest, clientId: clientId ?? '', tenantId: tenantId ?? '' });
  });
  const from = raw.alerts.email?.from;
  if (from !== undefined && !seen.has(from)) {
    issues.push({
      path: 'alerts.email.from',
      message: `expected the id of a configured mailbox, got "${from}"`,
    });
  }
  return mailboxes;
}

/** Validates an already-parsed JSON document. `source` names where it came from, for the error message. */
/**
 * For `esm: 'judge'`: a copy of the document whose `esm` blocks keep only the settings that are strings with known
 * names (what the schema accepts), and the blocks as written, by mailbox index, handed back after validation.
 */
function takeEsmBlocks(doc: unknown): { doc: unknown; blocks: Map<number, Record<string, unknown>> } {
  const blocks = new Map<number, Record<string, unknown>>();
  const list = (doc as { mailboxes?: unknown } | null)?.mailboxes;
  if (!Array.isArray(list)) return { doc, blocks };
  const known = Object.keys(EsmSchema.shape);
  const mailboxes = list.map((m: unknown, i) => {
    const esm = (m as { esm?: unknown } | null)?.esm;
    if (!esm || typeof esm !== 'object' || Array.isArray(esm)) return m;
    blocks.set(i, { ...(esm as Record<string, unknown>) });
    const kept = Object.entries(esm).filter(([k, v]) => known.includes(k) && typeof v === 'string');
    return { ...(m as object), esm: Object.fromEntries(kept) };
  });
  return { doc: { ...(doc as object), mailboxes }, blocks };
}

export interface ParseOptions {
  /**
   * `strict` (default): an `esm` block that contradicts the mailbox's own tenant or client id makes the
   * configuration invalid. `judge`: it is kept as written, for `doctor`'s ESM step to judge and explain.
   */
  esm?: 'strict' | 'judge';
}

export function parseConfig(doc: unknown, source: string, opts: ParseOptions = {}): LoadedConfig {
  const esmAsWritten = opts.esm === 'judge' ? takeEsmBlocks(doc) : undefined;
  const result = RawConfigSchema.safeParse(esmAsWritten ? esmAsWritten.doc : doc);
  if (!result.success) throw new ConfigError(zodIssues(result.error), source);
  const issues: ConfigIssue[] = [];
  const mailboxes = crossCheck(result.data, issues, opts);
  if (issues.length > 0) throw new ConfigError(issues, source);
  const valueSecrets: string[] = [];
  collectValueSecrets(doc, [], valueSecrets);
  const warnings = valueSecrets.map(
    (p) => `${p}: secret given inline as { "value" }; prefer { "env": "NAME" } or a Key Vault reference`,
  );
  if (esmAsWritten)
    mailboxes.forEach((m, i) => {
      const esm = esmAsWritten.blocks.get(i);
      if (esm) m.esm = esm as EsmSettings;
    });
  const { $schema: _s, mailboxes: _m, ...rest } = result.data;
  return { config: { ...rest, mailboxes }, warnings };
}

export function parseConfigText(text: string, source: string): LoadedConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ path: '', message: `not valid JSON: ${(err as Error).message}` }], source);
  }
  return parseConfig(doc, source);
}

export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError([{ path: '', message: `cannot read the file (${code})` }], path);
  }
  const loaded = parseConfigText(text, path);
  // A relative state directory is the config file's neighbour, wherever cron or Nagios starts the run from.
  const tables = loaded.config.state.tables;
  if (typeof tables === 'object' && 'directory' in tables && !isAbsolute(tables.directory))
    loaded.config.state = { tables: { directory: resolve(dirname(path), tables.directory) } };
  return loaded;
}

export const CONFIG_SETTING = 'MAILBOX_HEALTH_CONFIG';

/** In Azure the whole document is the app setting MAILBOX_HEALTH_CONFIG. */
export function loadConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const text = env[CONFIG_SETTING];
  if (text === undefined || text.trim() === '') {
    throw new ConfigError(
      [{ path: '', message: `the app setting ${CONFIG_SETTING} is not set` }],
      CONFIG_SETTING,
    );
  }
  return parseConfigText(text, CONFIG_SETTING);
}

export type { SecretRef };
