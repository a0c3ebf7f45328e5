import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { autoScaling, sqs } from '../shared/aws-clients';
import { intEnv, optionalEnv, requireEnv } from '../shared/env';
import { logger } from '../shared/logger';
import {
  DEFAULT_SCALING,
  decideCapacity,
  emptyJobLog,
  fleetFullyUsed,
  idleMinutesSince,
  jobLogInput,
  observeInFlight,
  type JobLog,
  type ScalingConfig,
  type ScalingDecision,
  type ScalingInput,
} from './scaling-policy';

/**
 * The scaler keeps one fact between runs: when the fleet was last fully used. It lives in a tag on the group
 * (no database call: a per-minute query would keep Aurora from pausing at 0 ACU).
 */
export const LAST_FULLY_USED_TAG = 'connect-now:last-fully-used-at';
/** In-flight job starts and the average duration: `<avg s>;<start s>,<start s>…` (tag values hold 256 chars). */
export const JOB_LOG_TAG = 'connect-now:jobs';
const MAX_LOGGED_STARTS = 20;

export function formatJobLog(log: JobLog): string {
  const starts = log.starts.slice(-MAX_LOGGED_STARTS).map((ms) => Math.floor(ms / 1000));
  return `${Math.round(log.typicalSeconds)};${starts.join(',')}`;
}

/** A missing or garbled tag starts a fresh log: the policy then launches one instance per job, as before. */
export function parseJobLog(value: string | undefined): JobLog {
  const match = value ? /^(\d{1,7});((?:\d{1,12})(?:,\d{1,12})*)?$/.exec(value) : null;
  if (!match) return emptyJobLog();
  const starts = match[2] ? match[2].split(',').map((s) => Number(s) * 1000) : [];
  return { typicalSeconds: Number(match[1]), starts };
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

// Locally the worker is one always-on process: report what AWS would do, change nothing.
let localLastFullyUsedAt: number | null = null;
let localJobLog: JobLog = emptyJobLog();

/** EventBridge every minute, and an async invoke whenever a job is enqueued or finished. */
export async function handler(_event?: unknown): Promise<ScalerResult> {
  return scale(Date.now());
}

/** One scaling decision at `now` (epoch ms); the handler's body, with the clock injectable for tests. */
export async function scale(now: number): Promise<ScalerResult> {
  const config = scalingConfig();
  const depth = await queueDepth(sqs(), requireEnv('TRANSCRIBE_QUEUE_URL'));
  const groupName = optionalEnv('FLEET_ASG_NAME');

  if (!groupName) {
    const base = { ...depth, desired: 1, inService: 1 };
    const full = fleetFullyUsed(base);
    localJobLog = observeInFlight(localJobLog, depth.inFlight, now);
    const input = {
      ...base,
      idleMinutes: idleMinutesSince(localLastFullyUsedAt, now, full),
      ...jobLogInput(localJobLog, now),
    };
    if (full) localLastFullyUsedAt = now;
    const decision = decideCapacity(input, config);
    logger.info('fleet decision (local: report only)', {
      ...input,
      decided: decision.desired,
      reason: decision.reason,
    });
    return { input, decision, applied: false };
  }

  const client = autoScaling();
  const fleet = await fleetState(client, groupName);
  const full = fleetFullyUsed({ ...depth, desired: fleet.desired });
  const jobLog = observeInFlight(fleet.jobLog, depth.inFlight, now);
  const input: ScalingInput = {
    ...depth,
    desired: fleet.desired,
    inService: fleet.inService,
    idleMinutes: idleMinutesSince(fleet.lastFullyUsedAt, now, full),
    ...jobLogInput(jobLog, now),
  };
  const decision = decideCapacity(input, config);
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
  logger.info('fleet decision', { ...input, decided: decision.desired, reason: decision.reason, applied });
  return { input, decision, applied };
}
