/**
 * The status pages from the configuration and the state store: the overview (`/api/status`, `mailbox-health
 * status`) and one mailbox (`/api/status/<id>`). Only configured mailboxes are shown or looked up, so an id in a
 * URL never reaches the store unless the configuration knows it.
 */
import type { Config } from '../config/load.js';
import { readMailboxDetail, readOverview } from '../history/read.js';
import { renderMailboxPage } from '../report/status-mailbox.js';
import { page, parseStatusFilter, type StatusLinks } from '../report/status-layout.js';
import { renderStatusPage } from '../report/status-page.js';
import { html } from '../report/html-template.js';
import type { StateStore } from '../state/ports.js';

export interface StatusRequest {
  /** A mailbox id (the mailbox page) or undefined (the overview). */
  mailbox?: string;
  /** `?status=` of the overview; anything but a status or `none` shows every mailbox. */
  filter?: string | null;
  /** `?page=` of the overview (1-based); anything else is the first page. */
  page?: string | null;
  /** Mailbox rows per overview page (default PAGE_ROWS); Infinity for one page (the CLI's files). */
  pageSize?: number;
  links: StatusLinks;
}

export interface StatusResponse {
  status: 200 | 404;
  html: string;
}

export async function statusPage(
  config: Pick<Config, 'mailboxes'>,
  store: StateStore,
  now: Date,
  req: StatusRequest,
): Promise<StatusResponse> {
  if (req.mailbox === undefined) {
    const filter = parseStatusFilter(req.filter);
    const mailboxes = await readOverview(config.mailboxes, store, now);
    const page = /^[1-9][0-9]{0,5}$/.test(req.page ?? '') ? Number(req.page) : 1;
    return {
      status: 200,
      html: renderStatusPage({
        mailboxes,
        now,
        links: req.links,
        page,
        ...(req.pageSize !== undefined ? { pageSize: req.pageSize } : {}),
        ...(filter ? { filter } : {}),
      }),
    };
  }
  const m = config.mailboxes.find((x) => x.id === req.mailbox);
  if (!m)
    return {
      status: 404,
      html: page({
        title: 'Not found · mailbox-health status',
        heading: 'Mailbox not found',
        subheading: 'No configured mailbox has that id.',
        body: html`<p><a href="${req.links.overview()}">← All mailboxes</a></p>`,
      }),
    };
  const detail = await readMailboxDetail(m, store, now);
  return {
    status: 200,
    html: renderMailboxPage({
      detail,
      now,
      links: req.links,
      thresholds: { inbox: m.inbox, limits: m.limits },
    }),
  };
}

/** Links of the Function App's pages; the function key the reader came with is carried along (see docs/deploy.md). */
export function functionLinks(code?: string | null): StatusLinks {
  const key = code ? `code=${encodeURIComponent(code)}` : '';
  const q = (params: string[]) =>
    params.filter(Boolean).length ? `?${params.filter(Boolean).join('&')}` : '';
  return {
    overview: (f, page) =>
      `/api/status${q([f ? `status=${encodeURIComponent(f)}` : '', page && page > 1 ? `page=${page}` : '', key])}`,
    mailbox: (id) => `/api/status/${encodeURIComponent(id)}${q([key])}`,
  };
}
