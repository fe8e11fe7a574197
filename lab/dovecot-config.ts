/**
 * The lab's Dovecot 2.3 configuration, following docs/exchange-online.md "The lab's Dovecot": short base_dir, state
 * and logs in the lab dir, IMAPS on 127.0.0.1 with the lab certificate, Exchange Online's capability list and
 * folder names, XOAUTH2 only for clients (PLAIN exists for the lab's own master-user seeding login), delegated
 * tokens through `passdb oauth2` introspection, app-only tokens through passwd-file slots the lab rewrites.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** How many app tokens per mailbox are valid at once (one passwd-file passdb per slot, tried in order). */
export const APP_TOKEN_SLOTS = 4;
export const SEED_MASTER = 'labseed';
/** Exchange Online's IMAP capability list (no SPECIAL-USE, no CONDSTORE): clients find folders by name. */
export const EXCHANGE_CAPABILITY =
  'IMAP4rev1 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+';
export const EXCHANGE_FOLDERS = ['Junk Email', 'Sent Items', 'Drafts', 'Deleted Items'] as const;
/**
 * Exchange's longest IMAP command (`MaxCommandSize`, 10,240 bytes by default on Exchange 2013 — Microsoft Learn,
 * Set-ImapSettings); Dovecot's own default is 64 KB, which hid commands Exchange answers with BAD.
 */
export const MAX_COMMAND_BYTES = 10240;
/**
 * Mailboxes created in another language, as Exchange does for a mailbox whose language is set at first sign-in:
 * the special folders in that language and no English ones. A lab user whose local part starts with the prefix
 * (e.g. `fi-desk@…`) gets that language's folders instead of the English ones.
 */
export const LANGUAGE_MAILBOXES = {
  fi: {
    prefix: 'fi-',
    folders: { junk: 'Roskaposti', sent: 'Lähetetyt', drafts: 'Luonnokset', trash: 'Poistetut' },
  },
  de: {
    prefix: 'de-',
    folders: {
      junk: 'Junk-E-Mail',
      sent: 'Gesendete Elemente',
      drafts: 'Entwürfe',
      trash: 'Gelöschte Elemente',
    },
  },
} as const;
export type LabLanguage = keyof typeof LANGUAGE_MAILBOXES;
/**
 * Mailboxes kept in Dovecot's `mdbox` storage instead of maildir: a lab user whose local part starts with the
 * prefix (e.g. `db-desk@…`) has its mail there. mdbox is index-authoritative — Dovecot's index, not a directory
 * listing, says which messages exist, and messages are packed many to a file — so opening a folder of 100,000
 * messages does not read 100,000 directory entries: the lab's closest stand-in for Exchange, which keeps mail in a
 * database. Everyone else stays on maildir.
 */
export const DBOX_MAILBOX = { prefix: 'db-', location: 'mdbox:~/mdbox' } as const;

export interface DovecotPaths {
  dir: string;
  conf: string;
  baseDir: string;
  stateDir: string;
  log: string;
  mail: string;
  masterPasswd: string;
  oauth2Conf: string;
  appTokenFile: (slot: number) => string;
  prefixUserdb: string;
}

export function dovecotPaths(labDir: string): DovecotPaths {
  const dir = join(labDir, 'dovecot');
  return {
    dir,
    conf: join(dir, 'dovecot.conf'),
    // Unix socket paths must stay under 108 bytes: keep base_dir short (labDir is /tmp/mh-XXXXXX).
    baseDir: join(labDir, 'dr'),
    stateDir: join(dir, 'state'),
    log: join(dir, 'dovecot.log'),
    mail: join(labDir, 'mail'),
    masterPasswd: join(dir, 'master.passwd'),
    oauth2Conf: join(dir, 'oauth2.conf.ext'),
    appTokenFile: (slot) => join(dir, `app-tokens-${slot}.passwd`),
    prefixUserdb: join(dir, 'prefixes.userdb'),
  };
}

export interface DovecotConfigInput {
  paths: DovecotPaths;
  port: number;
  certPath: string;
  keyPath: string;
  caPath: string;
  introspectionUrl: string;
  vmailUid: number;
  vmailGid: number;
  /** Advertise SPECIAL-USE and mark the folders (\Junk, \Sent…): the non-Exchange path, for tests of it. */
  specialUse?: boolean;
}

