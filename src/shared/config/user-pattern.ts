/**
 * Patterns our users write (`spamReview.ticketPattern`, and any later one) run on a linear-time engine: npm
 * `re2js`, RE2's semantics in pure JavaScript (no native build). A backtracking RegExp such as `(a+)+$` against a
 * hostile Junk subject blocks the event loop — and with it the mailbox deadline, the lease and the Functions host —
 * for as long as it likes; RE2 guarantees time linear in the input, and the input is capped besides.
 * RE2 has no backreferences or lookaround: validation rejects what it cannot compile, naming why.
 */
import { createRequire } from 'node:module';
import type * as Re2Module from 're2js';

type Re2 = typeof Re2Module.RE2JS;
let engine: Re2 | undefined;

/**
 * The engine, loaded the first time it is needed: compiling a pattern (the weekly spam review), or validating one
 * that is not the default. A mailbox check never runs a pattern, and most configurations keep the default, so a
 * check never pays for loading re2js (~5 ms of a cold start: its Unicode tables are decoded when it loads).
 * Required, not imported: validation runs inside the synchronous configuration parse. The deployed bundle resolves
 * it from node_modules (a production dependency) like applicationinsights (scripts/bundle.mjs).
 */
function re2(): Re2 {
  return (engine ??= (createRequire(import.meta.url)('re2js') as typeof Re2Module).RE2JS);
}

/** `spamReview.ticketPattern` when none is configured: `[ESM-1234]`, the desk's ticket number in a subject. */
export const DEFAULT_TICKET_PATTERN = '\\[ESM-\\d+\\]';

/** Characters of a text a user pattern looks at (a ticket number sits near the start of a subject). */
export const PATTERN_INPUT_MAX = 1_000;
/** Longest pattern accepted. */
export const PATTERN_SOURCE_MAX = 500;

export interface UserPattern {
  readonly source: string;
  /** The first match in the first PATTERN_INPUT_MAX characters of `text`, or undefined. */
  find(text: string): string | undefined;
}

/** Why `source` is not a usable pattern, or undefined when it is. */
export function userPatternProblem(source: string): string | undefined {
  // Ours, and compiled by a test (test/config/bounds-patterns.test.ts): no engine needed to know it is valid.
  if (source === DEFAULT_TICKET_PATTERN) return undefined;
  if (source.length > PATTERN_SOURCE_MAX) return `expected at most ${PATTERN_SOURCE_MAX} characters`;
  try {
    re2().compile(source);
    return undefined;
  } catch (err) {
    const why = err instanceof Error ? err.message : 'invalid';
    return `expected a regular expression in RE2 syntax (no backreferences or lookaround): ${why}`;
  }
}

/** Compiles a pattern that passed validation; throws with the reason otherwise. */
export function compileUserPattern(source: string): UserPattern {
  const problem = userPatternProblem(source);
  if (problem) throw new Error(problem);
  const re = re2().compile(source);
  return {
    source,
    find(text: string) {
      const m = re.matcher(text.slice(0, PATTERN_INPUT_MAX));
      return m.find() ? (m.group() ?? undefined) : undefined;
    },
  };
}
