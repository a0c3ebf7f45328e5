import {
  decideCapacity,
  fleetFullyUsed,
  idleMinutesSince,
  type ScalingConfig,
} from '../../../functions/recordings/scaling-policy';

const config: ScalingConfig = { minCapacity: 0, maxCapacity: 4, jobsPerInstance: 1, idleMinutesBeforeScaleIn: 3 };
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
