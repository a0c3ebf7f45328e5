import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './lambda/functions';
import { describe, LOCAL_ACCOUNT_ID } from './lambda/runtime';
import { LOCAL_REGION } from './standins/sdk-config';

/** Builds the frontend bundle into `dir` with frontend/build.ts; a failure is reported, not fatal. */
export async function prepareFrontend(dir: string, build: boolean): Promise<{ built: boolean; error?: string }> {
  if (!build) return { built: false };
  const builder = join(REPO_ROOT, 'frontend/build.ts');
  if (!existsSync(builder)) return { built: false, error: 'frontend/build.ts is missing' };
  try {
    mkdirSync(dir, { recursive: true });
    const mod = (await import(builder)) as { buildFrontend: (outDir: string) => Promise<void> };
    await mod.buildFrontend(dir);
    return { built: true };
  } catch (error) {
    return { built: false, error: describe(error) };
  }
}

export async function loadSecurityHeaders(s3Endpoint: string, notes: string[]): Promise<Record<string, string>> {
  const file = join(REPO_ROOT, 'functions/auth/security-headers.ts');
  if (!existsSync(file)) {
    notes.push('functions/auth/security-headers.ts is missing: pages are served without security headers');
    return {};
  }
  const mod = (await import(file)) as {
    securityHeaders: (o: { connectSrc?: string[]; hsts?: boolean }) => Record<string, string>;
  };
  // Browsers upload recordings straight to the bucket (presigned URLs), which locally is another origin.
  return mod.securityHeaders({ connectSrc: [new URL(s3Endpoint).origin], hsts: false });
}

export async function runMigrationsLocally(log: (line: string) => void) {
  const runner = (await import(
    join(REPO_ROOT, 'functions/migrate/migrate.ts')
  )) as typeof import('../functions/migrate/migrate');
  const { getSql } = (await import(
    join(REPO_ROOT, 'functions/shared/sql/sql.ts')
  )) as typeof import('../functions/shared/sql/sql');
  const report = await runner.runMigrations(getSql());
  if (report.applied.length) log(`  migrations applied: ${report.applied.join(', ')}`);
  return report;
}

/**
 * SQS here is in memory (snapshotted every second); messages enqueued in the last moments before a crash can be
 * lost. The recordings feature may export reconcile() to re-enqueue work its database says is unfinished.
 */
export async function reconcileRecordings(notes: string[], warn: (line: string) => void): Promise<string> {
  const file = join(REPO_ROOT, 'functions/recordings/reconcile.ts');
  if (!existsSync(file)) return 'not provided';
  try {
    const mod = (await import(file)) as { reconcile?: () => Promise<unknown> };
    if (typeof mod.reconcile !== 'function') return 'no reconcile() export';
    await mod.reconcile();
    return 'done';
  } catch (error) {
    warn(`[local] recordings reconcile() failed: ${describe(error)}`);
    notes.push('recordings reconcile() failed (see log)');
    return `failed: ${describe(error)}`;
  }
}

export function scheduledEvent() {
  return {
    version: '0',
    id: globalThis.crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/connect-now-scaler`],
    detail: {},
  };
}
