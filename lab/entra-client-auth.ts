/**
 * Client authentication at the emulator's token endpoint, as Entra does it: public vs confidential clients,
 * client secrets (value, expiry) and certificate assertions (RFC 7523 JWT signed by a registered certificate).
 */
import { X509Certificate } from 'node:crypto';
import { certificateThumbprints } from './ca.js';
import type { LabApp } from './entra-registry.js';
import { parseJwt, verifyJwtSignature } from './jwt.js';

export interface ClientAuthFailure {
  code: number;
  description: string;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Returns null when the client is authenticated (or needs none), else the AADSTS failure. */
export function authenticateClient(
  app: LabApp,
  form: URLSearchParams,
  grant: string,
  tokenEndpoint: string,
  tenantId: string,
  now = Date.now(),
): ClientAuthFailure | null {
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  const userFlow = grant === 'password' || grant === 'refresh_token';
  if (!secret && !assertion) {
    // "Allow public client flows" lets ROPC go without a credential; everything else needs one.
    if (userFlow && app.publicClient) return null;
    return {
      code: 7000218,
      description:
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    };
  }
  if (userFlow && app.publicClient && !(app.secrets?.length || app.certificates?.length)) {
    return {
      code: 700025,
      description: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    };
  }
  if (secret) {
    const match = (app.secrets ?? []).find((s) => s.value === secret);
    if (!match) {
      return {
        code: 7000215,
        description: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      };
    }
    if (match.expiresOn && new Date(match.expiresOn).getTime() <= now) {
      return {
        code: 7000222,
        description: `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      };
    }
    return null;
  }
  return checkAssertion(app, form.get('client_assertion_type'), assertion!, tokenEndpoint, tenantId, now);
}

function checkAssertion(
  app: LabApp,
  type: string | null,
  assertion: string,
  tokenEndpoint: string,
  tenantId: string,
  now: number,
): ClientAuthFailure | null {
  if (type !== ASSERTION_TYPE) {
    return { code: 700023, description: `Client assertion type '${type ?? ''}' is not supported.` };
  }
  const jwt = parseJwt(assertion);
  if (!jwt) return { code: 700027, description: 'Client assertion failed signature validation.' };
  const x5tS256 = jwt.header['x5t#S256'];
  const x5t = jwt.header.x5t;
  const cert = (app.certificates ?? []).find((c) => {
    const t = certificateThumbprints(c.certPem);
    return (
      (typeof x5tS256 === 'string' && x5tS256 === t.thumbprintSha256) ||
      (typeof x5t === 'string' && x5t === t.thumbprintSha1)
    );
  });
  const shown = typeof x5tS256 === 'string' ? x5tS256 : String(x5t ?? '');
  if (!cert) {
    return {
      code: 700027,
      description: `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${shown}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`,
    };
  }
  const x509 = new X509Certificate(cert.certPem);
  if (new Date(x509.validTo).getTime() <= now) {
    return {
      code: 700027,
      description: `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${shown}', Found key 'Start=${x509.validFrom}, End=${x509.validTo}']`,
    };
  }
  if (!verifyJwtSignature(jwt, x509.publicKey)) {
    return { code: 700027, description: 'Client assertion failed signature validation.' };
  }
  const c = jwt.claims;
  // Entra accepts the v2.0 token endpoint of the tenant as audience (by id or by the name used in the URL).
  const auds = Array.isArray(c.aud) ? c.aud.map(String) : [String(c.aud)];
  const okAud = auds.some(
    (a) => a === tokenEndpoint || a === tokenEndpoint.replace(/\/[^/]+\/oauth2/, `/${tenantId}/oauth2`),
  );
  if (!okAud) {
    return {
      code: 700021,
      description: `Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCreds .`,
    };
  }
  if (c.iss !== app.clientId || c.sub !== app.clientId) {
    return {
      code: 700021,
      description:
        "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://aka.ms/certCreds .",
    };
  }
  const nowS = Math.floor(now / 1000);
  const skew = 300;
  const exp = typeof c.exp === 'number' ? c.exp : 0;
  const nbf = typeof c.nbf === 'number' ? c.nbf : 0;
  if (exp <= nowS - skew || nbf > nowS + skew) {
    const iso = (s: number) => new Date(s * 1000).toISOString();
    return {
      code: 700024,
      description: `Client assertion is not within its valid time range. Current time: ${iso(nowS)}, assertion valid from ${iso(nbf)}, expiry time of assertion ${iso(exp)}. Review the documentation at https://aka.ms/certCreds .`,
    };
  }
  return null;
}
