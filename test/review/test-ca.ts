/**
 * A throwaway CA + localhost server certificate made with the system `openssl`, for tests that need TLS before the
 * lab's CA helper (`lab/ca.ts`) is available. TLS verification stays on: clients get this CA as `ca`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  caPem: string;
  keyPem: string;
  certPem: string;
  cleanup(): void;
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'review-ca-'));
  const p = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=review test CA',
  );
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    p('srv.key'),
    '-out',
    p('srv.csr'),
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(p('ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    p('srv.csr'),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('srv.crt'),
    '-days',
    '2',
    '-extfile',
    p('ext'),
  );
  return {
    caPem: readFileSync(p('ca.crt'), 'utf8'),
    keyPem: readFileSync(p('srv.key'), 'utf8'),
    certPem: readFileSync(p('srv.crt'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
