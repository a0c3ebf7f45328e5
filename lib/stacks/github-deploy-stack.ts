import {
  BOOTSTRAP_QUALIFIER_CONTEXT,
  CfnOutput,
  DefaultStackSynthesizer,
  Duration,
  Fn,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/*
 * Lets GitHub Actions deploy without stored keys (.github/workflows/deploy.yml, docs/deployment.md). The workflow
 * exchanges GitHub's OIDC token for one of two roles, and those roles may do exactly one thing: assume the roles that
 * `cdk bootstrap` created. That is the standard CDK pipeline pattern: what a deployment may change is decided by the
 * bootstrap roles (and their CloudFormation execution role), not duplicated here.
 */

/** GitHub's OIDC issuer (the `iss` of every Actions token) without the scheme, as IAM condition keys spell it. */
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';
/** The audience configure-aws-credentials asks GitHub for. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** The GitHub environment whose jobs may deploy; its required reviewers are the manual approval. */
export const DEPLOY_ENVIRONMENT = 'production';
/** The one branch whose runs may compute the diff (read-only). */
export const DIFF_BRANCH = 'main';
/**
 * How long the deploy job's credentials live. The CLI assumes the bootstrap roles from this session while it works
 * (chained sessions cannot outlive it), and a first deploy builds the CUDA image before publishing it.
 */
export const DEPLOY_SESSION = Duration.hours(3);

/** The `sub` claim GitHub puts in a job's token (docs: "Example subject claims"). */
export const githubSubject = {
  environment: (repository: string, environment = DEPLOY_ENVIRONMENT) =>
    `repo:${repository}:environment:${environment}`,
  branch: (repository: string, branch = DIFF_BRANCH) => `repo:${repository}:ref:refs/heads/${branch}`,
};

/** Properties of {@link GitHubDeployStack}. */
export interface GitHubDeployStackProps extends StackProps {
  /** `OWNER/NAME`, validated by lib/config.ts. */
  readonly repository: string;
  /**
   * The account's existing GitHub OIDC provider, when it has one (an account holds one per issuer URL).
   * @default - the provider is created here
   */
  readonly oidcProviderArn?: string;
}

/** The GitHub OIDC provider and the two roles GitHub Actions assume: one to diff, one to deploy. */
export class GitHubDeployStack extends Stack {
  /** Assumed by the deploy job in the `production` environment: may assume the four bootstrap roles the CLI uses. */
  public readonly deployRole: iam.Role;
  /** Assumed by the diff job on main: may assume the read-only bootstrap lookup role only. */
  public readonly diffRole: iam.Role;

  constructor(scope: Construct, id: string, props: GitHubDeployStackProps) {
    super(scope, id, props);
    const provider = props.oidcProviderArn
      ? iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidc', props.oidcProviderArn)
      : // Native AWS::IAM::OIDCProvider: no custom-resource Lambda; IAM fetches GitHub's certificate thumbprint itself.
        new iam.OidcProviderNative(this, 'GitHubOidc', {
          url: `https://${GITHUB_OIDC_ISSUER}`,
          clientIds: [GITHUB_OIDC_AUDIENCE],
        });
    // Exact matches only (StringEquals, no wildcards): a fork, another branch or another environment gets nothing.
    const trust = (subject: string) =>
      new iam.OpenIdConnectPrincipal(provider, {
        StringEquals: {
          [`${GITHUB_OIDC_ISSUER}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_ISSUER}:sub`]: subject,
        },
      });

    // The roles `cdk bootstrap` created, named from CDK's own templates with this app's qualifier.
    const qualifier =
      (this.node.tryGetContext(BOOTSTRAP_QUALIFIER_CONTEXT) as string | undefined) ??
      DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const bootstrapRole = (template: string) => Fn.sub(template.replace('${Qualifier}', qualifier));
    const lookupRole = bootstrapRole(DefaultStackSynthesizer.DEFAULT_LOOKUP_ROLE_ARN);

    this.deployRole = new iam.Role(this, 'DeployRole', {
      description: `GitHub Actions of ${props.repository}, environment ${DEPLOY_ENVIRONMENT}: assumes the CDK bootstrap roles to deploy`,
      assumedBy: trust(githubSubject.environment(props.repository)),
      maxSessionDuration: DEPLOY_SESSION,
    });
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [
          bootstrapRole(DefaultStackSynthesizer.DEFAULT_DEPLOY_ROLE_ARN),
          bootstrapRole(DefaultStackSynthesizer.DEFAULT_FILE_ASSET_PUBLISHING_ROLE_ARN),
          bootstrapRole(DefaultStackSynthesizer.DEFAULT_IMAGE_ASSET_PUBLISHING_ROLE_ARN),
          lookupRole,
        ],
      }),
    );

    // `cdk diff --method=template` reads the deployed templates through the lookup role (ReadOnlyAccess): a run on
    // main needs no approval to show what a deploy would change, and cannot change anything.
    this.diffRole = new iam.Role(this, 'DiffRole', {
      description: `GitHub Actions of ${props.repository}, branch ${DIFF_BRANCH}: assumes the CDK lookup role to diff`,
      assumedBy: trust(githubSubject.branch(props.repository)),
    });
    this.diffRole.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [lookupRole] }));

    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.roleArn,
      description: 'Repository variable AWS_DEPLOY_ROLE_ARN',
    });
    new CfnOutput(this, 'DiffRoleArn', {
      value: this.diffRole.roleArn,
      description: 'Repository variable AWS_DIFF_ROLE_ARN',
    });
  }
}
