import { Annotations, ArnFormat, Duration, IgnoreMode, Size, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Config } from '../config';
import {
  CONTAINER_FUNCTIONS,
  FUNCTION_ENTRIES,
  FUNCTION_SETTINGS,
  type ContainerFunctionName,
} from '../function-entries';
import { CUDA_ARCHITECTURES } from '../gpu-architectures';
import { leaseKey, LEASES } from '../../functions/shared/lease-names';
import { FunctionAlarms, QueueAlarms } from '../constructs/alarms';
import { HouseFunction, MissingSourceError, placeholdersAllowed, PROJECT_ROOT } from '../constructs/house-function';
import {
  CDK_HELPER_FINDINGS,
  acknowledgeCdkHelpers,
  acknowledgeFindingPattern,
  acknowledgeGrantWildcards,
} from '../nag';
import type { DataStack } from './data-stack';

/** SSM parameter AWS keeps pointing at the current ECS GPU-optimized AL2023 AMI (NVIDIA driver + container toolkit). */
export const GPU_AMI_PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id';

/** Properties of {@link MediaStack}. */
export interface MediaStackProps extends StackProps {
  readonly data: DataStack;
  readonly vpc: ec2.IVpc;
  /** Where the GPU instances run. */
  readonly fleetSubnets: ec2.SubnetSelection;
  /** True when `fleetSubnets` are public (no NAT): instances then need a public IP. */
  readonly fleetNeedsPublicIp: boolean;
  readonly fleet: Config['fleet'];
  /** WS_CALLBACK_URL, so finished jobs can notify the owner's open room socket. */
  readonly callbackUrl: string;
  /** Lets media functions post to sockets (the WebSocket API's grantManageConnections). */
  readonly grantManageConnections: (grantee: iam.IGrantable) => void;
  readonly logRetention: logs.RetentionDays;
  readonly alarmTopic: sns.ITopic;
}

/**
 * The recordings pipeline: S3 `uploads/` → Transcode (FFmpeg container Lambda) → transcribe queue → Whisper GPU
 * fleet (scaled from zero by the Scaler) → subtitles → burn-in queue → BurnIn.
 */
export class MediaStack extends Stack {
  public readonly transcribeQueue: sqs.Queue;
  public readonly transcribeDeadLetterQueue: sqs.Queue;
  public readonly burnInQueue: sqs.Queue;
  public readonly burnInDeadLetterQueue: sqs.Queue;
  public readonly transcode: lambda.DockerImageFunction;
  public readonly scaler: HouseFunction;
  /** The recordings lifecycle sweep (functions/recordings/lifecycle.ts): retries, then fails, overdue recordings. */
  public readonly sweep: HouseFunction;
  public readonly burnIn: lambda.DockerImageFunction;
  public readonly fleet: autoscaling.AutoScalingGroup;
  private transcodeImage?: ContainerSource;

