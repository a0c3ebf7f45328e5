import type { MediaConnection } from 'peerjs';
import { ANSWER_TIMEOUT_MS, Mesh } from '../../../../frontend/src/media/mesh';
import { isLiveCall, planCameraCalls } from '../../../../frontend/src/media/mesh-plan';
import type { LocalMedia } from '../../../../frontend/src/media/local-media';
import type { Signaling } from '../../../../frontend/src/net/signaling';

const host = { peerId: 'host', joinedAt: 1 };
const ann = { peerId: 'ann', joinedAt: 2 };
const bob = { peerId: 'bob', joinedAt: 3 };
const cat = { peerId: 'cat', joinedAt: 4 };
const dan = { peerId: 'dan', joinedAt: 5 };
const everyone = [host, ann, bob, cat, dan];

describe('isLiveCall', () => {
  it('keeps a call that carried media until it closes, whatever ICE says meanwhile', () => {
    expect(isLiveCall(true, 'connected')).toBe(true);
    expect(isLiveCall(true, 'disconnected')).toBe(true);
    expect(isLiveCall(true, 'failed')).toBe(true);
    expect(isLiveCall(true, 'closed')).toBe(false);
  });

  it('keeps a call being set up, even one ICE briefly lost, but not a failed or closed one', () => {
    for (const state of [undefined, 'new', 'connecting', 'connected', 'disconnected'] as const) {
      expect(isLiveCall(false, state)).toBe(true);
    }
    expect(isLiveCall(false, 'failed')).toBe(false);
    expect(isLiveCall(false, 'closed')).toBe(false);
  });
});

describe('planCameraCalls', () => {
  it('on a breakout open keeps the roommate and drops everyone else, dialing nobody', () => {
    const calls = new Map([
      ['host', true],
      ['bob', true],
      ['cat', true],
      ['dan', true],
    ]);
    expect(planCameraCalls(ann, [ann, cat], calls)).toEqual({ drop: ['host', 'bob', 'dan'], dial: [] });
    // The roommate's side reaches the same answer: nobody re-dials the call they share.
    const catCalls = new Map([
      ['host', true],
      ['ann', true],
      ['bob', true],
      ['dan', true],
    ]);
    expect(planCameraCalls(cat, [ann, cat], catCalls)).toEqual({ drop: ['host', 'bob', 'dan'], dial: [] });
  });

  it('on a close dials only the peers it owes and has no call with, and drops nobody', () => {
    // Cat kept Ann through the rooms; of the others it owes calls to the earlier Host and Bob, and Dan calls it.
    const calls = new Map([['ann', true]]);
    expect(planCameraCalls(cat, everyone, calls)).toEqual({ drop: [], dial: ['host', 'bob'] });
  });

  it('re-dials an owed call only when the one held is dead', () => {
    expect(planCameraCalls(cat, [ann, cat], new Map([['ann', false]]))).toEqual({ drop: [], dial: ['ann'] });
    expect(planCameraCalls(ann, [ann, cat], new Map([['cat', false]]))).toEqual({ drop: [], dial: [] });
  });
});

/** A PeerJS MediaConnection as the mesh sees it. */
class FakeCall {
  open = false;
  closed = false;
  readonly metadata: unknown;
  private readonly handlers = new Map<string, (() => void)[]>();
  readonly peerConnection = {
    connectionState: 'new' as RTCPeerConnectionState,
    signalingState: 'stable',
    getSenders: () => [],
    addEventListener: () => undefined,
  };
  constructor(
    readonly peer: string,
    metadata: unknown = { kind: 'camera' },
  ) {
    this.metadata = metadata;
  }
  on(event: string, fn: () => void) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
  }
  answer() {
    this.open = true;
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.peerConnection.connectionState = 'closed';
    const wasOpen = this.open;
    this.open = false;
    if (wasOpen) for (const fn of this.handlers.get('close') ?? []) fn();
  }
}

