/*
 * Remembers unfinished uploads across page loads (a closed laptop lid, a crashed tab) so picking the same file
 * again continues where it stopped. Only ids and sizes are kept: no token, nothing a script could misuse.
 */

const KEY = 'cn.pendingUploads';
// An S3 multipart upload left unfinished is cleaned up by the bucket's lifecycle rule after days; a week is plenty.
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export interface PendingUpload {
  readonly recordingId: string;
  readonly partSize: number;
  readonly partCount: number;
}

interface Stored extends PendingUpload {
  readonly fingerprint: string;
  readonly savedAt: number;
}

interface FileLike {
  readonly name: string;
  readonly size: number;
  readonly lastModified?: number;
}

/** Same name, size and modification time: as close to "the same file" as a page can tell without reading it. */
export function fingerprint(file: FileLike): string {
  return `${file.name}|${file.size}|${file.lastModified ?? 0}`;
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (privacy mode): uploads still work, they just cannot resume after a reload
  }
}

function readAll(now: number): Stored[] {
  const raw = storage()?.getItem(KEY);
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (e): e is Stored =>
        typeof e === 'object' &&
        e !== null &&
        typeof e.fingerprint === 'string' &&
        typeof e.recordingId === 'string' &&
        Number.isInteger(e.partSize) &&
        Number.isInteger(e.partCount) &&
        typeof e.savedAt === 'number' &&
        now - e.savedAt < MAX_AGE_MS,
    );
  } catch {
    return [];
  }
}

function writeAll(list: Stored[]): void {
  storage()?.setItem(KEY, JSON.stringify(list.slice(-20)));
}

export function rememberPendingUpload(file: FileLike, upload: PendingUpload, now = Date.now()): void {
  const fp = fingerprint(file);
  writeAll([...readAll(now).filter((e) => e.fingerprint !== fp), { ...upload, fingerprint: fp, savedAt: now }]);
}

export function findPendingUpload(file: FileLike, now = Date.now()): PendingUpload | null {
  const fp = fingerprint(file);
  const found = readAll(now).find((e) => e.fingerprint === fp);
  return found ? { recordingId: found.recordingId, partSize: found.partSize, partCount: found.partCount } : null;
}

export function forgetPendingUpload(file: FileLike, now = Date.now()): void {
  const fp = fingerprint(file);
  writeAll(readAll(now).filter((e) => e.fingerprint !== fp));
}
