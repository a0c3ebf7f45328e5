import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { runtimeConfigFile } from '../../functions/shared/protocol/runtime-config';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { BucketCors, recordingsCorsRule } from '../constructs/bucket-cors';
import { SecurityHeadersPolicy } from '../constructs/security-headers-policy';
import { CDK_HELPER_FINDINGS, acknowledgeCdkHelpers, acknowledgeGrantWildcards } from '../nag';
// One home for the heartbeat (config.json here and locally, the cost model, docs/signaling.md).
import { PEER_PING_INTERVAL_MS } from '../../functions/signaling/heartbeat';
import { AVATAR_PATH_PREFIX } from '../../functions/shared/protocol/avatars';

/** Name of the WebSocket API stage; it doubles as the URL path (`/peerjs`) CloudFront forwards unchanged. */
export const WEBSOCKET_STAGE_NAME = 'peerjs';

/**
 * Header CloudFront adds to every request it sends to the HTTP API, carrying {@link WebStack.originVerifySecret}
 * (functions/auth/client-ip.ts checks it before believing `CloudFront-Viewer-Address`).
 */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';

/** Properties of {@link WebStack}. */
export interface WebStackProps extends StackProps {
  /** Built frontend (index.html, assets/…), e.g. `dist/frontend`. */
  readonly frontendDir: string;
  /** Response headers for every response (functions/auth/security-headers.ts). */
  readonly securityHeaders: Readonly<Record<string, string>>;
  /** @default - the CloudFront domain (dxxxx.cloudfront.net) */
  readonly domainName?: string;
  /** ACM certificate in us-east-1 for `domainName`. */
  readonly certificateArn?: string;
  /** Written into config.json for the sign-in button. */
  readonly googleClientId?: string;
  /** Written into config.json; the room socket enforces it. */
  readonly maxParticipants: number;
  /** Keep the frontend bucket's access logs when the stack is destroyed. */
  readonly retainLogs: boolean;
  /** Keep the avatars bucket (people's profile pictures) when the stack is destroyed. */
  readonly retainAvatars: boolean;
  /** Retention of the log groups this stack creates. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Write the recordings bucket's CORS rule here, allowing the page origin (`publicUrl`) plus `extraOrigins`: only
   * this stack knows the CloudFront domain, and the bucket is created before it.
   * @default - the bucket's own stack writes its rule (a custom domain is known before the distribution exists)
   */
  readonly recordingsCors?: { readonly bucket: s3.IBucket; readonly extraOrigins: readonly string[] };
}

/**
 * The edge: one CloudFront distribution serves the SPA from a private bucket and routes `/api/*` and `/peerjs*` to
 * the two API Gateway APIs, so the page, its API and its sockets share one origin (no CORS, cookies stay
 * SameSite=Strict, the CSP needs no extra hosts).
 *
 * The API Gateway API resources themselves (without routes or stages) are created here too: the Lambdas behind
 * them must know the page origin (ALLOWED_ORIGINS, PUBLIC_URL, bucket CORS), which is the CloudFront domain when no
 * custom domain is set, and the distribution must know the API ids. Creating the API shells beside the distribution
 * lets the Realtime/Api stacks depend on this stack without a cycle; they attach routes, integrations and stages.
 */
