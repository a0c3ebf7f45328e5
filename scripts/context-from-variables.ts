import * as z from 'zod';
import { configSchema } from '../lib/config';

/*
 * The deploy workflow's settings come from GitHub repository variables named after the config keys
 * (`fleet.maxInstances` → CN_FLEET_MAX_INSTANCES). This turns them into the `-c key=value` arguments that
 * `cdk diff`/`cdk deploy` pass to bin/app.ts, where lib/config.ts validates them like any other context. The names are
 * derived from the schema, so a new config key is settable from GitHub without touching this file, and a CN_
 * variable that names no key fails the run instead of being ignored (a typo would otherwise deploy the default).
 *
 *   CN_VARIABLES='${{ toJSON(vars) }}' tsx scripts/context-from-variables.ts  → NUL-separated `-c` `key=value` pairs
 */

export const VARIABLE_PREFIX = 'CN_';

/**
 * Not settable from the pipeline: `github` names the repository for the GitHubDeploy stack, which is deployed by hand
 * once, so the pipeline's `cdk deploy --all` never replaces the roles it runs as.
 */
const NOT_FROM_PIPELINE = new Set(['github']);

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.core.$ZodType };
    if (!def.innerType || !['optional', 'default', 'prefault', 'nullable'].includes(def.type)) return current;
    current = def.innerType;
  }
}

/** Every context key a variable can set: top-level keys, and one key per field of nested objects (`fleet.spot`). */
export function settableKeys(): string[] {
  return Object.entries(configSchema.shape)
    .filter(([key]) => !NOT_FROM_PIPELINE.has(key))
    .flatMap(([key, schema]) => {
      const inner = unwrap(schema);
      return inner instanceof z.ZodObject ? Object.keys(inner.shape).map((field) => `${key}.${field}`) : [key];
    });
}

/** `fleet.maxInstances` → `CN_FLEET_MAX_INSTANCES`. */
export function variableName(key: string): string {
  return (
    VARIABLE_PREFIX +
    key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()
  );
}

/**
 * The context (`key` → string value, as `-c` passes it) for the CN_ variables that are set and not empty.
 * Throws, naming every variable that matches no key.
 */
export function contextFromVariables(variables: Record<string, string | undefined>): Record<string, string> {
  const keyOf = new Map(settableKeys().map((key) => [variableName(key), key]));
  const context: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    if (!name.startsWith(VARIABLE_PREFIX) || value === undefined || value.trim() === '') continue;
    const key = keyOf.get(name);
    if (key) context[key] = value.trim();
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new Error(
      `Unknown repository variable(s) ${unknown.join(', ')}: Connect Now reads ${[...keyOf.keys()].join(', ')} ` +
        '(docs/deployment.md)',
    );
  }
  return context;
}

if (require.main === module) {
  try {
    const variables = JSON.parse(process.env.CN_VARIABLES ?? '{}') as Record<string, string>;
    const args = Object.entries(contextFromVariables(variables)).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
    // NUL-separated so values keep their spaces and quotes: `mapfile -d '' args < file` in the workflow.
    process.stdout.write(args.map((arg) => `${arg}\0`).join(''));
    for (const arg of args.filter((_, i) => i % 2 === 1)) console.error(`context: ${arg}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
