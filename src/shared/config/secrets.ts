/**
 * Secret references are resolved when used, never at load time and never logged. In Azure an `{ "env" }`
 * reference names an app setting that is itself a Key Vault reference, resolved by the platform.
 */
import { readFileSync } from 'node:fs';
import { processScrubber, type Scrubber } from '../faults/index.js';
import type { SecretRef } from './schema.js';

export class SecretError extends Error {
  readonly code = 'ESECRET';
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

export type SecretResolver = (ref: SecretRef, field: string) => string;

/** Describes where a secret lives without revealing it: for messages and `doctor`. */
export function describeSecret(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  return 'inline value';
}

/**
 * Every secret it resolves is registered with the scrubber (faults/scrub.ts), so that no boundary — result, log,
 * alert, webhook — lets it through in any spelling, even when a server echoes it back.
 */
export function createSecretResolver(
  env: NodeJS.ProcessEnv = process.env,
  scrubber: Scrubber = processScrubber,
): SecretResolver {
  const resolve: SecretResolver = (ref, field) => {
    if ('value' in ref) return ref.value;
    if ('env' in ref) {
      const v = env[ref.env];
      if (v === undefined || v === '')
        throw new SecretError(`${field}: environment variable ${ref.env} is not set`);
      return v;
    }
    try {
      const v = readFileSync(ref.file, 'utf8');
      // PEM files keep their newlines; single-line secrets drop a trailing newline added by editors.
      return v.includes('-----BEGIN') ? v : v.replace(/\r?\n$/, '');
    } catch (err) {
      throw new SecretError(
        `${field}: cannot read file ${ref.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  return (ref, field) => {
    const v = resolve(ref, field);
    scrubber.addSecret(v);
    return v;
  };
}