  constructor(scope: Construct, id: string, props: MediaStackProps) {
    super(scope, id, props);
    const { data } = props;
    // Imported so the bucket notification lives in this stack: adding it to the DataStack bucket would make the
    // stateful stack depend on this one.
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Recordings', {
      bucketArn: data.recordingsBucket.bucketArn,
      bucketName: data.recordingsBucket.bucketName,
    });

    const transcribe = this.queuePair('Transcribe', {
      // A Whisper job on a long recording can take a while; the worker extends visibility as it goes.
      visibilityTimeout: Duration.minutes(30),
      maxAge: Duration.minutes(30),
      topic: props.alarmTopic,
    });
    this.transcribeQueue = transcribe.queue;
    this.transcribeDeadLetterQueue = transcribe.dlq;
    // Lambda's SQS poller wants a visibility timeout of 6× the function timeout.
    const burnInTimeout = Duration.seconds(FUNCTION_SETTINGS.BurnIn.timeoutSeconds);
    const burnIn = this.queuePair('BurnIn', {
      visibilityTimeout: Duration.minutes(burnInTimeout.toMinutes() * 6),
      maxAge: Duration.hours(1),
      topic: props.alarmTopic,
    });
    this.burnInQueue = burnIn.queue;
    this.burnInDeadLetterQueue = burnIn.dlq;

    const notifyEnv = {
      CONNECTIONS_TABLE: data.connectionsTable.tableName,
      WS_CALLBACK_URL: props.callbackUrl,
    };

    this.fleet = this.createFleet(props, bucket, notifyEnv);

    this.scaler = new HouseFunction(this, 'Scaler', {
      entry: FUNCTION_ENTRIES.Scaler,
      serviceName: 'recordings-scaler',
      description: 'Sets the Whisper fleet size from the transcribe queue depth (to zero when idle)',
      logRetention: props.logRetention,
      environment: {
        TRANSCRIBE_QUEUE_URL: this.transcribeQueue.queueUrl,
        FLEET_ASG_NAME: this.fleet.autoScalingGroupName,
        FLEET_MIN_CAPACITY: '0',
        FLEET_MAX_CAPACITY: String(props.fleet.maxInstances),
        FLEET_IDLE_MINUTES: String(props.fleet.idleMinutes),
        // Where the scaler lease lives (functions/shared/lease.ts).
        CONNECTIONS_TABLE: data.connectionsTable.tableName,
      },
      // Timeout: FUNCTION_SETTINGS (the lease wait plus a run). One scaling decision at a time comes from a DynamoDB lease, not reserved concurrency: reserving any
      // concurrency fails in accounts whose concurrency quota is 10 (new accounts), as Lambda keeps 10 unreserved.
    });
    this.grantScaling(this.scaler.function);
    // The lease item and nothing else in the table.
    iam.Grant.addToPrincipal({
      grantee: this.scaler.function,
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resourceArns: [data.connectionsTable.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [leaseKey(LEASES.scaler)] } },
    });
    Validations.of(this.scaler).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'autoscaling:DescribeAutoScalingGroups and the X-Ray tracing actions support no resource-level scoping; SetDesiredCapacity is pinned to the fleet.',
    });
    new events.Rule(this, 'ScalerSchedule', {
      description: 'Re-evaluates the Whisper fleet size every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.scaler.function, { retryAttempts: 0 })],
    });

    this.transcode = this.createTranscode(props, bucket, notifyEnv);
    this.sweep = this.createSweep(props, bucket, notifyEnv);

    this.burnIn = this.containerFunction('BurnIn', {
      cmd: CONTAINER_FUNCTIONS.BurnIn.cmd,
      serviceName: 'recordings-burn-in',
      description: 'Renders subtitles into a copy of a recording with FFmpeg (burn-in queue, partial batch failures)',
      logRetention: props.logRetention,
      environment: {
        RECORDINGS_BUCKET: data.recordingsBucket.bucketName,
        ...data.databaseEnvironment,
        ...notifyEnv,
      },
    });
    this.burnIn.addEventSource(new SqsEventSource(this.burnInQueue, { batchSize: 5, reportBatchItemFailures: true }));
    bucket.grantRead(this.burnIn, 'media/*');
    bucket.grantRead(this.burnIn, 'subtitles/*');
    bucket.grantPut(this.burnIn, 'media/*');
    data.grantDataApi(this.burnIn);
    data.connectionsTable.grantReadData(this.burnIn);
    props.grantManageConnections(this.burnIn);

    const watched: [string, lambda.IFunction][] = [
      ['Scaler', this.scaler.function],
      ['BurnIn', this.burnIn],
      ['Transcode', this.transcode],
      ['RecordingsSweep', this.sweep.function],
    ];
    for (const [name, fn] of watched)
      new FunctionAlarms(this, `${name}Alarms`, { function: fn, topic: props.alarmTopic });
    this.acknowledgeFindings();
  }

  /**
   * What the Scaler needs and nothing more: read the queue depth, read and set this fleet's size, and keep its
   * "last fully used" timestamp in a tag on the group (so the idle clock survives cold starts without a table).
   */
  public grantScaling(grantee: iam.IGrantable): void {
    this.transcribeQueue.grant(grantee, 'sqs:GetQueueAttributes');
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:CreateOrUpdateTags'],
      resourceArns: [this.groupArn(this.fleet)],
    });
    // DescribeAutoScalingGroups supports no resource-level permissions.
    iam.Grant.addToPrincipal({ grantee, actions: ['autoscaling:DescribeAutoScalingGroups'], resourceArns: ['*'] });
  }

  private groupArn(group: autoscaling.IAutoScalingGroup): string {
    return this.formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: `*:autoScalingGroupName/${group.autoScalingGroupName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  private queuePair(
    id: string,
    options: { visibilityTimeout: Duration; maxAge: Duration; topic: sns.ITopic },
  ): { queue: sqs.Queue; dlq: sqs.Queue } {
    const dlq = new sqs.Queue(this, `${id}DeadLetters`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(this, `${id}Queue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: options.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      // Jobs are idempotent; after three failed attempts a job waits in the DLQ (and alarms) instead of looping.
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
    });
    new QueueAlarms(this, `${id}QueueAlarms`, {
      queue,
      deadLetterQueue: dlq,
      topic: options.topic,
      maxAge: options.maxAge,
    });
    Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue.' });
    return { queue, dlq };
  }

  private createTranscode(
    props: MediaStackProps,
    bucket: s3.IBucket,
    notifyEnv: Record<string, string>,
  ): lambda.DockerImageFunction {
    const { data } = props;
    const failures = new sqs.Queue(this, 'TranscodeFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the on-failure destination (a DLQ) of the Transcode function.',
    });
    const fn = this.containerFunction('Transcode', {
      cmd: CONTAINER_FUNCTIONS.Transcode.cmd,
      serviceName: 'recordings-transcode',
      description: 'S3 uploads/ → mp4 for playback, 16 kHz mono audio, poster; enqueues transcription',
      logRetention: props.logRetention,
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(failures),
      environment: {
        RECORDINGS_BUCKET: data.recordingsBucket.bucketName,
        TRANSCRIBE_QUEUE_URL: this.transcribeQueue.queueUrl,
        SCALER_FUNCTION_NAME: this.scaler.function.functionName,
        ...data.databaseEnvironment,
        ...notifyEnv,
      },
    });
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), { prefix: 'uploads/' });
    bucket.grantRead(fn, 'uploads/*');
    bucket.grantPut(fn, 'media/*');
    this.transcribeQueue.grantSendMessages(fn);
    this.scaler.function.grantInvoke(fn);
    data.grantDataApi(fn);
    data.connectionsTable.grantReadData(fn);
    props.grantManageConnections(fn);
    return fn;
  }

  /**
   * Every recording reaches ready or failed: Transcode's retries and failure destination, Lambda's 15-minute cap and
   * the queue's redrive can each leave a recording in between; this schedule finds those past their state's budget,
   * retries them (re-invokes Transcode, re-sends the job) and finally fails them with a reason the owner sees.
   */
  private createSweep(props: MediaStackProps, bucket: s3.IBucket, notifyEnv: Record<string, string>): HouseFunction {
    const { data } = props;
    const sweep = new HouseFunction(this, 'RecordingsSweep', {
      entry: FUNCTION_ENTRIES.RecordingsSweep,
      serviceName: 'recordings-sweep',
      description: 'Retries, then fails with a reason, recordings stuck past their state budget',
      logRetention: props.logRetention,
      environment: {
        RECORDINGS_BUCKET: data.recordingsBucket.bucketName,
        TRANSCRIBE_QUEUE_URL: this.transcribeQueue.queueUrl,
        BURN_IN_QUEUE_URL: this.burnInQueue.queueUrl,
        TRANSCODE_FUNCTION_NAME: this.transcode.functionName,
        ...data.databaseEnvironment,
        ...notifyEnv,
      },
      // No reserved concurrency (new accounts' quota refuses it): runs 5 min apart with a 2 min cap never overlap.
    });
    // Aborting an abandoned upload frees its parts (s3:AbortMultipartUpload is part of grantPut).
    bucket.grantPut(sweep.function, 'uploads/*');
    this.transcribeQueue.grantSendMessages(sweep.function);
    this.burnInQueue.grantSendMessages(sweep.function);
    this.transcode.grantInvoke(sweep.function);
    acknowledgeFindingPattern(
      sweep,
      /AwsSolutions-IAM5\[Resource::<Transcode[A-Za-z0-9]*\.Arn>:\*\]/,
      'grantInvoke covers the Transcode function and its versions/aliases (ARN:*): the sweep re-runs a stuck transcode.',
    );
    data.grantDataApi(sweep.function);
    data.connectionsTable.grantReadData(sweep.function);
    props.grantManageConnections(sweep.function);
    new events.Rule(this, 'RecordingsSweepSchedule', {
      description: 'Sweeps recordings stuck past their state budget every 5 minutes',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(sweep.function, { retryAttempts: 0 })],
    });
    return sweep;
  }

  /**
   * A Lambda from the FFmpeg container image (containers/transcode) with the house defaults of HouseFunction:
   * arm64, explicit log group with retention, active tracing, Powertools environment.
   */
  private containerFunction(
    id: ContainerFunctionName,
    options: {
      cmd?: readonly string[];
      serviceName: string;
      description: string;
      logRetention: logs.RetentionDays;
      environment: Record<string, string>;
      retryAttempts?: number;
      onFailure?: lambda.IDestination;
    },
  ): lambda.DockerImageFunction {
    this.transcodeImage ??= containerSource(this, CONTAINER_FUNCTIONS.Transcode.image, 'the FFmpeg functions');
    const fn = new lambda.DockerImageFunction(this, id, {
      description: options.description,
      code: lambda.DockerImageCode.fromImageAsset(this.transcodeImage.directory, {
        file: this.transcodeImage.file,
        exclude: this.transcodeImage.exclude,
        ignoreMode: IgnoreMode.DOCKER,
        platform: ecrAssets.Platform.LINUX_ARM64,
        cmd: options.cmd ? [...options.cmd] : undefined,
      }),
      architecture: lambda.Architecture.ARM_64,
      // FFmpeg is CPU-bound: memory (so CPU) and timeout come from FUNCTION_SETTINGS, as for every function.
      memorySize: FUNCTION_SETTINGS[id].memoryMb,
      timeout: Duration.seconds(FUNCTION_SETTINGS[id].timeoutSeconds),
      ephemeralStorageSize: Size.gibibytes(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: new logs.LogGroup(this, `${id}Logs`, { retention: options.logRetention }),
      retryAttempts: options.retryAttempts,
      onFailure: options.onFailure,
      environment: {
        POWERTOOLS_SERVICE_NAME: options.serviceName,
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...options.environment,
      },
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing adds xray:PutTraceSegments/PutTelemetryRecords, which support no resource-level scoping.',
    });
    return fn;
  }

  private createFleet(
    props: MediaStackProps,
    bucket: s3.IBucket,
    notifyEnv: Record<string, string>,
  ): autoscaling.AutoScalingGroup {
    const { data } = props;
    const source = containerSource(this, 'containers/whisper', 'the Whisper worker');
    const image = new ecrAssets.DockerImageAsset(this, 'WhisperImage', {
      directory: source.directory,
      file: source.file,
      exclude: source.exclude,
      ignoreMode: IgnoreMode.DOCKER,
      platform: ecrAssets.Platform.LINUX_AMD64,
      // The GPUs the config admits (lib/gpu-architectures.ts): the image gets kernels for exactly those.
      buildArgs: { CUDA_ARCHITECTURES },
    });
    const logGroup = new logs.LogGroup(this, 'WorkerLogs', { retention: props.logRetention });
    const role = new iam.Role(this, 'WorkerRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Whisper worker: consume transcribe jobs, read audio, write subtitles',
    });
    const securityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc: props.vpc,
      description: 'Whisper workers: no inbound, HTTPS out to AWS APIs and ECR',
      allowAllOutbound: true,
    });

    const region = this.region;
    const userData = ec2.UserData.forLinux();
    const workerEnv: Record<string, string> = {
      AWS_REGION: region,
      TRANSCRIBE_QUEUE_URL: this.transcribeQueue.queueUrl,
      RECORDINGS_BUCKET: data.recordingsBucket.bucketName,
      ...data.databaseEnvironment,
      // A finished or failed job is announced on the owner's open room socket.
      ...notifyEnv,
      LOG_LEVEL: 'INFO',
    };
    // Boot is a chain of network steps that fail now and then on a fresh instance (IMDS, Docker still starting, ECR,
    // a 5 GB pull): each is retried with backoff, and a step that still fails reports itself (a metric the
    // WorkerBootFailed alarm watches) and marks the instance unhealthy, so the group replaces it instead of keeping
    // a machine that bills by the hour and never polls.
    userData.addCommands(
      'set -uo pipefail',
      `REGION=${region}`,
      'retry() { local n=0; until "$@"; do n=$((n+1)); [ "$n" -ge 6 ] && return 1; sleep $((n*10)); done; }',
      [
        'fail() {',
        'echo "whisper worker boot failed: $1" >&2;',
        `aws cloudwatch put-metric-data --region "$REGION" --namespace ${FLEET_METRICS_NAMESPACE} --metric-name ${WORKER_BOOT_FAILED_METRIC} --value 1 || true;`,
        '[ -n "${INSTANCE_ID:-}" ] && aws autoscaling set-instance-health --region "$REGION" --instance-id "$INSTANCE_ID" --health-status Unhealthy --no-should-respect-grace-period || true;',
        'exit 1; }',
      ].join(' '),
      // The ECS AMI is used for its NVIDIA driver and container toolkit; these hosts are not ECS cluster members.
      'systemctl disable --now ecs || true',
      'command -v aws >/dev/null || retry dnf install -y awscli-2 || fail "no AWS CLI"',
      'IMDS=http://169.254.169.254/latest',
      'TOKEN=$(retry curl -sfX PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600") || fail "no IMDS token"',
      'md() { curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/$1"; }',
      'INSTANCE_ID=$(retry md instance-id) || fail "no instance id"',
      // The group name comes from instance tags: putting it in user data would make the template depend on the group.
      'FLEET_ASG_NAME=$(retry md tags/instance/aws:autoscaling:groupName) || fail "no group tag"',
      'systemctl start docker || true',
      'retry docker info >/dev/null || fail "Docker did not start"',
      `retry sh -c 'aws ecr get-login-password --region "$0" | docker login --username AWS --password-stdin "$1"' "$REGION" ${this.account}.dkr.ecr.${region}.${this.urlSuffix} || fail "ECR login"`,
      `retry docker pull ${image.imageUri} || fail "image pull"`,
      [
        'docker run -d --name whisper --restart unless-stopped --gpus all',
        `--log-driver awslogs --log-opt awslogs-region=${region} --log-opt awslogs-group=${logGroup.logGroupName}`,
        '-e FLEET_ASG_NAME="$FLEET_ASG_NAME" -e INSTANCE_ID="$INSTANCE_ID"',
        ...Object.entries(workerEnv).map(([k, v]) => `-e ${k}='${v}'`),
        image.imageUri,
        '|| fail "worker container did not start"',
      ].join(' '),
    );

    const launchTemplate = new ec2.LaunchTemplate(this, 'WorkerTemplate', {
      machineImage: ec2.MachineImage.fromSsmParameter(GPU_AMI_PARAMETER, { os: ec2.OperatingSystemType.LINUX }),
      instanceType: new ec2.InstanceType(props.fleet.instanceType),
      role,
      securityGroup,
      userData,
      requireImdsv2: true,
      // The worker runs in a container (one network hop more), and the SDK there needs IMDSv2 for credentials.
      httpPutResponseHopLimit: 2,
      instanceMetadataTags: true,
      associatePublicIpAddress: props.fleetNeedsPublicIp ? true : undefined,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          // Room for the CUDA image, the model and a few recordings' audio.
          volume: ec2.BlockDeviceVolume.ebs(100, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });

    const fleet = new autoscaling.AutoScalingGroup(this, 'Fleet', {
      vpc: props.vpc,
      vpcSubnets: props.fleetSubnets,
      minCapacity: 0,
      maxCapacity: props.fleet.maxInstances,
      // Several GPU types (config fleet.instanceType, then fleet.alternateInstanceTypes): one type's Spot pool, or a
      // new account's quota for one family, no longer stops every transcription.
      mixedInstancesPolicy: {
        launchTemplate,
        launchTemplateOverrides: fleetInstanceTypes(props.fleet).map((type) => ({
          instanceType: new ec2.InstanceType(type),
        })),
        instancesDistribution: props.fleet.spot
          ? {
              onDemandBaseCapacity: 0,
              onDemandPercentageAboveBaseCapacity: 0,
              spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
            }
          : {
              onDemandBaseCapacity: 0,
              onDemandPercentageAboveBaseCapacity: 100,
              onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
            },
      },
      capacityRebalance: props.fleet.spot,
      notifications: [{ topic: props.alarmTopic, scalingEvents: autoscaling.ScalingEvents.ERRORS }],
      groupMetrics: [autoscaling.GroupMetrics.all()],
      // The scaler cancels a still-booting instance when a busy one frees up first (scaling-policy.ts): scale-in
      // must take the newest instance, not an idle ready one. Busy workers are protected from scale-in anyway.
      terminationPolicies: [autoscaling.TerminationPolicy.NEWEST_INSTANCE],
    });

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken (image pull) and autoscaling:DescribeAutoScalingInstances (finding its own group) support no resource-level scoping.',
    });
    // The worker finds its group from its instance id before protecting itself.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }),
    );
    data.connectionsTable.grantReadData(role);
    props.grantManageConnections(role);
    this.transcribeQueue.grantConsumeMessages(role);
    bucket.grantRead(role, 'uploads/*');
    bucket.grantRead(role, 'media/*');
    bucket.grantPut(role, 'subtitles/*');
    data.grantDataApi(role);
    image.repository.grantPull(role);
    logGroup.grantWrite(role);
    // A boot that fails reports itself and asks to be replaced (see the user data); nothing else may do either.
    const bootReport = new iam.Policy(this, 'WorkerBootReport', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': FLEET_METRICS_NAMESPACE } },
        }),
        new iam.PolicyStatement({ actions: ['autoscaling:SetInstanceHealth'], resources: [this.groupArn(fleet)] }),
      ],
    });
    Validations.of(bootReport).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData has no resource-level scoping; a condition pins it to the fleet namespace.',
    });
    this.fleetAlarms(props, fleet);
    // A worker protects itself from scale-in while it holds a job, so the scaler never kills work in progress.
    // A separate policy: the launch template waits for the role's default policy, and this statement names the
    // group, which waits for the launch template.
    new iam.Policy(this, 'WorkerScaleInProtection', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['autoscaling:SetInstanceProtection'],
          resources: [this.groupArn(fleet)],
        }),
      ],
    });
    return fleet;
  }

  /**
   * Two ways a fleet can cost money and do nothing: an instance whose boot failed (it says so: WorkerBootFailed),
   * and instances in service while the oldest job waits on (launched, but no worker polls).
   */
  private fleetAlarms(props: MediaStackProps, fleet: autoscaling.AutoScalingGroup): void {
    const action = new cwActions.SnsAction(props.alarmTopic);
    const bootFailed = new cloudwatch.Alarm(this, 'WorkerBootFailedAlarm', {
      alarmDescription: 'A Whisper worker instance failed to boot (see its user data log); it was marked unhealthy.',
      metric: new cloudwatch.Metric({
        namespace: FLEET_METRICS_NAMESPACE,
        metricName: WORKER_BOOT_FAILED_METRIC,
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    bootFailed.addAlarmAction(action);
    const inService = new cloudwatch.Alarm(this, 'FleetInServiceAlarm', {
      alarmDescription: 'At least one Whisper worker instance is in service.',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/AutoScaling',
        metricName: 'GroupInServiceInstances',
        dimensionsMap: { AutoScalingGroupName: fleet.autoScalingGroupName },
        statistic: 'Minimum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const jobsWaiting = new cloudwatch.Alarm(this, 'TranscribeJobsWaitingAlarm', {
      alarmDescription: 'The oldest transcription job has waited over 15 minutes.',
      metric: this.transcribeQueue.metricApproximateAgeOfOldestMessage({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 15 * 60,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notConsuming = new cloudwatch.CompositeAlarm(this, 'FleetNotConsumingAlarm', {
      alarmDescription:
        'Whisper instances have been in service for 15 minutes while a job waits over 15 minutes: launched, but no worker polls (check the worker log group and the instances).',
      alarmRule: cloudwatch.AlarmRule.allOf(inService, jobsWaiting),
    });
    notConsuming.addAlarmAction(action);
  }

  private acknowledgeFindings(): void {
    acknowledgeGrantWildcards(
      this,
      's3Actions',
      'recordingPrefixes',
      'connections',
      'tableIndexes',
      'functionVersions',
      'fleetGroup',
    );
    const v = Validations.of(this.fleet);
    v.acknowledge({
      id: 'AwsSolutions-AS3',
      reason:
        'Launch/terminate notifications would mail on every job (the fleet scales from zero); failed launches and terminations are notified.',
    });
    v.acknowledge({
      id: 'AwsSolutions-EC26',
      reason:
        'The launch template encrypts the root volume (Encrypted: true); the rule does not follow a launch template inside a mixed instances policy.',
    });
    v.acknowledge({
      id: 'AwsSolutions-AS1',
      reason: 'Workers serve no traffic (they pull from SQS), so there is no load balancer health check to use.',
    });
    for (const fn of [this.transcode, this.burnIn]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The FFmpeg container functions use the AWS-managed basic execution role for their logs.',
      });
    }
    acknowledgeCdkHelpers(this, CDK_HELPER_FINDINGS);
  }
}

/** Where an image is built from: the repository root (the Dockerfiles bundle shared code from functions/). */
interface ContainerSource {
  readonly directory: string;
  readonly file: string;
  /** The build context is cut down to what the Dockerfiles copy, so synth fingerprints a few MB, not node_modules. */
  readonly exclude: string[];
}

function containerSource(scope: Construct, dir: string, what: string): ContainerSource {
  const dockerfile = join(PROJECT_ROOT, dir, 'Dockerfile');
  if (existsSync(dockerfile)) {
    return {
      directory: PROJECT_ROOT,
      file: `${dir}/Dockerfile`,
      exclude: [
        '**',
        '!package.json',
        '!package-lock.json',
        '!tsconfig.json',
        '!functions/**',
        `!${dir}/**`,
        '**/*.test.ts',
        '**/node_modules',
      ],
    };
  }
  if (placeholdersAllowed(scope)) {
    Annotations.of(scope).addWarningV2('connect-now:missingContainer', `placeholder image used for ${dir}`);
    return { directory: join(__dirname, '..', 'constructs', 'placeholder-image'), file: 'Dockerfile', exclude: [] };
  }
  throw new MissingSourceError(
    `${relative(PROJECT_ROOT, dockerfile)} is missing: ${what} is built from it at deploy time ` +
      '(docs/contracts.md, folder layout). Add the Dockerfile or check out the containers/ folder.',
  );
}

/** Where a worker reports on itself (user data and the alarms read the same names). */
export const FLEET_METRICS_NAMESPACE = 'ConnectNow/Fleet';
export const WORKER_BOOT_FAILED_METRIC = 'WorkerBootFailed';

/** The fleet's instance types, first choice first, each once. */
export function fleetInstanceTypes(fleet: {
  instanceType: string;
  alternateInstanceTypes: readonly string[];
}): string[] {
  return [...new Set([fleet.instanceType, ...fleet.alternateInstanceTypes])];
}
