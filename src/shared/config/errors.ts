/** A configuration error lists every problem at once, each with the path of the field and what was expected. */
export interface ConfigIssue {
  /** e.g. `mailboxes[1].clientId` */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly code = 'ECONFIG';
  constructor(
    readonly issues: ConfigIssue[],
    readonly source: string,
  ) {
    super(
      `invalid configuration (${source}):\n` +
        issues.map((i) => `  ${i.path || '(document)'}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Formats a zod path the way an admin reads JSON: mailboxes[1].esm["mail.oauth.client.id"]. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
