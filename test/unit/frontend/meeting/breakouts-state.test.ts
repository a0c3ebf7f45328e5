import type { BreakoutView } from '../../../../functions/shared/protocol/breakouts';
import type { ChatMessage, ServerMessage } from '../../../../functions/shared/protocol/room';
import {
  defaultRoomNames,
  formatSeconds,
  peopleByRoom,
  roomOf,
  timerPhase,
} from '../../../../frontend/src/features/breakouts/breakouts-state';
import { handleServerMessage, type SessionPort } from '../../../../frontend/src/meeting/handlers';
import { initialRoomState, reduceRoomState, withSelfId } from '../../../../frontend/src/meeting/room-state';

const view = (over: Partial<BreakoutView> = {}): BreakoutView => ({
  id: 'mq0a1b2c-x1',
  mode: 'auto',
  rooms: [
    { id: 'b1', name: 'Red' },
    { id: 'b2', name: 'Blue' },
  ],
  people: [
    { peerId: 'h', name: 'Hosta', room: null },
    { peerId: 'a', name: 'Ann', room: 'b1' },
    { peerId: 'b', name: 'Bob', room: 'b2' },
  ],
  endsAt: null,
  help: [],
  ...over,
});

const line = (id: string, text: string): ChatMessage => ({ id, peerId: 'b', name: 'Bob', text, sentAt: 'now' });

const reduce = (messages: ServerMessage[]) => messages.reduce(reduceRoomState, withSelfId(initialRoomState, 'a'));

describe('breakouts slice', () => {
  it('follows breakout.state whole; closing clears it and the banner', () => {
    const open = view();
    let s = reduce([{ type: 'breakout.state', breakouts: open }]);
    expect(s.breakouts).toBe(open);
    expect(roomOf(s.breakouts, s.selfId)).toEqual({ id: 'b1', name: 'Red' });
    s = reduceRoomState(s, { type: 'breakout.broadcast', by: 'Hosta', text: 'Two minutes' });
    s = reduceRoomState(s, { type: 'breakout.broadcast', by: 'Hosta', text: 'One minute' });
    expect(s.broadcast).toEqual({ seq: 2, by: 'Hosta', text: 'One minute' });
    s = reduceRoomState(s, { type: 'breakout.state', breakouts: null });
    expect([s.breakouts, s.broadcast]).toEqual([null, null]);
    expect(roomOf(s.breakouts, 'a')).toBeNull();
  });

  it('a move replaces the chat with the new room’s, so no line of another room stays on screen', () => {
    let s = reduce([{ type: 'chat.message', message: line('m1', 'main room line') }]);
    s = reduceRoomState(s, {
      type: 'breakout.moved',
      room: { id: 'b2', name: 'Blue' },
      reason: 'assigned',
      chat: [line('r1', 'blue line')],
    });
    expect(s.chat.map((c) => c.text)).toEqual(['blue line']);
  });

  it('groups people by room, main room first, and names rooms by default', () => {
    const groups = peopleByRoom(view());
    expect([...groups.keys()]).toEqual([null, 'b1', 'b2']);
    expect(groups.get('b2')!.map((p) => p.name)).toEqual(['Bob']);
    expect(defaultRoomNames(3)).toEqual(['Room 1', 'Room 2', 'Room 3']);
  });

  it('timer: running, warned in the last minute, then the return countdown, then due', () => {
    const v = view({ endsAt: 200_000 });
    expect(timerPhase(view(), 0)).toEqual({ phase: 'none' });
    expect(timerPhase(v, 0)).toEqual({ phase: 'running', secondsLeft: 200, warning: false });
    expect(timerPhase(v, 150_000)).toEqual({ phase: 'running', secondsLeft: 50, warning: true });
    expect(timerPhase(v, 203_000)).toEqual({ phase: 'returning', secondsLeft: 7 });
    expect(timerPhase(v, 211_000)).toEqual({ phase: 'due' });
    expect(formatSeconds(125)).toBe('2:05');
  });
});

describe('breakout messages tell the person what happened', () => {
  const run = (m: ServerMessage) => {
    const calls: string[] = [];
    const port = new Proxy({} as SessionPort, {
      get:
        (_t, name: string) =>
        (...args: unknown[]) =>
          calls.push(`${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`),
    });
    handleServerMessage(port, m);
    return calls;
  };

  it('moves, closing and requests for help become notices; state and broadcasts are drawn from the store', () => {
    expect(run({ type: 'breakout.moved', room: { id: 'b1', name: 'Red' }, reason: 'opened', chat: [] })).toEqual([
      'notice("You are now in Red.")',
    ]);
    expect(run({ type: 'breakout.moved', room: null, reason: 'timer', chat: [] })).toEqual([
      'notice("Breakout rooms closed: you are back in the main room.")',
    ]);
    expect(
      run({ type: 'breakout.help', request: { peerId: 'b', name: 'Bob', room: 'b2', at: 1 }, roomName: 'Blue' }),
    ).toEqual(['notice("Bob asked for help in Blue.")']);
    expect(run({ type: 'breakout.state', breakouts: view() })).toEqual([]);
    expect(run({ type: 'breakout.broadcast', by: 'Hosta', text: 'hi' })).toEqual([]);
  });
});
