import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXTERNAL_MODULES, lambdaBuildOptions } from '../../lib/constructs/bundling-settings';
import { PROJECT_ROOT } from '../../lib/constructs/house-function';
import { nativeModuleFiles } from '../../lib/constructs/native-modules';
import { FUNCTION_ENTRIES, FUNCTION_RUNTIME_MODULES } from '../../lib/function-entries';
import { PASSWORD_DICTIONARY_PACKAGE } from '../../functions/auth/password-dictionary';

/** Bundles `entry` as the house construct does for HttpApi, with HttpApi's run-time modules copied beside it. */
async function bundleWithRuntimeModules(entry: string, dir: string): Promise<string> {
  const modules = FUNCTION_RUNTIME_MODULES.HttpApi!;
  const outfile = join(dir, 'index.mjs');
  await build({
    ...lambdaBuildOptions(PROJECT_ROOT),
    external: [...EXTERNAL_MODULES, ...modules],
    entryPoints: [join(PROJECT_ROOT, entry)],
    outfile,
    logLevel: 'error',
  });
  // HttpApi runs on arm64; the dictionary has no binaries, so any platform's copy is the same files.
  for (const file of nativeModuleFiles(PROJECT_ROOT, modules, { cpu: 'arm64' })) {
    cpSync(file.dir, join(dir, 'node_modules', file.name), { recursive: true });
  }
  return readFileSync(outfile, 'utf8');
}

describe('the password dictionary beside the HTTP API bundle (functions/auth/password-dictionary.ts)', () => {
  test('HttpApi leaves the dictionary out of its bundle and imports it on demand', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cn-httpapi-bundle-'));
    try {
      expect(FUNCTION_RUNTIME_MODULES.HttpApi).toContain(PASSWORD_DICTIONARY_PACKAGE);
      const code = await bundleWithRuntimeModules(FUNCTION_ENTRIES.HttpApi, dir);
      expect(code).toContain(`import("${PASSWORD_DICTIONARY_PACKAGE}")`);
      // An entry of the common-password list: the list itself is not in the bundle.
      expect(code).not.toContain('"iloveyou"');
      // The bundle loads without the package (nothing imports it at the top level).
      const out = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler);"],
        {
          cwd: dir,
          env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
          encoding: 'utf8',
        },
      );
      expect(out.trim()).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('the bundled password check finds the dictionary in the copied node_modules, outside the repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cn-passwords-bundle-'));
    try {
      await bundleWithRuntimeModules('functions/auth/passwords.ts', dir);
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const { passwordProblem } = await import('./index.mjs'); " +
            "console.log(JSON.stringify([!!(await passwordProblem('iloveyou2024', [])), !!(await passwordProblem('violet tangerine lighthouse orbit', [])), import.meta.resolve('" +
            PASSWORD_DICTIONARY_PACKAGE +
            "')]));",
        ],
        { cwd: dir, env: { PATH: process.env.PATH, NODE_PATH: '' }, encoding: 'utf8' },
      );
      const [weakRefused, strongRefused, resolved] = JSON.parse(out) as [boolean, boolean, string];
      expect(weakRefused).toBe(true);
      expect(strongRefused).toBe(false);
      expect(resolved).toContain(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
