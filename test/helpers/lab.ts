/**
 * Test access to the lab started once per run by `npm test` (lab/with-lab.ts). `lab()` returns the control
 * client; `requireDovecot()` tells an IMAP suite whether it can run (fails under CI=true, skips visibly elsewhere).
 */
import { LabClient } from '../../lab/client.js';
import { LAB_ENV, type LabEndpoints } from '../../lab/endpoints.js';

let client: LabClient | null = null;

export function labEndpoints(): LabEndpoints {
  const raw = process.env[LAB_ENV];
  if (!raw) {
    throw new Error(
      `${LAB_ENV} is not set: integration tests need the lab — run them with \`npm test\` ` +
        '(node dist/lab/with-lab.js -- vitest run), not plain vitest',
    );
  }
  return JSON.parse(raw) as LabEndpoints;
}

export function lab(): LabClient {
  return (client ??= new LabClient(labEndpoints()));
}

/**
 * True when the lab has Dovecot. Use as `describe.runIf(requireDovecot())(…)`. Without Dovecot it prints why;
 * under CI=true it throws instead, so a CI run can never pass with the IMAP tests silently missing.
 */
export function requireDovecot(): boolean {
  const e = labEndpoints();
  if (e.imap && e.doveadm) return true;
  const why = `Dovecot is not available (${e.imapUnavailable ?? 'not started'}); install dovecot-imapd`;
  if (process.env.CI === 'true') throw new Error(`${why} — IMAP tests cannot be skipped under CI=true`);
  console.warn(`SKIPPING IMAP TESTS: ${why}`);
  return false;
}
