/** Authentication as the service desk does it: MSAL flows, the token cache, claims and the AADSTS catalogue. */
export * from './catalogue.js';
export * from './certificate.js';
export * from './claims.js';
export * from './classify.js';
export * from './esm-consistency.js';
export * from './expiry.js';
export * from './identity.js';
export * from './network-client.js';
export * from './retry.js';
export * from './token-cache.js';
export * from './token-source.js';
