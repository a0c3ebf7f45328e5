import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { autoScaling, dynamo, sqs } from '../shared/aws-clients';
import { intEnv, optionalEnv, requireEnv } from '../shared/env';
import { withLease } from '../shared/lease';
import { LEASES } from '../shared/lease-names';
import { logger } from '../shared/logger';
import { SCALER_POKE_SOURCE, ScalerPoke } from '../shared/protocol/scaler';
import {
  emptyJobLog,
  jobLogInput,
  observeLaunches,
  observeQueue,
  recordLaunches,
  type JobLog,
  type LoggedJob,
} from './fleet-job-log';
import {
  DEFAULT_SCALING,
  decideCapacity,
  fleetFullyUsed,
  idleMinutesSince,
  type ScalingConfig,
  type ScalingDecision,
  type ScalingInput,
} from './scaling-policy';

/**
 * The scaler keeps one fact between runs: when the fleet was last fully used. It lives in a tag on the group
 * (no database call: a per-minute query would keep Aurora from pausing at 0 ACU).
 */
export const LAST_FULLY_USED_TAG = 'connect-now:last-fully-used-at';
/**
 * The job log (fleet-job-log.ts) in one tag value: at most 256 printable characters (Amazon EC2 Auto Scaling API
 * reference, `Tag`: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Tag.html). Numbers in base 36,
 * times as seconds before the last run:
 * `<s per media s ×1e5>.<average s>.<visible>.<last run s>.<starts>.<late starts>|<running>|<waiting>|<launches>`,
 * a job being `<age>` or `<age>:<media s>`, comma-separated.
 */
export const JOB_LOG_TAG = 'connect-now:jobs';
const TAG_VALUE_LIMIT = 256;

const b36 = (n: number) => Math.max(0, Math.round(n)).toString(36);

function formatJob(job: LoggedJob, seenAtSeconds: number): string {
  const age = b36(seenAtSeconds - job.at / 1000);
  return job.mediaSeconds === null ? age : `${age}:${b36(job.mediaSeconds)}`;
}

export function formatJobLog(log: JobLog): string {
  const seen = Math.floor(log.seenAt / 1000);
  const head = [log.secondsPerMediaSecond * 1e5, log.typicalSeconds, log.visible, seen, log.starts, log.lateStarts]
    .map(b36)
    .join('.');
  const running = log.running.map((j) => formatJob(j, seen)).join(',');
  const launches = log.launches.map((at) => b36(seen - at / 1000)).join(',');
  const waiting = log.waiting.map((j) => formatJob(j, seen));
  // Too long for a tag: the newest waiting jobs are dropped first; the policy sizes jobs it has no entry for by the
  // average duration, as it did before durations reached it.
  const format = () => `${head}|${running}|${waiting.join(',')}|${launches}`;
  let value = format();
  while (value.length > TAG_VALUE_LIMIT && waiting.length > 0) {
    waiting.pop();
    value = format();
  }
  return value.slice(0, TAG_VALUE_LIMIT);
}

const NUM = '[0-9a-z]{1,9}';
const JOB = `${NUM}(?::${NUM})?`;
const LIST = (item: string) => `((?:${item})(?:,${item})*)?`;
const JOB_LOG_FORMAT = new RegExp(
  `^(${NUM})\\.(${NUM})\\.(${NUM})\\.(${NUM})\\.(${NUM})\\.(${NUM})\\|${LIST(JOB)}\\|${LIST(JOB)}\\|${LIST(NUM)}$`,
);

