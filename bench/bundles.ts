/*
 * `npm run bench:bundles`: every Lambda's bundle size and its cold import + init time, for today's layout and for
 * the reference layout measured in the same run: the same sources bundled with the SDK's full default credential
 * chain and with `import { z } from 'zod'`, as the code was written before (zod's `z` re-export object defeats
 * esbuild's tree shaking and drags in all of zod, locales included, ~440 KiB minified). Init time: a fresh `node`
 * process importing the bundle, median of RUNS. Targets from issue #10: every function under 400 KiB minified, and
 * its init time halved.
 */
import { build, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PASSWORD_DICTIONARY_PACKAGE } from '../functions/auth/password-dictionary';
import { EXTERNAL_MODULES, lambdaBuildOptions } from '../lib/constructs/bundling-settings';
import { CONTAINER_FUNCTIONS, FUNCTION_ENTRIES, FUNCTION_RUNTIME_MODULES } from '../lib/function-entries';

const ROOT = join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SIZE_TARGET = 400 * 1024;

/**
 * Rewrites our namespace import of zod back to the named import the code used before (the reference layout), and
 * the on-demand import of the password dictionary back to the static import it was (loaded at every cold start).
 */
const referenceLayout: Plugin = {
  name: 'reference-zod-import',
  setup(b) {
    b.onLoad({ filter: /\/(functions|lib)\/.*\.ts$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8').replace(/import \* as z from 'zod';/g, "import { z } from 'zod';");
      const onDemand = `import('${PASSWORD_DICTIONARY_PACKAGE}')`;
      if (source.includes(onDemand)) {
        source = `import * as __dictionary from '${PASSWORD_DICTIONARY_PACKAGE}';\n${source.replace(onDemand, 'Promise.resolve(__dictionary)')}`;
      }
      return { contents: source, loader: 'ts' };
    });
  },
};

/**
 * What a bundle is made of, in the groups the size target depends on: the packages every Redis-using function carries
 * (ioredis and its own dependencies), zod, the SDK's shared runtime (what every client needs: @smithy, @aws-sdk/core,
 * hashing), the service clients themselves, and the rest (our code, jose, Yjs, Powertools...). Bytes in the minified
 * output, from esbuild's metafile.
 */
const PARTS: [string, RegExp][] = [
  [
    'Redis client',
    /node_modules\/(ioredis|@ioredis|redis-parser|redis-errors|denque|debug|ms|cluster-key-slot|standard-as-callback|lodash\.[^/]+)\//,
  ],
  ['zod', /node_modules\/zod\//],
  [
    'SDK runtime',
    /node_modules\/(@smithy|@aws-sdk\/(core|middleware|util|region|credential|types|nested)|@aws-crypto|tslib\/|fast-xml|bowser\/|uuid\/|strnum\/)/,
  ],
  ['SDK clients', /node_modules\/@aws-sdk\/(client-|lib-)/],
];
type Parts = number[];

async function bundle(name: string, entry: string, outfile: string, reference: boolean): Promise<[number, Parts]> {
  const options = lambdaBuildOptions(ROOT);
  const result = await build({
    ...options,
    // What the function loads from node_modules beside its bundle, as the house construct does; the reference
    // bundled the password dictionary (sharp's native binary never could be).
    external: [
      ...EXTERNAL_MODULES,
      ...(FUNCTION_RUNTIME_MODULES[name as keyof typeof FUNCTION_RUNTIME_MODULES] ?? []).filter(
        (m) => !reference || m !== PASSWORD_DICTIONARY_PACKAGE,
      ),
    ],
    // The reference layout kept the SDK's full default credential chain.
    alias: reference ? {} : options.alias,
    entryPoints: [join(ROOT, entry)],
    outfile,
    logLevel: 'error',
    plugins: reference ? [referenceLayout] : [],
    metafile: true,
  });
  const parts: Parts = [...PARTS.map(() => 0), 0];
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const group = PARTS.findIndex(([, pattern]) => pattern.test(path));
      parts[group >= 0 ? group : PARTS.length]! += input.bytesInOutput;
    }
  }
  return [readFileSync(outfile).length, parts];
}

/** Wall time of `import(bundle)` in a fresh process (module evaluation and the handler's top-level init). */
function initMs(file: string): number {
  const times: number[] = [];
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});process.stdout.write(String(performance.now()-t));`;
  for (let i = 0; i < RUNS; i++) {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      // What module top levels read; values are never used (nothing is invoked).
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    if (out.status !== 0) throw new Error(`importing ${file} failed: ${out.stderr}`);
    times.push(Number(out.stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  // Inside the project, so a bundle's run-time modules (sharp) resolve from its node_modules as from the zip's.
  mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'cn-bench-bundles-'));
  try {
    const entries = [
      ...Object.entries(FUNCTION_ENTRIES),
      ...Object.entries(CONTAINER_FUNCTIONS).map(([name, f]) => [`${name} (image)`, f.entry] as const),
    ];
    console.log(`Lambda bundles: reference layout vs ours, same run (init = median of ${RUNS} cold imports)\n`);
    console.log('| function | reference | ours | size ratio | reference init | ours init | init ratio |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    let underTarget = 0;
    let halved = 0;
    const made: string[] = [];
    for (const [name, entry] of entries) {
      const slug = name.replace(/ .*/, '');
      const refFile = join(dir, `${slug}-ref.mjs`);
      const oursFile = join(dir, `${slug}-ours.mjs`);
      const [refSize] = await bundle(slug, entry, refFile, true);
      const [oursSize, parts] = await bundle(slug, entry, oursFile, false);
      made.push(`| ${name} | ${kib(oursSize)} | ${parts.map(kib).join(' | ')} |`);
      const refInit = initMs(refFile);
      const oursInit = initMs(oursFile);
      if (oursSize < SIZE_TARGET) underTarget++;
      if (oursInit <= refInit / 2) halved++;
      console.log(
        `| ${name} | ${kib(refSize)} | ${kib(oursSize)} | ${(oursSize / refSize).toFixed(2)}× | ` +
          `${refInit.toFixed(1)} ms | ${oursInit.toFixed(1)} ms | ${(oursInit / refInit).toFixed(2)}× |`,
      );
    }
    console.log(
      `\ntarget: every function under 400 KiB → ${underTarget}/${entries.length} ${underTarget === entries.length ? 'met' : 'NOT met'}`,
    );
    console.log(
      `target: init time halved → ${halved}/${entries.length} ${halved === entries.length ? 'met' : 'NOT met'}`,
    );
    // What each of ours is made of: the Redis client, zod and the SDK's runtime alone pass 400 KiB together.
    console.log(`\nWhat each bundle of ours is made of (minified bytes, esbuild metafile)\n`);
    console.log(`| function | ours | ${PARTS.map(([label]) => label).join(' | ')} | the rest |`);
    console.log(`|---|${'---:|'.repeat(PARTS.length + 2)}`);
    for (const row of made) console.log(row);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
