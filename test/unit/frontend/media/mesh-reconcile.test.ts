import type { MediaConnection } from 'peerjs';
import { ANSWER_TIMEOUT_MS, Mesh, type MeshOptions } from '../../../../frontend/src/media/mesh';
import { isLiveCall, PARK_DECISION_MS, parkedFate, planCameraCalls } from '../../../../frontend/src/media/mesh-plan';
import type { LocalMedia } from '../../../../frontend/src/media/local-media';
import { videoCapFor } from '../../../../frontend/src/media/quality-policy';
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

describe('parkedFate', () => {
  const base = { state: 'connected' as const, inRoster: false, elsewhere: false, parkedForMs: 0 };
  it('resumes a call whose peer is back in our room, unless it failed meanwhile', () => {
    expect(parkedFate({ ...base, inRoster: true })).toBe('resume');
    expect(parkedFate({ ...base, inRoster: true, state: 'disconnected' })).toBe('resume');
    expect(parkedFate({ ...base, inRoster: true, state: 'failed' })).toBe('close');
    expect(parkedFate({ ...base, inRoster: true, state: 'closed' })).toBe('close');
  });
  it('keeps it while the peer is in another room, and while the breakout state may still be on its way', () => {
    expect(parkedFate({ ...base, elsewhere: true, parkedForMs: 10 * PARK_DECISION_MS })).toBe('keep');
    expect(parkedFate({ ...base, parkedForMs: PARK_DECISION_MS - 1 })).toBe('keep');
  });
  it('closes it once the peer is neither here nor in another room (left, removed, rooms closed without them)', () => {
    expect(parkedFate({ ...base, parkedForMs: PARK_DECISION_MS })).toBe('close');
  });
});

/** An RTCRtpSender: which track it sends (null: nothing), and the encodings the mesh set on it. */
class FakeSender {
  readonly applied: Array<Record<string, unknown>> = [];
  constructor(public track: { kind: string; id: string } | null) {}
  /** As in the browser, `track` shows the new track only once the promise resolves. */
  replaceTrack(track: { kind: string; id: string } | null) {
    return Promise.resolve().then(() => {
      this.track = track;
    });
  }
  /** Negotiated: one encoding, which the mesh's quality cap sets. */
  getParameters() {
    return { encodings: [{}] };
  }
  setParameters(params: { encodings: Array<Record<string, unknown>> }) {
    this.applied.push(params.encodings[0]!);
    return Promise.resolve();
  }
}

/** Lets the promises already settled run their callbacks (replaceTrack, the quality cap's queue). */
const settle = async () => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

const camTrack = { kind: 'video', id: 'cam' };
const micTrack = { kind: 'audio', id: 'mic' };