/** A missing or garbled tag (or one in an older format) starts a fresh log: the policy then relearns. */
export function parseJobLog(value: string | undefined): JobLog {
  const match = value ? JOB_LOG_FORMAT.exec(value) : null;
  if (!match) return emptyJobLog();
  const n = (s: string) => parseInt(s, 36);
  const seen = n(match[4]!);
  const jobs = (list: string | undefined): LoggedJob[] =>
    list
      ? list.split(',').map((item) => {
          const [age, media] = item.split(':');
          return { at: (seen - n(age!)) * 1000, mediaSeconds: media === undefined ? null : n(media) };
        })
      : [];
  return {
    secondsPerMediaSecond: n(match[1]!) / 1e5,
    typicalSeconds: n(match[2]!),
    visible: n(match[3]!),
    seenAt: seen * 1000,
    starts: n(match[5]!),
    lateStarts: n(match[6]!),
    running: jobs(match[7]),
    waiting: jobs(match[8]),
    launches: match[9] ? match[9].split(',').map((age) => (seen - n(age)) * 1000) : [],
  };
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
}

export async function queueDepth(client: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

interface FleetState {
  desired: number;
  inService: number;
  lastFullyUsedAt: number | null;
  jobLog: JobLog;
}

async function fleetState(client: AutoScalingClient, groupName: string): Promise<FleetState> {
  const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }));
  const group = out.AutoScalingGroups?.[0];
  if (!group) throw new Error(`Auto Scaling group ${groupName} not found`);
  const tag = group.Tags?.find((t) => t.Key === LAST_FULLY_USED_TAG)?.Value;
  return {
    desired: group.DesiredCapacity ?? 0,
    inService: (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length,
    lastFullyUsedAt: tag && Number.isFinite(Number(tag)) ? Number(tag) : null,
    jobLog: parseJobLog(group.Tags?.find((t) => t.Key === JOB_LOG_TAG)?.Value),
  };
}

export function scalingConfig(): ScalingConfig {
  return {
    minCapacity: intEnv('FLEET_MIN_CAPACITY', DEFAULT_SCALING.minCapacity),
    maxCapacity: intEnv('FLEET_MAX_CAPACITY', DEFAULT_SCALING.maxCapacity),
    jobsPerInstance: DEFAULT_SCALING.jobsPerInstance,
    idleMinutesBeforeScaleIn: intEnv('FLEET_IDLE_MINUTES', DEFAULT_SCALING.idleMinutesBeforeScaleIn),
    bootSeconds: intEnv('FLEET_BOOT_SECONDS', DEFAULT_SCALING.bootSeconds ?? 0),
  };
}

export interface ScalerResult {
  input: ScalingInput;
  decision: ScalingDecision;
  applied: boolean;
}

/**
 * The durations an event announces: an enqueue poke carries its job's; the schedule and the worker's after-job
 * poke announce none. A poke that claims to be ours but is malformed is an error (a bug in the sender), not a tick.
 */
