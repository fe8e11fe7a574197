/**
 * Does a check's cost depend on the size of the folder it reads? Two cases, each side by side in one run on both of
 * the lab's Dovecot storages (folder-size-lab.ts: maildir, and mdbox — the closer stand-in for Exchange's
 * database), every IMAP command and byte counted at the server side of a TLS-terminating proxy
 * (imap-count-proxy.ts), which also times the server's answer to each command:
 *
 * - `inbox-size`: the inbox check on an Inbox of 100,000 messages vs one of 100 (target ≤ 1.5×), with
 *   `inbox.waiting` "all" and "unseen" (every 10th message unread). Time of the check, IMAP bytes both ways,
 *   commands; median of R repeat runs after a first run each (which searches the whole folder for oversized
 *   messages; each result is kept in the status table as the cycle keeps it, so repeat runs search what is new).
 * - `sent-quota-busy`: Sent Items of a busy desk — 10,000 messages in the last 24 h plus 40,000 older — vs one of
 *   50 messages: the first run's recount once, then R incremental runs, each after 10 new messages (target for
 *   the incremental run ≤ 1.2× the 50-message one).
 *
 * Large folders are seeded without IMAP (seconds, where APPEND takes minutes); the 10 new sent messages go in by
 * APPEND, as mail arrives on a live server. Repeat runs are measured twice: with the folders as seeded, and after
 * one read-write session opened them, as the desk's client does when it polls (Dovecot walks the messages no
 * read-write session has seen, \\Recent, on every EXAMINE: folder-size-lab.ts `openReadWriteOnce`). Rounds
 * alternate between the storages so that load on a shared machine falls on both alike.
 */
import { randomUUID } from 'node:crypto';
import type { MaildirMessage } from '../lab/maildir-seed.js';
import { inboxCheck } from '../src/shared/checks/inbox.js';
import { sentQuotaCheck } from '../src/shared/checks/sent-quota.js';
import { createMemoryStore } from '../src/shared/state/memory-store.js';
import type { StateStore } from '../src/shared/state/ports.js';
import { benchLab, fmtMs, median, note, printTable } from './bench-lab.js';
import {
  clientOf,
  cmdsOf,
  downOf,
  header,
  HOUR,
  keepResult,
  examineTwice,
  measure,
  MIN,
  openReadWriteOnce,
  msOf,
  row,
  seedFolder,
  serverMsMedian,
  serverOf,
  side,
  small,
  STORAGES,
  upOf,
  withProxy,
  type Measured,
  type Side,
  type Storage,
} from './folder-size-lab.js';
import { formatByName } from './imap-count-proxy.js';

export interface FolderSizeOptions {
  rounds?: number;
  /** Which storages to measure (default both, side by side). */
  storages?: readonly Storage[];
}

const last = (xs: readonly Measured[]) => xs[xs.length - 1]!;

/**
 * Repeat runs per side and folder state. A run is a few milliseconds, so one scheduler hiccup moves a median of 5 by
 * a tenth; 15 cost seconds (the seeding takes the time) and keep the ratios steady between runs of the bench.
 */
const ROUNDS = 15;

/**
 * Each case is measured with the large folders as seeded — every message \\Recent, never seen by a read-write
 * session — and again after one read-write session opened them, as the desk's client does when it polls
 * (folder-size-lab.ts `openReadWriteOnce`: Dovecot's EXAMINE walks the \\Recent messages).
 */
const FOLDER_STATES = ['seeded', 'after'] as const;
const STATE_LABEL: Record<(typeof FOLDER_STATES)[number], string> = {
  seeded: 'folders as seeded',
  after: 'after one read-write session',
};

