/**
 * The `actions` table as the single-use guard and the audit of action links (PK mailbox, RK nonce).
 *
 * `claim` inserts the row if absent BEFORE anything moves: of two clicks on one link (or a replay) exactly one
 * creates the row; the other reads who claimed it and when. A claim whose earlier attempt failed before any MOVE
 * was sent (mailbox unreachable, the mailbox busy) may be taken again — etag-guarded, so again only one wins.
 */
import type { Outcome } from '../outcome.js';
import type { ActionEntity, StateStore, Stored } from '../state/ports.js';

/** Claimed (`ok`; `retry` when an earlier attempt failed before moving anything), or claimed by `existing`. */
export type ClaimOutcome = Outcome<
  { etag: string; retry: boolean },
  'already-claimed',
  { existing: Stored<ActionEntity> }
>;

export async function claimAction(
  store: Pick<StateStore, 'actions'>,
  mailbox: string,
  nonce: string,
  value: ActionEntity,
): Promise<ClaimOutcome> {
  const created = await store.actions.create(mailbox, nonce, value);
  if (created.ok) return { ok: true, etag: created.etag, retry: false };
  const existing = await store.actions.get(mailbox, nonce);
  if (!existing) {
    // Deleted between our create and our read (nobody deletes claims; be safe and try once more).
    const again = await store.actions.create(mailbox, nonce, value);
    if (again.ok) return { ok: true, etag: again.etag, retry: false };
    const now = await store.actions.get(mailbox, nonce);
    if (!now) throw new Error('action claim vanished twice');
    return { ok: false, reason: 'already-claimed', existing: now };
  }
  if (existing.value.state === 'failed' && !existing.value.moveAttempted) {
    const replaced = await store.actions.replace(mailbox, nonce, value, existing.etag);
    if (replaced.ok) return { ok: true, etag: replaced.etag, retry: true };
    const winner = await store.actions.get(mailbox, nonce);
    return { ok: false, reason: 'already-claimed', existing: winner ?? existing };
  }
  return { ok: false, reason: 'already-claimed', existing };
}

/** Records how the claim ended (etag-guarded by the claim; a lost race leaves the other writer's row). */
export async function finishAction(
  store: Pick<StateStore, 'actions'>,
  mailbox: string,
  nonce: string,
  etag: string,
  value: ActionEntity,
): Promise<boolean> {
  const out = await store.actions.replace(mailbox, nonce, value, etag);
  return out.ok;
}

/** Releases (Junk → fetched folder) done since `since`, oldest first: the next digest lists them. */
export async function releasesSince(
  store: Pick<StateStore, 'actions'>,
  mailbox: string,
  since: Date,
): Promise<ActionEntity[]> {
  const rows = await store.actions.list(mailbox);
  return rows
    .map((r) => r.value)
    .filter(
      (v) =>
        v.action === 'release' &&
        v.state === 'done' &&
        v.finishedAt !== undefined &&
        new Date(v.finishedAt).getTime() >= since.getTime(),
    )
    .sort((a, b) => {
      const [x, y] = [a.finishedAt ?? '', b.finishedAt ?? ''];
      return x < y ? -1 : x > y ? 1 : 0;
    });
}