export function enqueuedDurations(event: unknown): (number | null)[] {
  if (typeof event !== 'object' || event === null || (event as { source?: unknown }).source !== SCALER_POKE_SOURCE) {
    return [];
  }
  const parsed = ScalerPoke.safeParse(event);
  if (!parsed.success) {
    throw new Error(
      `Invalid scaler poke: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data.job ? [parsed.data.job.mediaSeconds] : [];
}

// Locally the worker is one always-on process: report what AWS would do, change nothing.
let localLastFullyUsedAt: number | null = null;
let localJobLog: JobLog = emptyJobLog();

/** A run without a Lambda context (tests, scripts) holds the lease as if it had this much time left. */
const DEFAULT_REMAINING_MS = 60_000;
/** The lease outlives the run's deadline by this much, so clock skew cannot hand it over early. */
const LEASE_MARGIN_MS = 5_000;
/** At most this long waiting for another run (a run takes a second or two); less when the deadline is closer. */
const MAX_LEASE_WAIT_MS = 30_000;

/**
 * EventBridge every minute, and an async invoke whenever a job is enqueued or finished. The schedule and the pokes
 * can arrive together: each run first takes the scaler lease (waiting for a running one to finish), so runs never
 * overlap and no two write the job log at once. Without reserved concurrency, which an account with the default
 * concurrency quota of 10 cannot reserve.
 */
export async function handler(
  event?: unknown,
  context?: Partial<Pick<Context, 'getRemainingTimeInMillis'>>,
): Promise<ScalerResult> {
  const enqueued = enqueuedDurations(event);
  const remainingMs =
    typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : DEFAULT_REMAINING_MS;
  return withLease(
    {
      client: dynamo(),
      tableName: requireEnv('CONNECTIONS_TABLE'),
      name: LEASES.scaler,
      holdMs: remainingMs + LEASE_MARGIN_MS,
      // Leave the run itself at least half of the time, and never wait past the deadline.
      waitMs: Math.max(0, Math.min(MAX_LEASE_WAIT_MS, remainingMs / 2)),
    },
    () => scale(Date.now(), enqueued),
  );
}

/**
 * One scaling decision at `now` (epoch ms); the handler's body, with the clock injectable for tests. `enqueued`:
 * durations of jobs this run's poke announces. The caller holds the scaler lease (see `handler`).
 */
export async function scale(now: number, enqueued: (number | null)[] = []): Promise<ScalerResult> {
  const config = scalingConfig();
  const depth = await queueDepth(sqs(), requireEnv('TRANSCRIBE_QUEUE_URL'));
  const groupName = optionalEnv('FLEET_ASG_NAME');

  if (!groupName) {
    const base = { ...depth, desired: 1, inService: 1 };
    const full = fleetFullyUsed(base);
    localJobLog = observeQueue(localJobLog, { now, ...depth, enqueued, lateAfterSeconds: config.bootSeconds });
    const input = {
      ...base,
      idleMinutes: idleMinutesSince(localLastFullyUsedAt, now, full),
      ...jobLogInput(localJobLog, now),
    };
    if (full) localLastFullyUsedAt = now;
    const decision = decideCapacity(input, config);
    logger.info('fleet decision (local: report only)', {
      ...depth,
      decided: decision.desired,
      reason: decision.reason,
      enqueued,
    });
    return { input, decision, applied: false };
  }

  const client = autoScaling();
  const fleet = await fleetState(client, groupName);
  const full = fleetFullyUsed({ ...depth, desired: fleet.desired });
  let jobLog = observeQueue(fleet.jobLog, { now, ...depth, enqueued, lateAfterSeconds: config.bootSeconds });
  jobLog = observeLaunches(jobLog, fleet.desired - fleet.inService);
  const input: ScalingInput = {
    ...depth,
    desired: fleet.desired,
    inService: fleet.inService,
    idleMinutes: idleMinutesSince(fleet.lastFullyUsedAt, now, full),
    ...jobLogInput(jobLog, now),
  };
  const decision = decideCapacity(input, config);
  jobLog = recordLaunches(jobLog, fleet.desired, decision.desired, now);
  const tags: { Key: string; Value: string }[] = [];
  if (full || fleet.lastFullyUsedAt === null) tags.push({ Key: LAST_FULLY_USED_TAG, Value: String(now) });
  const jobLogValue = formatJobLog(jobLog);
  if (jobLogValue !== formatJobLog(fleet.jobLog)) tags.push({ Key: JOB_LOG_TAG, Value: jobLogValue });
  if (tags.length > 0) {
    await client.send(
      new CreateOrUpdateTagsCommand({
        Tags: tags.map((t) => ({
          ResourceId: groupName,
          ResourceType: 'auto-scaling-group',
          ...t,
          PropagateAtLaunch: false,
        })),
      }),
    );
  }
  const applied = decision.desired !== fleet.desired;
  if (applied) {
    // HonorCooldown false: scale-out must not wait for a cooldown, and the policy already holds scale-in.
    await client.send(
      new SetDesiredCapacityCommand({
        AutoScalingGroupName: groupName,
        DesiredCapacity: decision.desired,
        HonorCooldown: false,
      }),
    );
  }
  logger.info('fleet decision', {
    ...depth,
    desired: fleet.desired,
    inService: fleet.inService,
    decided: decision.desired,
    reason: decision.reason,
    applied,
    enqueued,
  });
  return { input, decision, applied };
}
