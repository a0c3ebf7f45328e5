import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const srcDir = resolve(__dirname, '../../../../frontend/src');

function cssFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return cssFiles(path);
    return entry.name.endsWith('.css') ? [path] : [];
  });
}

// Styles are split per page and per feature; a stylesheet nobody imports would silently vanish from the app bundle.
describe('frontend stylesheets', () => {
  it('are all reached from main.ts, so the built app.css carries every page and feature style', async () => {
    const result = await build({
      entryPoints: [join(srcDir, 'main.ts')],
      bundle: true,
      write: false,
      metafile: true,
      outdir: '/tmp/unused',
      format: 'esm',
      logLevel: 'silent',
    });
    const bundled = new Set(Object.keys(result.metafile.inputs).map((input) => resolve(input)));
    const missing = cssFiles(srcDir)
      .filter((file) => !bundled.has(file))
      .map((file) => relative(srcDir, file));
    expect(missing).toEqual([]);
    expect(cssFiles(join(srcDir, 'styles/pages')).length).toBeGreaterThan(0);
  });
});