export class WebStack extends Stack {
  public readonly distribution: cloudfront.Distribution;
  /** `https://{domain}`: the page origin (PUBLIC_URL). */
  public readonly publicUrl: string;
  /** The WebSocket API (PeerJS socket and room socket); routes and the `peerjs` stage are added by RealtimeStack. */
  public readonly webSocketApi: apigwv2.WebSocketApi;
  /** The HTTP API; the `/api/{proxy+}` route and `$default` stage are added by ApiStack. */
  public readonly httpApi: apigwv2.HttpApi;
  public readonly siteBucket: s3.Bucket;
  /**
   * Profile pictures, re-encoded by the Avatar function (`avatars/<userId>/<random>.webp`) and served by the
   * distribution under `/avatars/*` through Origin Access Control; the bucket itself is never public.
   */
  public readonly avatarsBucket: s3.Bucket;
  /**
   * Random value CloudFront sends to the HTTP API in {@link ORIGIN_VERIFY_HEADER}. The execute-api endpoint stays
   * reachable directly (it is CloudFront's origin; turning it off needs an API Gateway custom domain), so the API
   * believes CloudFront's viewer headers only on requests carrying this value (ORIGIN_VERIFY_SECRET_ARN).
   */
  public readonly originVerifySecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);

    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      description: 'Connect Now: PeerJS signaling and room socket',
      // PeerJS messages are {"type":"OFFER",…}; room messages {"type":"chat.send",…} fall through to $default.
      routeSelectionExpression: '$request.body.type',
    });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Connect Now: HTTP API behind /api',
      // The stage with throttling and access logs is owned by ApiStack.
      createDefaultStage: false,
      // Same origin through CloudFront: no CORS needed, so none is configured.
    });

    const logsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !props.retainLogs,
    });
    Validations.of(logsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging it into itself would loop and another log bucket adds nothing.',
    });

    this.siteBucket = new s3.Bucket(this, 'Site', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: logsBucket,
      serverAccessLogsPrefix: 'site/',
      // The frontend is rebuilt from source on every deploy; nothing here is a record.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    // Here rather than in the Data stack: OAC's bucket policy names this distribution, and the Data stack cannot
    // refer to the Web stack (the Web stack already reads the recordings bucket from it). Retained with the data.
    this.avatarsBucket = new s3.Bucket(this, 'Avatars', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: logsBucket,
      serverAccessLogsPrefix: 'avatars/',
      removalPolicy: props.retainAvatars ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !props.retainAvatars,
    });

    const headers = new SecurityHeadersPolicy(this, 'SecurityHeaders', { headers: props.securityHeaders }).policy;
    const spaFallback = new cloudfront.Function(this, 'SpaFallback', {
      comment: 'Serve index.html for client-side routes (paths whose last segment has no dot)',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  var last = request.uri.split('/').pop();",
          "  if (last.indexOf('.') === -1) { request.uri = '/index.html'; }",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });

    const apiBehavior = (origin: cloudfront.IOrigin): cloudfront.BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      // API Gateway routes on its own Host; everything else (query string, Origin, cookies, Authorization,
      // Sec-WebSocket-* upgrade headers, Sec-WebSocket-Protocol carrying the socket ticket) must reach it. The managed policy is documented to add the
      // device-type and viewer-location CloudFront headers, CloudFront-Viewer-Address among them (per-IP limits).
      // A custom policy cannot do the same: "all viewer headers except" takes no CloudFront headers, an allow list
      // may not name Authorization, and "all viewer headers and these CloudFront headers" forwards Host.
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: headers,
    });
    const executeApiDomain = (apiId: string) => `${apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    this.originVerifySecret = new secretsmanager.Secret(this, 'OriginVerifySecret', {
      description: `Connect Now: sent by CloudFront to the HTTP API in ${ORIGIN_VERIFY_HEADER}; proves a request came through the distribution`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      // Regenerated with the distribution; nothing else depends on its value.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const httpApiOrigin = new origins.HttpOrigin(executeApiDomain(this.httpApi.apiId), {
      // Resolved by CloudFormation at deploy ({{resolve:secretsmanager:…}}), never written into the template.
      // CloudFront replaces a header of the same name sent by the viewer.
      customHeaders: { [ORIGIN_VERIFY_HEADER]: this.originVerifySecret.secretValue.unsafeUnwrap() },
    });

    const certificate = props.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)
      : undefined;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Connect Now',
      defaultRootObject: 'index.html',
      domainNames: props.domainName ? [props.domainName] : undefined,
      certificate,
      // Only settable with a custom certificate; the default *.cloudfront.net one is fixed by CloudFront.
      minimumProtocolVersion: certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // North America and Europe edges only: the cheapest class; other viewers are served from the nearest of them.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logsBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spaFallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': apiBehavior(httpApiOrigin),
        // Read-only, cached: every picture has a fresh name, so nothing needs invalidating. The security headers
        // (nosniff above all) come along, and the object's own Content-Type is always image/webp.
        [`/${AVATAR_PATH_PREFIX}*`]: {
          origin: origins.S3BucketOrigin.withOriginAccessControl(this.avatarsBucket),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: headers,
        },
        // The stage is named like the path, so `/peerjs?key=…` reaches stage `peerjs` without an origin path.
        [`/${WEBSOCKET_STAGE_NAME}*`]: apiBehavior(new origins.HttpOrigin(executeApiDomain(this.webSocketApi.apiId))),
      },
    });

    const host = props.domainName ?? this.distribution.distributionDomainName;
    this.publicUrl = `https://${host}`;
    if (props.recordingsCors) {
      const extra = props.recordingsCors.extraOrigins.filter((origin) => origin !== this.publicUrl);
      new BucketCors(this, 'RecordingsCors', {
        bucket: props.recordingsCors.bucket,
        rules: [recordingsCorsRule([this.publicUrl, ...extra])],
        logRetention: props.logRetention,
      });
    }
    new CfnOutput(this, 'Url', { value: this.publicUrl, description: 'Open this to use Connect Now' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: 'CNAME target for a custom domain',
    });

    // Hashed assets never change under their name: cache for a year, and never prune them, so a page loaded
    // before a deploy can still fetch its own chunks after it.
    new s3deploy.BucketDeployment(this, 'DeployAssets', {
      destinationBucket: this.siteBucket,
      sources: [s3deploy.Source.asset(props.frontendDir)],
      include: ['assets/*'],
      exclude: ['*'],
      prune: false,
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
      memoryLimit: 512,
    });
    new s3deploy.BucketDeployment(this, 'DeployRoot', {
      destinationBucket: this.siteBucket,
      sources: [
        s3deploy.Source.asset(props.frontendDir, { exclude: ['assets/**'] }),
        s3deploy.Source.jsonData(
          'config.json',
          runtimeConfigFile({
            apiBase: '/api',
            wsUrl: `wss://${host}/${WEBSOCKET_STAGE_NAME}`,
            peer: {
              host,
              port: 443,
              path: '/',
              secure: true,
              key: 'peerjs',
              pingInterval: PEER_PING_INTERVAL_MS,
            },
            ...(props.googleClientId ? { googleClientId: props.googleClientId } : {}),
            maxParticipants: props.maxParticipants,
          }),
        ),
      ],
      exclude: ['assets/*'],
      // index.html and config.json must be re-fetched after every deploy.
      cacheControl: [s3deploy.CacheControl.noCache()],
      memoryLimit: 512,
    });

    this.acknowledgeFindings(Boolean(props.certificateArn));
    Validations.of(this.originVerifySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'CloudFront reads the value once per deploy (an origin custom header cannot follow a rotation); a new value comes with replacing the secret, and a warm API container rereads it within 5 minutes.',
    });
  }

  private acknowledgeFindings(hasCertificate: boolean): void {
    const v = Validations.of(this.distribution);
    v.acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Meetings are open to anyone with a link worldwide; there is no country to block.',
    });
    v.acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'WAF costs ~$8/month before any traffic; abuse is limited by API Gateway throttles and per-user rate limits. Add WAF for production at scale.',
    });
    if (!hasCertificate) {
      v.acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose TLS policy cannot be set; set domainName+certificateArn for TLS 1.2+.',
      });
    }
    acknowledgeGrantWildcards(this, 's3Actions');
    // BucketDeployment, autoDeleteObjects and AwsCustomResource (recordings CORS) are CDK-provided singleton Lambdas.
    acknowledgeCdkHelpers(this, [
      ...CDK_HELPER_FINDINGS,
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        reason:
          'BucketDeployment reads the frontend zip from the CDK bootstrap assets bucket, whose object keys are content hashes.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::<SiteE53D7754.Arn>/*]',
        reason: 'BucketDeployment writes every file of the frontend into the site bucket.',
      },
    ]);
  }
}
