import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigValidationError, parseConfig } from '../../lib/config';
import { createGitHubDeployStack } from '../../lib/connect-now-app';
import { PROJECT_ROOT } from '../../lib/constructs/house-function';
import { ConnectNowNagChecks } from '../../lib/nag';
import { DEPLOY_ENVIRONMENT, DIFF_BRANCH, GITHUB_OIDC_ISSUER } from '../../lib/stacks/github-deploy-stack';
import { contextFromVariables, settableKeys, variableName } from '../../scripts/context-from-variables';
import { cdkJsonContext } from './support/synth-app';

/*
 * Delivery to AWS: the GitHub workflows (.github/workflows) and the roles they assume (GitHubDeploy stack).
 * Nothing here needs AWS or GitHub: the workflows are checked by a schema validator and by reading them, the roles by
 * synthesizing the stack.
 */

const WORKFLOWS = join(PROJECT_ROOT, '.github', 'workflows');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  needs?: string | string[];
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflowText = (name: string) => readFileSync(join(WORKFLOWS, name), 'utf8');
const workflow = (name: string) => parse(workflowText(name)) as Workflow;

/** Runs the workflow linter from node_modules (a dev dependency: nothing is downloaded at test time). */
function actionValidator(file: string) {
  return spawnSync('npx', ['--no-install', 'action-validator', file], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
}

describe('GitHub workflows', () => {
  test.each(readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)))(
    '%s passes the workflow schema (action-validator)',
    (file) => {
      const result = actionValidator(join(WORKFLOWS, file));
      expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({
        status: 0,
        output: '',
      });
    },
  );

  test('GIVEN a workflow with a misspelt key THEN the validator refuses it (the gate is live)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cn-workflow-'));
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, workflowText('ci.yml').replace('runs-on:', 'runs_on:'));
    const result = actionValidator(broken);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Additional property 'runs_on' is not allowed");
  });

  test('CI runs .ci/run itself (one description of CI) with read-only repository access', () => {
    const ci = workflow('ci.yml');
    expect(ci.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    const runs = Object.values(ci.jobs).flatMap((job) => job.steps.map((s) => s.run ?? ''));
    expect(runs).toContain('bash .ci/run');
  });

  test('every action is pinned the same way: a major version tag or a full commit SHA, never a branch', () => {
    const uses = readdirSync(WORKFLOWS).flatMap((file) =>
      Object.values(workflow(file).jobs).flatMap((job) => job.steps.flatMap((s) => (s.uses ? [s.uses] : []))),
    );
    expect(uses.length).toBeGreaterThan(0);
    const styles = new Set(uses.map((u) => (/@v\d+$/.test(u) ? 'major' : /@[0-9a-f]{40}$/.test(u) ? 'sha' : u)));
    expect([...styles]).toHaveLength(1);
    expect(['major', 'sha']).toContain([...styles][0]);
  });
});

