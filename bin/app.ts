import { App } from 'aws-cdk-lib';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigValidationError, parseConfig } from '../lib/config';
import { createConnectNowStacks, createGitHubDeployStack } from '../lib/connect-now-app';
import { addNagChecks } from '../lib/nag';
import { MissingSourceError, PROJECT_ROOT } from '../lib/constructs/house-function';

const FRONTEND_OUT = join(PROJECT_ROOT, 'dist', 'frontend');

/** Builds the browser app with frontend/build.ts so every synth deploys the current source. */
async function buildFrontend(outDir: string): Promise<void> {
  const buildModule = join(PROJECT_ROOT, 'frontend', 'build.ts');
  if (!existsSync(buildModule)) {
    // Lets the infrastructure synthesize before the frontend exists; the page says so instead of a blank 403.
    console.warn(`frontend/build.ts not found: deploying a placeholder page from ${outDir}`);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      join(outDir, 'index.html'),
      '<!doctype html><title>Connect Now</title><p>Frontend not built yet.</p>\n',
    );
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(buildModule) as { buildFrontend?: (dir: string) => Promise<void> };
  if (typeof mod.buildFrontend !== 'function') {
    throw new Error('frontend/build.ts must export buildFrontend(outDir: string): Promise<void> (docs/contracts.md)');
  }
  await mod.buildFrontend(outDir);
}

async function main(): Promise<void> {
  // Synthesized explicitly below: an auto-synth on exit would run after a config or build error as well.
  const app = new App({ autoSynth: false });
  // Validate before building anything: a typo in cdk.json should fail in milliseconds.
  const config = parseConfig(app.node.getAllContext());
  await buildFrontend(FRONTEND_OUT);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { securityHeaders } = require('../functions/auth/security-headers') as {
    securityHeaders: (options: { connectSrc: string[] }) => Readonly<Record<string, string>>;
  };
  createConnectNowStacks(app, config, { frontendDir: FRONTEND_OUT, securityHeaders });
  createGitHubDeployStack(app, config);
  addNagChecks(app);
  app.synth();
}

main().catch((error: unknown) => {
  // Known input problems print as one readable message; anything else keeps its stack.
  const known = error instanceof ConfigValidationError || error instanceof MissingSourceError;
  console.error(known ? error.message : error);
  process.exitCode = 1;
});
