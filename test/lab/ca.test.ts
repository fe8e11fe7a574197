/** The lab CA issues what TLS and the certificate-credential tests rely on (real openssl, no lab needed). */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLabCa, issueClientCertificate } from '../../lab/ca.js';

describe('lab CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mh-ca-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('signs a server certificate for localhost and 127.0.0.1 that chains to the CA', () => {
    const ca = createLabCa(dir);
    const server = new X509Certificate(ca.serverCertPem);
    const root = new X509Certificate(ca.caPem);
    expect(server.verify(root.publicKey)).toBe(true);
    expect(server.checkIssued(root)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('example.org')).toBeUndefined();
    expect(root.ca).toBe(true);
  });

  it('issues client certificates with the chosen validity and Entra-style thumbprints', () => {
    const notBefore = new Date('2024-01-01T00:00:00Z');
    const notAfter = new Date('2024-06-30T12:00:00Z');
    const c = issueClientCertificate('expired-app', { notBefore, notAfter });
    expect(c.notBefore.toISOString()).toBe(notBefore.toISOString());
    expect(c.notAfter.toISOString()).toBe(notAfter.toISOString());
    const x = new X509Certificate(c.certPem);
    expect(x.subject).toBe('CN=expired-app');
    expect(c.thumbprintSha256).toBe(createHash('sha256').update(x.raw).digest('base64url'));
    expect(c.thumbprintHex).toBe(x.fingerprint.replace(/:/g, ''));
    expect(x.checkPrivateKey(createPrivateKey(c.keyPem))).toBe(true);
  });

  it('refuses a CN that could inject into the openssl subject', () => {
    expect(() => issueClientCertificate('a/O=evil')).toThrow(/unsupported certificate CN/);
  });
});
