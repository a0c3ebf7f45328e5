/*
 * How many transcription instances to run. Pure: the scaler Lambda feeds it what SQS and the Auto Scaling group
 * report, and bench/fleet.ts replays traces through the same function.
 *
 * Why this shape: GPU instances cost by the second and take minutes to boot, and a user waiting for subtitles
 * should wait at most one boot plus their own job. So capacity goes out at once to one instance per waiting job
 * (no alarm periods), and comes back in as soon as instances are spare, unless an idle window says otherwise. An
 * instance still booting goes as soon as a ready one is free for the job it was launched for.
 * bench/fleet.ts measured the window on steady, bursty and office-hours traces: 0 min cost least on all three
 * (a 1 min window: 7–8 points more cost, 3 min: 28–35 points), because the worker pokes the scaler when it finishes a
 * job, so a spare instance goes within seconds instead of at the next one-minute tick.
 */

export interface ScalingConfig {
  minCapacity: number;
  maxCapacity: number;
  /** Jobs one instance runs at once (one GPU, one job). */
  jobsPerInstance: number;
  /** Minutes the fleet must have had spare instances before those go (running jobs keep theirs). */
  idleMinutesBeforeScaleIn: number;
}

export interface ScalingInput {
  /** ApproximateNumberOfMessages: jobs waiting. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: jobs being worked on. */
  inFlight: number;
  /** The group's current desired capacity. */
  desired: number;
  /** Instances InService (booting ones are in `desired` but not here); those not running a job take the next one. */
  inService: number;
  /**
   * Minutes the fleet has had more instances than work (0 while every instance is busy or work waits). With one
   * instance this is the idle time since its last job.
   */
  idleMinutes: number;
}

export interface ScalingDecision {
  desired: number;
  reason: 'scale-out' | 'scale-in' | 'hold' | 'clamp';
}

export const DEFAULT_SCALING: ScalingConfig = {
  minCapacity: 0,
  maxCapacity: 4,
  jobsPerInstance: 1,
  idleMinutesBeforeScaleIn: 0,
};

function clamp(n: number, c: ScalingConfig): number {
  return Math.max(c.minCapacity, Math.min(c.maxCapacity, n));
}

export function decideCapacity(input: ScalingInput, config: ScalingConfig = DEFAULT_SCALING): ScalingDecision {
  const visible = Math.max(0, Math.floor(input.visible));
  const inFlight = Math.max(0, Math.floor(input.inFlight));
  const current = Math.max(0, Math.floor(input.desired));
  const needed = clamp(Math.ceil((visible + inFlight) / config.jobsPerInstance), config);

  if (visible > 0 && needed > current) return { desired: needed, reason: 'scale-out' };
  // A busy instance that frees up while a replacement for it is still booting takes the waiting job itself, so the
  // replacement is cancelled at once (the worker's after-job poke) instead of billing until the next tick.
  const readyIdle = Math.max(0, Math.floor(input.inService) - inFlight);
  if (visible > 0 && visible <= readyIdle && needed < current) return { desired: needed, reason: 'scale-in' };
  if (visible === 0 && input.idleMinutes >= config.idleMinutesBeforeScaleIn && needed < current) {
    // Busy instances are protected from scale-in by their workers, so only idle ones go.
    return { desired: needed, reason: 'scale-in' };
  }
  const held = clamp(current, config);
  return held === current ? { desired: current, reason: 'hold' } : { desired: held, reason: 'clamp' };
}

/** True when no instance is spare: all busy, or work waiting. */
export function fleetFullyUsed(input: Pick<ScalingInput, 'visible' | 'inFlight' | 'desired'>): boolean {
  return input.visible > 0 || input.inFlight >= input.desired;
}

/** Idle minutes from the last moment the fleet was fully used (kept across scaler runs by the caller). */
export function idleMinutesSince(lastFullyUsedAt: number | null, now: number, fullyUsedNow: boolean): number {
  if (fullyUsedNow) return 0;
  if (lastFullyUsedAt === null) return Number.POSITIVE_INFINITY;
  return Math.max(0, (now - lastFullyUsedAt) / 60_000);
}
