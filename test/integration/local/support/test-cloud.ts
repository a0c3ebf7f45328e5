import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../../../local/cloud';
import { FUNCTION_MODULES, type FunctionName } from '../../../../local/lambda/functions';

export const STAND_IN = join(__dirname, 'stand-in-handler.ts');

/** Every function served by the recording stand-in, except the ones given (e.g. a path that does not exist). */
export function standInHandlers(overrides: Partial<Record<FunctionName, string>> = {}) {
  const all = Object.fromEntries(Object.keys(FUNCTION_MODULES).map((name) => [name, STAND_IN])) as Record<
    FunctionName,
    string
  >;
  return { ...all, ...overrides };
}

export interface TestCloud extends LocalCloud {
  dispose(): Promise<void>;
}

/** A local cloud on a free port with a throw-away data folder, quick timers and no worker or frontend build. */
export async function startTestCloud(options: LocalCloudOptions = {}): Promise<TestCloud> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cn-local-'));
  const cloud = await startLocalCloud({
    port: 0,
    quiet: true,
    worker: false,
    buildFrontend: false,
    handlers: standInHandlers(),
    asyncRetryDelaysMs: [100, 100],
    sqs: { visibilityTimeoutSeconds: 1, waitTimeSeconds: 1 },
    ...options,
    dataDir,
  });
  return {
    ...cloud,
    dispose: async () => {
      await cloud.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
