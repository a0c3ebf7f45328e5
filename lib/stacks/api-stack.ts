import { Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { Config } from '../config';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import {
  FUNCTION_ENTRIES,
  FUNCTION_RUNTIME_MODULES,
  HTTP_FUNCTION_ROUTES,
  type FunctionName,
} from '../function-entries';
import { AVATARS_BUCKET_ENV } from '../../functions/avatars/avatar-objects';
import { AVATAR_PATH_PREFIX } from '../../functions/shared/protocol/avatars';
import { AccountMail } from '../constructs/account-mail';
import { FunctionAlarms } from '../constructs/alarms';
import { HouseFunction } from '../constructs/house-function';
import type { DataStack } from './data-stack';
import { acknowledgeGrantWildcards } from '../nag';
import type { MediaStack } from './media-stack';
import { redisEnvironment } from '../../functions/shared/redis-config';

/** Properties of {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  /** The HTTP API created (without routes or stage) by WebStack. */
  readonly httpApi: apigwv2.HttpApi;
  /** CloudFront's origin secret (WebStack); the function believes viewer headers only on requests carrying it. */
  readonly originVerifySecret: secretsmanager.ISecret;
  readonly data: DataStack;
  /** Profile pictures (WebStack, served by CloudFront under /avatars/*). */
  readonly avatarsBucket: s3.IBucket;
  readonly media: MediaStack;
  readonly vpc: ec2.IVpc;
  readonly privateSubnets: ec2.SubnetSelection;
  /** PUBLIC_URL: token issuer, OAuth redirect base, room links. */
  readonly publicUrl: string;
  readonly allowedOrigins: string[];
  readonly maxParticipants: number;
  readonly limitsJson?: string;
  readonly googleClientId?: string;
  /** Account mail through SES (lib/constructs/account-mail.ts); without it email sign-up cannot send its links. */
  readonly mail?: Config['mail'];
  readonly turn?: Config['turn'];
  /** STUN URLs for ICE_SERVERS_JSON. */
  readonly stunUrls: readonly string[];
  /** WS_CALLBACK_URL, for routes that notify open sockets (e.g. a recording became ready). */
  readonly callbackUrl: string;
  readonly grantManageConnections: (grantee: iam.IGrantable) => void;
  readonly logRetention: logs.RetentionDays;
  readonly alarmTopic: sns.ITopic;
}

/** The HTTP API: one Lambda behind `ANY /api/{proxy+}` with its own router (functions/api/routes.ts). */
export class ApiStack extends Stack {
  public readonly handler: HouseFunction;
  public readonly stage: apigwv2.HttpStage;
  /** Decodes and re-encodes profile pictures (sharp), behind PUT/DELETE /api/account/avatar. */
  public readonly avatar: HouseFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { data, media } = props;

    const turnSecret = props.turn
      ? secretsmanager.Secret.fromSecretNameV2(this, 'TurnSecret', props.turn.secretName)
      : undefined;

    const mail = props.mail ? new AccountMail(this, 'AccountMail', { mail: props.mail }) : undefined;

    // What both functions behind the signed-in API share: the network path to Valkey and the database, the keys
    // that verify access tokens, the origins, the limits, and the avatars bucket (deleting an account deletes its
    // pictures; the Avatar function writes them).
    const signedInFunctionBase = {
      logRetention: props.logRetention,
      vpc: props.vpc,
      vpcSubnets: props.privateSubnets,
      securityGroups: [data.cacheClientSecurityGroup],
    };
    const signedInEnvironment: Record<string, string> = {
      PUBLIC_URL: props.publicUrl,
      ALLOWED_ORIGINS: props.allowedOrigins.join(','),
      AUTH_KEYS_SECRET_ARN: data.authKeysSecret.secretArn,
      ...data.databaseEnvironment,
      // ElastiCache Serverless is cluster mode behind one TLS endpoint.
      ...redisEnvironment(data.redisUrl, { cluster: true }),
      ...(props.limitsJson ? { LIMITS_JSON: props.limitsJson } : {}),
      [AVATARS_BUCKET_ENV]: props.avatarsBucket.bucketName,
    };

