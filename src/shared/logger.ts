/** The logger every core module receives. Messages must never contain a secret, token or password. */
import { scrub } from './faults/index.js';

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger writing one line per entry to a stream (stderr for the CLI); each line passes the scrubber. */
export function streamLogger(
  write: (line: string) => void,
  level: 'debug' | 'info' | 'warn' | 'error' = 'info',
): Logger {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  const at = (l: keyof typeof order) => (message: string, data?: Record<string, unknown>) => {
    if (order[l] < order[level]) return;
    write(scrub(`${l}: ${message}${data ? ' ' + JSON.stringify(data) : ''}`));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
