import { runtimeConfigSchema, type RuntimeConfigFile } from '../../functions/shared/protocol/runtime-config';

export { runtimeConfigSchema, type RuntimeConfigFile };

/** The configuration the app runs with: every URL absolute, the PeerJS endpoint spelled out. */
export type RuntimeConfig = Omit<RuntimeConfigFile, 'wsUrl' | 'peer'> & {
  wsUrl: string;
  peer: Required<Pick<RuntimeConfigFile['peer'], 'host' | 'port' | 'secure'>> &
    Omit<RuntimeConfigFile['peer'], 'host' | 'port' | 'secure'>;
};

/** Resolves a same-origin `wsUrl` against the page (`http:` → `ws:`, `https:` → `wss:`) and fills in PeerJS's endpoint. */
export function resolveConfig(file: RuntimeConfigFile, pageUrl: string): RuntimeConfig {
  const page = new URL(pageUrl);
  const wsUrl = file.wsUrl.startsWith('/')
    ? `${page.protocol === 'https:' ? 'wss:' : 'ws:'}//${page.host}${file.wsUrl}`
    : file.wsUrl;
  const socket = new URL(wsUrl);
  const secure = socket.protocol === 'wss:';
  return {
    ...file,
    wsUrl,
    peer: {
      ...file.peer,
      host: file.peer.host ?? socket.hostname,
      port: file.peer.port ?? (socket.port ? Number(socket.port) : secure ? 443 : 80),
      secure: file.peer.secure ?? secure,
    },
  };
}

export async function loadConfig(
  fetchImpl: typeof fetch = fetch,
  pageUrl: string = location.href,
): Promise<RuntimeConfig> {
  const res = await fetchImpl('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`Could not load /config.json (HTTP ${res.status})`);
  const parsed = runtimeConfigSchema.safeParse(await res.json());
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`Bad /config.json: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`);
  }
  return resolveConfig(parsed.data, pageUrl);
}

/**
 * The room socket is the PeerJS socket's URL without `key`/`id` (the authorizer tells them apart by `key`). The
 * ticket is not part of it: it travels in the Sec-WebSocket-Protocol header (frontend/src/net/credential-socket.ts).
 */
export function roomSocketUrl(config: RuntimeConfig): string {
  const base = config.wsUrl.replace(/\/+$/, '');
  return /\/peerjs$/.test(base) ? base : `${base}/peerjs`;
}

/** Resolves `apiBase` against the page origin, so both `/api` and `https://api.example.com/api` work. */
export function apiUrl(config: RuntimeConfig, path: string, origin: string = location.origin): string {
  const base = config.apiBase.replace(/\/+$/, '');
  const rel = path.startsWith('/') ? path : `/${path}`;
  const full = base.endsWith('/api') && rel.startsWith('/api/') ? `${base}${rel.slice(4)}` : `${base}${rel}`;
  return new URL(full, origin).toString();
}
