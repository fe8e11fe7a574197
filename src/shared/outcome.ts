/**
 * The one way our steps say how they went (taking a lease, claiming a schedule slot or an action link, reading a
 * queue message, acquiring a token, a version-checked write): `ok: true` with what the step produced, or
 * `ok: false` with a `reason` word and what the caller needs to explain it. One discriminant everywhere, so a
 * reader never has to learn whether this step says `held`, `claimed` or `found`.
 */
export type Outcome<Done extends object, Reason extends string, NotDone extends object = object> =
  ({ ok: true } & Done) | ({ ok: false; reason: Reason } & NotDone);