    this.handler = new HouseFunction(this, 'HttpApi', {
      entry: FUNCTION_ENTRIES.HttpApi,
      serviceName: 'api',
      description: 'HTTP API: sessions, rooms, recordings, subtitles, ICE servers',
      // The password dictionary, loaded only when a new password is judged (functions/auth/password-dictionary.ts).
      nativeModules: FUNCTION_RUNTIME_MODULES.HttpApi,
      // Rate limits and lobby state live in Valkey.
      ...signedInFunctionBase,
      environment: {
        ...signedInEnvironment,
        ORIGIN_VERIFY_SECRET_ARN: props.originVerifySecret.secretArn,
        ...(props.googleClientId && data.googleClientSecret
          ? { GOOGLE_CLIENT_ID: props.googleClientId, GOOGLE_CLIENT_SECRET_ARN: data.googleClientSecret.secretArn }
          : {}),
        ...(props.stunUrls.length > 0 ? { ICE_SERVERS_JSON: JSON.stringify([{ urls: props.stunUrls }]) } : {}),
        ...(props.turn && turnSecret
          ? { TURN_URLS: props.turn.urls.join(','), TURN_SECRET_ARN: turnSecret.secretArn }
          : {}),
        ROOM_MAX_PARTICIPANTS: String(props.maxParticipants),
        CONNECTIONS_TABLE: data.connectionsTable.tableName,
        WS_CALLBACK_URL: props.callbackUrl,
        RECORDINGS_BUCKET: data.recordingsBucket.bucketName,
        TRANSCRIBE_QUEUE_URL: media.transcribeQueue.queueUrl,
        BURN_IN_QUEUE_URL: media.burnInQueue.queueUrl,
        SCALER_FUNCTION_NAME: media.scaler.function.functionName,
        ...(mail?.environment ?? {}),
      },
    });
    const fn = this.handler.function;
    data.authKeysSecret.grantRead(fn);
    props.originVerifySecret.grantRead(fn);
    mail?.grantSend(fn);
    data.googleClientSecret?.grantRead(fn);
    turnSecret?.grantRead(fn);
    data.grantDataApi(fn);
    data.connectionsTable.grantReadData(fn);
    props.grantManageConnections(fn);
    // Presigned uploads are signed with this function's credentials, so it needs the rights it hands out.
    data.recordingsBucket.grantPut(fn, 'uploads/*');
    data.recordingsBucket.grantRead(fn, 'media/*');
    data.recordingsBucket.grantReadWrite(fn, 'subtitles/*');
    for (const prefix of ['uploads/*', 'media/*', 'subtitles/*']) data.recordingsBucket.grantDelete(fn, prefix);
    const avatarObjects = `${AVATAR_PATH_PREFIX}*`;
    props.avatarsBucket.grantRead(fn, avatarObjects);
    props.avatarsBucket.grantDelete(fn, avatarObjects);
    media.transcribeQueue.grantSendMessages(fn);
    media.burnInQueue.grantSendMessages(fn);
    media.scaler.function.grantInvoke(fn);
    new FunctionAlarms(this, 'HttpApiAlarms', { function: fn, topic: props.alarmTopic });

    this.avatar = new HouseFunction(this, 'Avatar', {
      entry: FUNCTION_ENTRIES.Avatar,
      serviceName: 'avatar',
      description: 'Profile pictures: decodes, resizes and re-encodes uploads (sharp) into the avatars bucket',
      // sharp's prebuilt libvips as `npm ci` installs it on the (x86_64) build machines; see native-modules.ts.
      architecture: lambda.Architecture.X86_64,
      nativeModules: FUNCTION_RUNTIME_MODULES.Avatar,
      // The upload limit per account lives in Valkey.
      ...signedInFunctionBase,
      environment: signedInEnvironment,
    });
    const avatarFn = this.avatar.function;
    data.authKeysSecret.grantRead(avatarFn);
    data.grantDataApi(avatarFn);
    props.avatarsBucket.grantPut(avatarFn, avatarObjects);
    props.avatarsBucket.grantDelete(avatarFn, avatarObjects);
    new FunctionAlarms(this, 'AvatarAlarms', { function: avatarFn, topic: props.alarmTopic });

    // Stage and route are created on an imported reference so they live in this stack, beside their function
    // (the API itself is in WebStack, which must not depend on this stack).
    const httpApi = apigwv2.HttpApi.fromHttpApiAttributes(this, 'Api', {
      httpApiId: props.httpApi.apiId,
      apiEndpoint: props.httpApi.apiEndpoint,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const proxy = new apigwv2.HttpRoute(this, 'ProxyRoute', {
      httpApi,
      routeKey: apigwv2.HttpRouteKey.with('/api/{proxy+}', apigwv2.HttpMethod.ANY),
      integration: new HttpLambdaIntegration('HttpApi', fn, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });

    const integrations: Partial<Record<FunctionName, HttpLambdaIntegration>> = {
      Avatar: new HttpLambdaIntegration('Avatar', avatarFn, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    };
    // More specific than `/api/{proxy+}`, so API Gateway sends these to their own function.
    const functionRoutes = HTTP_FUNCTION_ROUTES.map((r) => {
      const integration = integrations[r.fn];
      if (!integration) throw new Error(`HTTP_FUNCTION_ROUTES names ${r.fn}, which ApiStack does not create`);
      return new apigwv2.HttpRoute(this, `${r.fn}${r.method}Route`, {
        httpApi,
        routeKey: apigwv2.HttpRouteKey.with(r.path, apigwv2.HttpMethod[r.method]),
        integration,
      });
    });

    acknowledgeGrantWildcards(
      this,
      'avatarPrefix',
      's3Actions',
      'recordingPrefixes',
      'connections',
      'tableIndexes',
      'functionVersions',
    );
    for (const route of functionRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The Avatar function verifies the Bearer access token itself (functions/avatars/avatar-routes.ts), as the HTTP API function does.',
      });
    }
    Validations.of(proxy).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Sign-in and guest-session routes must be public; every other route verifies the Bearer access token in the handler (functions/api/router.ts).',
    });
  }
}
