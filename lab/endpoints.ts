/**
 * What a running lab tells the processes it starts (JSON in `MAILBOX_HEALTH_LAB`). Types only: importing this
 * file pulls in no server code.
 */
export const LAB_ENV = 'MAILBOX_HEALTH_LAB';

export interface LabEndpoints {
  /** Plain-HTTP control API (lab/client.ts). */
  controlUrl: string;
  /** `localhost:PORT`: MSAL `knownAuthorities` entry and the config's `cloud.authorityHost`. */
  authorityHost: string;
  /** `https://localhost:PORT`: authority base; authority = `${entraBaseUrl}/${tenantId}`. */
  entraBaseUrl: string;
  /** The lab CA (PEM path); test processes get it as NODE_EXTRA_CA_CERTS. */
  caPath: string;
  labDir: string;
  /** Dovecot IMAPS (TLS on connect); null when Dovecot is not installed (see `imapUnavailable`). */
  imap: { host: string; port: number } | null;
  imapUnavailable?: string;
  /** `doveadm -c <configPath> …` works against the lab's Dovecot. */
  doveadm: { configPath: string } | null;
  /** SMTP submission with STARTTLS (like smtp.office365.com:587). */
  smtp: { host: string; port: number } | null;
  azurite: { connectionString: string; tableUrl: string; queueUrl: string; blobUrl: string } | null;
}
