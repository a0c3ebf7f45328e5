import type { BuildOptions } from 'esbuild';

/*
 * One set of esbuild settings for every Lambda bundle, shared by the house function construct (cdk synth) and
 * `npm run build:functions` (scripts/bundle-functions.ts), so the size table the script prints is the size
 * that deploys.
 */

/** Node.js version the bundles target; matches `Runtime.NODEJS_22_X` in house-function.ts. */
export const LAMBDA_NODE_TARGET = 'node22';

/**
 * ES module output needs a `require` for the CommonJS packages inside the bundle (ioredis, jose's CJS deps) and
 * `__dirname` for modules that read files beside themselves; Lambda runs `index.mjs` as ESM, which has neither.
 */
export const ESM_BANNER = [
  "import { createRequire as __cnCreateRequire } from 'node:module';",
  "import { fileURLToPath as __cnFileURLToPath } from 'node:url';",
  "import { dirname as __cnDirname } from 'node:path';",
  'const require = __cnCreateRequire(import.meta.url);',
  'const __filename = __cnFileURLToPath(import.meta.url);',
  'const __dirname = __cnDirname(__filename);',
].join(' ');

/**
 * Never bundled: the in-process Redis emulator is only loaded when REDIS_URL is unset (laptop runs), so keeping it
 * out saves ~1 MB per bundle; in AWS REDIS_URL is always set and the require never runs.
 */
export const EXTERNAL_MODULES = ['ioredis-mock'];

/** SQL migrations are imported as text so the Migrate bundle carries them without a file copy step. */
export const LOADERS: Record<string, 'text'> = { '.sql': 'text' };

/**
 * Packages replaced in every bundle, by the path of the module that stands in for each (relative to the project
 * root). The SDK's default credential chain becomes the environment provider: see functions/shared/lambda-credentials.ts.
 */
export const BUNDLE_ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': './functions/shared/lambda-credentials.ts',
};

/** ES module builds of dependencies first, as NodejsFunction does for ESM output. */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * The same settings as esbuild API options, for the scripts that bundle outside CDK (`npm run build:functions`,
 * `npm run bench:bundles`): `root` is the project root, which the aliases are relative to.
 */
export function lambdaBuildOptions(root: string): BuildOptions {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: LAMBDA_NODE_TARGET,
    format: 'esm',
    minify: true,
    banner: { js: ESM_BANNER },
    external: EXTERNAL_MODULES,
    alias: BUNDLE_ALIASES,
    loader: LOADERS,
    mainFields: MAIN_FIELDS,
  };
}
