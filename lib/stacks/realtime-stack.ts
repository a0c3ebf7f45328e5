import { Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration, WebSocketMockIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { FUNCTION_ENTRIES } from '../function-entries';
import { FunctionAlarms } from '../constructs/alarms';
import { HouseFunction, type HouseFunctionProps } from '../constructs/house-function';
import type { DataStack } from './data-stack';
import { acknowledgeGrantWildcards } from '../nag';
import { WEBSOCKET_STAGE_NAME } from './web-stack';
import { redisEnvironment } from '../../functions/shared/redis-config';
import { PROTOCOL_HEADER } from '../../functions/shared/protocol/socket-credential';
import { RELAYED_TYPES } from '../../functions/shared/protocol/peerjs';

/** PeerJS message types relayed peer to peer (PEERJS-PROTOCOL.md); lower-case room messages go to `$default`. */
/** The PeerJS frame types routed to SignalRelay: the protocol's own list (the local gateway routes the same one). */
export const SIGNAL_ROUTES = RELAYED_TYPES;

/** Properties of {@link RealtimeStack}. */
export interface RealtimeStackProps extends StackProps {
  /** The WebSocket API created (without routes) by WebStack. */
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly data: DataStack;
  readonly vpc: ec2.IVpc;
  readonly privateSubnets: ec2.SubnetSelection;
  /** `https://{domain}` of the page (PUBLIC_URL: token issuer). */
  readonly publicUrl: string;
  /** Page origins the `$connect` authorizer accepts (ALLOWED_ORIGINS). */
  readonly allowedOrigins: string[];
  readonly maxParticipants: number;
  /** LIMITS_JSON, when rate limits are overridden. */
  readonly limitsJson?: string;
  readonly logRetention: logs.RetentionDays;
  readonly alarmTopic: sns.ITopic;
}

/**
 * Signaling and the room socket on the WebSocket API: the `$connect` authorizer and handlers, the PeerJS relay,
 * the room socket on `$default`, and HEARTBEAT answered by a mock integration (no Lambda), because PeerJS
 * heartbeats outnumber every other message.
 */
export class RealtimeStack extends Stack {
  public readonly stage: apigwv2.WebSocketStage;
  /** `https://{api}.execute-api.{region}.amazonaws.com/peerjs` (WS_CALLBACK_URL). */
  public readonly callbackUrl: string;
  public readonly authorizer: HouseFunction;
  public readonly connect: HouseFunction;
  public readonly disconnect: HouseFunction;
  public readonly opener: HouseFunction;
  public readonly relay: HouseFunction;
  public readonly roomSocket: HouseFunction;

  constructor(scope: Construct, id: string, props: RealtimeStackProps) {
    super(scope, id, props);
    const { data, webSocketApi } = props;
    // Routes, integrations and the authorizer are created in the scope of the API object they are given; an
    // imported reference keeps them in this stack (the real API lives in WebStack, which must not depend on us).
    const api = apigwv2.WebSocketApi.fromWebSocketApiAttributes(this, 'Api', {
      webSocketId: webSocketApi.apiId,
      apiEndpoint: webSocketApi.apiEndpoint,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: api,
      stageName: WEBSOCKET_STAGE_NAME,
      autoDeploy: true,
      // Per-account regional limits apply on top; these keep one noisy client from spending the whole budget.
      throttle: { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            connectionId: '$context.connectionId',
            routeKey: '$context.routeKey',
            eventType: '$context.eventType',
            status: '$context.status',
            error: '$context.error.message',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
            latency: '$context.integrationLatency',
          }),
        ),
      },
    });
    this.callbackUrl = this.stage.callbackUrl;
    this.enableApiGatewayLogging();

    const common = {
      logRetention: props.logRetention,
    } satisfies Partial<HouseFunctionProps>;
    // Only functions that keep live state in Valkey run in the VPC; the rest avoid the NAT hop entirely.
    const inVpc = {
      vpc: props.vpc,
      vpcSubnets: props.privateSubnets,
      securityGroups: [data.cacheClientSecurityGroup],
    } satisfies Partial<HouseFunctionProps>;
    const tableEnv = { CONNECTIONS_TABLE: data.connectionsTable.tableName, WS_CALLBACK_URL: this.callbackUrl };
    const redisEnv = {
      // ElastiCache Serverless is cluster mode behind one TLS endpoint.
      ...redisEnvironment(data.redisUrl, { cluster: true }),
      ...(props.limitsJson ? { LIMITS_JSON: props.limitsJson } : {}),
    };
    const authEnv = { AUTH_KEYS_SECRET_ARN: data.authKeysSecret.secretArn, PUBLIC_URL: props.publicUrl };

    this.authorizer = new HouseFunction(this, 'WsAuthorizer', {
      ...common,
      entry: FUNCTION_ENTRIES.WsAuthorizer,
      serviceName: 'ws-authorizer',
      description: '$connect authorizer: verifies the room ticket and the Origin header',
      environment: { ...authEnv, ALLOWED_ORIGINS: props.allowedOrigins.join(',') },
    });
    data.authKeysSecret.grantRead(this.authorizer.function);

    this.opener = new HouseFunction(this, 'PeerOpener', {
      ...common,
      entry: FUNCTION_ENTRIES.PeerOpener,
      serviceName: 'signaling',
      description: 'Posts OPEN / ID-TAKEN to a new PeerJS socket once $connect has completed',
      environment: tableEnv,
    });

    this.connect = new HouseFunction(this, 'WsConnect', {
      ...common,
      // In the VPC: a ticket opens a socket only while its membership (in Valkey) is current.
      ...inVpc,
      entry: FUNCTION_ENTRIES.WsConnect,
      serviceName: 'signaling',
      description: '$connect: checks membership, registers the connection and asks PeerOpener to send OPEN',
      environment: {
        ...tableEnv,
        ...redisEnv,
        OPENER_FUNCTION_NAME: this.opener.function.functionName,
        ROOM_MAX_PARTICIPANTS: String(props.maxParticipants),
      },
    });
    this.opener.function.grantInvoke(this.connect.function);

    this.disconnect = new HouseFunction(this, 'WsDisconnect', {
      ...common,
      ...inVpc,
      entry: FUNCTION_ENTRIES.WsDisconnect,
      serviceName: 'signaling',
      description: '$disconnect: unregisters the connection and tells the room',
      environment: { ...tableEnv, ...redisEnv, ...authEnv, ...data.databaseEnvironment },
      // Its timeout (FUNCTION_SETTINGS) outlasts an Aurora resume (resume-budget.ts) within API Gateway's 29 s.
    });

    this.relay = new HouseFunction(this, 'SignalRelay', {
      ...common,
      ...inVpc,
      entry: FUNCTION_ENTRIES.SignalRelay,
      serviceName: 'signaling',
      description: 'Relays PeerJS OFFER/ANSWER/CANDIDATE/LEAVE/EXPIRE to the destination peer',
      environment: { ...tableEnv, ...redisEnv },
    });

    this.roomSocket = new HouseFunction(this, 'RoomSocket', {
      ...common,
      ...inVpc,
      entry: FUNCTION_ENTRIES.RoomSocket,
      serviceName: 'room',
      description: 'Room socket ($default): roster, chat, polls, breakouts, lobby, host controls',
      environment: {
        ...tableEnv,
        ...redisEnv,
        ...authEnv,
        ...data.databaseEnvironment,
        ROOM_MAX_PARTICIPANTS: String(props.maxParticipants),
      },
      // Host actions after an idle hour meet a paused database: its timeout (FUNCTION_SETTINGS) fits a resume.
    });

    for (const fn of [this.connect, this.disconnect, this.opener, this.relay, this.roomSocket]) {
      data.connectionsTable.grantReadWriteData(fn.function);
      webSocketApi.grantManageConnections(fn.function);
    }
    for (const fn of [this.disconnect, this.roomSocket]) {
      data.grantDataApi(fn.function);
      data.authKeysSecret.grantRead(fn.function);
    }
    for (const fn of [this.authorizer, this.connect, this.disconnect, this.opener, this.relay, this.roomSocket]) {
      new FunctionAlarms(this, `${fn.node.id}Alarms`, { function: fn.function, topic: props.alarmTopic });
    }

    this.addRoutes(api);
    this.acknowledgeFindings();
  }

  private addRoutes(api: apigwv2.IWebSocketApi): void {
    const route = (
      id: string,
      routeKey: string,
      integration: apigwv2.WebSocketRouteIntegration,
      authorizer?: apigwv2.IWebSocketRouteAuthorizer,
    ) => {
      const created = new apigwv2.WebSocketRoute(this, id, { webSocketApi: api, routeKey, integration, authorizer });
      if (!authorizer) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Only $connect can carry an authorizer on a WebSocket API; this route rides the connection $connect authorized, and its handler reads that authorizer context.',
        });
      }
      return created;
    };

    route(
      'ConnectRoute',
      '$connect',
      new WebSocketLambdaIntegration('Connect', this.connect.function),
      new WebSocketLambdaAuthorizer('TicketAuthorizer', this.authorizer.function, {
        // The one header a browser lets a page set on a WebSocket: the ticket travels as a subprotocol
        // (functions/shared/protocol/socket-credential.ts), so it never reaches a URL or an access log.
        identitySource: [`route.request.header.${PROTOCOL_HEADER}`],
      }),
    );
    route('DisconnectRoute', '$disconnect', new WebSocketLambdaIntegration('Disconnect', this.disconnect.function));
    route('DefaultRoute', '$default', new WebSocketLambdaIntegration('RoomSocket', this.roomSocket.function));
    const relay = new WebSocketLambdaIntegration('Relay', this.relay.function);
    for (const type of SIGNAL_ROUTES) route(`${type[0]}${type.slice(1).toLowerCase()}Route`, type, relay);
    route(
      'HeartbeatRoute',
      'HEARTBEAT',
      new WebSocketMockIntegration('Heartbeat', {
        // PeerJS expects no reply; the mock only has to succeed.
        requestTemplates: { $default: '{"statusCode": 200}' },
        templateSelectionExpression: '\\$default',
      }),
    );
  }

  /**
   * WebSocket stages log through the account-wide API Gateway CloudWatch role (unlike HTTP APIs). This sets it for
   * the region; if the account already has one, it is replaced by an equivalent role.
   */
  private enableApiGatewayLogging(): void {
    const role = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    const account = new apigw.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    this.stage.node.addDependency(account);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'The AWS-managed policy is the documented role for API Gateway logging; it only writes CloudWatch Logs.',
    });
  }

  private acknowledgeFindings(): void {
    acknowledgeGrantWildcards(this, 'connections', 'tableIndexes', 'functionVersions');
  }
}
