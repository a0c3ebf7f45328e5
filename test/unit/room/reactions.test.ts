import { onRoomSocketDisconnected } from '../../../functions/room/lifecycle';
import { roomKeys } from '../../../functions/shared/redis-keys';
import { createHarness, type Harness, type Sock } from './harness';

describe('reactions, raised hands and the recording notice', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;
  let carol: Sock;

  beforeEach(async () => {
    h = createHarness({ reaction: { max: 3, windowSeconds: 60 } });
    roomId = await h.createRoom({ lobby: true });
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    carol = await h.joined(roomId, 'sub-carol', { name: 'Carol' });
    h.clear();
  });
  afterEach(() => h.restore());

  const lastError = (who: Sock) => h.last(who, 'error');
  const raisedOrder = (who: Sock) =>
    h
      .last(who, 'roster.update')!
      .roster.filter((p) => p.handRaised)
      .sort((a, b) => a.handRaisedAt! - b.handRaisedAt!)
      .map((p) => p.name);

  describe('reactions', () => {
    it('reach everyone, the sender too, with the sender’s peer id, and leave nothing stored in the room', async () => {
      await h.send(bob, { type: 'reaction.send', emoji: '👏' });
      for (const who of [host, bob, carol]) {
        expect(h.of(who, 'reaction')).toEqual([{ type: 'reaction', peerId: bob.peerId, emoji: '👏' }]);
      }
      const late = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
      expect(JSON.stringify(h.last(late, 'welcome'))).not.toContain('👏');
      const roomKeysNow = await h.redis.keys(`*${roomKeys(roomId).peers.split(':peers')[0]}*`);
      expect(roomKeysNow.filter((k) => /react/i.test(k))).toEqual([]);
    });

    it('refuse anything outside the fixed set', async () => {
      await h.send(bob, { type: 'reaction.send', emoji: '💩', ref: 'r1' });
      expect(lastError(bob)).toMatchObject({ code: 'invalid_message', ref: 'r1' });
      expect(h.of(host, 'reaction')).toEqual([]);
    });

    it('are rate-limited per sender: past the limit the sender is refused and the room hears nothing more', async () => {
      for (let i = 0; i < 4; i++) await h.send(bob, { type: 'reaction.send', emoji: '👍', ref: `r${i}` });
      expect(h.of(carol, 'reaction')).toHaveLength(3);
      expect(lastError(bob)).toMatchObject({ code: 'rate_limited', ref: 'r3' });
      // Another sender has a budget of their own.
      await h.send(carol, { type: 'reaction.send', emoji: '🎉' });
      expect(h.last(host, 'reaction')).toEqual({ type: 'reaction', peerId: carol.peerId, emoji: '🎉' });
    });

    it('are refused from the lobby and before joining', async () => {
      const waiter = h.socket(roomId, 'sub-wait', { role: 'lobby' });
      await h.send(waiter, { type: 'knock' });
      await h.send(waiter, { type: 'reaction.send', emoji: '👍' });
      expect(lastError(waiter)).toMatchObject({ code: 'not_allowed' });
      const early = h.socket(roomId, 'sub-host', { role: 'member' });
      await h.send(early, { type: 'reaction.send', emoji: '👍' });
      expect(lastError(early)).toMatchObject({ code: 'not_in_room' });
      expect(h.of(carol, 'reaction')).toEqual([]);
    });
  });

  describe('raised hands', () => {
    it('carry the time they went up, so everyone can list them in the order raised; lowering clears it', async () => {
      await h.send(carol, { type: 'state', handRaised: true });
      h.advance(5000);
      await h.send(bob, { type: 'state', handRaised: true });
      expect(raisedOrder(host)).toEqual(['Carol', 'Bob']);
      await h.send(carol, { type: 'state', handRaised: false });
      const carolNow = h.last(host, 'roster.update')!.roster.find((p) => p.name === 'Carol')!;
      expect(carolNow.handRaised).toBe(false);
      expect(carolNow.handRaisedAt).toBeUndefined();
      await h.send(carol, { type: 'state', handRaised: true });
      expect(raisedOrder(host)).toEqual(['Bob', 'Carol']);
    });

    it('a late joiner sees raised hands in the same order', async () => {
      await h.send(carol, { type: 'state', handRaised: true });
      await h.send(bob, { type: 'state', handRaised: true });
      const late = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
      const raised = h
        .last(late, 'welcome')!
        .roster.filter((p) => p.handRaised)
        .sort((a, b) => a.handRaisedAt! - b.handRaisedAt!);
      expect(raised.map((p) => p.name)).toEqual(['Carol', 'Bob']);
    });

    it('the host lowers someone’s hand and everyone sees it go down', async () => {
      await h.send(bob, { type: 'state', handRaised: true });
      await h.send(carol, { type: 'state', handRaised: true });
      await h.send(host, { type: 'host.lowerHand', peerId: bob.peerId });
      for (const who of [host, bob, carol]) expect(raisedOrder(who)).toEqual(['Carol']);
      expect((await h.deps.live.getParticipant(roomId, bob.peerId))!.handRaisedAt).toBeUndefined();
    });

    it('a cohost may lower hands; a member only their own, never someone else’s', async () => {
      await h.send(bob, { type: 'state', handRaised: true });
      await h.send(carol, { type: 'state', handRaised: true });
      await h.send(carol, { type: 'host.lowerHand', peerId: bob.peerId, ref: 'x' });
      expect(lastError(carol)).toMatchObject({ code: 'not_allowed', ref: 'x' });
      expect((await h.deps.live.getParticipant(roomId, bob.peerId))!.handRaised).toBe(true);
      await h.send(carol, { type: 'host.lowerHand', peerId: carol.peerId });
      expect(raisedOrder(host)).toEqual(['Bob']);
      await h.send(host, { type: 'host.cohost', peerId: carol.peerId, cohost: true });
      await h.send(carol, { type: 'host.lowerHand', peerId: bob.peerId });
      expect(raisedOrder(host)).toEqual([]);
    });

    it('lowering a hand of someone not in the room is refused as not_found', async () => {
      await h.send(host, { type: 'host.lowerHand', peerId: 'nobody123', ref: 'n' });
      expect(lastError(host)).toMatchObject({ code: 'not_found', ref: 'n' });
    });
  });

  describe('recording notice', () => {
    it('a recording started is announced to everyone and given to late joiners; stopping clears it', async () => {
      await h.send(host, { type: 'recording.started' });
      const notice = { by: 'Hosta', peerId: host.peerId, since: expect.any(Number) };
      for (const who of [host, bob, carol]) {
        expect(h.last(who, 'recording.state')).toEqual({ type: 'recording.state', recording: notice });
      }
      const late = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
      expect(h.last(late, 'welcome')!.recording).toEqual(notice);
      await h.send(host, { type: 'recording.stopped' });
      for (const who of [host, bob, carol, late]) {
        expect(h.last(who, 'recording.state')).toEqual({ type: 'recording.state', recording: null });
      }
      const later = await h.joined(roomId, 'sub-eve', { name: 'Eve' });
      expect(h.last(later, 'welcome')!.recording).toBeUndefined();
    });

    it('only the recorder stops it: another participant’s stop is refused and the notice stays', async () => {
      await h.send(bob, { type: 'recording.started' });
      await h.send(host, { type: 'recording.stopped', ref: 's' });
      expect(lastError(host)).toMatchObject({ code: 'not_allowed', ref: 's' });
      expect(h.last(carol, 'recording.state')!.recording).toMatchObject({ by: 'Bob' });
    });

    it('ends when the recorder leaves', async () => {
      await h.send(bob, { type: 'recording.started' });
      await h.send(bob, { type: 'leave' });
      expect(h.last(carol, 'recording.state')).toEqual({ type: 'recording.state', recording: null });
      const late = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
      expect(h.last(late, 'welcome')!.recording).toBeUndefined();
    });

    it('ends when the recorder’s socket disconnects, or the recorder is removed', async () => {
      await h.send(bob, { type: 'recording.started' });
      await onRoomSocketDisconnected(h.registry.get(bob.connectionId)!, h.deps);
      expect(h.last(carol, 'recording.state')).toEqual({ type: 'recording.state', recording: null });
      await h.send(carol, { type: 'recording.started' });
      await h.send(host, { type: 'host.remove', peerId: carol.peerId });
      expect(h.last(host, 'recording.state')).toEqual({ type: 'recording.state', recording: null });
    });

    it('someone else leaving does not end it', async () => {
      await h.send(host, { type: 'recording.started' });
      await h.send(bob, { type: 'leave' });
      const late = await h.joined(roomId, 'sub-dan', { name: 'Dan' });
      expect(h.last(late, 'welcome')!.recording).toMatchObject({ by: 'Hosta' });
    });

    it('is refused from the lobby and from a socket that has not joined', async () => {
      const waiter = h.socket(roomId, 'sub-wait', { role: 'lobby' });
      await h.send(waiter, { type: 'recording.started' });
      expect(lastError(waiter)).toMatchObject({ code: 'not_allowed' });
      const early = h.socket(roomId, 'sub-host', { role: 'member' });
      await h.send(early, { type: 'recording.started' });
      expect(lastError(early)).toMatchObject({ code: 'not_in_room' });
      expect(h.of(carol, 'recording.state')).toEqual([]);
    });
  });
});
