/**
 * The fault-class rules every failing result obeys (see `codes.ts`): `details.code` is one of our codes,
 * `details.fault` its class, only a `setup` fault names a setup step, a `monitor` fault is UNKNOWN (the mailbox
 * may be fine; the monitor cannot tell), and the server's own codes stay in `details` beside ours.
 */
import { faultOf, type Fault } from './codes.js';

/** The server's own codes, kept as the server said them. */
export interface ServerCodes {
  /** Entra's AADSTS number. */
  aadsts?: number;
  /** The HTTP status of the token endpoint's answer. */
  httpStatus?: number;
  /** An IMAP response code (RFC 3501 §7.1, RFC 5530): `UNAVAILABLE`, `AUTHENTICATIONFAILED`, … */
  imapCode?: string;
  /** The SMTP reply code (RFC 5321 §4.2): 421, 454, 535 … */
  smtpCode?: number;
  /** The SMTP enhanced status code (RFC 3463): `4.7.0`, `5.7.3` … */
  enhancedCode?: string;
}

/** Where to look, for the fault classes that have no setup step. */
export const WHERE_TO_LOOK: Readonly<Record<Exclude<Fault, 'setup'>, string>> = {
  service:
    'nothing to change in the setup: Microsoft answered with a temporary failure; the next run retries. If it ' +
    'persists, check Microsoft 365 service health (admin.microsoft.com → Health → Service health)',
  network:
    'nothing to change in the app registration or the mailbox: check the network path from the monitor to ' +
    'Microsoft (DNS, outbound firewall, proxy or TLS inspection)',
  timeout:
    'a server stopped answering within the mailbox deadline; if it repeats, check the network path and Microsoft ' +
    '365 service health before raising deadlineSeconds',
  monitor:
    'the monitor itself needs attention (its configuration, app settings / Key Vault references or state store); ' +
    'the mailbox may be fine',
};

/**
 * The part of a CheckResult (or of the parts a check builds) these rules touch. Spelled out here rather than
 * imported, so that this folder depends on nothing and every other folder may depend on it.
 */
interface Failing {
  status: 'OK' | 'WARN' | 'CRIT' | 'UNKNOWN';
  details?: Record<string, unknown>;
  remediation?: { setupStep?: string };
}

function definedOnly(codes: ServerCodes): Record<string, unknown> {
  return Object.fromEntries(Object.entries(codes).filter(([, v]) => v !== undefined && v !== ''));
}

/**
 * Marks failing result parts with `code`, its fault class (from the table unless given) and the server's codes,
 * and applies the rules: a non-setup fault loses any setup step; a monitor fault is UNKNOWN.
 */
export function withFault<T extends Failing>(
  parts: T,
  code: string,
  server: ServerCodes = {},
  fault: Fault | undefined = faultOf(code),
): T {
  const details = { ...parts.details, code, ...(fault ? { fault } : {}), ...definedOnly(server) };
  return enforceFaultRules({ ...parts, details });
}

/**
 * The rules as a last guard over any failing result (the runner applies it to every result): a failure with a
 * known code but no class gets the table's class; a non-setup class never blames a setup step; `monitor` is
 * UNKNOWN. OK results are returned as they are.
 */
export function enforceFaultRules<T extends Failing>(result: T): T {
  if (result.status === 'OK') return result;
  const details = result.details;
  const code = typeof details?.code === 'string' ? details.code : undefined;
  let fault = details?.fault as Fault | undefined;
  if (!fault && code) fault = faultOf(code);
  if (!fault) return result;
  let out: T = { ...result, details: { ...details, fault } };
  if (fault !== 'setup' && out.remediation?.setupStep !== undefined) {
    const { setupStep: _dropped, ...rest } = out.remediation;
    out = { ...out, remediation: rest };
  }
  if (fault === 'monitor' && out.status !== 'UNKNOWN') out = { ...out, status: 'UNKNOWN' };
  return out;
}
