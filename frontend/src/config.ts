import { z } from 'zod';

/** `/config.json`: written by CDK in AWS and by the local gateway on a laptop; never baked into the bundle. */
export const runtimeConfigSchema = z.object({
  apiBase: z.string().min(1),
  wsUrl: z.string().regex(/^wss?:\/\//, 'wsUrl must be a ws:// or wss:// URL'),
  peer: z.object({
    host: z.string().min(1),
    port: z.number().int().positive(),
    path: z.string().default('/'),
    secure: z.boolean(),
    key: z.string().min(1),
    pingInterval: z.number().int().positive().optional(),
  }),
  googleClientId: z.string().optional(),
  maxParticipants: z.number().int().positive().default(8),
});
export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  const res = await fetchImpl('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`Could not load /config.json (HTTP ${res.status})`);
  const parsed = runtimeConfigSchema.safeParse(await res.json());
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`Bad /config.json: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`);
  }
  return parsed.data;
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
