/**
 * ESM's platform settings (seed: "ESM Platform Settings"): the client id, the authorize endpoint
 * `https://login.microsoftonline.com/{tenantID}/oauth2/v2.0/authorize` and the scopes.
 */
export interface ParsedAuthorizeEndpoint {
  authorityHost: string;
  tenant: string;
}

/** Returns the host and tenant of a v2.0 authorize endpoint, or a reason it is malformed. */
export function parseAuthorizeEndpoint(url: string): ParsedAuthorizeEndpoint | { error: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return {
      error: 'expected a URL like https://login.microsoftonline.com/{tenantID}/oauth2/v2.0/authorize',
    };
  }
  if (u.protocol !== 'https:') return { error: 'expected an https:// URL' };
  const m = /^\/([^/]+)\/oauth2\/v2\.0\/authorize\/?$/.exec(u.pathname);
  if (!m || !m[1]) {
    return { error: 'expected the path /{tenantID}/oauth2/v2.0/authorize' };
  }
  if (m[1].includes('{') || m[1].includes('%7B')) {
    return { error: 'the {tenantID} placeholder was not replaced with the tenant id' };
  }
  return { authorityHost: u.host, tenant: decodeURIComponent(m[1]) };
}

/** ESM separates scopes with commas (the vendor's setup guide) but spaces also occur when pasted from Microsoft's docs. */
export function parseScopes(scopes: string): string[] {
  return scopes
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
