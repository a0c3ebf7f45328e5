import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackAddress } from '../listener-guard';
import type { LocalMail } from '../standins/ses';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The mail's text with its links made clickable; everything else is escaped text. */
function bodyHtml(mail: LocalMail): string {
  return mail.text
    .split(/(https?:\/\/[^\s<>"]+)/g)
    .map((part, i) => (i % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part)))
    .join('');
}

function page(mails: LocalMail[]): string {
  const items = mails
    .map(
      (mail) => `<article data-testid="mail">
<h2>${escapeHtml(mail.subject)}</h2>
<p><small>${escapeHtml(mail.at)} · from ${escapeHtml(mail.from)} · to <span data-testid="mail-to">${escapeHtml(mail.to.join(', '))}</span></small></p>
<pre>${bodyHtml(mail)}</pre>
</article>`,
    )
    .join('\n<hr>\n');
  // No script and no style: the page lives under the gateway's strict CSP like every other page.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local inbox · Connect Now</title></head>
<body><h1>Local inbox</h1>
<p>Mails the functions sent through the local SES stand-in, newest first. Nothing here leaves this machine.</p>
${items || '<p>No mails yet.</p>'}
</body></html>`;
}

/**
 * The developer's inbox (GET /_local/inbox, or /_local/inbox.json for scripts and tests). Only for requests from
 * this machine: the mails hold sign-up and reset links, which are as good as passwords, and `HOST=0.0.0.0 npm start`
 * would otherwise show them to the whole network.
 */
export function serveInbox(
  mails: LocalMail[],
  asJson: boolean,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): void {
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    res.writeHead(404, { ...headers, 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Not Found' }));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Method Not Allowed' }));
    return;
  }
  const body = asJson ? JSON.stringify(mails) : page(mails);
  res.writeHead(200, {
    ...headers,
    'content-type': asJson ? 'application/json' : 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
