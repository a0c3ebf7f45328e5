import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_ALIASES, lambdaBuildOptions } from '../../lib/constructs/bundling-settings';
import { PROJECT_ROOT } from '../../lib/constructs/house-function';
import { FUNCTION_ENTRIES } from '../../lib/function-entries';
import { defaultProvider } from '../../functions/shared/lambda-credentials';

/*
 * What every Lambda bundle leaves out. Lambda hands a function its role's credentials in the environment, so the
 * SDK's default credential chain (SSO, ini files, web identity, IMDS and the STS/SSO clients behind them) is
 * replaced by the environment provider in every bundle: in CDK's bundling, in `npm run build:functions`, and in the
 * transcode image's own esbuild step.
 */

describe('Lambda bundles', () => {
  test('a bundle carries the environment credential provider and none of the default chain', async () => {
    const result = await build({
      ...lambdaBuildOptions(PROJECT_ROOT),
      entryPoints: [join(PROJECT_ROOT, FUNCTION_ENTRIES.WsAuthorizer)],
      outfile: join(PROJECT_ROOT, 'cdk.out', 'bundle-check.mjs'),
      write: false,
      metafile: true,
      logLevel: 'error',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('credential-provider-env'))).toBe(true);
    expect(inputs.filter((p) => /credential-provider-(node|ini|sso|imds|web-identity)|nested-clients/.test(p))).toEqual(
      [],
    );
  });

  test("the transcode image's esbuild step applies the same aliases", () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'containers', 'transcode', 'Dockerfile'), 'utf8');
    for (const [from, to] of Object.entries(BUNDLE_ALIASES)) expect(dockerfile).toContain(`--alias:${from}=${to}`);
  });

  test('the stand-in provider answers with the credentials Lambda puts in the environment', async () => {
    const saved = { ...process.env };
    try {
      process.env.AWS_ACCESS_KEY_ID = 'AKIDLAMBDA';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      process.env.AWS_SESSION_TOKEN = 'token';
      await expect(defaultProvider({})()).resolves.toMatchObject({
        accessKeyId: 'AKIDLAMBDA',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      });
      delete process.env.AWS_ACCESS_KEY_ID;
      await expect(defaultProvider({})()).rejects.toThrow(/credentials/i);
    } finally {
      process.env = saved;
    }
  });
});
