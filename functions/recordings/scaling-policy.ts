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
  /** Launch to first poll; a waiting job may wait this long (the latency budget: one boot plus the job). */
  bootSeconds?: number;
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
  /**
   * Seconds each in-flight job has been running, as the scaler saw them start (it records starts in its tag; a
   * start it learns late looks younger, which only makes the policy launch sooner). Omitted: one instance per job.
   */
  runningJobSeconds?: number[];
  /** Moving average of the job durations the scaler has observed; omitted or 0 until it has seen one. */
  typicalJobSeconds?: number;
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
  bootSeconds: 180,
};

/**
 * Job durations vary (a 10 min meeting or a 75 min one), so a running job counts as "done within one boot" only
 * if it would be even when it runs this much longer than the average. bench/fleet.ts: 1.2 / 1.5 / 2 cost 7.0 /
 * 7.7 / 9.1 % over the oracle on the office-hours trace, p95 wait one boot with each; 1.5 leaves room for
 * durations with a longer tail than the bench's.
 */
export const JOB_ESTIMATE_MARGIN = 1.5;

/** Running jobs that will end within one boot, so their instance takes a waiting job no later than a new one would. */
export function jobsEndingWithinBoot(input: ScalingInput, config: ScalingConfig): number {
  const typical = input.typicalJobSeconds ?? 0;
  const boot = config.bootSeconds ?? 0;
  if (typical <= 0 || boot <= 0) return 0;
  const expected = typical * JOB_ESTIMATE_MARGIN;
  // An overrunning job's end is unknown: it covers nothing, so a job waiting for it gets an instance now.
  return (input.runningJobSeconds ?? []).filter((age) => age <= expected && expected - age <= boot).length;
}

function clamp(n: number, c: ScalingConfig): number {
  return Math.max(c.minCapacity, Math.min(c.maxCapacity, n));
}

export function decideCapacity(input: ScalingInput, config: ScalingConfig = DEFAULT_SCALING): ScalingDecision {
  const visible = Math.max(0, Math.floor(input.visible));
  const inFlight = Math.max(0, Math.floor(input.inFlight));
  const current = Math.max(0, Math.floor(input.desired));
  const needed = clamp(Math.ceil((visible + inFlight) / config.jobsPerInstance), config);

  if (visible > 0 && needed > current) {
    // Instances already booting and running jobs that end within a boot serve waiting jobs as soon as a new one could.
    const booting = Math.max(0, current - Math.floor(input.inService));
    const readyIdleNow = Math.max(0, Math.floor(input.inService) - inFlight);
    const uncovered = visible - readyIdleNow - booting - jobsEndingWithinBoot(input, config);
    const launch = Math.min(needed, current + Math.max(0, Math.ceil(uncovered / config.jobsPerInstance)));
    return launch > current ? { desired: launch, reason: 'scale-out' } : { desired: current, reason: 'hold' };
  }
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

/**
 * What the scaler remembers about jobs between runs (in a tag on the group): when the in-flight jobs started, and
 * a moving average of how long finished ones took. It only sees the in-flight count, so a drop ends the oldest
 * start (the remaining starts look younger, which errs towards launching).
 */
export interface JobLog {
  /** Epoch ms, oldest first, one per in-flight job. */
  starts: number[];
  /** Moving average of observed durations in seconds; 0 until one job has finished. */
  typicalSeconds: number;
}

/** Weight of the newest duration in the moving average: about the last ten jobs. */
const DURATION_WEIGHT = 0.2;

export function emptyJobLog(): JobLog {
  return { starts: [], typicalSeconds: 0 };
}

export function observeInFlight(log: JobLog, inFlight: number, now: number): JobLog {
  const count = Math.max(0, Math.floor(inFlight));
  const starts = [...log.starts];
  let typical = log.typicalSeconds;
  while (starts.length > count) {
    const seconds = Math.max(0, (now - starts.shift()!) / 1000);
    typical = typical > 0 ? typical + DURATION_WEIGHT * (seconds - typical) : seconds;
  }
  while (starts.length < count) starts.push(now);
  return { starts, typicalSeconds: typical };
}

export function jobLogInput(
  log: JobLog,
  now: number,
): Required<Pick<ScalingInput, 'runningJobSeconds' | 'typicalJobSeconds'>> {
  return {
    runningJobSeconds: log.starts.map((s) => Math.max(0, (now - s) / 1000)),
    typicalJobSeconds: log.typicalSeconds,
  };
}
