import {
  INITIAL_POLICY,
  QUALITY_LEVELS,
  isBehind,
  nextPolicy,
  type PolicyState,
} from '../../../../frontend/src/features/effects/adaptive-policy';

const window = (frames: number, busyMs: number, cameraFps = 30) => ({ frames, busyMs, elapsedMs: 1000, cameraFps });
const SLOW = window(20, 20 * 40); // 40 ms per frame against a 33 ms budget, and frames dropped
const FINE = window(30, 30 * 15);
const IDLE = window(30, 30 * 5);

function run(state: PolicyState, windows: ReturnType<typeof window>[]) {
  let s = state;
  const actions: string[] = [];
  for (const w of windows) {
    const d = nextPolicy(s, w);
    actions.push(d.action);
    if (d.action === 'off') break;
    s = d.state;
  }
  return { state: s, actions };
}

describe('adaptive quality', () => {
  it('counts as behind when busy past the frame interval or when frames are dropped', () => {
    expect(isBehind(FINE)).toBe(false);
    expect(isBehind(window(30, 30 * 30))).toBe(true);
    expect(isBehind(window(15, 15 * 5))).toBe(true);
    expect(isBehind(window(10, 10 * 50, 10))).toBe(false);
  });

  it('keeps full quality while the worker keeps up', () => {
    expect(run(INITIAL_POLICY, [FINE, FINE, FINE]).state.level).toBe(0);
  });

  it('lowers resolution and rate after two slow windows, one level at a time, before turning off', () => {
    const { actions, state } = run(INITIAL_POLICY, [SLOW, SLOW]);
    expect(actions).toEqual(['keep', 'lower']);
    expect(state.level).toBe(1);
    expect(QUALITY_LEVELS[1]!.maxWidth).toBeLessThan(QUALITY_LEVELS[0]!.maxWidth);
    expect(QUALITY_LEVELS[1]!.segmentEvery).toBeGreaterThan(QUALITY_LEVELS[0]!.segmentEvery);
    const all = run(INITIAL_POLICY, Array(10).fill(SLOW));
    expect(all.actions).toEqual(['keep', 'lower', 'keep', 'lower', 'keep', 'off']);
  });

  it('a single slow window (a hiccup) changes nothing', () => {
    expect(run(INITIAL_POLICY, [SLOW, FINE, SLOW, FINE]).state.level).toBe(0);
  });

  it('earns a level back after five relaxed windows in a row', () => {
    const lowered = { level: 2, behind: 0, ahead: 0 };
    expect(run(lowered, [IDLE, IDLE, IDLE, IDLE]).state.level).toBe(2);
    expect(run(lowered, [IDLE, IDLE, IDLE, IDLE, IDLE]).state.level).toBe(1);
  });
});