export function dovecotConfig(c: DovecotConfigInput): string {
  const p = c.paths;
  const dh = '/usr/share/dovecot/dh.pem';
  const use: Record<string, string> = {
    'Junk Email': '\\Junk',
    'Sent Items': '\\Sent',
    Drafts: '\\Drafts',
    'Deleted Items': '\\Trash',
  };
  const folders = EXCHANGE_FOLDERS.map(
    (f) => `  mailbox "${f}" {\n    auto = create\n${c.specialUse ? `    special_use = ${use[f]}\n` : ''}  }`,
  ).join('\n');
  // One namespace per language, disabled unless the userdb turns it on (Dovecot's `disabled` namespace setting
  // exists for exactly this: "useful when returned by a userdb lookup").
  const languageNamespaces = Object.entries(LANGUAGE_MAILBOXES)
    .map(([lang, l]) => {
      const f = l.folders;
      const lu: Record<string, string> = {
        [f.junk]: '\\Junk',
        [f.sent]: '\\Sent',
        [f.drafts]: '\\Drafts',
        [f.trash]: '\\Trash',
      };
      const boxes = Object.entries(lu)
        .map(
          ([name, su]) =>
            `  mailbox "${name}" {\n    auto = create\n${c.specialUse ? `    special_use = ${su}\n` : ''}  }`,
        )
        .join('\n');
      return `namespace ${lang} {\n  disabled = yes\n  inbox = yes\n  separator = /\n${boxes}\n}`;
    })
    .join('\n');
  const appPassdbs = Array.from(
    { length: APP_TOKEN_SLOTS },
    (_, i) => `passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu ${p.appTokenFile(i)}
}`,
  ).join('\n');
  return `# Generated by lab/dovecot-config.ts for one lab run. Not for production.
base_dir = ${p.baseDir}
state_dir = ${p.stateDir}
log_path = ${p.log}
info_log_path = ${p.log}
instance_name = mh-lab-${c.port}
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <${c.certPath}
ssl_key = <${c.keyPath}
${existsSync(dh) ? `ssl_dh = <${dh}\n` : ''}ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
# Exchange offers only XOAUTH2 (Dovecot would add OAUTHBEARER, which imapflow prefers). PLAIN is for the lab's
# master-user seeding login only; clients under test authenticate with tokens.
auth_mechanisms = xoauth2 plain
auth_master_user_separator = *
auth_verbose = yes
auth_cache_size = 0
# Exchange answers a bad token at once; the default 2 s penalty only slows the tests.
auth_failure_delay = 0
imap_capability = ${c.specialUse ? `${EXCHANGE_CAPABILITY} SPECIAL-USE` : EXCHANGE_CAPABILITY}
imap_max_line_length = ${MAX_COMMAND_BYTES}
mail_location = maildir:${p.mail}/%Lu
mail_uid = ${c.vmailUid}
mail_gid = ${c.vmailGid}
first_valid_uid = ${Math.min(c.vmailUid, 100)}
first_valid_gid = 1
mail_max_userip_connections = 100
# Room for the fleet benchmark (bench/fleet.ts: many mailboxes at once, each its own login and session) and for
# test files running in parallel; Dovecot's defaults are 100 processes per service and 1000 clients.
default_process_limit = 1024
default_client_limit = 4096
namespace inbox {
  inbox = yes
  separator = /
${folders}
}
${languageNamespaces}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${c.port}
    ssl = yes
  }
}
# No per-IP auth penalty: every lab client comes from 127.0.0.1, and refused-token tests would slow each other.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
# Seeding: "<user>*${SEED_MASTER}" with the lab's random password logs in as <user>.
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${p.masterPasswd}
  master = yes
}
# App-only tokens (Add-MailboxPermission): "<mailbox>:{PLAIN}<token>", newest token per mailbox in slot 0.
${appPassdbs}
# Delegated tokens: introspection answers the token's upn; Dovecot compares it with the login user.
passdb {
  driver = oauth2
  args = ${p.oauth2Conf}
}
# Language and storage mailboxes: keyed by the first three characters of the local part ("fi-", "de-", "db-").
userdb {
  driver = passwd-file
  args = username_format=%3Ln ${p.prefixUserdb}
  override_fields = uid=${c.vmailUid} gid=${c.vmailGid} home=${p.mail}/%Lu
}
userdb {
  driver = static
  args = uid=${c.vmailUid} gid=${c.vmailGid} home=${p.mail}/%Lu allow_all_users=yes
}
`;
}

export function oauth2Config(c: DovecotConfigInput): string {
  return `introspection_mode = post
introspection_url = ${c.introspectionUrl}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
tls_ca_cert_file = ${c.caPath}
`;
}

/**
 * The prefix userdb: each language prefix turns the English namespace off and its language's on; the dbox prefix
 * moves the user's mail to mdbox (`mail` from a userdb overrides `mail_location` for that user). passwd-file extra
 * fields reach the userdb only with the `userdb_` prefix, as verified against Dovecot 2.3.19.
 */
export function prefixUserdb(): string {
  const languages = Object.entries(LANGUAGE_MAILBOXES).map(
    ([lang, l]) =>
      `${l.prefix}:::::::userdb_namespace/inbox/disabled=yes userdb_namespace/${lang}/disabled=no`,
  );
  return (
    [...languages, `${DBOX_MAILBOX.prefix}:::::::userdb_mail=${DBOX_MAILBOX.location}`].join('\n') + '\n'
  );
}
