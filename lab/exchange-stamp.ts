/**
 * The anti-spam headers Exchange Online stamps on a message at delivery, for seeding the lab's and the demo's Junk
 * folders as Exchange would fill them. Field formats from Microsoft Learn, "Anti-spam message headers in Microsoft
 * 365" (https://learn.microsoft.com/defender-office-365/message-headers-eop-mdo); folded over lines as Exchange
 * folds them. Put the lines above every other header: Exchange adds its own on top.
 */
export interface StampSpec {
  /** `dmarc=` in Authentication-Results (default `none`). */
  dmarc?: string;
  /** `compauth=` (default: pass when DMARC passed, else fail). */
  compauth?: string;
  /** `CAT:` (default SPM). */
  cat?: string;
  /** `SFV:` (default SPM). */
  sfv?: string;
  /** `SCL:` (default 5). */
  scl?: number;
  /** `BCL:` in X-Microsoft-Antispam (default 0). */
  bcl?: number;
  /** The sender's domain (default sender.example). */
  domain?: string;
}

export function exchangeStamp(s: StampSpec): string[] {
  const d = s.domain ?? 'sender.example';
  const dmarc = s.dmarc ?? 'none';
  const passed = dmarc === 'pass';
  return [
    `Authentication-Results: spf=${passed ? 'pass' : 'fail'} (sender IP is 192.0.2.7)`,
    ` smtp.mailfrom=${d}; dkim=${passed ? 'pass' : 'none'} (signature was verified)`,
    ` header.d=${d};dmarc=${dmarc} action=none header.from=${d};compauth=${s.compauth ?? (passed ? 'pass' : 'fail')}`,
    ` reason=${passed ? '100' : '000'}`,
    `X-Forefront-Antispam-Report: CIP:192.0.2.7;CTRY:FI;LANG:en;SCL:${s.scl ?? 5};SRV:;IPV:NLI;`,
    ` SFV:${s.sfv ?? 'SPM'};H:mail.${d};PTR:mail.${d};CAT:${s.cat ?? 'SPM'};SFS:(13230040)(4636009);DIR:INB;`,
    `X-Microsoft-Antispam: BCL:${s.bcl ?? 0};ARA:13230040|4636009;`,
  ];
}
