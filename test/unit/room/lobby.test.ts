import type { ClientMessage } from '../../../functions/shared/protocol/room';
import { onRoomSocketDisconnected } from '../../../functions/room/lifecycle';
import { createHarness, type Harness, type Sock } from './harness';

describe('lobby', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;

  beforeEach(async () => {
    h = createHarness();
    roomId = await h.createRoom({ lobby: true });
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    h.clear();
  });
  afterEach(() => h.restore());

  it('knock: the knocker waits, host and cohosts hear it, members do not', async () => {
    const wanda = h.socket(roomId, 'sub-wanda', { name: 'Wanda', role: 'lobby' });
    await h.send(wanda, { type: 'knock' });
    expect(h.inbox(wanda)).toEqual([{ type: 'lobby.waiting', roomName: 'Standup' }]);
    expect(h.of(host, 'lobby.knock')).toEqual([
      {
        type: 'lobby.knock',
        entry: { peerId: wanda.peerId, name: 'Wanda', verified: false, knockedAt: expect.any(Number) },
      },
    ]);
    expect(h.inbox(bob)).toEqual([]);
  });

  it.each<[string, ClientMessage]>([
    ['join', { type: 'join' }],
    ['state', { type: 'state', mic: true }],
    ['chat.send', { type: 'chat.send', text: 'let me in' }],
    ['lobby.admit', { type: 'lobby.admit', peerId: 'pself' }],
    ['lobby.deny', { type: 'lobby.deny', peerId: 'pself' }],
    ['host.cohost', { type: 'host.cohost', peerId: 'pself', cohost: true }],
    ['host.lock', { type: 'host.lock', locked: false }],
    ['host.remove', { type: 'host.remove', peerId: 'pself' }],
    ['host.muteAll', { type: 'host.muteAll' }],
    ['host.askUnmute', { type: 'host.askUnmute', peerId: 'pself' }],
    ['host.end', { type: 'host.end' }],
    ['breakout.open', { type: 'breakout.open', rooms: ['Red', 'Blue'], mode: 'manual', assignments: [] }],
    ['breakout.join', { type: 'breakout.join', room: null }],
    ['breakout.help', { type: 'breakout.help' }],
    ['wb.sync', { type: 'wb.sync', message: 'AAEA' }],
    ['wb.clear', { type: 'wb.clear' }],
    ['wb.cursor', { type: 'wb.cursor', at: { x: 1.5, y: -3 } }],
  ])('a lobby socket sending %s is refused and reaches nobody', async (_name, message) => {
    // Even an identity that holds a member row elsewhere: the socket's lobby ticket is what limits it.
    await h.store.addMember(roomId, { sub: 'sub-wanda', name: 'Wanda' }, 'member');
    const wanda = h.socket(roomId, 'sub-wanda', { name: 'Wanda', role: 'lobby' });
    await h.send(wanda, { type: 'knock' });
    h.clear();
    const rosterBefore = await h.roster(roomId);
    await h.send(wanda, message);
    expect(h.inbox(wanda)).toEqual([
      {
        type: 'error',
        code: 'not_allowed',
        message: 'You are waiting in the lobby: a host has to let you in first',
      },
    ]);
    expect(h.inbox(host)).toEqual([]);
    expect(h.inbox(bob)).toEqual([]);
    expect(await h.roster(roomId)).toEqual(rosterBefore);
    expect(h.store.chat).toEqual([]);
    expect((await h.store.getRoom(roomId))!).toMatchObject({ locked: false, ended: false });
  });

  it('admit: the waiter gets a member ticket for the same peer id, becomes a member and can join', async () => {
    const wanda = h.socket(roomId, 'sub-wanda', { name: 'Wanda', role: 'lobby' });
    await h.send(wanda, { type: 'knock' });
    await h.send(host, { type: 'lobby.admit', peerId: wanda.peerId });
    expect(h.last(wanda, 'lobby.admitted')).toEqual({
      type: 'lobby.admitted',
      ticket: `ticket-for-${wanda.peerId}-member`,
      role: 'member',
    });
    expect(h.tickets.at(-1)).toEqual({
      sub: 'sub-wanda',
      name: 'Wanda',
      roomId,
      peerId: wanda.peerId,
      role: 'member',
      account: 'guest',
    });
    expect(await h.store.getRole(roomId, 'sub-wanda')).toBe('member');
    expect(h.last(host, 'lobby.update')).toEqual({ type: 'lobby.update', lobby: [] });
    const memberSocket = h.socket(roomId, 'sub-wanda', { name: 'Wanda', peerId: wanda.peerId });
    await h.send(memberSocket, { type: 'join' });
    expect(h.last(memberSocket, 'welcome')!.self.peerId).toBe(wanda.peerId);
  });

  it('admit refuses when the room is full, and the waiter keeps waiting', async () => {
    const small = await h.createRoom({ lobby: true, max: 2 });
    const smallHost = await h.joined(small, 'sub-host');
    await h.joined(small, 'sub-bob');
    const wanda = h.socket(small, 'sub-wanda', { role: 'lobby' });
    await h.send(wanda, { type: 'knock' });
    await h.send(smallHost, { type: 'lobby.admit', peerId: wanda.peerId });
    expect(h.last(smallHost, 'error')).toMatchObject({ code: 'room_full', message: 'Room is full (2/2)' });
    expect(h.of(wanda, 'lobby.admitted')).toEqual([]);
    expect((await h.deps.live.lobby(small)).map((w) => w.peerId)).toEqual([wanda.peerId]);
  });

  it('deny: the waiter is told and the socket closed; a cohost can deny too', async () => {
    await h.send(host, { type: 'host.cohost', peerId: bob.peerId, cohost: true });
    const wanda = h.socket(roomId, 'sub-wanda', { role: 'lobby' });
    await h.send(wanda, { type: 'knock' });
    await h.send(bob, { type: 'lobby.deny', peerId: wanda.peerId });
    expect(h.last(wanda, 'lobby.denied')).toEqual({ type: 'lobby.denied', reason: 'The host did not let you in' });
    expect(h.closed).toContain(wanda.connectionId);
    expect(await h.deps.live.lobby(roomId)).toEqual([]);
    expect(await h.store.getRole(roomId, 'sub-wanda')).toBeUndefined();
  });

  it('a waiter who leaves or disconnects disappears from the hosts’ list', async () => {
    const wanda = h.socket(roomId, 'sub-wanda', { role: 'lobby' });
    const xavier = h.socket(roomId, 'sub-x', { role: 'lobby' });
    await h.send(wanda, { type: 'knock' });
    await h.send(xavier, { type: 'knock' });
    await h.send(wanda, { type: 'leave' });
    expect(h.last(host, 'lobby.update')!.lobby.map((e) => e.peerId)).toEqual([xavier.peerId]);
    await onRoomSocketDisconnected(h.registry.get(xavier.connectionId)!, h.deps);
    expect(h.last(host, 'lobby.update')!.lobby).toEqual([]);
  });

  it('knocking twice keeps one entry and the first knock time', async () => {
    const wanda = h.socket(roomId, 'sub-wanda', { role: 'lobby' });
    await h.send(wanda, { type: 'knock' });
    const first = (await h.deps.live.lobby(roomId))[0]!.knockedAt;
    await h.send(wanda, { type: 'knock' });
    const lobby = await h.deps.live.lobby(roomId);
    expect(lobby).toHaveLength(1);
    expect(lobby[0]!.knockedAt).toBe(first);
  });

  it('a member ticket cannot knock (it would put an admitted user in the hosts’ list)', async () => {
    await h.send(bob, { type: 'knock' });
    expect(h.last(bob, 'error')!.code).toBe('not_allowed');
    expect(await h.deps.live.lobby(roomId)).toEqual([]);
  });

  it('admitting or denying someone who is not waiting is a clear error', async () => {
    await h.send(host, { type: 'lobby.admit', peerId: 'pghost' });
    await h.send(host, { type: 'lobby.deny', peerId: 'pghost' });
    expect(h.of(host, 'error').map((e) => e.code)).toEqual(['not_found', 'not_found']);
    expect(h.tickets).toEqual([]);
  });
});
