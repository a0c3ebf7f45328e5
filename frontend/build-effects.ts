import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import type { EffectsManifest } from './src/features/effects/effects-assets';

const frontendDir = __dirname;
const effectsDir = join(frontendDir, 'src/features/effects');

/** The segmentation runtime and model, from the @twilio/video-processors package (BSD-3-Clause). */
function segmenterFile(name: string): string {
  return join(resolve(require.resolve('@twilio/video-processors/package.json'), '..'), 'dist/build', name);
}

const BACKGROUNDS = [
  { id: 'studio', label: 'Studio', file: 'studio.svg' },
  { id: 'shelves', label: 'Shelves', file: 'shelves.svg' },
  { id: 'dusk', label: 'Dusk', file: 'dusk.svg' },
] as const;

/** Copies a file into assets/ under a content-hashed name (cached forever like the bundles) and returns its URL. */
async function copyHashed(source: string, assetsDir: string): Promise<string> {
  const hash = createHash('sha256')
    .update(await readFile(source))
    .digest('hex')
    .slice(0, 10);
  const ext = extname(source);
  const name = `${basename(source, ext)}-${hash}${ext}`;
  await copyFile(source, join(assetsDir, name));
  return `/assets/${name}`;
}

/**
 * Builds what background effects load at run time into `<out>/assets`: the worker (a classic script, because the
 * Emscripten runtime is loaded with importScripts), the TFLite runtime (plain and SIMD) and the selfie-segmentation
 * model, and the built-in backgrounds. Returns their URLs for the app bundle's `define`.
 */
export async function buildEffectsAssets(out: string): Promise<EffectsManifest> {
  const assetsDir = join(out, 'assets');
  const result = await build({
    entryPoints: { 'effects-worker': join(effectsDir, 'effects-worker.ts') },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: assetsDir,
    entryNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const worker = Object.keys(result.metafile.outputs)
    .map((file) => relative(out, resolve(file)))
    .find((f) => /^assets\/effects-worker-[A-Z0-9]+\.js$/i.test(f));
  if (!worker) throw new Error('esbuild produced no effects worker');
  const [loader, wasm, simdLoader, simdWasm, model] = await Promise.all(
    [
      'tflite-1-0-0.js',
      'tflite-1-0-0.wasm',
      'tflite-simd-1-0-0.js',
      'tflite-simd-1-0-0.wasm',
      'selfie_segmentation_landscape.tflite',
    ].map((name) => copyHashed(segmenterFile(name), assetsDir)),
  );
  // BSD-3-Clause asks for the notice to travel with the files.
  await copyFile(segmenterFile('../../LICENSE.md'), join(assetsDir, 'twilio-video-processors.LICENSE.txt'));
  const backgrounds = await Promise.all(
    BACKGROUNDS.map(async (b) => ({
      id: b.id,
      label: b.label,
      url: await copyHashed(join(effectsDir, 'backgrounds', b.file), assetsDir),
    })),
  );
  return {
    worker: `/${worker}`,
    segmenter: { loader: loader!, wasm: wasm!, simdLoader: simdLoader!, simdWasm: simdWasm!, model: model! },
    backgrounds,
  };
}
