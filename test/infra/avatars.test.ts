import { Match, type Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXTERNAL_MODULES, lambdaBuildOptions } from '../../lib/constructs/bundling-settings';
import { PROJECT_ROOT } from '../../lib/constructs/house-function';
import {
  copyNativeModulesCommands,
  nativeModuleFiles,
  NativeModuleMissingError,
} from '../../lib/constructs/native-modules';
import { FUNCTION_ENTRIES, FUNCTION_RUNTIME_MODULES, FUNCTION_SETTINGS } from '../../lib/function-entries';
import { AVATAR_API_PATH } from '../../functions/shared/protocol/avatars';
import { defaultApp, type SynthesizedApp } from './support/synth-app';
import { statementsOfRole } from './support/iam-statements';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/*
 * The avatar pipeline (#15) as deployed: its own x86_64 Lambda carrying sharp beside the bundle, the two HTTP API
 * routes in front of it, the avatars bucket reachable only through CloudFront's Origin Access Control under
 * /avatars/*, and grants that stop at the avatars/ prefix.
 */
let built: SynthesizedApp;
beforeAll(() => {
  // GIVEN the app as `cdk synth` builds it (bundling skipped)
  built = defaultApp();
});

function avatarFunction(api: Template): [string, Record<string, unknown>] {
  const fns = api.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'avatar' }) } },
  }) as Resources;
  const entries = Object.entries(fns);
  expect(entries).toHaveLength(1);
  return [entries[0]![0], entries[0]![1].Properties];
}

