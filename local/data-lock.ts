import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Another process is using this data folder (two clouds on one PGlite directory would corrupt it). */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(`The data folder ${dataDir} is in use by process ${pid}: stop it, or use another DATA_DIR`);
    this.name = 'DataDirInUseError';
  }
}

// Folders locked by clouds in this process (the pid check cannot tell two of them apart).
const lockedHere = new Set<string>();

/** Takes the data folder's lock file; a lock left by a killed process (pid no longer alive) is taken over. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  if (lockedHere.has(dataDir)) throw new DataDirInUseError(dataDir, process.pid);
  const file = join(dataDir, '.lock');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid))
      throw new DataDirInUseError(dataDir, pid);
  }
  writeFileSync(file, String(process.pid));
  lockedHere.add(dataDir);
  return () => {
    lockedHere.delete(dataDir);
    rmSync(file, { force: true });
  };
}

/** Whether `pid` is a live process. A killed process its parent has not reaped yet (a zombie) holds nothing. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill(pid, 0)
  }
}