export async function benchInboxSize(opts: FolderSizeOptions = {}): Promise<void> {
  const rounds = opts.rounds ?? ROUNDS;
  const storages = opts.storages ?? STORAGES;
  await withProxy(async (proxy) => {
    const l = benchLab();
    const tenantId = randomUUID();
    const domain = `${l.unique('inbox')}.example`;
    await l.addTenant(tenantId, [domain]);
    const now = new Date(Math.floor(Date.now() / MIN) * MIN);
    // Oldest first over the last 30 days (UID order = arrival order); every 10th unread.
    const inbox = (n: number, to: string) =>
      (function* (): Generator<MaildirMessage> {
        for (let i = 0; i < n; i++)
          yield {
            raw: small(i, 'caller@customer.example', to),
            internalDate: new Date(now.getTime() - 30 * 24 * HOUR + Math.floor((i / n) * 30 * 24 * HOUR)),
            ...(i % 10 === 0 ? {} : { flags: 'S' }),
          };
      })();
    const pairs: Array<{ storage: Storage; big: Side; tiny: Side }> = [];
    // Every lab user first, then the (synchronous, seconds-long) seeding.
    for (const storage of storages) {
      const big = await side('inbox-100k', storage, domain, tenantId, proxy.port);
      const tiny = await side('inbox-100', storage, domain, tenantId, proxy.port);
      pairs.push({ storage, big, tiny });
    }
    for (const { storage, big, tiny } of pairs) {
      const ms = await seedFolder(big, 'INBOX', inbox(100_000, big.mailbox.address));
      await seedFolder(tiny, 'INBOX', inbox(100, tiny.mailbox.address));
      note(`${storage}: 100,000 Inbox messages seeded and indexed in ${fmtMs(ms)} ms`);
    }
    // One store per side, keeping each run's result as the cycle does: the first run searches the whole folder
    // for oversized messages, the next ones only what is new since (src/shared/checks/inbox-oversized.ts).
    const stores = new Map<Side, StateStore>(
      pairs.flatMap((p) => [p.big, p.tiny]).map((s) => [s, createMemoryStore()]),
    );
    const run = async (s: Side, mailbox = s.mailbox) => {
      const m = await measure(proxy, s, inboxCheck, stores.get(s)!, now, mailbox);
      await keepResult(stores.get(s)!, s, m.result);
      return m;
    };
    for (const p of pairs) {
      const warm = await run(p.big);
      const tiny = await run(p.tiny);
      note(
        `${p.storage}: first run (whole-folder SEARCH LARGER, also the warm-up): 100,000 ${fmtMs(warm.ms)} ms` +
          ` (server ${serverMsMedian([warm])}); 100 ${fmtMs(tiny.ms)} ms`,
      );
    }
    for (const state of FOLDER_STATES) {
      if (state === 'after')
        for (const p of pairs) for (const x of [p.big, p.tiny]) await openReadWriteOnce(x, 'INBOX');
      for (const waiting of ['all', 'unseen'] as const) {
        const cfg = (s: Side) => ({ ...s.mailbox, inbox: { ...s.mailbox.inbox, waiting } });
        const runs = pairs.map(() => [[] as Measured[], [] as Measured[]] as const);
        for (let r = 0; r < rounds; r++) {
          for (const [i, p] of pairs.entries()) {
            runs[i]![0].push(await run(p.big, cfg(p.big)));
            runs[i]![1].push(await run(p.tiny, cfg(p.tiny)));
          }
        }
        printTable(
          `Inbox check, inbox.waiting "${waiting}", ${STATE_LABEL[state]}: 100,000 vs 100 messages (median of ${rounds}, counted at the server)`,
          [
            header('100,000', '100', storages),
            row('check ms', runs, msOf),
            row('  server answer ms (all commands)', runs, serverOf),
            row('  client ms (check − server)', runs, clientOf),
            row('IMAP bytes server→client', runs, downOf),
            row('IMAP bytes client→server', runs, upOf),
            row('IMAP commands', runs, cmdsOf),
          ],
        );
        note(`commands (100,000): ${formatByName(last(runs[0]![0]).commands)}`);
        for (const [i, p] of pairs.entries()) {
          const [b, t] = runs[i]!;
          note(`${p.storage}: server answer time, median (100,000): ${serverMsMedian(b)}`);
          note(`${p.storage}: server answer time, median (100): ${serverMsMedian(t)}`);
          const m = (x: Measured) =>
            `${x.result.status}, waiting ${String(x.result.metrics.waitingMessages)}, oldest ${String(x.result.metrics.oldestWaitingSeconds)} s`;
          note(
            `${p.storage}: results: 100,000 → ${m(last(b))}; 100 → ${m(last(t))}; oversized search: ${String(last(b).result.details?.oversizedSearch)}`,
          );
        }
      }
    }
  });
}

