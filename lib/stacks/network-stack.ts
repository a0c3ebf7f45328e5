import { Annotations, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Config } from '../config';

/** Properties of {@link NetworkStack}. */
export interface NetworkStackProps extends StackProps {
  /** How private subnets reach public AWS endpoints. */
  readonly natMode: Config['natMode'];
  /** Retention of the VPC flow logs. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The VPC exists only because ElastiCache does not live outside one: the Lambdas that keep live meeting state in
 * Valkey run here, everything else stays out of it.
 *
 * Those Lambdas must also call the WebSocket `@connections` management endpoint, which is public. There is no
 * execute-api interface endpoint with private DNS on purpose: with private DNS on, `*.execute-api.{region}
 * .amazonaws.com` resolves to the endpoint for the whole VPC, and the endpoint only serves private REST APIs, so
 * every `@connections` call from the VPC fails with 403. Egress therefore goes through NAT: by default one t4g.nano
 * NAT instance (~$3/month) instead of a NAT gateway (~$33/month plus per-GB) — a single AZ's NAT is a deliberate
 * trade of availability for cost; `natMode: gateway` buys the managed one.
 *
 * DynamoDB and S3 are reached through free gateway endpoints so the hot path never crosses the NAT.
 */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.Vpc;
  /** Subnets for Lambdas, Aurora and ElastiCache. */
  public readonly privateSubnets: ec2.SubnetSelection;
  /** Subnets for the GPU fleet: private behind NAT, or public with a public IP when there is no NAT. */
  public readonly fleetSubnets: ec2.SubnetSelection;
  /** Whether `fleetSubnets` need instances to get a public IP to reach anything. */
  public readonly fleetNeedsPublicIp: boolean;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const hasNat = props.natMode !== 'none';
    const natProvider =
      props.natMode === 'gateway'
        ? ec2.NatProvider.gateway()
        : props.natMode === 'instance'
          ? ec2.NatProvider.instanceV2({
              instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
              defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            })
          : undefined;
    const privateType = hasNat ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: hasNat ? 1 : 0,
      natGatewayProvider: natProvider,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: privateType, cidrMask: 22 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        rejected: {
          trafficType: ec2.FlowLogTrafficType.REJECT,
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention }),
          ),
        },
      },
    });
    if (natProvider instanceof ec2.NatInstanceProviderV2) {
      // The NAT instance forwards for the private subnets only; nothing else may reach it.
      natProvider.connections.allowFrom(ec2.Peer.ipv4(this.vpc.vpcCidrBlock), ec2.Port.allTraffic(), 'VPC egress');
    }
    this.acknowledgeNatInstance();
    this.privateSubnets = { subnetType: privateType };
    this.fleetSubnets = hasNat
      ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
      : { subnetType: ec2.SubnetType.PUBLIC };
    this.fleetNeedsPublicIp = !hasNat;
    if (!hasNat) {
      Annotations.of(this).addWarningV2(
        'connect-now:natModeNone',
        'natMode "none": VPC Lambdas cannot reach @connections, Secrets Manager or the Data API; use only to try the stacks.',
      );
    }
  }

  private acknowledgeNatInstance(): void {
    const v = Validations.of(this.vpc);
    v.acknowledge({
      id: 'AwsSolutions-EC26',
      reason:
        'The NAT instance only forwards packets and stores nothing; NatInstanceProviderV2 exposes no block device settings.',
    });
    v.acknowledge({
      id: 'AwsSolutions-EC28',
      reason:
        'Detailed monitoring costs more than the t4g.nano NAT instance saves over 5-minute metrics it does not need.',
    });
    v.acknowledge({
      id: 'AwsSolutions-EC29',
      reason:
        'The NAT instance is stateless and re-created by CloudFormation; termination protection would block stack updates.',
    });
    v.acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The NAT security group admits the VPC CIDR only (a token the rule cannot resolve), never 0.0.0.0/0.',
    });
  }
}
