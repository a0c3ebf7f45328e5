import { RedisMembership } from '../../../functions/shared/membership';
import { MAX_SIGNAL_BYTES } from '../../../functions/shared/protocol/peerjs';
import { limits } from '../../../functions/shared/rate-limit';
import { wsNotifier } from '../../../functions/signaling/ports';
import { createRelayHandler } from '../../../functions/signaling/relay';
import { HANDSHAKE_GRACE_MS } from '../../../functions/signaling/handshake-grace';
import { RegistryCache } from '../../../functions/signaling/registry-cache';
import { answer, candidate, createHarness, offer, type Harness } from './harness';

describe('PeerJS relay (OFFER/ANSWER/CANDIDATE/LEAVE/EXPIRE)', () => {
  let h: Harness;
  let alice: string;
  let bob: string;
  beforeEach(async () => {
    h = createHarness({ ownSubs: true });
    alice = (await h.open('alice', { peerId: 'alice', roomId: 'room-1' })).connectionId;
    bob = (await h.open('bob', { peerId: 'bob', roomId: 'room-1' })).connectionId;
    h.clearInboxes();
  });
  afterEach(() => h.restore());

  /** The relay handler over a RegistryCache of the harness's registry (a warm Lambda's view); sends a frame. */
  function relayThroughCache(options: { forget: boolean; now?: () => number }) {
    const cache = new RegistryCache(h.registry);
    const relay = createRelayHandler(() => ({
      registry: cache,
      notifier: wsNotifier,
      countFrame: async () => {},
      ...(options.forget ? { forgetPeer: (peerId: string) => cache.forgetPeer(peerId) } : {}),
      membership: new RedisMembership(),
      ...(options.now ? { now: options.now } : {}),
    }));
    return (from: string, message: unknown) =>
      relay({ requestContext: { connectionId: from }, body: JSON.stringify(message) });
  }

  it('delivers OFFER, ANSWER and CANDIDATE with src = the sender id and the payload unchanged', async () => {
    await h.send(alice, offer('bob'));
    await h.send(bob, answer('alice'));
    await h.send(alice, candidate('bob'));
    expect(h.inbox(bob)).toEqual([
      { type: 'OFFER', src: 'alice', dst: 'bob', payload: offer('bob').payload },
      { type: 'CANDIDATE', src: 'alice', dst: 'bob', payload: candidate('bob').payload },
    ]);
    expect(h.inbox(alice)).toEqual([{ type: 'ANSWER', src: 'bob', dst: 'alice', payload: answer('alice').payload }]);
  });

  it('stamps src with the registered id even when the client claims to be someone else', async () => {
    await h.open('carol', { peerId: 'carol', roomId: 'room-1' });
    await h.send(alice, offer('bob', { src: 'carol' }));
    expect(h.inbox(bob)).toEqual([expect.objectContaining({ type: 'OFFER', src: 'alice' })]);
  });

  it('never delivers an OFFER to a peer in another room, and answers EXPIRE as if the peer were absent', async () => {
    const eve = (await h.open('eve', { peerId: 'eve', roomId: 'room-2' })).connectionId;
    h.clearInboxes();
    await h.send(eve, offer('alice'));
    await h.send(eve, candidate('alice'));
    expect(h.inbox(alice)).toEqual([]);
    expect(h.inbox(eve)).toEqual([{ type: 'EXPIRE', src: 'alice', dst: 'eve' }]);
  });

  it('answers EXPIRE to an OFFER for an absent peer (once; the trailing CANDIDATEs are dropped)', async () => {
    await h.send(alice, offer('nobody'));
    await h.send(alice, candidate('nobody'));
    await h.send(alice, candidate('nobody'));
    expect(h.inbox(alice)).toEqual([{ type: 'EXPIRE', src: 'nobody', dst: 'alice' }]);
  });

  it('keeps lobby knockers out of calls in both directions', async () => {
    const knocker = (await h.open('knock', { peerId: 'kim', roomId: 'room-1', role: 'lobby' })).connectionId;
    h.clearInboxes();
    await h.send(alice, offer('kim'));
    expect(h.inbox(knocker)).toEqual([]);
    expect(h.inbox(alice)).toEqual([{ type: 'EXPIRE', src: 'kim', dst: 'alice' }]);
    await h.send(knocker, offer('alice'));
    expect(h.inbox(alice)).toHaveLength(1);
    expect(h.inbox(knocker)).toEqual([
      { type: 'ERROR', payload: { msg: 'Wait until a host admits you before calling anyone' } },
    ]);
  });

  it('drops a stale (410) destination from the registry and tells the sender EXPIRE', async () => {
    h.live.delete(bob); // the socket died; its $disconnect has not arrived
    h.advance(HANDSHAKE_GRACE_MS);
    await h.send(alice, offer('bob'));
    expect(h.inbox(alice)).toEqual([{ type: 'EXPIRE', src: 'bob', dst: 'alice' }]);
    expect(await h.registry.findPeer('bob')).toBeUndefined();
    expect(await h.registry.getConnection(bob)).toBeUndefined();
  });

  it('keeps a destination that answers 410 while it may still be in its handshake: it is joining, not gone', async () => {
    const carol = (await h.open('carol', { peerId: 'carol', roomId: 'room-1' })).connectionId;
    h.clearInboxes();
    // Registered by its $connect, but API Gateway refuses posts to it until the $connect integration has returned.
    h.live.delete(carol);
    await h.send(alice, offer('carol'));
    expect(h.inbox(alice)).toEqual([{ type: 'EXPIRE', src: 'carol', dst: 'alice' }]);
    expect(await h.registry.findPeer('carol')).toMatchObject({ connectionId: carol });
    expect(await h.registry.getConnection(carol)).toMatchObject({ peerId: 'carol' });
    // Once its handshake is done, carol can signal and be called.
    h.live.add(carol);
    await h.send(carol, candidate('alice'));
    await h.send(alice, offer('carol'));
    expect(h.inbox(alice)).toEqual([
      { type: 'EXPIRE', src: 'carol', dst: 'alice' },
      expect.objectContaining({ type: 'CANDIDATE', src: 'carol' }),
    ]);
    expect(h.inbox(carol)).toEqual([expect.objectContaining({ type: 'OFFER', src: 'alice' })]);
  });

  it('follows a peer that reconnected on a new socket when its cached binding answers 410', async () => {
    // Without forgetPeer; the old socket is past its handshake, so its 410 means gone.
    const send = relayThroughCache({ forget: false, now: () => Date.now() + HANDSHAKE_GRACE_MS });
    await send(alice, candidate('bob')); // caches bob → old socket
    const fresh = (await h.open('bob2', { peerId: 'bob', roomId: 'room-1' })).connectionId;
    h.live.delete(bob); // the old socket is gone; the cache does not know yet
    await send(alice, offer('bob'));
    expect(h.inbox(fresh)).toEqual([{ type: 'OPEN' }, expect.objectContaining({ type: 'OFFER', src: 'alice' })]);
    expect(h.inbox(alice)).toEqual([]);
    expect(await h.registry.getConnection(bob)).toBeUndefined();
  });

  it('follows a reconnected peer even when the socket its cached binding names is young (no eviction then)', async () => {
    const send = relayThroughCache({ forget: true });
    await send(alice, candidate('bob')); // caches bob → old socket
    const fresh = (await h.open('bob2', { peerId: 'bob', roomId: 'room-1' })).connectionId;
    h.live.delete(bob);
    await send(alice, offer('bob'));
    expect(h.inbox(fresh)).toEqual([{ type: 'OPEN' }, expect.objectContaining({ type: 'OFFER', src: 'alice' })]);
    expect(h.inbox(alice)).toEqual([]);
  });

  it('re-reads a cached binding that points into another room (the peer moved rooms since)', async () => {
    const send = relayThroughCache({ forget: true });
    const eve = (await h.open('eve', { peerId: 'eve', roomId: 'room-2' })).connectionId;
    await send(eve, offer('bob')); // caches bob (room-1); eve gets EXPIRE
    const bobInRoom2 = (await h.open('bob-moved', { peerId: 'bob', roomId: 'room-2' })).connectionId;
    await send(eve, offer('bob'));
    expect(h.inbox(bobInRoom2)).toEqual([{ type: 'OPEN' }, expect.objectContaining({ type: 'OFFER', src: 'eve' })]);
    expect(h.inbox(eve)).toEqual([{ type: 'OPEN' }, { type: 'EXPIRE', src: 'bob', dst: 'eve' }]);
  });

  it('relays a client LEAVE to a peer of the room, stamped with the sender id', async () => {
    await h.send(alice, { type: 'LEAVE', dst: 'bob', src: 'carol', payload: { junk: true } });
    expect(h.inbox(bob)).toEqual([{ type: 'LEAVE', src: 'alice', dst: 'bob' }]);
  });

  it('answers malformed JSON with an ERROR to the sender only', async () => {
    await h.send(alice, '{"type":"OFFER",');
    expect(h.inbox(alice)).toEqual([{ type: 'ERROR', payload: { msg: 'Message is not valid JSON' } }]);
    expect(h.inbox(bob)).toEqual([]);
  });

  it('names the accepted types when the type is unknown', async () => {
    await h.send(alice, { type: 'STEAL', dst: 'bob' });
    expect(h.inbox(alice)).toEqual([
      {
        type: 'ERROR',
        payload: {
          msg: 'Unknown message type "STEAL"; expected one of OFFER, ANSWER, CANDIDATE, LEAVE, EXPIRE, HEARTBEAT',
        },
      },
    ]);
    expect(h.inbox(bob)).toEqual([]);
  });

  it('refuses an OFFER without payload, saying the payload is required', async () => {
    await h.send(alice, { type: 'OFFER', dst: 'bob' });
    expect(h.inbox(alice)).toEqual([
      {
        type: 'ERROR',
        payload: { msg: 'Invalid OFFER message: payload: payload is required for OFFER, ANSWER and CANDIDATE' },
      },
    ]);
    expect(h.inbox(bob)).toEqual([]);
  });

  it('refuses a data OFFER naming a serializer the receiving client would crash on', async () => {
    const bad = offer('bob');
    Object.assign(bad.payload, { type: 'data', serialization: 'constructor', label: 'x', reliable: true });
    await h.send(alice, bad);
    expect(h.inbox(bob)).toEqual([]);
    expect(h.inbox(alice)[0]).toMatchObject({ type: 'ERROR' });
    expect(String((h.inbox(alice)[0]!.payload as { msg: string }).msg)).toMatch(
      /^Invalid OFFER message: payload\.serialization/,
    );
  });

  it('refuses a 200 KB message before parsing it, naming the limit', async () => {
    const huge = offer('bob');
    huge.payload.sdp.sdp = 'a'.repeat(200 * 1024);
    await h.send(alice, huge);
    expect(h.inbox(bob)).toEqual([]);
    const msg = (h.inbox(alice)[0]!.payload as { msg: string }).msg;
    expect(msg).toMatch(new RegExp(`^Message is \\d+ bytes; the limit is ${MAX_SIGNAL_BYTES} bytes$`));
  });

  it('ignores a HEARTBEAT that reaches it (no reply, nothing relayed)', async () => {
    await h.send(alice, { type: 'HEARTBEAT' });
    expect(h.inbox(alice)).toEqual([]);
    expect(h.inbox(bob)).toEqual([]);
  });

  it('refuses signals from a socket whose id was taken by someone else', async () => {
    const thief = (await h.open('thief', { peerId: 'alice', sub: 'u-mallory' })).connectionId;
    h.live.add(thief); // even if it were still open
    h.clearInboxes();
    await h.send(thief, offer('bob'));
    expect(h.inbox(bob)).toEqual([]);
    expect(h.inbox(thief)).toEqual([
      { type: 'ERROR', payload: { msg: 'Your peer id is held by another session (ID-TAKEN)' } },
    ]);
  });

  it('refuses PeerJS frames on a room socket', async () => {
    const room = (await h.open('room', { peerId: 'alice', kind: 'room' })).connectionId;
    await h.send(room, offer('bob'));
    expect(h.inbox(bob)).toEqual([]);
    expect(h.inbox(room)).toEqual([
      { type: 'ERROR', payload: { msg: 'This socket is not a registered PeerJS socket' } },
    ]);
  });

  it('stops a flood: past the per-connection limit the sender gets one ERROR and its socket is closed', async () => {
    // One fixed window: the counter is per 10 s window of Date.now(), and this test must not straddle two.
    const now = jest.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 0, 1, 12, 0, 1));
    const carol = (await h.open('carol', { peerId: 'carol', roomId: 'room-1' })).connectionId;
    const { max } = limits.signal;
    for (let i = 0; i < max; i++) await h.send(alice, candidate('bob'));
    expect(h.inbox(bob)).toHaveLength(max);
    await h.send(alice, candidate('bob'));
    await h.send(alice, candidate('bob'));
    expect(h.inbox(bob)).toHaveLength(max);
    const errors = h.inbox(alice).filter((m) => m.type === 'ERROR');
    expect(errors).toEqual([
      { type: 'ERROR', payload: { msg: expect.stringMatching(/^Too many requests: wait \d+ s/) } },
    ]);
    expect(h.closed).toContain(alice);
    // Bob's own budget is untouched.
    await h.send(bob, offer('carol'));
    expect(h.inbox(carol)).toEqual([{ type: 'OPEN' }, expect.objectContaining({ type: 'OFFER', src: 'bob' })]);
    now.mockRestore();
  });
});