export async function benchSentQuotaBusy(opts: FolderSizeOptions = {}): Promise<void> {
  const rounds = opts.rounds ?? ROUNDS;
  const storages = opts.storages ?? STORAGES;
  await withProxy(async (proxy) => {
    const l = benchLab();
    const tenantId = randomUUID();
    const domain = `${l.unique('busy')}.example`;
    await l.addTenant(tenantId, [domain]);
    const now = new Date(Math.floor(Date.now() / MIN) * MIN);
    let seq = 0;
    const sent = (from: string, older: number, recent: number) =>
      (function* (): Generator<MaildirMessage> {
        for (let k = 0; k < older; k++)
          yield {
            raw: small(seq++, from, `caller${k}@customer.example`),
            internalDate: new Date(now.getTime() - 30 * 24 * HOUR + k * 55_000),
            flags: 'S',
          };
        // The last 24 h (the newest 2 minutes old), one recipient each: a desk's ticket notifications.
        for (let k = 0; k < recent; k++)
          yield {
            raw: small(seq++, from, `caller${k}@customer.example`),
            internalDate: new Date(
              now.getTime() - 23 * HOUR - 58 * MIN + Math.floor((k / recent) * 23 * HOUR),
            ),
            flags: 'S',
          };
      })();
    const pairs: Array<{ storage: Storage; busy: Side; quiet: Side }> = [];
    const stores = new Map<Side, StateStore>();
    const first = new Map<Side, Measured>();
    for (const storage of storages) {
      const busy = await side('sent-50k', storage, domain, tenantId, proxy.port);
      const quiet = await side('sent-50', storage, domain, tenantId, proxy.port);
      pairs.push({ storage, busy, quiet });
      for (const s of [busy, quiet]) {
        stores.set(s, createMemoryStore());
      }
    }
    for (const { storage, busy, quiet } of pairs) {
      const ms = await seedFolder(busy, 'Sent Items', sent(busy.mailbox.address, 40_000, 10_000));
      await seedFolder(quiet, 'Sent Items', sent(quiet.mailbox.address, 0, 50));
      note(`${storage}: 50,000 Sent Items messages seeded and indexed in ${fmtMs(ms)} ms`);
    }
    for (const p of pairs)
      for (const s of [p.busy, p.quiet])
        first.set(s, await measure(proxy, s, sentQuotaCheck, stores.get(s)!, now));
    let clock = now.getTime();
    const inc = new Map(FOLDER_STATES.map((st) => [st, new Map<Side, Measured[]>()] as const));
    for (const state of FOLDER_STATES) {
      const runs = inc.get(state)!;
      for (const p of pairs)
        for (const s of [p.busy, p.quiet]) {
          runs.set(s, []);
          if (state === 'after') await openReadWriteOnce(s, 'Sent Items');
        }
      for (let r = 0; r < rounds; r++) {
        clock += 5 * MIN; // the next scheduled run
        for (const p of pairs) {
          for (const s of [p.busy, p.quiet]) {
            await l.seedMessages(
              s.mailbox.address,
              'Sent Items',
              Array.from({ length: 10 }, (_, k) => ({
                raw: small(seq++, s.mailbox.address, `new${k}@customer.example`),
                internalDate: new Date(clock - (10 - k) * 1000).toISOString(),
                flags: ['\\Seen'],
              })),
            );
            runs.get(s)!.push(await measure(proxy, s, sentQuotaCheck, stores.get(s)!, new Date(clock)));
          }
        }
      }
    }
    const firsts = pairs.map((p) => [[first.get(p.busy)!], [first.get(p.quiet)!]] as const);
    printTable('Sent-quota first run (24 h recount, one run each): 10,000 + 40,000 older vs 50 messages', [
      header('50,000', '50', storages),
      row('check ms', firsts, msOf),
      row('  server answer ms (all commands)', firsts, serverOf),
      row('  client ms (check − server)', firsts, clientOf),
      row('IMAP bytes server→client', firsts, downOf),
      row('IMAP bytes client→server', firsts, upOf),
      row('IMAP commands', firsts, cmdsOf),
    ]);
    note(`commands (50,000): ${formatByName(first.get(pairs[0]!.busy)!.commands)}`);
    for (const p of pairs)
      note(`${p.storage}: server answer time (50,000): ${serverMsMedian([first.get(p.busy)!])}`);
    // Where the large side's EXAMINE time goes: after 10 more new messages, the first EXAMINE of a session and a
    // second one in the same session (median of 5 sessions each).
    for (const p of pairs) {
      const twice = new Map<Side, Array<{ first: number; second: number }>>();
      for (let r = 0; r < 5; r++)
        for (const s of [p.busy, p.quiet]) {
          await l.seedMessages(
            s.mailbox.address,
            'Sent Items',
            Array.from({ length: 10 }, (_, k) => ({
              raw: small(seq++, s.mailbox.address, `late${k}@customer.example`),
              flags: ['\\Seen'],
            })),
          );
          twice.set(s, [...(twice.get(s) ?? []), await examineTwice(proxy, s, 'Sent Items')]);
        }
      const f = (s: Side, k: 'first' | 'second') => fmtMs(median(twice.get(s)!.map((x) => x[k])));
      note(
        `${p.storage}: server's EXAMINE after 10 new, first in the session / second in the same session: ` +
          `50,000 — ${f(p.busy, 'first')} / ${f(p.busy, 'second')} ms; 50 — ${f(p.quiet, 'first')} / ${f(p.quiet, 'second')} ms`,
      );
    }
    for (const state of FOLDER_STATES) {
      const runs = inc.get(state)!;
      const incs = pairs.map((p) => [runs.get(p.busy)!, runs.get(p.quiet)!] as const);
      printTable(
        `Sent-quota incremental run after 10 new, ${STATE_LABEL[state]}: 10,000 + 40,000 older vs 50 messages (median of ${rounds})`,
        [
          header('50,000', '50', storages),
          row('check ms', incs, msOf),
          row('  server answer ms (all commands)', incs, serverOf),
          row('  client ms (check − server)', incs, clientOf),
          row('IMAP bytes server→client', incs, downOf),
          row('IMAP bytes client→server', incs, upOf),
          row('IMAP commands', incs, cmdsOf),
        ],
      );
      note(`commands (incremental, 50,000): ${formatByName(last(incs[0]![0]).commands)}`);
      const m = (x: Measured) =>
        `${String(x.result.details?.mode)}: ${String(x.result.metrics.newMessages)} new, ${String(x.result.metrics.messages24h)} in 24 h`;
      for (const p of pairs) {
        const b = runs.get(p.busy)!;
        const q = runs.get(p.quiet)!;
        note(
          `${p.storage}: server answer time, incremental, median: 50,000 — ${serverMsMedian(b)}; 50 — ${serverMsMedian(q)}`,
        );
        note(
          `${p.storage}: results: first ${m(first.get(p.busy)!)} / ${m(first.get(p.quiet)!)}; last incremental ${m(last(b))} / ${m(last(q))}`,
        );
      }
    }
  });
}
