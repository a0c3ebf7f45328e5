import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  JOB_LOG_TAG,
  LAST_FULLY_USED_TAG,
  formatJobLog,
  handler,
  parseJobLog,
  scale,
} from '../../../functions/recordings/scaler';

/* The scaler Lambda against mocked SQS and Auto Scaling: what it reads, what it sets. */
const sqs = mockClient(SQSClient);
const asg = mockClient(AutoScalingClient);
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

beforeEach(() => {
  sqs.reset();
  asg.reset();
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
  expect(asg.commandCalls(CreateOrUpdateTagsCommand)).toHaveLength(0);
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

it('lets a waiting job take the busy instance whose job ends within one boot, and records the start it sees', async () => {
  // Average job 200 s; the running one started 250 s ago, so even at 1.5× it ends within 50 s.
  const started = NOW / 1000 - 250;
  queue(1, 1);
  group(1, 1, NOW - 600_000, `200;${started}`);
  expect((await scale(NOW)).decision).toEqual({ desired: 1, reason: 'hold' });
  expect(asg.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);

  // Without the log (first run, or a garbled tag) the same queue gets its own instance.
  asg.reset();
  group(1, 1, NOW - 600_000, 'not a log');
  expect((await scale(NOW)).decision).toEqual({ desired: 2, reason: 'scale-out' });
  const written = asg
    .commandCalls(CreateOrUpdateTagsCommand)
    .flatMap((c) => c.args[0].input.Tags ?? [])
    .find((t) => t.Key === JOB_LOG_TAG);
  expect(written?.Value).toBe(`0;${NOW / 1000}`);
});

it('keeps the job log within a tag value and reads back what it writes', () => {
  const log = { typicalSeconds: 212.4, starts: Array.from({ length: 40 }, (_, i) => NOW + i * 1000) };
  const value = formatJobLog(log);
  expect(value.length).toBeLessThanOrEqual(256);
  expect(parseJobLog(value)).toEqual({ typicalSeconds: 212, starts: log.starts.slice(-20) });
  expect(parseJobLog('12;')).toEqual({ typicalSeconds: 12, starts: [] });
  expect(parseJobLog('-1;5')).toEqual({ typicalSeconds: 0, starts: [] });
});
