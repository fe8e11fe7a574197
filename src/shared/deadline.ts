/**
 * The one overall deadline of a mailbox run: every network wait of the run (token request, IMAP, SMTP) is bounded by
 * it. `at` and `remainingMs` read the injected clock; the abort itself is a real timer, because sockets wait in real
 * time.
 */
import type { Clock } from './clock.js';

/** One overall deadline per mailbox run; every network wait is bounded by it. */
export interface Deadline {
  readonly at: Date;
  readonly signal: AbortSignal;
  remainingMs(): number;
}

export class DeadlineError extends Error {
  /** The one spelling of a timeout (faults/codes.ts). */
  readonly code = 'TIMEOUT';
  constructor(readonly seconds: number) {
    super(`deadline of ${seconds} s reached`);
    this.name = 'DeadlineError';
  }
}

export interface RunDeadline extends Deadline {
  /** Stops the timer (the run ended before the deadline). */
  dispose(): void;
}

export function createDeadline(clock: Clock, ms: number): RunDeadline {
  const at = new Date(clock.now().getTime() + ms);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineError(ms / 1000)), ms);
  // A CLI run must not stay alive for a deadline that no longer matters.
  timer.unref?.();
  return {
    at,
    signal: controller.signal,
    remainingMs: () => (controller.signal.aborted ? 0 : Math.max(0, at.getTime() - clock.now().getTime())),
    dispose: () => clearTimeout(timer),
  };
}

/** Resolves with `work`, or rejects with the deadline's reason when the deadline fires first. */
export function raceDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      // The abandoned work may still reject later (its socket is being closed): keep that quiet.
      work.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
