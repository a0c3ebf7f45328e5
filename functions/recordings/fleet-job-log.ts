/*
 * What the scaler remembers about jobs and launches between its runs (kept in tags on the Auto Scaling group, see
 * scaler.ts). Pure: the scaler and bench/fleet.ts run the same transitions.
 *
 * The scaler sees only SQS counts, so the log is its reading of them: a rise in flight starts the oldest waiting
 * jobs, a fall ends the running job expected to end first. Each enqueue poke carries the recording's duration
 * (ffprobe, before the job is enqueued), and every ended job teaches the engine's seconds per media second, so a
 * job's run time is known when it is enqueued instead of being an average of other jobs.
 */
import type { LoggedJobView, ScalingInput } from './scaling-policy';

export interface LoggedJob {
  /** Epoch ms: when the job was enqueued (waiting) or seen starting (running). */
  at: number;
  /** The recording's duration in seconds, or null when the poke did not say (a retry, the reconciler). */
  mediaSeconds: number | null;
}

export interface JobLog {
  /** Oldest first. */
  waiting: LoggedJob[];
  running: LoggedJob[];
  /** Epoch ms of the scaler's own launches not yet in service, oldest first. */
  launches: number[];
  /** Moving average of the engine's run seconds per media second; 0 until a job with a duration has ended. */
  secondsPerMediaSecond: number;
  /** Moving average of observed job durations in seconds; 0 until one job has ended. */
  typicalSeconds: number;
  /** Waiting jobs SQS reported at the last run (the log may know fewer of them). */
  visible: number;
  /** Epoch ms of the last run; 0 before the first. */
  seenAt: number;
  /** Logged jobs seen starting, and those of them that had waited longer than one boot (both halved past 400). */
  starts: number;
  lateStarts: number;
}

/** Weight of the newest observation in the moving averages: about the last ten jobs. */
const AVERAGE_WEIGHT = 0.2;

export function emptyJobLog(): JobLog {
  return {
    waiting: [],
    running: [],
    launches: [],
    secondsPerMediaSecond: 0,
    typicalSeconds: 0,
    visible: 0,
    seenAt: 0,
    starts: 0,
    lateStarts: 0,
  };
}

function average(current: number, sample: number): number {
  return current > 0 ? current + AVERAGE_WEIGHT * (sample - current) : sample;
}

/** Expected run seconds of a logged job, or null when its duration or the engine's speed is unknown. */
export function expectedRunSeconds(log: JobLog, job: LoggedJob): number | null {
  if (job.mediaSeconds === null || log.secondsPerMediaSecond <= 0) return null;
  return job.mediaSeconds * log.secondsPerMediaSecond;
}

export interface QueueObservation {
  now: number;
  visible: number;
  inFlight: number;
  /** Durations (s, or null) of the jobs whose enqueue pokes this run carries, oldest first. */
  enqueued?: (number | null)[];
  /** A job that starts after waiting longer than this counts as late (the p95 allows 5 % of them). */
  lateAfterSeconds?: number;
}

/** Past this many starts both counts halve, so the share reflects about the last few days, not all time. */
const STARTS_WINDOW = 400;

/**
 * Brings the job log up to date with what SQS reports now. Jobs that left the queue since the last run started;
 * in flight now fewer than were running plus those means some ended. Counting both (not only the change in
 * flight) matters: one job ending while another starts leaves the in-flight count unchanged, and a log that missed
 * it would count on a job that is gone ending soon.
 */
