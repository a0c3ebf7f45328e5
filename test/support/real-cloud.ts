/*
 * The whole local cloud with its real handlers, as `npm start` runs it, for one integration suite: a free port, a
 * throw-away data folder and a database of its own on this machine's PostgreSQL (PGlite's wasm loader needs a
 * dynamic import that jest's VM cannot do). Stopping it stops the cloud, then drops the database and the folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../local/cloud';
import { databaseUrl, onDatabase } from './postgres';

export { databaseUrl, onDatabase, POSTGRES_SERVER } from './postgres';

export interface RealCloud {
  cloud: LocalCloud;
  /** The suite's own database, already migrated by the cloud's start. */
  database: string;
  dataDir: string;
  /** Stops the cloud, then drops its database and data folder. */
  stop(): Promise<void>;
}

/** What a suite may set; the port, data folder and database are the helper's. */
export type RealCloudOptions = Omit<LocalCloudOptions, 'port' | 'dataDir' | 'databaseUrl'>;

/**
 * Starts the cloud for the suite named `name` (it names the database `<name>_it_<random>` and the folder). No
 * Whisper worker and no frontend build unless the suite asks: integration suites drive the API and sockets.
 */
export async function startRealCloud(name: string, options: RealCloudOptions = {}): Promise<RealCloud> {
  const database = `${name}_it_${randomBytes(5).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-it-`));
  const dispose = async () => {
    await onDatabase('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    rmSync(dataDir, { recursive: true, force: true });
  };
  await onDatabase('postgres', (c) => c.query(`CREATE DATABASE ${database}`));
  const cloud = await startLocalCloud({
    quiet: true,
    worker: false,
    buildFrontend: false,
    ...options,
    port: 0,
    dataDir,
    databaseUrl: databaseUrl(database),
  }).catch(async (error: unknown) => {
    await dispose();
    throw error;
  });
  return {
    cloud,
    database,
    dataDir,
    stop: async () => {
      await cloud.stop();
      await dispose();
    },
  };
}
