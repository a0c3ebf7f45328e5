import {
  LATE_SHARE,
  MEDIA_ESTIMATE_MARGIN,
  decideCapacity,
  lateBudget,
  fleetFullyUsed,
  idleMinutesSince,
  plannedCapacity,
  plannedStarts,
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

  it('keeps a booting instance while waiting jobs outnumber the free ready ones, and cancels one nobody needs', () => {
    // 1 busy, 1 ready and free, 2 booting; 2 jobs wait: the free one takes the first, one booting the second.
    expect(at(2, 1, 4, 0, 2)).toEqual({ desired: 3, reason: 'scale-in' });
    expect(at(3, 1, 4, 0, 2)).toEqual({ desired: 4, reason: 'hold' });
  });

  it('does not cancel the booting instance a waiting job needs, however long ago the fleet was full', () => {
    expect(at(1, 0, 1, 60, 0)).toEqual({ desired: 1, reason: 'hold' });
    expect(at(1, 0, 2, 60, 0)).toEqual({ desired: 1, reason: 'scale-in' });
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
  // Average job 200 s, so without a duration a running job is expected to end by 300 s (1.5×); one boot is 180 s.
  const busy = (visible: number, ages: number[], desired = ages.length, inService = desired) =>
    decideCapacity(
      {
        visible,
        inFlight: ages.length,
        desired,
        inService,
        idleMinutes: 0,
        runningJobs: ages.map((ageSeconds) => ({ ageSeconds, expectedSeconds: null })),
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
    const input = {
      visible: 1,
      inFlight: 1,
      desired: 1,
      inService: 1,
      idleMinutes: 0,
      runningJobs: [{ ageSeconds: 150, expectedSeconds: null }],
    };
    expect(decideCapacity(input, config).desired).toBe(2);
  });
});

describe('with the durations known at enqueue', () => {
  const fleet = (
    waiting: number[],
    running: { age: number; expected: number | null }[],
    extra: { desired?: number; inService?: number; bootingFor?: number[] } = {},
  ) =>
    decideCapacity(
      {
        visible: waiting.length,
        inFlight: running.length,
        desired: extra.desired ?? running.length,
        inService: extra.inService ?? extra.desired ?? running.length,
        idleMinutes: 0,
        waitingJobs: waiting.map((expectedSeconds) => ({ ageSeconds: 0, expectedSeconds })),
        runningJobs: running.map((r) => ({ ageSeconds: r.age, expectedSeconds: r.expected })),
        bootingForSeconds: extra.bootingFor,
        typicalJobSeconds: 200,
      },
      config,
    );

  it('waits for a running job that is young but short: its known run ends within one boot', () => {
    // 100 s job started 10 s ago: the average alone (200 s × 1.5) would have launched.
    expect(fleet([300], [{ age: 10, expected: 100 }])).toEqual({ desired: 1, reason: 'hold' });
  });

  it('launches for a job behind a long known run, however old the average says it is', () => {
    expect(fleet([300], [{ age: 150, expected: 600 }])).toEqual({ desired: 2, reason: 'scale-out' });
  });

  it('chains two short waiting jobs on one instance only while both start within one boot', () => {
    // Running job ends in 20 s; the first waiting job runs 60 s (×1.1 = 66 s), so the second starts at 86 s.
    expect(fleet([60, 60], [{ age: 80, expected: 100 }]).desired).toBe(1);
    // A 200 s first job pushes the second past one boot: it gets its own instance.
    expect(fleet([200, 60], [{ age: 80, expected: 100 }]).desired).toBe(2);
  });

  it('cancels a booting instance when a busy one frees up sooner for the waiting job', () => {
    // Launched 10 s ago (ready in 170 s); the running job ends in 20 s and takes the waiting one.
    expect(fleet([100], [{ age: 80, expected: 100 }], { desired: 2, inService: 1, bootingFor: [10] })).toEqual({
      desired: 1,
      reason: 'scale-in',
    });
  });

  it('keeps a booting instance that serves the waiting job before any busy one frees up', () => {
    expect(fleet([100], [{ age: 10, expected: 300 }], { desired: 2, inService: 1, bootingFor: [120] })).toEqual({
      desired: 2,
      reason: 'hold',
    });
  });

  it('applies the margin to a known run: a job that would end exactly at one boot is not counted on', () => {
    const endsAtBoot = 180 / MEDIA_ESTIMATE_MARGIN + 5;
    expect(fleet([100], [{ age: 0, expected: endsAtBoot }]).desired).toBe(2);
  });
});

describe('the planner', () => {
  const plan = {
    waitingRunSeconds: [50, 50, 50],
    waitedSeconds: [0, 0, 0],
    busyFreeInSeconds: [30],
    spareReadyInSeconds: [100],
  };

  it('gives each waiting job the instance free soonest, in queue order, new launches one boot out', () => {
    expect(plannedStarts(plan, 0, 180)).toEqual([30, 80, 130]);
    expect(plannedStarts(plan, 1, 180)).toEqual([30, 80, 100]);
    expect(plannedStarts(plan, 2, 180)).toEqual([30, 80, 100]);
  });

  it('keeps no spare when the busy instance serves every waiting job within one boot', () => {
    expect(plannedCapacity(plan, config)).toBe(1);
  });

  it('keeps the booting spare for a job that has already waited', () => {
    // The third job has waited 60 s, so it must start within 120 s: not at 130 s behind the busy instance, but at
    // 100 s on the booting one. Launching more would not start it sooner.
    expect(plannedCapacity({ ...plan, waitedSeconds: [0, 0, 60] }, config)).toBe(2);
  });

  it('serves jobs above the cap no later than the full fleet would', () => {
    const full = { waitingRunSeconds: [50, 50], waitedSeconds: [0, 0], busyFreeInSeconds: [], spareReadyInSeconds: [] };
    expect(plannedCapacity(full, { ...config, maxCapacity: 1 })).toBe(1);
    expect(plannedStarts(full, 1, 180)).toEqual([180, 230]);
  });

  it('treats a job with no known end as never freeing its instance', () => {
    const unknown = {
      waitingRunSeconds: [50],
      waitedSeconds: [0],
      busyFreeInSeconds: [Number.POSITIVE_INFINITY],
      spareReadyInSeconds: [],
    };
    expect(plannedCapacity(unknown, config)).toBe(2);
  });
});

describe('spending the p95 slack', () => {
  // The busy instance frees up in 100 s; the waiting job runs 150 s, so a second one would start at 250 s.
  const plan = {
    waitingRunSeconds: [150, 60],
    waitedSeconds: [0, 0],
    busyFreeInSeconds: [100],
    spareReadyInSeconds: [],
  };

  it('lets a job start up to one more boot late instead of booting, while the budget lasts', () => {
    expect(plannedCapacity(plan, config)).toBe(2);
    expect(plannedCapacity(plan, config, 1)).toBe(1);
  });

  it('never lets a job wait more than one extra boot for it', () => {
    expect(plannedCapacity({ ...plan, waitingRunSeconds: [300, 60] }, config, 1)).toBe(2);
  });

  it('has budget only for the share of recent starts not yet late', () => {
    expect(lateBudget({})).toBe(0);
    expect(lateBudget({ startedJobs: 200, lateStartedJobs: 0 })).toBe(Math.floor(200 * LATE_SHARE));
    expect(lateBudget({ startedJobs: 200, lateStartedJobs: 200 * LATE_SHARE })).toBe(0);
    expect(lateBudget({ startedJobs: 200, lateStartedJobs: 50 })).toBe(0);
  });

  it('spends it in decideCapacity from the counts the scaler keeps', () => {
    const input = {
      visible: 2,
      inFlight: 1,
      desired: 1,
      inService: 1,
      idleMinutes: 0,
      waitingJobs: [
        { ageSeconds: 0, expectedSeconds: 150 / MEDIA_ESTIMATE_MARGIN },
        { ageSeconds: 0, expectedSeconds: 60 / MEDIA_ESTIMATE_MARGIN },
      ],
      runningJobs: [{ ageSeconds: 0, expectedSeconds: 100 / MEDIA_ESTIMATE_MARGIN }],
    };
    expect(decideCapacity(input, config).desired).toBe(2);
    expect(decideCapacity({ ...input, startedJobs: 1000, lateStartedJobs: 0 }, config).desired).toBe(1);
  });
});
