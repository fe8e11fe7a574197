/**
 * Exchange's localized names of the special folders the monitor reads, by role and language.
 *
 * Exchange Online creates the default folders in the mailbox language chosen at first sign-in (or by
 * `Set-MailboxRegionalConfiguration -LocalizeDefaultFolderName`, Microsoft Learn, Exchange PowerShell reference)
 * and, reportedly, does not advertise SPECIAL-USE (RFC 6154), so an IMAP client must know the names.
 *
 * Sources: the folder names Outlook and Outlook on the web show for each display language (Microsoft's
 * localized Office UI strings, as listed in the Microsoft Language Portal terminology for "Junk Email" and
 * "Sent Items"); cross-checked against the localized-name table of imapflow 1.7.8 (`lib/special-use.js`, MIT),
 * which lists all of them except the Danish "Uønsket mail", the Norwegian "Sendte elementer", the Icelandic
 * "Sendir hlutir", the Dutch "Verzonden items", the Portuguese "Itens Enviados" and the Polish "Elementy
 * wysłane" (imapflow has shorter forms of those). Older Outlook versions used "Junk E-mail"; both are listed.
 * A name missing here is set per mailbox with `folders.junk` / `folders.sent`.
 *
 * INBOX needs no table: IMAP names it INBOX in every language (RFC 3501 §5.1).
 */

export type FolderRole = 'junk' | 'sent';

/** Language tag (BCP 47) → names, most usual first. Matching is case-insensitive on Unicode NFC. */
export const LOCALIZED_FOLDER_NAMES: Readonly<
  Record<FolderRole, Readonly<Record<string, readonly string[]>>>
> = {
  junk: {
    en: ['Junk Email', 'Junk E-mail', 'Junk E-Mail'],
    fi: ['Roskaposti'],
    sv: ['Skräppost'],
    nb: ['Søppelpost'],
    da: ['Uønsket mail', 'Uønsket e-mail'],
    is: ['Ruslpóstur'],
    et: ['Rämpspost'],
    de: ['Junk-E-Mail'],
    fr: ['Courrier indésirable'],
    nl: ['Ongewenste e-mail'],
    es: ['Correo no deseado'],
    it: ['Posta indesiderata'],
    pt: ['Lixo Eletrónico', 'Lixo Eletrônico'],
    pl: ['Wiadomości-śmieci'],
  },
  sent: {
    en: ['Sent Items'],
    fi: ['Lähetetyt'],
    sv: ['Skickat'],
    nb: ['Sendte elementer'],
    da: ['Sendt post'],
    is: ['Sendir hlutir'],
    et: ['Saadetud üksused'],
    de: ['Gesendete Elemente'],
    fr: ['Éléments envoyés'],
    nl: ['Verzonden items'],
    es: ['Elementos enviados'],
    it: ['Posta inviata'],
    pt: ['Itens Enviados'],
    pl: ['Elementy wysłane'],
  },
};

/**
 * Names other IMAP servers use (Dovecot, Gmail-style, Apple): tried after Exchange's, so a mailbox that was
 * migrated or a test server still works. Not Exchange's, hence not in the language table.
 */
export const GENERIC_FOLDER_NAMES: Readonly<Record<FolderRole, readonly string[]>> = {
  junk: ['Junk', 'Spam'],
  sent: ['Sent', 'Sent Messages', 'Sent Mail'],
};

/** The RFC 6154 attribute of each role. */
export const SPECIAL_USE: Readonly<Record<FolderRole, '\\Junk' | '\\Sent'>> = {
  junk: '\\Junk',
  sent: '\\Sent',
};

/** Folded form used for comparisons: NFC, lower case (locale-independent), trimmed. */
export function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase().trim();
}

/** Every known name of a role in the order tried: Exchange's per language (table order), then generic ones. */
export function knownNames(role: FolderRole): Array<{ name: string; language?: string }> {
  const out: Array<{ name: string; language?: string }> = [];
  for (const [language, names] of Object.entries(LOCALIZED_FOLDER_NAMES[role])) {
    for (const name of names) out.push({ name, language });
  }
  for (const name of GENERIC_FOLDER_NAMES[role]) out.push({ name });
  return out;
}