function setup() {
  const placed: FakeCall[] = [];
  let onCall: (call: MediaConnection) => void = () => undefined;
  const signaling = {
    open: true,
    on: (event: string, fn: (call: MediaConnection) => void) => {
      if (event === 'call') onCall = fn;
      return () => undefined;
    },
    call: (peerId: string, _stream: unknown, metadata: unknown) => {
      const call = new FakeCall(peerId, metadata);
      placed.push(call);
      return call as unknown as MediaConnection;
    },
  } as unknown as Signaling;
  const local = { stream: {}, on: () => () => undefined } as unknown as LocalMedia;
  let roster = everyone;
  const mesh = new Mesh(signaling, local, (peerId) => roster.some((p) => p.peerId === peerId));
  const ring = (from: string) => {
    const call = new FakeCall(from);
    onCall(call as unknown as MediaConnection);
    return call;
  };
  const setRoster = (next: typeof everyone) => {
    roster = next;
  };
  return { mesh, placed, ring, setRoster };
}

describe('Mesh.reconcile across a breakout open and close (Cat, who joined fourth)', () => {
  // Every placed call arms its answer timeout.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps the very call it shares with its roommate, and on close adds only the missing ones', () => {
    const { mesh, placed, ring, setRoster } = setup();
    mesh.reconcile(cat, everyone);
    // Cat owes Host, Ann and Bob a call; Dan calls Cat.
    expect(placed.map((c) => c.peer)).toEqual(['host', 'ann', 'bob']);
    const fromDan = ring('dan');
    for (const c of placed) {
      c.open = true;
      c.peerConnection.connectionState = 'connected';
    }
    const toAnn = placed[1]!;

    setRoster([ann, cat]);
    // The machine is busy: ICE to Ann misses a few checks just as the roster changes.
    toAnn.peerConnection.connectionState = 'disconnected';
    mesh.reconcile(cat, [ann, cat]);
    expect(placed).toHaveLength(3);
    expect(toAnn.closed).toBe(false);
    expect(mesh.cameraConnection('ann')).toBe(toAnn.peerConnection);
    expect([placed[0]!.closed, placed[2]!.closed, fromDan.closed]).toEqual([true, true, true]);

    toAnn.peerConnection.connectionState = 'connected';
    setRoster(everyone);
    mesh.reconcile(cat, everyone);
    expect(placed.slice(3).map((c) => c.peer)).toEqual(['host', 'bob']);
    expect(toAnn.closed).toBe(false);
    expect(mesh.cameraConnection('ann')).toBe(toAnn.peerConnection);
  });

  it('answers a call that arrived before the roster naming its caller once the roster does', () => {
    const { mesh, ring, setRoster } = setup();
    setRoster([ann, cat]);
    mesh.reconcile(cat, [ann, cat]);
    const early = ring('dan');
    expect(early.open).toBe(false);
    setRoster(everyone);
    mesh.reconcile(cat, everyone);
    expect(early.open).toBe(true);
    expect(mesh.hasLiveCamera('dan')).toBe(true);
  });

  it('never dials a peer whose held call the same roster just let in, whatever order the roster puts them in', () => {
    const { mesh, placed, ring, setRoster } = setup();
    setRoster([cat]);
    mesh.reconcile(cat, [cat]);
    const early = ring('dan');
    // A roster that lists Dan as earlier than Cat (as a rejoin can, for a moment) would make Cat owe the call.
    const danFirst = { peerId: 'dan', joinedAt: 0 };
    setRoster([danFirst, cat]);
    mesh.reconcile(cat, [danFirst, cat]);
    expect(early.open).toBe(true);
    expect(placed).toEqual([]);
  });

  it('gives up on a call whose ANSWER never came, so the next reconcile dials again; an answered call stays', () => {
    const { mesh, placed } = setup();
    const ended: string[] = [];
    mesh.on('streamEnded', (peerId, kind) => ended.push(`${peerId}:${kind}`));
    mesh.reconcile(cat, everyone);
    const [toHost, toAnn, toBob] = placed;
    // Ann and Bob answered; Host's page never did (its hold ran out before its roster named Cat).
    toAnn!.open = true;
    toBob!.open = true;
    jest.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    expect(toHost!.closed).toBe(true);
    expect(toAnn!.closed).toBe(false);
    expect(mesh.hasLiveCamera('host')).toBe(false);
    expect(ended).toEqual(['host:camera']);
    mesh.reconcile(cat, everyone);
    expect(placed.slice(3).map((c) => c.peer)).toEqual(['host']);
  });
});
