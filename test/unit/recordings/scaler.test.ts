import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { pokeScaler } from '../../../functions/recordings/queues';
import { emptyJobLog, type JobLog } from '../../../functions/recordings/fleet-job-log';
import {
  JOB_LOG_TAG,
  LAST_FULLY_USED_TAG,
  enqueuedDurations,
  formatJobLog,
  handler,
  parseJobLog,
  scale,
} from '../../../functions/recordings/scaler';

/* The scaler Lambda against mocked SQS and Auto Scaling: what it reads, what it sets. */
const sqs = mockClient(SQSClient);
const asg = mockClient(AutoScalingClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const NOW = 1_800_000_000_000;

function queue(visible: number, inFlight: number) {
  sqs.on(GetQueueAttributesCommand).resolves({
    Attributes: {
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
    },
  });
}

function group(desired: number, inService: number, lastFullyUsedAt?: number, jobLog?: string) {
  asg.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'fleet',
        DesiredCapacity: desired,
        MinSize: 0,
        MaxSize: 4,
        DefaultCooldown: 0,
        AvailabilityZones: [],
        HealthCheckType: 'EC2',
        CreatedTime: new Date(),
        Instances: Array.from({ length: inService }, (_, i) => ({
          InstanceId: `i-${i}`,
          LifecycleState: 'InService',
          AvailabilityZone: 'a',
          HealthStatus: 'Healthy',
          ProtectedFromScaleIn: false,
        })),
        Tags: [
          ...(lastFullyUsedAt === undefined ? [] : [{ Key: LAST_FULLY_USED_TAG, Value: String(lastFullyUsedAt) }]),
          ...(jobLog === undefined ? [] : [{ Key: JOB_LOG_TAG, Value: jobLog }]),
        ],
      },
    ],
  });
}

function tagWritten(key: string): string | undefined {
  return asg
    .commandCalls(CreateOrUpdateTagsCommand)
    .flatMap((c) => c.args[0].input.Tags ?? [])
    .find((t) => t.Key === key)?.Value;
}

beforeEach(() => {
  sqs.reset();
  asg.reset();
  // The scaler lease (functions/shared/lease.ts; against real DynamoDB in test/integration/recordings/scaler-lease).
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
  process.env.CONNECTIONS_TABLE = 'connections';
  process.env.TRANSCRIBE_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/1/transcribe';
  process.env.FLEET_ASG_NAME = 'fleet';
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.FLEET_IDLE_MINUTES;
});

it('starts the fleet from zero when a job waits, without honouring a cooldown', async () => {
  queue(1, 0);
  group(0, 0, NOW - 3_600_000);
  const result = await scale(NOW);
  expect(result.decision).toEqual({ desired: 1, reason: 'scale-out' });
  expect(asg.commandCalls(SetDesiredCapacityCommand)[0]!.args[0].input).toEqual({
    AutoScalingGroupName: 'fleet',
    DesiredCapacity: 1,
    HonorCooldown: false,
  });
  // Work waiting: the idle clock restarts now.
  expect(asg.commandCalls(CreateOrUpdateTagsCommand)[0]!.args[0].input.Tags![0]!.Value).toBe(String(NOW));
});

it('releases a spare instance after the idle window and keeps it before', async () => {
  process.env.FLEET_IDLE_MINUTES = '2';
  queue(0, 0);
  group(1, 1, NOW - 60_000);
  expect((await scale(NOW)).decision).toEqual({ desired: 1, reason: 'hold' });
  expect(asg.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);

  group(1, 1, NOW - 120_000);
  expect((await scale(NOW)).decision).toEqual({ desired: 0, reason: 'scale-in' });
  expect(asg.commandCalls(SetDesiredCapacityCommand)[0]!.args[0].input.DesiredCapacity).toBe(0);
  // Idle: the clock keeps the moment the fleet was last fully used.
  expect(tagWritten(LAST_FULLY_USED_TAG)).toBeUndefined();
});

it('only reports locally, where FLEET_ASG_NAME is unset and the worker is always on', async () => {
  delete process.env.FLEET_ASG_NAME;
  queue(3, 1);
  // As Lambda calls it: (event, context).
  const result = await (handler as (e: unknown, c: unknown) => ReturnType<typeof handler>)({}, { awsRequestId: 'x' });
  expect(result.applied).toBe(false);
  expect(result.decision.desired).toBe(4);
  expect(asg.calls()).toHaveLength(0);
});

const SEEN = NOW - 60_000;
const log = (over: Partial<JobLog>): string =>
  formatJobLog({ ...emptyJobLog(), typicalSeconds: 200, visible: 0, seenAt: SEEN, ...over });

