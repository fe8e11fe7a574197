/**
 * The lab's certificates, made at run time with the system `openssl` (no downloads): a CA, a server certificate
 * for `localhost` + `127.0.0.1` that every lab server presents, and client certificates with chosen validity for
 * the certificate-credential flows. Node can parse X.509 but has no API to issue it, hence openssl.
 *
 * Clients trust the lab through `NODE_EXTRA_CA_CERTS=<caCertPath>` (read by Node only at process start) or an
 * explicit `ca`; TLS verification is never switched off.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LabCa {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  caPem: string;
  serverCertPath: string;
  serverKeyPath: string;
  serverCertPem: string;
  serverKeyPem: string;
}

export interface ClientCertificate {
  certPem: string;
  keyPem: string;
  /** base64url SHA-256 of the DER certificate: the `x5t#S256` JWT header value. */
  thumbprintSha256: string;
  /** base64url SHA-1 of the DER certificate: the legacy `x5t` header value. */
  thumbprintSha1: string;
  /** Hex SHA-1, as the Entra portal shows a certificate's thumbprint. */
  thumbprintHex: string;
  notBefore: Date;
  notAfter: Date;
}

function openssl(args: string[], cwd: string): void {
  try {
    // stdio is captured so a failure can say why; openssl does not daemonize, so pipes are safe here.
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error(
        'lab: `openssl` is not installed (apt-get install -y openssl); the lab needs it for its CA',
      );
    }
    throw new Error(`lab: openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? String(err)}`);
  }
}

/** Creates (or overwrites) the lab CA and the `localhost` server certificate under `dir/tls`. */
export function createLabCa(dir: string): LabCa {
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true, mode: 0o755 });
  const p = (f: string) => join(tls, f);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p('ca.key'),
      '-out',
      p('ca.pem'),
      '-days',
      '3650',
      '-subj',
      '/CN=mailbox-health lab CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    tls,
  );
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p('server.key'),
      '-out',
      p('server.csr'),
      '-subj',
      '/CN=localhost',
    ],
    tls,
  );
  writeFileSync(
    p('server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      p('server.csr'),
      '-CA',
      p('ca.pem'),
      '-CAkey',
      p('ca.key'),
      '-set_serial',
      '0x' + randomBytes(8).toString('hex'),
      '-days',
      '825',
      '-sha256',
      '-extfile',
      p('server.ext'),
      '-out',
      p('server.pem'),
    ],
    tls,
  );
  return {
    dir: tls,
    caCertPath: p('ca.pem'),
    caKeyPath: p('ca.key'),
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    serverCertPath: p('server.pem'),
    serverKeyPath: p('server.key'),
    serverCertPem: readFileSync(p('server.pem'), 'utf8'),
    serverKeyPem: readFileSync(p('server.key'), 'utf8'),
  };
}

/** `openssl ca` takes dates as ASN.1 GeneralizedTime text: YYYYMMDDHHMMSSZ. */
function asn1Time(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The thumbprints Entra matches a certificate credential by, computed from a PEM certificate. */
export function certificateThumbprints(certPem: string): {
  thumbprintSha256: string;
  thumbprintSha1: string;
  thumbprintHex: string;
} {
  const der = new X509Certificate(certPem).raw;
  const sha1 = createHash('sha1').update(der).digest();
  return {
    thumbprintSha256: createHash('sha256').update(der).digest('base64url'),
    thumbprintSha1: sha1.toString('base64url'),
    thumbprintHex: sha1.toString('hex').toUpperCase(),
  };
}

/**
 * A self-signed client certificate (what `New-SelfSignedCertificate` gives an admin uploading it to an app
 * registration) with chosen validity: `notBefore` defaults to an hour ago, `notAfter` to a year from now. Dates in
 * the past make expired credentials for the expiry checks. Works without a running lab.
 */
export function issueClientCertificate(
  cn: string,
  opts: { notBefore?: Date; notAfter?: Date } = {},
): ClientCertificate {
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - 3600_000);
  const notAfter = opts.notAfter ?? new Date(now + 365 * 86400_000);
  if (!/^[\w .@-]{1,64}$/.test(cn)) throw new Error(`lab: unsupported certificate CN ${JSON.stringify(cn)}`);
  // `openssl ca` (unlike `x509 -req` on OpenSSL 3.0) accepts explicit start/end dates; it needs a tiny database,
  // made per call in a private directory so parallel test files never share one.
  const dir = mkdtempSync(join(tmpdir(), 'mh-cert-'));
  try {
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), randomBytes(8).toString('hex') + '\n');
    writeFileSync(
      join(dir, 'ca.cnf'),
      [
        '[ ca ]',
        'default_ca = lab',
        '[ lab ]',
        `dir = ${dir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir',
        'serial = $dir/serial',
        'default_md = sha256',
        'policy = any',
        'email_in_dn = no',
        'unique_subject = no',
        '[ any ]',
        'commonName = supplied',
        '[ client ]',
        'basicConstraints = CA:FALSE',
        'keyUsage = critical,digitalSignature',
        'extendedKeyUsage = clientAuth',
        '',
      ].join('\n'),
    );
    openssl(
      ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'req.csr', '-subj', `/CN=${cn}`],
      dir,
    );
    openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-selfsign',
        '-config',
        'ca.cnf',
        '-keyfile',
        'key.pem',
        '-in',
        'req.csr',
        '-out',
        'cert.pem',
        '-extensions',
        'client',
        '-startdate',
        asn1Time(notBefore),
        '-enddate',
        asn1Time(notAfter),
      ],
      dir,
    );
    const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const x509 = new X509Certificate(certPem);
    return {
      certPem,
      keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'),
      ...certificateThumbprints(certPem),
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
