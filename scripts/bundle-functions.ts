import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EXTERNAL_MODULES, lambdaBuildOptions } from '../lib/constructs/bundling-settings';
import { nativeModuleFiles } from '../lib/constructs/native-modules';
import {
  CONTAINER_FUNCTIONS,
  FUNCTION_ASSET_DIRECTORIES,
  FUNCTION_ENTRIES,
  FUNCTION_RUNTIME_MODULES,
  type FunctionName,
} from '../lib/function-entries';

/*
 * `npm run build:functions`: bundles every Lambda entry with the house construct's esbuild settings into
 * dist/functions/<name>/index.mjs and prints raw and gzip sizes (Lambda's 50 MB zipped / 250 MB unzipped limits,
 * and cold start time, grow with them). Entries that do not exist yet are listed as missing, not fatal.
 */

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'dist', 'functions');

interface Row {
  name: string;
  entry: string;
  raw?: number;
  gzip?: number;
  missing?: boolean;
}

async function bundle(name: string, entry: string): Promise<Row> {
  const source = join(ROOT, entry);
  if (!existsSync(source)) return { name, entry, missing: true };
  const outfile = join(OUT, name.replace(/ .*/, ''), 'index.mjs');
  const native = FUNCTION_RUNTIME_MODULES[name as FunctionName] ?? [];
  await build({
    ...lambdaBuildOptions(ROOT),
    external: [...EXTERNAL_MODULES, ...native],
    entryPoints: [source],
    outfile,
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'warning',
  });
  // Same as the house construct's afterBundling hook: run-time files land beside index.mjs.
  for (const dir of FUNCTION_ASSET_DIRECTORIES[name as FunctionName] ?? []) {
    cpSync(join(ROOT, dir), join(OUT, name, basename(dir)), { recursive: true });
  }
  // Native modules (sharp) load from node_modules beside the bundle, as the house construct copies them (x86_64).
  for (const file of nativeModuleFiles(ROOT, native, { cpu: 'x64' })) {
    cpSync(file.dir, join(OUT, name, 'node_modules', file.name), { recursive: true });
  }
  const code = readFileSync(outfile);
  return { name, entry, raw: code.length, gzip: gzipSync(code).length };
}

function kib(bytes: number | undefined): string {
  return bytes === undefined ? '-' : `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const rows: Row[] = [];
  for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) rows.push(await bundle(name, entry));
  // The FFmpeg functions ship in a container image; their JavaScript is bundled the same way for the comparison.
  for (const [name, fn] of Object.entries(CONTAINER_FUNCTIONS)) rows.push(await bundle(`${name} (image)`, fn.entry));
  const built = rows.filter((r) => !r.missing);
  console.log(`| function | entry | index.mjs | gzip |\n|---|---|---:|---:|`);
  for (const r of built) console.log(`| ${r.name} | ${r.entry} | ${kib(r.raw)} | ${kib(r.gzip)} |`);
  const total = built.reduce((sum, r) => sum + (r.raw ?? 0), 0);
  const totalGzip = built.reduce((sum, r) => sum + (r.gzip ?? 0), 0);
  console.log(`| **total (${built.length})** | | ${kib(total)} | ${kib(totalGzip)} |`);
  const missing = rows.filter((r) => r.missing);
  if (missing.length > 0)
    console.log(`\nmissing entries (not bundled): ${missing.map((r) => `${r.name} (${r.entry})`).join(', ')}`);
  console.log(`\nbundles in ${relative(process.cwd(), OUT) || '.'}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
