/**
 * Certificate credentials: what MSAL needs (`thumbprintSha256`, the private key, `x5c`) and what the
 * `credential-expiry` check needs (`notAfter`), read from the PEM with node:crypto's X509Certificate.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

export interface CertificateInfo {
  /** Hex SHA-256 of the DER certificate, upper-case without colons, as MSAL and the Entra portal show it. */
  thumbprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  subject: string;
  /** The PEM chain as given (MSAL sends it as the x5c header; harmless when the app does not use SN/I). */
  x5c: string;
}

export class CertificateError extends Error {
  readonly code = 'ECERT';
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads the first (leaf) certificate of a PEM chain. Throws CertificateError with a reason, never the PEM. */
export function readCertificatePem(pem: string): CertificateInfo {
  const blocks = pem.match(PEM_CERT);
  if (!blocks || !blocks[0]) throw new CertificateError('no "-----BEGIN CERTIFICATE-----" block found');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]);
  } catch {
    throw new CertificateError('the certificate PEM could not be parsed');
  }
  return {
    thumbprintSha256: cert.fingerprint256.replace(/:/g, '').toUpperCase(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    subject: cert.subject.replace(/\n/g, ', '),
    x5c: blocks.join('\n'),
  };
}

/**
 * MSAL wants a PKCS#8 "BEGIN PRIVATE KEY" PEM; admins often have PKCS#1 "BEGIN RSA PRIVATE KEY" from openssl.
 * Converts when needed and checks that the key belongs to the certificate, so a mismatch is reported as such
 * instead of as Entra's vaguer AADSTS700027.
 */
export function normalizePrivateKey(keyPem: string, certPem?: string): string {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new CertificateError('the private key PEM could not be parsed (encrypted keys are not supported)');
  }
  if (certPem) {
    const blocks = certPem.match(PEM_CERT);
    if (blocks?.[0]) {
      let cert: X509Certificate | undefined;
      try {
        cert = new X509Certificate(blocks[0]);
      } catch {
        cert = undefined;
      }
      if (cert && !cert.checkPrivateKey(key))
        throw new CertificateError('the private key does not belong to the certificate');
    }
  }
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}