/** A PeerJS MediaConnection as the mesh sees it. */
class FakeCall {
  open = false;
  closed = false;
  readonly metadata: unknown;
  readonly remoteStream = { id: 'remote' } as unknown as MediaStream;
  private readonly handlers = new Map<string, ((...args: unknown[]) => void)[]>();
  readonly senders = [new FakeSender(micTrack), new FakeSender(camTrack)];
  readonly peerConnection = {
    connectionState: 'new' as RTCPeerConnectionState,
    signalingState: 'stable',
    getSenders: () => this.senders,
    getTransceivers: () => this.senders.map((sender) => ({ sender })),
    addEventListener: () => undefined,
  };
  /** What this call sends now. */
  get sending(): string[] {
    return this.senders.flatMap((s) => (s.track ? [s.track.id] : []));
  }
  connect() {
    this.open = true;
    this.peerConnection.connectionState = 'connected';
  }
  constructor(
    readonly peer: string,
    metadata: unknown = { kind: 'camera' },
  ) {
    this.metadata = metadata;
  }
  on(event: string, fn: (...args: unknown[]) => void) {
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

function setup(options: MeshOptions = {}) {
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
  const local = {
    stream: { getTracks: () => [micTrack, { ...camTrack, id: 'cam-now' }] },
    on: () => () => undefined,
  } as unknown as LocalMedia;
  let roster = everyone;
  const mesh = new Mesh(signaling, local, (peerId) => roster.some((p) => p.peerId === peerId), options);
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
    // The others are silenced at once (parked) and, with no breakout state showing them elsewhere, closed soon after.
    expect(['host', 'bob', 'dan'].map((p) => mesh.isParked(p))).toEqual([true, true, true]);
    jest.advanceTimersByTime(PARK_DECISION_MS + 100);
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

describe('Mesh parks the calls of people in another breakout room (Cat, who joined fourth)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Cat in the full mesh, every call connected; `elsewhere` decides who the breakout state shows in a room. */
  function inFullMesh(elsewhere: Set<string>) {
    let now = 1_000;
    const t = setup({ elsewhere: (peerId) => elsewhere.has(peerId), now: () => now });
    const events: string[] = [];
    t.mesh.on('stream', (peerId, kind) => events.push(`stream ${peerId}:${kind}`));
    t.mesh.on('streamEnded', (peerId, kind) => events.push(`ended ${peerId}:${kind}`));
    t.mesh.reconcile(cat, everyone);
    const fromDan = t.ring('dan');
    for (const c of [...t.placed, fromDan]) c.connect();
    const calls = new Map([...t.placed, fromDan].map((c) => [c.peer, c]));
    /** Cat's roster becomes `roster` (a breakout move) and the mesh follows it. */
    const move = (roster: typeof everyone) => {
      t.setRoster(roster);
      t.mesh.reconcile(cat, roster);
    };
    return { ...t, events, calls, move, advance: (ms: number) => (now += ms) };
  }

  it('silences and hides the calls of people in the other room, and resumes the same calls when the rooms close', async () => {
    const elsewhere = new Set<string>();
    const { mesh, placed, calls, events, move, advance } = inFullMesh(elsewhere);
    // Open: Cat and Ann in Red; the roster arrives first, the breakout state naming Host, Bob and Dan just after.
    move([ann, cat]);
    await settle();
    for (const peer of ['host', 'bob', 'dan']) {
      expect(calls.get(peer)!.closed).toBe(false);
      expect(calls.get(peer)!.sending).toEqual([]);
      expect(mesh.isParked(peer)).toBe(true);
      expect(mesh.hasLiveCamera(peer)).toBe(false);
      expect(events).toContain(`ended ${peer}:camera`);
    }
    expect(calls.get('ann')!.sending).toEqual(['mic', 'cam']);
    for (const peer of ['host', 'bob', 'dan']) elsewhere.add(peer);
    mesh.reviewParked();
    // Long after the decision time, still parked: the breakout state shows them in another room.
    advance(10 * PARK_DECISION_MS);
    jest.advanceTimersByTime(10 * PARK_DECISION_MS);
    expect(['host', 'bob', 'dan'].map((p) => calls.get(p)!.closed)).toEqual([false, false, false]);

    // Close: everyone is back in the roster. No call is placed; the parked ones send our current tracks again.
    events.length = 0;
    move(everyone);
    await settle();
    expect(placed).toHaveLength(3);
    for (const peer of ['host', 'bob', 'dan']) {
      expect(mesh.isParked(peer)).toBe(false);
      expect(mesh.hasLiveCamera(peer)).toBe(true);
      expect(calls.get(peer)!.sending).toEqual(['mic', 'cam-now']);
    }
    expect(events.sort()).toEqual(['stream bob:camera', 'stream dan:camera', 'stream host:camera']);
  });

  it('caps a resumed call for the room it comes back to (two people joined the main room meanwhile)', async () => {
    const elsewhere = new Set<string>();
    const { calls, move } = inFullMesh(elsewhere);
    await settle();
    move([ann, cat]);
    for (const peer of ['host', 'bob', 'dan']) elsewhere.add(peer);
    await settle();
    const videoSender = (peer: string) => calls.get(peer)!.senders.find((s) => s.track?.kind === 'video')!;
    const parkedSenders = ['host', 'bob', 'dan'].map((p) => calls.get(p)!.senders[1]!);
    for (const s of parkedSenders) s.applied.length = 0;
    // Rooms close into a main room of seven.
    const eve = { peerId: 'eve', joinedAt: 6 };
    const fay = { peerId: 'fay', joinedAt: 7 };
    move([...everyone, eve, fay]);
    await settle();
    const seven = videoCapFor({ participants: 7, source: 'camera', audioOnly: false });
    for (const peer of ['host', 'bob', 'dan']) {
      expect(videoSender(peer).track?.id).toBe('cam-now');
      expect(videoSender(peer).applied.at(-1)).toMatchObject({ maxBitrate: seven.maxBitrateBps });
    }
  });

  it('closes a parked call once the peer is not in another room after the decision time (left, or removed)', () => {
    const elsewhere = new Set(['bob']);
    const { mesh, calls, move, advance } = inFullMesh(elsewhere);
    move([ann, cat]);
    // Host and Dan are in no room the breakout state shows; they stay silent until the decision time, then close.
    advance(PARK_DECISION_MS - 1);
    mesh.reviewParked();
    expect(calls.get('host')!.closed).toBe(false);
    advance(200);
    jest.advanceTimersByTime(PARK_DECISION_MS + 100);
    expect([calls.get('host')!.closed, calls.get('dan')!.closed, calls.get('bob')!.closed]).toEqual([
      true,
      true,
      false,
    ]);
    // Bob leaves the meeting from his room: the breakout state no longer lists him, and his call closes.
    elsewhere.delete('bob');
    mesh.reviewParked();
    expect(calls.get('bob')!.closed).toBe(true);
    // A later roster with everyone places new calls to those whose parked call closed.
    move(everyone);
    expect(mesh.isParked('host')).toBe(false);
  });

  it('never resumes a parked call that failed: the peer gets a new call instead', () => {
    const elsewhere = new Set(['host', 'bob', 'dan']);
    const { mesh, placed, calls, move } = inFullMesh(elsewhere);
    move([ann, cat]);
    calls.get('host')!.peerConnection.connectionState = 'failed';
    move(everyone);
    expect(calls.get('host')!.closed).toBe(true);
    expect(placed.slice(3).map((c) => c.peer)).toEqual(['host']);
    expect(mesh.hasLiveCamera('bob')).toBe(true);
  });

  it('drops a parked call at once when the peer leaves, and a new call from a parked peer replaces it', () => {
    const elsewhere = new Set(['host', 'bob', 'dan']);
    const { mesh, calls, ring, move, setRoster } = inFullMesh(elsewhere);
    move([ann, cat]);
    mesh.drop('bob');
    expect(calls.get('bob')!.closed).toBe(true);
    // Dan's page reloaded in his room and the host moved him here: his new call replaces the parked one.
    setRoster([ann, cat, dan]);
    const again = ring('dan');
    mesh.reconcile(cat, [ann, cat, dan]);
    expect(again.open).toBe(true);
    expect(calls.get('dan')!.closed).toBe(true);
    expect(mesh.isParked('dan')).toBe(false);
  });

  it('without a breakout state to say so, a dropped call is silent at once and closed after the decision time', async () => {
    const { calls, move, advance } = inFullMesh(new Set());
    move([ann, cat]);
    await settle();
    expect(calls.get('bob')!.sending).toEqual([]);
    advance(PARK_DECISION_MS + 100);
    jest.advanceTimersByTime(PARK_DECISION_MS + 100);
    expect(['host', 'bob', 'dan'].map((p) => calls.get(p)!.closed)).toEqual([true, true, true]);
  });
});
