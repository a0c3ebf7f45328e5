import { CALL_HOLD_MS, CallGate } from '../../../frontend/src/media/call-gate';
import type { StreamKind } from '../../../frontend/src/media/mesh';

/** A roster the test edits, and a clock it advances by hand. */
function setup() {
  const roster = new Map<string, { screen: boolean }>();
  const timers: { at: number; fn: () => void; cleared: boolean }[] = [];
  let now = 0;
  const gate = new CallGate(
    (peerId: string, kind: StreamKind) => {
      const entry = roster.get(peerId);
      return entry !== undefined && (kind === 'camera' || entry.screen);
    },
    {
      setTimer: (fn, ms) => {
        const t = { at: now + ms, fn, cleared: false };
        timers.push(t);
        return t;
      },
      clearTimer: (t) => {
        (t as { cleared: boolean }).cleared = true;
      },
    },
  );
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers) {
      if (t.cleared || t.at > now) continue;
      t.cleared = true;
      t.fn();
    }
  };
  const call = (peer: string) => {
    const c = { peer, closed: false, answered: false, close: () => void (c.closed = true) };
    return c;
  };
  return { gate, roster, advance, call };
}

describe('CallGate: media only for peers the roster shows', () => {
  it('answers a caller that is in the roster at once', () => {
    const { gate, roster, call } = setup();
    roster.set('bob', { screen: false });
    const c = call('bob');
    gate.offer(c, 'camera', () => (c.answered = true));
    expect(c).toMatchObject({ answered: true, closed: false });
  });

  it('never answers a caller outside the roster: the call is held, unanswered, then closed', () => {
    const { gate, advance, call } = setup();
    const c = call('mallory');
    gate.offer(c, 'camera', () => (c.answered = true));
    expect(c).toMatchObject({ answered: false, closed: false });
    advance(CALL_HOLD_MS);
    expect(c).toMatchObject({ answered: false, closed: true });
    expect(gate.waiting).toBe(0);
  });

  it('answers a held caller once the roster names it (the OFFER overtook peer.joined)', () => {
    const { gate, roster, advance, call } = setup();
    const c = call('carol');
    gate.offer(c, 'camera', () => (c.answered = true));
    roster.set('carol', { screen: false });
    gate.rosterChanged();
    expect(c.answered).toBe(true);
    advance(CALL_HOLD_MS);
    expect(c.closed).toBe(false);
  });

  it('takes a screen call only from a peer the roster shows sharing', () => {
    const { gate, roster, advance, call } = setup();
    roster.set('bob', { screen: false });
    const c = call('bob');
    gate.offer(c, 'screen', () => (c.answered = true));
    expect(c.answered).toBe(false);
    roster.set('bob', { screen: true });
    gate.rosterChanged();
    expect(c.answered).toBe(true);
    const late = call('dave');
    roster.set('dave', { screen: false });
    gate.offer(late, 'screen', () => (late.answered = true));
    advance(CALL_HOLD_MS);
    expect(late).toMatchObject({ answered: false, closed: true });
  });

  it('closeAll closes every held call', () => {
    const { gate, call } = setup();
    const a = call('x');
    const b = call('y');
    gate.offer(a, 'camera', () => undefined);
    gate.offer(b, 'screen', () => undefined);
    gate.closeAll();
    expect([a.closed, b.closed]).toEqual([true, true]);
    expect(gate.waiting).toBe(0);
  });
});
