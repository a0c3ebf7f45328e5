/*
 * A socket that never opened: say why at once, in words for the person at the page, instead of retrying in silence
 * until a timeout. Browsers do not tell scripts why a WebSocket failed; what the page can know is whether its own
 * security policy blocked the address (a `securitypolicyviolation` event) and whether the address names another
 * host than the one in the address bar (the usual cause: a config naming localhost, the page opened as 127.0.0.1).
 */

export function connectFailureMessage(socketUrl: string, pageUrl: string, blockedByPolicy: boolean): string {
  const socket = new URL(socketUrl);
  const page = new URL(pageUrl);
  const server = `${socket.protocol}//${socket.host}`;
  if (socket.host !== page.host) {
    const pageAt = `${socket.protocol === 'wss:' ? 'https:' : 'http:'}//${socket.host}`;
    return (
      `Could not connect to the meeting server at ${server}: this page is open at ${page.host}` +
      `${blockedByPolicy ? ' and its security policy blocks that address' : ''}. Open the app at ${pageAt} instead.`
    );
  }
  if (blockedByPolicy) return `This page's security policy blocked the connection to the meeting server at ${server}.`;
  return (
    `Could not connect to the meeting server at ${server}: the connection was refused or dropped before it opened. ` +
    'Check your network connection and try again.'
  );
}

/** Notes whether the page's CSP blocks a connection to `socketUrl`'s origin while the socket is being opened. */
export function watchPolicyBlocks(socketUrl: string): { blocked(): boolean; dispose(): void } {
  let blocked = false;
  if (typeof document === 'undefined') return { blocked: () => false, dispose: () => undefined };
  const origin = new URL(socketUrl).origin;
  const onViolation = (event: SecurityPolicyViolationEvent) => {
    if (event.blockedURI && new URL(event.blockedURI, location.href).origin === origin) blocked = true;
  };
  document.addEventListener('securitypolicyviolation', onViolation);
  return {
    blocked: () => blocked,
    dispose: () => document.removeEventListener('securitypolicyviolation', onViolation),
  };
}
