import { optionalEnv, requireEnv } from '../shared/env';

/** Lower-cased scheme://host[:port], or undefined when the value is not an http(s) origin. */
export function normalizeOrigin(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The page origins allowed to open sockets and to send cookie-bearing requests: `ALLOWED_ORIGINS`
 * (comma-separated), else the origin of `PUBLIC_URL`.
 */
export function allowedOrigins(): Set<string> {
  const raw = optionalEnv('ALLOWED_ORIGINS') ?? requireEnv('PUBLIC_URL');
  return new Set(
    raw
      .split(',')
      .map((entry) => normalizeOrigin(entry.trim()))
      .filter((origin): origin is string => origin !== undefined),
  );
}

export function isAllowedOrigin(origin: string | undefined): boolean {
  const normalized = normalizeOrigin(origin);
  // The literal string "null" (sandboxed frames, file://) never parses as an http(s) origin, so it is refused too.
  return normalized !== undefined && normalized === origin?.toLowerCase() && allowedOrigins().has(normalized);
}

/** Header lookup that ignores case: API Gateway passes WebSocket headers as the client sent them. */
export function header(
  headers: Record<string, string | undefined> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
