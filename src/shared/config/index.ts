export * from './schema.js';
export * from './errors.js';
export * from './esm.js';
export * from './load.js';
export * from './secrets.js';
export * from './app-settings.js';
