import type { ServerMessage } from '../../../../functions/shared/protocol/room';
import { handleServerMessage, type SessionPort } from '../../../../frontend/src/meeting/handlers';

function fakePort() {
  const calls: string[] = [];
  const port = new Proxy({} as SessionPort, {
    get:
      (_t, name: string) =>
      (...args: unknown[]) =>
        calls.push(`${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`),
  });
  return { port, calls };
}

const run = (m: ServerMessage) => {
  const { port, calls } = fakePort();
  handleServerMessage(port, m);
  return calls;
};

describe('server message handlers', () => {
  it('welcome enters the room and places calls', () => {
    expect(run({ type: 'welcome' } as ServerMessage)).toEqual(['enteredRoom()', 'reconcileCalls()']);
  });

  it('a roster change follows the server mic before placing calls', () => {
    expect(run({ type: 'roster.update', roster: [] })).toEqual(['followServerMic()', 'reconcileCalls()']);
  });

  it('host.mutedAll mutes the local mic and says who did it', () => {
    expect(run({ type: 'host.mutedAll', by: 'Ann' })).toEqual(['muteLocalMic()', 'notice("Ann muted everyone.")']);
  });

  it('fatal errors end the session with their reason; others are shown', () => {
    expect(run({ type: 'error', code: 'room_full', message: 'x' })).toEqual([
      'finish("full", "This meeting is full.")',
    ]);
    expect(run({ type: 'error', code: 'rate_limited', message: 'Slow down' })).toEqual(['notice("Slow down")']);
  });

  it('a refusal of a whiteboard sync frame goes to the board, and is shown unless it is only a rate limit', () => {
    const limited = { type: 'error', code: 'rate_limited', message: 'Slow down', ref: 'wb-7' } as const;
    expect(run(limited)).toEqual([`whiteboard(${JSON.stringify(limited)})`]);
    const full = { type: 'error', code: 'board_full', message: 'The whiteboard is full', ref: 'wb-8' } as const;
    expect(run(full)).toEqual([`whiteboard(${JSON.stringify(full)})`, 'notice("The whiteboard is full")']);
  });

  it('removal and end of meeting finish the session with a sentence naming who did it', () => {
    expect(run({ type: 'host.removed', by: 'Ann', reason: '' })).toEqual([
      'finish("removed", "Ann removed you from the meeting.")',
    ]);
    expect(run({ type: 'room.ended', by: 'Ann' })).toEqual(['finish("ended", "Ann ended the meeting for everyone.")']);
  });

  it('state-only messages do nothing beyond the reducers', () => {
    expect(run({ type: 'chat.message', message: { id: '1', peerId: 'a', name: 'A', text: 'hi', sentAt: '' } })).toEqual(
      [],
    );
  });
});
