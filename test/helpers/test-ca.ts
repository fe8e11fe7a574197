/**
 * A throwaway CA + localhost server certificate for the tests' own in-process TLS servers, made by the lab's CA
 * helper (`lab/ca.ts`, openssl) in a temporary directory that `cleanup()` removes. TLS verification stays on:
 * clients get this CA as `ca`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLabCa, type LabCa } from '../../lab/ca.js';

export interface TestCa {
  caPem: string;
  keyPem: string;
  certPem: string;
  /** The lab CA itself (paths and PEMs), for helpers that take a LabCa. */
  lab: LabCa;
  cleanup(): void;
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'mh-test-ca-'));
  const ca = createLabCa(dir);
  return {
    caPem: ca.caPem,
    keyPem: ca.serverKeyPem,
    certPem: ca.serverCertPem,
    lab: ca,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
