/**
 * A throwaway CA + localhost server certificate for the review tests' own TLS servers, made by the lab's CA helper
 * (`lab/ca.ts`, openssl) in a temporary directory. TLS verification stays on: clients get this CA as `ca`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLabCa } from '../../lab/ca.js';

export interface TestCa {
  caPem: string;
  keyPem: string;
  certPem: string;
  cleanup(): void;
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'review-ca-'));
  const ca = createLabCa(dir);
  return {
    caPem: ca.caPem,
    keyPem: ca.serverKeyPem,
    certPem: ca.serverCertPem,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