describe('Avatar function', () => {
  test('runs on x86_64 with its table settings, the avatars bucket and the database', () => {
    const [, fn] = avatarFunction(built.template('api'));
    expect(fn).toMatchObject({
      Architectures: ['x86_64'],
      Runtime: 'nodejs22.x',
      MemorySize: FUNCTION_SETTINGS.Avatar.memoryMb,
      Timeout: FUNCTION_SETTINGS.Avatar.timeoutSeconds,
    });
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining(['AVATARS_BUCKET', 'AUTH_KEYS_SECRET_ARN', 'DB_CLUSTER_ARN', 'REDIS_URL']),
    );
    expect(JSON.stringify(variables.AVATARS_BUCKET)).toContain('Avatars');
  });

  test('may write and delete avatars/* only; never read recordings', () => {
    const api = built.template('api');
    const [, fn] = avatarFunction(api);
    const role = (fn.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const s3 = statementsOfRole(api, role).filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(0);
    for (const statement of s3) expect(JSON.stringify(statement.resource)).toMatch(/avatars\/\*/);
    expect(s3.flatMap((s) => s.actions)).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject*']));
    expect(JSON.stringify(s3)).not.toMatch(/Recordings/);
  });

  test('PUT and DELETE /api/account/avatar go to it; everything else stays on the proxy route', () => {
    const api = built.template('api');
    const [fnId] = avatarFunction(api);
    const integrations = api.findResources('AWS::ApiGatewayV2::Integration') as Resources;
    const avatarIntegration = Object.entries(integrations).find(([, i]) =>
      JSON.stringify(i.Properties.IntegrationUri).includes(fnId),
    )![0];
    for (const method of ['PUT', 'DELETE']) {
      api.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${method} ${AVATAR_API_PATH}`,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: avatarIntegration }]] },
      });
    }
    api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /api/{proxy+}' });
  });

  test('the HTTP API function may delete an account’s avatars (and list them), nothing more there', () => {
    const api = built.template('api');
    const fns = api.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'api' }) } },
    }) as Resources;
    const [, httpApi] = Object.entries(fns)[0]!;
    const role = (httpApi.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const onAvatars = statementsOfRole(api, role).filter((s) => JSON.stringify(s.resource).includes('Avatars'));
    expect(onAvatars.flatMap((s) => s.actions)).toEqual(expect.arrayContaining(['s3:DeleteObject*', 's3:List*']));
    expect(onAvatars.flatMap((s) => s.actions)).not.toContain('s3:PutObject');
  });
});

describe('avatars bucket and CloudFront', () => {
  test('the bucket is private, encrypted and refuses plain HTTP', () => {
    const web = built.template('web');
    const buckets = web.findResources('AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: { LogFilePrefix: 'avatars/' } },
    }) as Resources;
    expect(Object.keys(buckets)).toHaveLength(1);
    expect(Object.values(buckets)[0]!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  test('/avatars/* is a cached, read-only behaviour on the avatars bucket through Origin Access Control', () => {
    const web = built.template('web');
    const distribution = Object.values(web.findResources('AWS::CloudFront::Distribution') as Resources)[0]!;
    const config = distribution.Properties.DistributionConfig as {
      CacheBehaviors: {
        PathPattern: string;
        TargetOriginId: string;
        AllowedMethods: string[];
        ViewerProtocolPolicy: string;
        ResponseHeadersPolicyId?: unknown;
      }[];
      Origins: { Id: string; DomainName: unknown; OriginAccessControlId?: unknown; S3OriginConfig?: unknown }[];
    };
    const behaviour = config.CacheBehaviors.find((b) => b.PathPattern === '/avatars/*')!;
    expect(behaviour).toMatchObject({ AllowedMethods: ['GET', 'HEAD'], ViewerProtocolPolicy: 'redirect-to-https' });
    expect(behaviour.ResponseHeadersPolicyId).toBeDefined();
    const origin = config.Origins.find((o) => o.Id === behaviour.TargetOriginId)!;
    expect(JSON.stringify(origin.DomainName)).toContain('Avatars');
    expect(origin.OriginAccessControlId).toBeDefined();
    // OAC, not the legacy origin access identity.
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    web.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
  });

  test('the bucket policy lets only this distribution read, and only over TLS', () => {
    const web = built.template('web');
    const policies = Object.values(web.findResources('AWS::S3::BucketPolicy') as Resources).filter((p) =>
      JSON.stringify(p.Properties.Bucket).includes('Avatars'),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const read = statements.find((s) => JSON.stringify(s.Principal).includes('cloudfront.amazonaws.com'))!;
    expect(read).toMatchObject({ Effect: 'Allow', Action: 's3:GetObject' });
    expect(JSON.stringify(read.Condition)).toContain('AWS:SourceArn');
    expect(JSON.stringify(read.Condition)).toContain('distribution/');
    expect(
      statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport')),
    ).toBe(true);
    // Nothing else may read: no public or account-wide principal.
    expect(statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Principal) === '"*"')).toEqual([]);
  });
});

describe('sharp beside the bundle (lib/constructs/native-modules.ts)', () => {
  test('copies sharp, its dependencies and the Linux x64 binaries only', () => {
    const names = nativeModuleFiles(PROJECT_ROOT, FUNCTION_RUNTIME_MODULES.Avatar!, { cpu: 'x64' }).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'sharp',
        '@img/sharp-linux-x64',
        '@img/sharp-libvips-linux-x64',
        'detect-libc',
        'semver',
      ]),
    );
    expect(names.filter((n) => /darwin|win32|musl|wasm|arm64/.test(n))).toEqual([]);
    const commands = copyNativeModulesCommands(
      nativeModuleFiles(PROJECT_ROOT, ['sharp'], { cpu: 'x64' }),
      '/asset-output',
    );
    expect(commands).toContain(
      `mkdir -p "/asset-output/node_modules/@img" && cp -R "${join(PROJECT_ROOT, 'node_modules/@img/sharp-linux-x64')}" "/asset-output/node_modules/@img/sharp-linux-x64"`,
    );
  });

  test('a binary missing for the chosen architecture fails the synth with the install command', () => {
    expect(() => nativeModuleFiles(PROJECT_ROOT, ['sharp'], { cpu: 'arm64' })).toThrow(NativeModuleMissingError);
    expect(() => nativeModuleFiles(PROJECT_ROOT, ['sharp'], { cpu: 'arm64' })).toThrow(/--cpu=arm64/);
  });

  test('the Avatar bundle loads sharp from its own node_modules outside the repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cn-avatar-bundle-'));
    try {
      await build({
        ...lambdaBuildOptions(PROJECT_ROOT),
        external: [...EXTERNAL_MODULES, ...FUNCTION_RUNTIME_MODULES.Avatar!],
        entryPoints: [join(PROJECT_ROOT, FUNCTION_ENTRIES.Avatar)],
        outfile: join(dir, 'index.mjs'),
        logLevel: 'error',
      });
      for (const file of nativeModuleFiles(PROJECT_ROOT, FUNCTION_RUNTIME_MODULES.Avatar!, { cpu: 'x64' })) {
        cpSync(file.dir, join(dir, 'node_modules', file.name), { recursive: true });
      }
      // The bundle imports sharp at load: resolving it from the copied folder proves what the zip will hold works.
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const m = await import('./index.mjs'); const s = (await import('sharp')).default; " +
            "const png = await s({create:{width:4,height:4,channels:3,background:'#f00'}}).png().toBuffer(); " +
            "console.log(typeof m.handler, (await s(png).metadata()).format, import.meta.resolve('sharp'));",
        ],
        { cwd: dir, env: { PATH: process.env.PATH, NODE_PATH: '' }, encoding: 'utf8' },
      );
      const [handlerType, format, resolved] = out.trim().split(' ');
      expect(handlerType).toBe('function');
      expect(format).toBe('png');
      expect(resolved).toContain(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