describe('deploy workflow', () => {
  const deploy = workflow('deploy.yml');
  const awsJobs = Object.entries(deploy.jobs).filter(([, job]) =>
    job.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')),
  );
  const runsOf = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');

  test('runs on demand (and on main), with read-only repository access by default', () => {
    expect(Object.keys(deploy.on)).toContain('workflow_dispatch');
    expect(deploy.permissions).toEqual({ contents: 'read' });
  });

  test('every job that reaches AWS gets its credentials from GitHub OIDC: a role to assume and id-token: write', () => {
    expect(awsJobs.map(([name]) => name).sort()).toEqual(['deploy', 'diff']);
    for (const [, job] of awsJobs) {
      expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
      const credentials = job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
      expect(Object.keys(credentials.with ?? {})).toEqual(expect.arrayContaining(['role-to-assume', 'aws-region']));
      expect(String(credentials.with?.['role-to-assume'])).toMatch(/^\$\{\{ vars\.AWS_(DIFF|DEPLOY)_ROLE_ARN \}\}$/);
    }
  });

  test('no AWS key is stored or passed anywhere (no access-key inputs, no AWS secrets)', () => {
    const text = workflowText('deploy.yml');
    expect(text).not.toMatch(/aws-access-key-id|aws-secret-access-key|aws-session-token/);
    expect(text).not.toMatch(/secrets\.AWS_|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
  });

  test('diff first without approval, then deploy in the production environment (its reviewers approve)', () => {
    const { diff, deploy: deployJob } = deploy.jobs;
    expect(runsOf(diff!)).toMatch(/npx cdk diff --all --method=template "\$\{context\[@\]\}"/);
    expect(diff!.environment).toBeUndefined();
    expect(deployJob!.needs).toBe('diff');
    expect(deployJob!.environment).toBe(DEPLOY_ENVIRONMENT);
    expect(runsOf(deployJob!)).toMatch(/npx cdk deploy --all --require-approval never "\$\{context\[@\]\}"/);
    // The roles trust one branch; a dispatch from another branch stops before asking AWS.
    for (const job of [diff!, deployJob!]) expect(job.if).toBe(`github.ref == 'refs/heads/${DIFF_BRANCH}'`);
  });

  test('the settings come from repository variables, turned into -c context by scripts/context-from-variables.ts', () => {
    expect(deploy.env).toEqual({ CN_VARIABLES: '${{ toJSON(vars) }}' });
    for (const [, job] of awsJobs) expect(runsOf(job)).toContain('npx tsx scripts/context-from-variables.ts');
  });
});

describe('repository variables → config', () => {
  test('GIVEN every CN_ variable set THEN cdk.json plus their context parses into the typed config', () => {
    const variables = {
      AWS_REGION: 'eu-west-1',
      CN_STACK_PREFIX: 'Meet',
      CN_DOMAIN_NAME: 'meet.example.com',
      CN_CERTIFICATE_ARN: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555',
      CN_ALLOWED_ORIGINS: '["https://www.example.com"]',
      CN_GOOGLE_CLIENT_ID: '1234-abc.apps.googleusercontent.com',
      CN_TURN_URLS: '["turns:turn.example.com:443"]',
      CN_TURN_SECRET_NAME: 'connect-now/turn',
      CN_STUN_URLS: '[]',
      CN_FLEET_INSTANCE_TYPE: 'g5.xlarge',
      CN_FLEET_ALTERNATE_INSTANCE_TYPES: '["g6.xlarge"]',
      CN_FLEET_MAX_INSTANCES: '4',
      CN_FLEET_IDLE_MINUTES: '5',
      CN_FLEET_SPOT: 'false',
      CN_NAT_MODE: 'gateway',
      CN_ALARM_EMAIL: 'ops@example.com',
      CN_LOG_RETENTION_DAYS: '90',
      CN_MAX_PARTICIPANTS: '12',
      CN_RETAIN_DATA: 'false',
      CN_LIMITS: '{"chat":{"max":5,"windowSeconds":10}}',
      CN_MAIL_DOMAIN: 'meet.example.com',
      CN_MAIL_FROM_ADDRESS: 'no-reply@meet.example.com',
      CN_MAIL_FROM_NAME: 'Meet',
    };
    // Every settable key has a variable in this list, so a new config key shows up here as a failing test.
    expect(settableKeys().map(variableName).sort()).toEqual(Object.keys(variables).slice(1).sort());
    const config = parseConfig({ ...cdkJsonContext(), ...contextFromVariables(variables) });
    expect(config).toMatchObject({
      stackPrefix: 'Meet',
      domainName: 'meet.example.com',
      allowedOrigins: ['https://www.example.com'],
      turn: { urls: ['turns:turn.example.com:443'], secretName: 'connect-now/turn' },
      stunUrls: [],
      fleet: {
        instanceType: 'g5.xlarge',
        alternateInstanceTypes: ['g6.xlarge'],
        maxInstances: 4,
        idleMinutes: 5,
        spot: false,
      },
      natMode: 'gateway',
      logRetentionDays: 90,
      maxParticipants: 12,
      retainData: false,
      limits: { chat: { max: 5, windowSeconds: 10 } },
      mail: { domain: 'meet.example.com', fromAddress: 'no-reply@meet.example.com', fromName: 'Meet' },
    });
  });

  test('GIVEN empty variables THEN cdk.json decides (an unset GitHub variable reads as "")', () => {
    expect(contextFromVariables({ CN_DOMAIN_NAME: '', CN_FLEET_MAX_INSTANCES: ' ' })).toEqual({});
  });

  test('GIVEN a misspelt variable THEN the run fails naming it, instead of deploying the default', () => {
    expect(() => contextFromVariables({ CN_FLEET_MAX_INSTANCE: '4' })).toThrow(
      /Unknown repository variable\(s\) CN_FLEET_MAX_INSTANCE: Connect Now reads .*CN_FLEET_MAX_INSTANCES/,
    );
  });

  test('the workflow step prints NUL-separated `-c key=value` pairs, and exits 1 on a misspelt variable', () => {
    const run = (variables: Record<string, string>) =>
      spawnSync('npx', ['--no-install', 'tsx', 'scripts/context-from-variables.ts'], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: { ...process.env, CN_VARIABLES: JSON.stringify(variables) },
      });
    const ok = run({
      AWS_REGION: 'eu-west-1',
      CN_ALLOWED_ORIGINS: '["https://a.example.com", "https://b.example.com"]',
    });
    expect(ok.status).toBe(0);
    // Values keep their spaces and quotes: the workflow reads them with `mapfile -d ''` into one argument each.
    expect(ok.stdout.split('\0')).toEqual([
      '-c',
      'allowedOrigins=["https://a.example.com", "https://b.example.com"]',
      '',
    ]);
    const typo = run({ CN_NATMODE: 'gateway' });
    expect(typo.status).toBe(1);
    expect(typo.stderr).toContain('Unknown repository variable(s) CN_NATMODE');
  });

  test('GIVEN CN_GITHUB_REPOSITORY THEN it is refused: the pipeline never deploys the roles it runs as', () => {
    expect(() => contextFromVariables({ CN_GITHUB_REPOSITORY: 'octo-org/connect-now' })).toThrow(
      /CN_GITHUB_REPOSITORY/,
    );
  });
});

