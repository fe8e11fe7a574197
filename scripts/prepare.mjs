// `npm ci` / `npm install` in a checkout run this (package.json "prepare"): build the bundles so that
// `npx mailbox-health` works straight away. A production install (no TypeScript, no sources) skips it.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (existsSync('node_modules/typescript') && existsSync('src/cli/main.ts')) {
  execSync('npm run build --silent', { stdio: 'inherit' });
}
