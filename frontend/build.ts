import { build } from 'esbuild';
import { mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { buildEffectsAssets } from './build-effects';

// CommonJS on purpose (package.json has no "type": "module"): jest (swc → cjs), tsx and the CDK app all import this.
const frontendDir = __dirname;

/**
 * Bundles the browser app into `outDir`: hashed JS/CSS (long cache), an index.html that references them, and
 * static files. No inline script or style anywhere, so the CSP can be `script-src 'self'; style-src 'self'`.
 */
export async function buildFrontend(outDir: string): Promise<void> {
  const out = resolve(outDir);
  await rm(out, { recursive: true, force: true });
  await mkdir(join(out, 'assets'), { recursive: true });
  const effects = await buildEffectsAssets(out);
  const result = await build({
    entryPoints: { app: join(frontendDir, 'src/main.ts') },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: join(out, 'assets'),
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    define: { __EFFECTS_MANIFEST__: JSON.stringify(effects) },
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => relative(out, resolve(file)));
  const script = outputs.find((f) => /^assets\/app-[A-Z0-9]+\.js$/i.test(f));
  const style = outputs.find((f) => /^assets\/app-[A-Z0-9]+\.css$/i.test(f));
  if (!script || !style) throw new Error(`esbuild produced no app bundle (outputs: ${outputs.join(', ')})`);
  await writeFile(join(out, 'index.html'), indexHtml(`/${script}`, `/${style}`));
  await copyFile(join(frontendDir, 'static/favicon.svg'), join(out, 'favicon.svg'));
}

function indexHtml(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="strict-origin-when-cross-origin">
<title>Connect Now</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${style}">
<script type="module" src="${script}"></script>
</head>
<body>
<noscript>Connect Now needs JavaScript for video meetings.</noscript>
<div id="app"></div>
</body>
</html>
`;
}

if (require.main === module) {
  const outDir = process.argv[2] ?? resolve(frontendDir, '../dist/frontend');
  const started = Date.now();
  buildFrontend(outDir).then(
    () => console.log(`frontend built into ${outDir} in ${Date.now() - started} ms`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
