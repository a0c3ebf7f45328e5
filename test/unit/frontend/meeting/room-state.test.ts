import type { Participant, RoomSettings, ServerMessage } from '../../../../functions/shared/protocol/room';
import {
  initialRoomState,
  isHostish,
  reduceRoomState,
  withSelfId,
  type RoomState,
} from '../../../../frontend/src/meeting/room-state';

const person = (peerId: string, extra: Partial<Participant> = {}): Participant => ({
  peerId,
  name: `Name ${peerId}`,
  role: 'member',
  verified: false,
  joinedAt: 1,
  mic: true,
  cam: true,
  screen: false,
  speaking: false,
  handRaised: false,
  ...extra,
});
const room: RoomSettings = {
  id: 'k3xd-9vqe-7rbn-m2ta',
  name: 'Standup',
  locked: false,
  lobby: false,
  needsPassword: false,
  maxParticipants: 8,
};
const chat = (id: string) => ({ id, peerId: 'a', name: 'A', text: `text ${id}`, sentAt: '2026-01-01T00:00:00Z' });

const welcome = (over: Partial<Extract<ServerMessage, { type: 'welcome' }>> = {}): ServerMessage => ({
  type: 'welcome',
  self: person('a', { role: 'host' }),
  room,
  roster: [person('a', { role: 'host' }), person('b')],
  chat: [chat('1')],
  lobby: [],
  ...over,
});

const reduce = (messages: ServerMessage[], start: RoomState = withSelfId(initialRoomState, 'a')) =>
  messages.reduce(reduceRoomState, start);

describe('room state reducers', () => {
  it('welcome sets self, room, roster, lobby and chat', () => {
    const s = reduce([welcome()]);
    expect(s.self?.role).toBe('host');
    expect(s.room?.name).toBe('Standup');
    expect(s.roster.map((p) => p.peerId)).toEqual(['a', 'b']);
    expect(s.chat.map((c) => c.id)).toEqual(['1']);
    expect(isHostish(s)).toBe(true);
  });

  it('a second welcome after a reconnect adds only chat messages not held yet', () => {
    const s = reduce([
      welcome(),
      { type: 'chat.message', message: chat('2') },
      welcome({ chat: [chat('1'), chat('2'), chat('3')] }),
    ]);
    expect(s.chat.map((c) => c.id)).toEqual(['1', '2', '3']);
  });

  it('a repeated chat message keeps the same chat array (views do not redraw)', () => {
    const s1 = reduce([welcome()]);
    const s2 = reduceRoomState(s1, { type: 'chat.message', message: chat('1') });
    expect(s2.chat).toBe(s1.chat);
  });

  it('peer.joined replaces a stale entry for the same peer and peer.left removes it', () => {
    const s1 = reduce([welcome(), { type: 'peer.joined', participant: person('b', { name: 'B again' }) }]);
    expect(s1.roster.filter((p) => p.peerId === 'b').map((p) => p.name)).toEqual(['B again']);
    const s2 = reduceRoomState(s1, { type: 'peer.left', peerId: 'b', reason: 'left' });
    expect(s2.roster.map((p) => p.peerId)).toEqual(['a']);
  });

  it('roster.update follows our own role change', () => {
    const s = reduce([
      welcome(),
      { type: 'roster.update', roster: [person('a', { role: 'member' }), person('b', { role: 'host' })] },
    ]);
    expect(s.self?.role).toBe('member');
    expect(isHostish(s)).toBe(false);
  });

  it('lobby.knock adds each knocker once and lobby.update replaces the list', () => {
    const entry = { peerId: 'c', name: 'C', verified: false, knockedAt: 5 };
    const s1 = reduce([welcome(), { type: 'lobby.knock', entry }, { type: 'lobby.knock', entry }]);
    expect(s1.lobby).toEqual([entry]);
    expect(reduceRoomState(s1, { type: 'lobby.update', lobby: [] }).lobby).toEqual([]);
  });

  it('room.update replaces the room settings', () => {
    const s = reduce([welcome(), { type: 'room.update', room: { ...room, locked: true } }]);
    expect(s.room?.locked).toBe(true);
  });

  it('messages no feature reads leave the state object untouched', () => {
    const s1 = reduce([welcome()]);
    expect(reduceRoomState(s1, { type: 'host.unmuteRequest', by: 'Host' })).toBe(s1);
    expect(reduceRoomState(s1, { type: 'error', code: 'internal', message: 'x' })).toBe(s1);
  });

  it('withSelfId re-reads self from the roster under a new peer id', () => {
    const s = withSelfId(reduce([welcome()]), 'b');
    expect(s.self?.peerId).toBe('b');
  });
});
