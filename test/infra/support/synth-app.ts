import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { securityHeaders } from '../../../functions/auth/security-headers';
import { parseConfig } from '../../../lib/config';
import { createConnectNowStacks, type ConnectNowStacks } from '../../../lib/connect-now-app';
import { PLACEHOLDER_MISSING_ENTRIES_CONTEXT, PROJECT_ROOT } from '../../../lib/constructs/house-function';

/** The feature flags and defaults from cdk.json, so tests synthesize what `cdk synth` synthesizes. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface SynthesizedApp {
  readonly app: App;
  readonly stacks: ConnectNowStacks;
  template(stack: keyof ConnectNowStacks): Template;
}

/**
 * Builds the whole app the way bin/app.ts does, minus the slow parts: `aws:cdk:bundling-stacks: []` is what the
 * CLI passes for `--exclusively` stacks it does not deploy, and it makes NodejsFunction skip esbuild. Handler
 * modules or Dockerfiles that other teams have not written yet are stood in by placeholders (annotated).
 */
export function synthesizeApp(extraContext: Record<string, unknown> = {}): SynthesizedApp {
  const frontendDir = mkdtempSync(join(tmpdir(), 'cn-infra-frontend-'));
  writeFileSync(join(frontendDir, 'index.html'), '<!doctype html><title>test</title>');
  const context = {
    ...cdkJsonContext(),
    'aws:cdk:bundling-stacks': [],
    [PLACEHOLDER_MISSING_ENTRIES_CONTEXT]: true,
    // CloudFormation's own template rules (circular dependencies, property types) take ~70 % of an in-process
    // synth here; `npx cdk synth` keeps them on, and these tests assert the resources themselves.
    '@aws-cdk/core:validateAgainstDefaultRules': false,
    ...extraContext,
  };
  const app = new App({ context, autoSynth: false, outdir: mkdtempSync(join(tmpdir(), 'cn-infra-out-')) });
  for (const id of ['connect-now:missingEntry', 'connect-now:missingContainer']) {
    Validations.of(app).acknowledge({
      id,
      reason: 'Infra tests assert the stacks while other modules are still being written.',
    });
  }
  const config = parseConfig(app.node.getAllContext());
  const stacks = createConnectNowStacks(app, config, { frontendDir, securityHeaders });
  // One synth for all stacks: Template.fromStack re-synthesizes the whole app on every call (~4 s each here).
  const assembly = app.synth();
  const templates = new Map<keyof ConnectNowStacks, Template>();
  return {
    app,
    stacks,
    template(name) {
      let t = templates.get(name);
      if (!t) {
        t = Template.fromJSON(assembly.getStackArtifact(stacks[name].artifactId).template as Record<string, unknown>);
        templates.set(name, t);
      }
      return t;
    },
  };
}

let shared: SynthesizedApp | undefined;

/** One synthesized default app per test file (jest isolates modules per file). */
export function defaultApp(): SynthesizedApp {
  return (shared ??= synthesizeApp());
}