describe('GitHubDeploy stack', () => {
  type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

  function synth(github: Record<string, unknown> | undefined, context: Record<string, unknown> = {}) {
    const app = new App({ context });
    const stack = createGitHubDeployStack(app, parseConfig(github ? { github } : {}));
    return { app, stack, template: stack ? Template.fromStack(stack) : undefined };
  }

  const roleIdByDescription = (template: Template, pattern: RegExp) => {
    const roles = template.findResources('AWS::IAM::Role') as Resources;
    const ids = Object.keys(roles).filter((id) => pattern.test(String(roles[id]!.Properties.Description)));
    expect(ids).toHaveLength(1);
    return ids[0]!;
  };

  /** Every statement of the policies attached to a role. */
  const statementsOf = (template: Template, roleId: string) =>
    Object.values(template.findResources('AWS::IAM::Policy') as Resources)
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);

  const bootstrapRoleArn = (kind: string, qualifier = 'hnb659fds') => ({
    'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/cdk-${qualifier}-${kind}-role-\${AWS::AccountId}-\${AWS::Region}`,
  });

  const repository = 'octo-org/connect-now';
  const { app, template } = synth({ repository });
  const t = template!;

  test('GIVEN no github.repository THEN no stack: the default app (and the pipeline) has no deploy roles', () => {
    expect(synth(undefined).stack).toBeUndefined();
  });

  test('creates the GitHub OIDC provider for the STS audience', () => {
    t.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: `https://${GITHUB_OIDC_ISSUER}`,
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  test('the deploy role trusts only this repository in the production environment', () => {
    const deployRole = roleIdByDescription(t, /environment production/);
    const trust = (t.findResources('AWS::IAM::Role') as Resources)[deployRole]!.Properties.AssumeRolePolicyDocument as {
      Statement: Record<string, unknown>[];
    };
    expect(trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: { Ref: expect.stringMatching(/^GitHubOidc/) } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': `repo:${repository}:environment:${DEPLOY_ENVIRONMENT}`,
          },
        },
      },
    ]);
  });

  test('the deploy role may only sts:AssumeRole the four CDK bootstrap roles the CLI uses', () => {
    const deployRole = roleIdByDescription(t, /environment production/);
    expect(statementsOf(t, deployRole)).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: [
          bootstrapRoleArn('deploy'),
          bootstrapRoleArn('file-publishing'),
          bootstrapRoleArn('image-publishing'),
          bootstrapRoleArn('lookup'),
        ],
      },
    ]);
    const role = (t.findResources('AWS::IAM::Role') as Resources)[deployRole]!.Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies).toBeUndefined();
  });

  test('the diff role trusts only runs on main and may only assume the read-only lookup role', () => {
    const diffRole = roleIdByDescription(t, /branch main/);
    const trust = JSON.stringify(
      (t.findResources('AWS::IAM::Role') as Resources)[diffRole]!.Properties.AssumeRolePolicyDocument,
    );
    expect(trust).toContain(`"token.actions.githubusercontent.com:sub":"repo:${repository}:ref:refs/heads/main"`);
    expect(statementsOf(t, diffRole)).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: bootstrapRoleArn('lookup') },
    ]);
  });

  test('cdk-nag (AwsSolutions) reports nothing for the stack', () => {
    const report = new ConnectNowNagChecks(app).validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  test('GIVEN an existing provider, immutable ids and a custom bootstrap qualifier THEN all three are used', () => {
    const providerArn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const { template: custom } = synth(
      { repository: 'octo-org@59/connect-now@811', oidcProviderArn: providerArn },
      { '@aws-cdk/core:bootstrapQualifier': 'cnqual01' },
    );
    expect(Object.keys(custom!.findResources('AWS::IAM::OIDCProvider'))).toEqual([]);
    const deployRole = roleIdByDescription(custom!, /environment production/);
    const trust = JSON.stringify(
      (custom!.findResources('AWS::IAM::Role') as Resources)[deployRole]!.Properties.AssumeRolePolicyDocument,
    );
    expect(trust).toContain(`"Federated":"${providerArn}"`);
    expect(trust).toContain('"repo:octo-org@59/connect-now@811:environment:production"');
    expect(statementsOf(custom!, deployRole)[0]!.Resource).toContainEqual(bootstrapRoleArn('deploy', 'cnqual01'));
  });

  test('GIVEN a malformed repository THEN the config error says what the value must look like', () => {
    for (const repository of ['connect-now', 'octo-org/connect-now/tree/main', 'octo-org@59/connect-now', '-x/y']) {
      let problems: string[] = [];
      try {
        parseConfig({ github: { repository } });
      } catch (error) {
        if (error instanceof ConfigValidationError) problems = error.problems;
      }
      expect(problems).toEqual([
        expect.stringMatching(
          /^context\.github\.repository must be OWNER\/NAME as in https:\/\/github\.com\/OWNER\/NAME .*-c github\.repository=octo-org\/connect-now$/,
        ),
      ]);
    }
  });
});
