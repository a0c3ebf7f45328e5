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
  };
}

export function scalingConfig(): ScalingConfig {
  return {
    minCapacity: intEnv('FLEET_MIN_CAPACITY', DEFAULT_SCALING.minCapacity),
    maxCapacity: intEnv('FLEET_MAX_CAPACITY', DEFAULT_SCALING.maxCapacity),
    jobsPerInstance: DEFAULT_SCALING.jobsPerInstance,
    idleMinutesBeforeScaleIn: intEnv('FLEET_IDLE_MINUTES', DEFAULT_SCALING.idleMinutesBeforeScaleIn),
  };
}

export interface ScalerResult {
  input: ScalingInput;
  decision: ScalingDecision;
  applied: boolean;
}

// Locally the worker is one always-on process: report what AWS would do, change nothing.
let localLastFullyUsedAt: number | null = null;

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
    const input = { ...base, idleMinutes: idleMinutesSince(localLastFullyUsedAt, now, full) };
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
  const input: ScalingInput = {
    ...depth,
    desired: fleet.desired,
    inService: fleet.inService,
    idleMinutes: idleMinutesSince(fleet.lastFullyUsedAt, now, full),
  };
  const decision = decideCapacity(input, config);
  if (full || fleet.lastFullyUsedAt === null) {
    await client.send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          {
            ResourceId: groupName,
            ResourceType: 'auto-scaling-group',
            Key: LAST_FULLY_USED_TAG,
            Value: String(now),
            PropagateAtLaunch: false,
          },
        ],
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
