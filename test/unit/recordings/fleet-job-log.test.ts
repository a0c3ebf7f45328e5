import {
  emptyJobLog,
  jobLogInput,
  observeLaunches,
  observeQueue,
  recordLaunches,
} from '../../../functions/recordings/fleet-job-log';

/* The scaler's reading of SQS counts and enqueue pokes: which jobs wait, which run, how fast the engine is. */
const S = 1000;

describe('job log', () => {
  it('logs enqueued jobs with their durations and starts them, oldest first, as the in-flight count rises', () => {
    let log = observeQueue(emptyJobLog(), { now: 100 * S, visible: 2, inFlight: 0, enqueued: [600, 1200] });
    expect(log.waiting).toEqual([
      { at: 100 * S, mediaSeconds: 600 },
      { at: 100 * S, mediaSeconds: 1200 },
    ]);
    log = observeQueue(log, { now: 160 * S, visible: 1, inFlight: 1 });
    // Started at some moment since the last run: the midpoint.
    expect(log.running).toEqual([{ at: 130 * S, mediaSeconds: 600 }]);
    expect(log.waiting).toEqual([{ at: 100 * S, mediaSeconds: 1200 }]);
  });

  it('learns the engine speed from an ended job, and sizes waiting jobs by their duration', () => {
    let log = observeQueue(emptyJobLog(), { now: 0, visible: 1, inFlight: 0, enqueued: [1000] });
    log = observeQueue(log, { now: 0, visible: 0, inFlight: 1 });
    log = observeQueue(log, { now: 100 * S, visible: 1, inFlight: 0, enqueued: [500] });
    expect(log.secondsPerMediaSecond).toBeCloseTo(0.1);
    expect(log.typicalSeconds).toBe(100);
    expect(jobLogInput(log, 110 * S).waitingJobs).toEqual([{ ageSeconds: 10, expectedSeconds: 50 }]);
  });

  it('sees a job end while another starts between two runs, though the in-flight count did not change', () => {
    let log = observeQueue(emptyJobLog(), { now: 100 * S, visible: 2, inFlight: 0, enqueued: [100, 3000] });
    log = observeQueue(log, { now: 100 * S, visible: 1, inFlight: 1 });
    log = { ...log, secondsPerMediaSecond: 0.1 };
    log = observeQueue(log, { now: 160 * S, visible: 0, inFlight: 1 });
    // The 10 s job ended; the 300 s one runs now.
    expect(log.running).toEqual([{ at: 130 * S, mediaSeconds: 3000 }]);
  });

  it('ends the running job expected to end first, not the oldest', () => {
    let log = { ...emptyJobLog(), secondsPerMediaSecond: 0.1, typicalSeconds: 100, seenAt: 0 };
    log = {
      ...log,
      running: [
        { at: 0, mediaSeconds: 3000 },
        { at: 10 * S, mediaSeconds: 100 },
      ],
    };
    log = observeQueue(log, { now: 30 * S, visible: 0, inFlight: 1 });
    expect(log.running).toEqual([{ at: 0, mediaSeconds: 3000 }]);
  });

  it('counts starts it has no poke for as unknown jobs, sized by the average', () => {
    const log = observeQueue({ ...emptyJobLog(), typicalSeconds: 200 }, { now: 0, visible: 3, inFlight: 1 });
    expect(log.running).toEqual([{ at: 0, mediaSeconds: null }]);
    expect(jobLogInput(log, 0)).toMatchObject({
      runningJobs: [{ ageSeconds: 0, expectedSeconds: null }],
      waitingJobs: [],
      typicalJobSeconds: 200,
    });
  });

  it('tracks its own launches until they are in service, cancelling the newest first', () => {
    let log = recordLaunches(emptyJobLog(), 0, 3, 0);
    log = recordLaunches(log, 3, 4, 50 * S);
    expect(log.launches).toEqual([0, 0, 0, 50 * S]);
    log = recordLaunches(log, 4, 3, 60 * S);
    expect(log.launches).toEqual([0, 0, 0]);
    // Two reached InService: one still boots.
    log = observeLaunches(log, 1);
    expect(jobLogInput(log, 100 * S).bootingForSeconds).toEqual([100]);
  });
});

it('counts starts, and as late those that had waited longer than one boot by the previous run already', () => {
  let log = observeQueue(emptyJobLog(), {
    now: 0,
    visible: 2,
    inFlight: 0,
    enqueued: [600, 600],
    lateAfterSeconds: 180,
  });
  log = observeQueue(log, { now: 170 * S, visible: 2, inFlight: 0, lateAfterSeconds: 180 });
  // The first started between 170 s and 230 s: maybe on time, so not counted late.
  log = observeQueue(log, { now: 230 * S, visible: 1, inFlight: 1, lateAfterSeconds: 180 });
  expect([log.starts, log.lateStarts]).toEqual([1, 0]);
  // The second had waited 230 s by the last run.
  log = observeQueue(log, { now: 290 * S, visible: 0, inFlight: 2, lateAfterSeconds: 180 });
  expect([log.starts, log.lateStarts]).toEqual([2, 1]);
  expect(jobLogInput(log, 290 * S)).toMatchObject({ startedJobs: 2, lateStartedJobs: 1 });
});
