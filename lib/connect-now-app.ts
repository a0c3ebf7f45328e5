import type { App } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { configuredOrigins, type Config } from './config';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';
import { GitHubDeployStack } from './stacks/github-deploy-stack';
import { MediaStack } from './stacks/media-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';
import { RealtimeStack } from './stacks/realtime-stack';
import { WebStack } from './stacks/web-stack';

/** What the stacks need besides the config: produced by the build, not configured. */
export interface ConnectNowAppInputs {
  /** The built frontend directory (dist/frontend). */
  readonly frontendDir: string;
  /**
   * `securityHeaders` from functions/auth/security-headers.ts: called with the recordings bucket's origin, which the
   * page uploads to and plays recordings from (presigned URLs), so the CSP names that one bucket and no other host.
   */
  readonly securityHeaders: (options: { connectSrc: string[] }) => Readonly<Record<string, string>>;
}

/** Every stack of one deployment, for tests and for wiring. */
export interface ConnectNowStacks {
  readonly monitoring: MonitoringStack;
  readonly network: NetworkStack;
  readonly web: WebStack;
  readonly data: DataStack;
  readonly realtime: RealtimeStack;
  readonly media: MediaStack;
  readonly api: ApiStack;
}

/**
 * Creates the stacks in dependency order. Stateful (Data) and stateless (Web, Realtime, Media, Api) are separate
 * so the stateless ones can be destroyed and redeployed at will; they are wired through typed props, and CDK turns
 * each reference into a cross-stack reference.
 */
export function createConnectNowStacks(app: App, config: Config, inputs: ConnectNowAppInputs): ConnectNowStacks {
  const prefix = config.stackPrefix;
  const logRetention = config.logRetentionDays as logs.RetentionDays;
  const limitsJson = Object.keys(config.limits).length > 0 ? JSON.stringify(config.limits) : undefined;
  const description = (what: string) => `Connect Now: ${what}`;

  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, {
    description: description('alarm topic'),
    alarmEmail: config.alarmEmail,
  });
  const alarmTopic = monitoring.alarmTopic;
  const network = new NetworkStack(app, `${prefix}-Network`, {
    description: description('VPC for ElastiCache and the functions that use it'),
    natMode: config.natMode,
    logRetention,
  });
  const data = new DataStack(app, `${prefix}-Data`, {
    description: description('stateful resources (table, Aurora, Valkey, recordings, secrets)'),
    vpc: network.vpc,
    privateSubnets: network.privateSubnets,
    // The bucket is created before the distribution (the page's CSP names it). With a custom domain the page
    // origin is known here; without one it is the CloudFront domain, and the Web stack writes the rule instead.
    corsOrigins: config.domainName ? configuredOrigins(config) : undefined,
    retainData: config.retainData,
    logRetention,
    alarmTopic,
    googleSignIn: Boolean(config.googleClientId),
  });
  const web = new WebStack(app, `${prefix}-Web`, {
    description: description('CloudFront, frontend bucket, API front doors'),
    frontendDir: inputs.frontendDir,
    securityHeaders: inputs.securityHeaders({
      connectSrc: [`https://${data.recordingsBucket.bucketRegionalDomainName}`],
    }),
    domainName: config.domainName,
    certificateArn: config.certificateArn,
    googleClientId: config.googleClientId,
    maxParticipants: config.maxParticipants,
    retainLogs: config.retainData,
    retainAvatars: config.retainData,
    logRetention,
    recordingsCors: config.domainName
      ? undefined
      : { bucket: data.recordingsBucket, extraOrigins: configuredOrigins(config) },
  });
  const allowedOrigins = [web.publicUrl, ...configuredOrigins(config).filter((o) => o !== web.publicUrl)];
  const realtime = new RealtimeStack(app, `${prefix}-Realtime`, {
    description: description('WebSocket signaling and room socket'),
    webSocketApi: web.webSocketApi,
    data,
    vpc: network.vpc,
    privateSubnets: network.privateSubnets,
    publicUrl: web.publicUrl,
    allowedOrigins,
    maxParticipants: config.maxParticipants,
    limitsJson,
    logRetention,
    alarmTopic,
  });
  const grantManageConnections = (grantee: Parameters<typeof web.webSocketApi.grantManageConnections>[0]) => {
    web.webSocketApi.grantManageConnections(grantee);
  };
  const media = new MediaStack(app, `${prefix}-Media`, {
    description: description('recordings pipeline: transcode, queues, Whisper GPU fleet'),
    data,
    vpc: network.vpc,
    fleetSubnets: network.fleetSubnets,
    fleetNeedsPublicIp: network.fleetNeedsPublicIp,
    fleet: config.fleet,
    callbackUrl: realtime.callbackUrl,
    grantManageConnections,
    logRetention,
    alarmTopic,
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    description: description('HTTP API'),
    httpApi: web.httpApi,
    originVerifySecret: web.originVerifySecret,
    data,
    avatarsBucket: web.avatarsBucket,
    media,
    vpc: network.vpc,
    privateSubnets: network.privateSubnets,
    publicUrl: web.publicUrl,
    allowedOrigins,
    maxParticipants: config.maxParticipants,
    limitsJson,
    googleClientId: config.googleClientId,
    mail: config.mail,
    turn: config.turn,
    stunUrls: config.stunUrls,
    callbackUrl: realtime.callbackUrl,
    grantManageConnections,
    logRetention,
    alarmTopic,
  });
  return { monitoring, network, web, data, realtime, media, api };
}

/**
 * The GitHub Actions deploy roles, only when `github.repository` is configured. Deployed once by hand (docs/
 * deployment.md); the pipeline itself does not set `github`, so `cdk deploy --all` there never touches its own roles.
 */
export function createGitHubDeployStack(app: App, config: Config): GitHubDeployStack | undefined {
  if (!config.github) return undefined;
  return new GitHubDeployStack(app, `${config.stackPrefix}-GitHubDeploy`, {
    description: 'Connect Now: GitHub Actions OIDC provider and deploy roles',
    repository: config.github.repository,
    oidcProviderArn: config.github.oidcProviderArn,
  });
}
