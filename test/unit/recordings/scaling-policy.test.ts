import {
  decideCapacity,
  emptyJobLog,
  fleetFullyUsed,
  idleMinutesSince,
  jobLogInput,
  jobsEndingWithinBoot,
  observeInFlight,
  type ScalingConfig,
} from '../../../functions/recordings/scaling-policy';

const config: ScalingConfig = {
  minCapacity: 0,
  maxCapacity: 4,
  jobsPerInstance: 1,
  idleMinutesBeforeScaleIn: 3,
  bootSeconds: 180,
};
const at = (visible: number, inFlight: number, desired: number, idleMinutes = 0, inService = desired) =>
  decideCapacity({ visible, inFlight, desired, inService, idleMinutes }, config);

describe('decideCapacity', () => {
  it('starts an instance at once when a job waits and the fleet is at zero', () => {
    expect(at(1, 0, 0)).toEqual({ desired: 1, reason: 'scale-out' });
  });

  it('scales out to one instance per job, counting jobs already running', () => {
    expect(at(2, 1, 1).desired).toBe(3);
  });

  it('never exceeds the maximum', () => {
    expect(at(50, 0, 1)).toEqual({ desired: 4, reason: 'scale-out' });
  });

  it('holds while instances are booting for the waiting jobs', () => {
    expect(at(2, 0, 2, 0, 0)).toEqual({ desired: 2, reason: 'hold' });
  });

  it('keeps an idle instance through the idle window', () => {
    expect(at(0, 0, 1, 2.5)).toEqual({ desired: 1, reason: 'hold' });
  });

  it('goes to zero after the idle window', () => {
    expect(at(0, 0, 1, 3)).toEqual({ desired: 0, reason: 'scale-in' });
  });

  it('scales in only to what running jobs need', () => {
    expect(at(0, 1, 3, 10)).toEqual({ desired: 1, reason: 'scale-in' });
  });

  it('cancels a booting instance when a ready one freed up for the waiting job', () => {
    // 2 in service (1 busy, 1 just finished), 1 booting for the job that now waits: the free one takes it.
    expect(at(1, 1, 3, 0, 2)).toEqual({ desired: 2, reason: 'scale-in' });
  });

  it('keeps the booting instances while waiting jobs outnumber the free ready ones', () => {
    expect(at(2, 1, 4, 0, 2)).toEqual({ desired: 4, reason: 'hold' });
  });

  it('does not scale in while work waits for booting instances, however long ago the fleet was full', () => {
    expect(at(1, 0, 2, 60, 0).desired).toBe(2);
  });

  it('lets a spare ready instance go when another ready one takes the waiting job', () => {
    expect(at(1, 0, 2, 60)).toEqual({ desired: 1, reason: 'scale-in' });
  });

  it('clamps a desired capacity set outside the limits', () => {
    expect(decideCapacity({ visible: 0, inFlight: 0, desired: 9, inService: 9, idleMinutes: 0 }, config)).toEqual({
      desired: 4,
      reason: 'clamp',
    });
  });

  it('respects a warm minimum', () => {
    const warm = { ...config, minCapacity: 1 };
    expect(decideCapacity({ visible: 0, inFlight: 0, desired: 2, inService: 2, idleMinutes: 99 }, warm).desired).toBe(
      1,
    );
  });
});

describe('idle tracking', () => {
  it('counts idle minutes from the last moment the fleet was fully used', () => {
    expect(fleetFullyUsed({ visible: 0, inFlight: 1, desired: 1 })).toBe(true);
    expect(fleetFullyUsed({ visible: 0, inFlight: 1, desired: 2 })).toBe(false);
    expect(fleetFullyUsed({ visible: 1, inFlight: 0, desired: 3 })).toBe(true);
    expect(idleMinutesSince(0, 5 * 60_000, false)).toBe(5);
    expect(idleMinutesSince(0, 5 * 60_000, true)).toBe(0);
    expect(idleMinutesSince(null, 1, false)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('waiting for a running job instead of booting', () => {
  // Average job 200 s, so a running job is expected to end by 300 s (1.5×); one boot is 180 s.
  const busy = (visible: number, ages: number[], desired = ages.length, inService = desired) =>
    decideCapacity(
      {
        visible,
        inFlight: ages.length,
        desired,
        inService,
        idleMinutes: 0,
        runningJobSeconds: ages,
        typicalJobSeconds: 200,
      },
      config,
    );

  it('launches nothing when a running job ends within one boot', () => {
    expect(busy(1, [150])).toEqual({ desired: 1, reason: 'hold' });
  });

  it('launches for a job whose running job is young: it may not end within one boot', () => {
    expect(busy(1, [60])).toEqual({ desired: 2, reason: 'scale-out' });
  });

  it('launches for a job whose running job overran the estimate: its end is unknown', () => {
    expect(busy(1, [400])).toEqual({ desired: 2, reason: 'scale-out' });
  });

  it('each ending job covers one waiting job; the rest get instances', () => {
    expect(busy(3, [150, 200, 30])).toEqual({ desired: 4, reason: 'scale-out' });
  });

  it('counts instances already booting as covering waiting jobs', () => {
    expect(busy(2, [30], 2, 1)).toEqual({ desired: 3, reason: 'scale-out' });
    expect(busy(1, [30], 2, 1)).toEqual({ desired: 2, reason: 'hold' });
  });

  it('launches one instance per job until it has seen a job finish', () => {
    const input = { visible: 1, inFlight: 1, desired: 1, inService: 1, idleMinutes: 0, runningJobSeconds: [150] };
    expect(jobsEndingWithinBoot(input, config)).toBe(0);
    expect(decideCapacity(input, config).desired).toBe(2);
  });
});

describe('job log', () => {
  it('records starts from the in-flight count and averages the durations of finished jobs', () => {
    let log = observeInFlight(emptyJobLog(), 2, 0);
    expect(log).toEqual({ starts: [0, 0], typicalSeconds: 0 });
    log = observeInFlight(log, 1, 100_000);
    expect(log).toEqual({ starts: [0], typicalSeconds: 100 });
    log = observeInFlight(log, 2, 150_000);
    log = observeInFlight(log, 1, 200_000);
    // The drop ends the oldest start (200 s); the moving average moves a fifth of the way towards it.
    expect(log).toEqual({ starts: [150_000], typicalSeconds: 120 });
    expect(jobLogInput(log, 180_000)).toEqual({ runningJobSeconds: [30], typicalJobSeconds: 120 });
  });
});