export function observeQueue(log: JobLog, seen: QueueObservation): JobLog {
  const { now } = seen;
  const inFlight = Math.max(0, Math.floor(seen.inFlight));
  const visible = Math.max(0, Math.floor(seen.visible));
  const enqueued = seen.enqueued ?? [];
  const waiting = [...log.waiting, ...enqueued.map((mediaSeconds) => ({ at: now, mediaSeconds }))];
  const running = [...log.running];
  let { secondsPerMediaSecond, typicalSeconds } = log;
  const started = Math.max(0, log.visible + enqueued.length - visible);
  const end = (count: number) => {
    for (let n = 0; n < count && running.length > 0; n++) {
      // The job expected to end first is the likeliest to have ended (unknown ones: by the average duration).
      const endOf = (j: LoggedJob) => j.at + (expectedRunSeconds(log, j) ?? typicalSeconds) * 1000;
      let first = 0;
      running.forEach((j, i) => {
        if (endOf(j) < endOf(running[first]!)) first = i;
      });
      const [ended] = running.splice(first, 1);
      const seconds = Math.max(0, (now - ended!.at) / 1000);
      typicalSeconds = average(typicalSeconds, seconds);
      if (ended!.mediaSeconds !== null && ended!.mediaSeconds > 0) {
        secondsPerMediaSecond = average(secondsPerMediaSecond, seconds / ended!.mediaSeconds);
      }
    }
  };
  end(running.length + started - inFlight);
  // A job that started since the last run started at some moment in between: the midpoint keeps learned durations
  // unbiased (taking `now` would make every job look shorter than it was, and the engine look faster).
  const startedAt = log.seenAt > 0 ? Math.round((log.seenAt + now) / 2) : now;
  let { starts, lateStarts } = log;
  while (running.length < inFlight) {
    // SQS hands out roughly the oldest messages first; a start with no logged job behind it is an unknown job.
    const next = waiting.shift();
    running.push({ at: startedAt, mediaSeconds: next?.mediaSeconds ?? null });
    if (next && seen.lateAfterSeconds !== undefined) {
      starts++;
      // Late only if it had waited too long by the last run already: the start time is known to a minute, and
      // a job started by an instance that booted for it waited exactly one boot.
      if ((Math.max(log.seenAt, next.at) - next.at) / 1000 > seen.lateAfterSeconds) lateStarts++;
      if (starts > STARTS_WINDOW) [starts, lateStarts] = [Math.floor(starts / 2), Math.ceil(lateStarts / 2)];
    }
  }
  end(running.length - inFlight);
  // Fewer waiting than logged: the oldest were taken (and maybe finished) between two runs.
  while (waiting.length > visible) waiting.shift();
  return {
    ...log,
    waiting,
    running,
    secondsPerMediaSecond,
    typicalSeconds,
    visible,
    seenAt: now,
    starts,
    lateStarts,
  };
}

/** Instances that reached InService were the oldest launches: keeps the newest `booting` ones. */
export function observeLaunches(log: JobLog, booting: number): JobLog {
  const keep = Math.max(0, Math.floor(booting));
  return { ...log, launches: log.launches.slice(Math.max(0, log.launches.length - keep)) };
}

/** A desired capacity raised adds launches; one lowered cancels the newest (booting instances go first). */
export function recordLaunches(log: JobLog, desiredBefore: number, desiredAfter: number, now: number): JobLog {
  const launches = [...log.launches];
  for (let i = desiredBefore; i < desiredAfter; i++) launches.push(now);
  if (desiredAfter < desiredBefore) launches.splice(Math.max(0, launches.length - (desiredBefore - desiredAfter)));
  return { ...log, launches };
}

function view(log: JobLog, job: LoggedJob, now: number): LoggedJobView {
  return { ageSeconds: Math.max(0, (now - job.at) / 1000), expectedSeconds: expectedRunSeconds(log, job) };
}

/** The part of the policy's input that comes from the log. */
export function jobLogInput(
  log: JobLog,
  now: number,
): Required<
  Pick<
    ScalingInput,
    'waitingJobs' | 'runningJobs' | 'bootingForSeconds' | 'typicalJobSeconds' | 'startedJobs' | 'lateStartedJobs'
  >
> {
  return {
    startedJobs: log.starts,
    lateStartedJobs: log.lateStarts,
    waitingJobs: log.waiting.map((j) => view(log, j, now)),
    runningJobs: log.running.map((j) => view(log, j, now)),
    bootingForSeconds: log.launches.map((at) => Math.max(0, (now - at) / 1000)),
    typicalJobSeconds: log.typicalSeconds,
  };
}