it('lets a waiting job take the busy instance whose job ends within one boot, and records the start it sees', async () => {
  // Average job 200 s; the running one started 250 s ago, so even at 1.5× it ends within 50 s.
  queue(1, 1);
  group(1, 1, NOW - 600_000, log({ running: [{ at: NOW - 250_000, mediaSeconds: null }] }));
  expect((await scale(NOW)).decision).toEqual({ desired: 1, reason: 'hold' });
  expect(asg.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);

  // Without the log (first run, a garbled tag, the previous format) the same queue gets its own instance.
  for (const garbled of ['not a log', '200;1799999750']) {
    asg.reset();
    group(1, 1, NOW - 600_000, garbled);
    expect((await scale(NOW)).decision).toEqual({ desired: 2, reason: 'scale-out' });
    // The start it saw is logged (as now: no earlier run to take a midpoint from), and the launch it made.
    expect(parseJobLog(tagWritten(JOB_LOG_TAG))).toMatchObject({
      running: [{ at: NOW, mediaSeconds: null }],
      launches: [NOW],
      visible: 1,
    });
  }
});

it('logs the duration an enqueue poke carries, and waits for a busy instance that the known run says frees soon', async () => {
  // The engine ran 0.1 s per media second; the running 1000 s recording started 10 s ago, so it ends in 90 s.
  const running = [{ at: NOW - 10_000, mediaSeconds: 1000 }];
  queue(1, 1);
  group(1, 1, NOW - 600_000, log({ secondsPerMediaSecond: 0.1, running }));
  const poke = { source: 'connect-now.enqueue', job: { jobId: 'r1:transcribe', mediaSeconds: 600 } };
  expect(enqueuedDurations(poke)).toEqual([600]);
  const result = await scale(NOW, enqueuedDurations(poke));
  expect(result.input.waitingJobs).toEqual([{ ageSeconds: 0, expectedSeconds: 60 }]);
  expect(result.decision).toEqual({ desired: 1, reason: 'hold' });
  expect(parseJobLog(tagWritten(JOB_LOG_TAG)).waiting).toEqual([{ at: NOW, mediaSeconds: 600 }]);

  // The average alone (200 s × 1.5 for a job 10 s old) would not count on it and would boot an instance.
  asg.reset();
  group(1, 1, NOW - 600_000, log({ running: [{ at: NOW - 10_000, mediaSeconds: null }] }));
  expect((await scale(NOW)).decision).toEqual({ desired: 2, reason: 'scale-out' });
});

it('reads the duration from the poke the transcode step sends (an async invoke)', async () => {
  const lambda = mockClient(LambdaClient);
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  await pokeScaler(new LambdaClient({ region: 'us-east-1' }), 'Scaler', {
    jobId: 'r1:transcribe',
    mediaSeconds: 1834.5,
  });
  await pokeScaler(new LambdaClient({ region: 'us-east-1' }), 'Scaler');
  const [withJob, afterJob] = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
  expect(withJob).toMatchObject({ FunctionName: 'Scaler', InvocationType: 'Event' });
  const payload = (input: typeof withJob) => JSON.parse(Buffer.from(input!.Payload as Uint8Array).toString());
  expect(enqueuedDurations(payload(withJob))).toEqual([1834.5]);
  expect(enqueuedDurations(payload(afterJob))).toEqual([]);
  lambda.restore();
});

it('rejects a malformed enqueue poke with a clear error, and takes any other event as the schedule', async () => {
  queue(0, 0);
  group(0, 0, NOW);
  await expect(handler({ source: 'connect-now.enqueue', job: { jobId: '', mediaSeconds: -1 } })).rejects.toThrow(
    /Invalid scaler poke: job\.jobId: .*; job\.mediaSeconds: /,
  );
  await expect(handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' })).resolves.toMatchObject({
    decision: { desired: 0 },
  });
  await expect(handler({ source: 'connect-now.enqueue' })).resolves.toMatchObject({ decision: { desired: 0 } });
  // Each run took the lease and gave it back; the malformed poke was refused before taking it.
  expect(dynamo.commandCalls(PutCommand)).toHaveLength(2);
  expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(2);
  expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
    TableName: 'connections',
    Item: { pk: 'LEASE#scaler' },
    ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
  });
});

it('keeps the job log within a tag value and reads back what it writes', () => {
  const full: JobLog = {
    secondsPerMediaSecond: 0.08123,
    typicalSeconds: 212.4,
    visible: 40,
    seenAt: NOW,
    starts: 321,
    lateStarts: 9,
    running: Array.from({ length: 8 }, (_, i) => ({ at: NOW - i * 7_000, mediaSeconds: 600 + i })),
    waiting: Array.from({ length: 40 }, (_, i) => ({ at: NOW - (40 - i) * 60_000, mediaSeconds: i % 5 ? 4500 : null })),
    launches: [NOW - 30_000],
  };
  const value = formatJobLog(full);
  expect(value.length).toBeLessThanOrEqual(256);
  const back = parseJobLog(value);
  expect(back).toMatchObject({ ...full, typicalSeconds: 212, waiting: full.waiting.slice(0, back.waiting.length) });
  // The oldest waiting jobs (the next to start) are kept; the newest give way.
  expect(back.waiting.length).toBeGreaterThan(10);
  expect(back.waiting.length).toBeLessThan(40);
});
