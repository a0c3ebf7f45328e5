import {
  LIMITS,
  clientMessageSchema,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
  type ClientMessage,
} from '../../../functions/shared/protocol/room';

describe('room protocol (shared by browser and Lambdas)', () => {
  const valid: ClientMessage[] = [
    { type: 'join', state: { mic: true, cam: false } },
    { type: 'leave' },
    { type: 'state', speaking: true, ref: 'r1' },
    { type: 'chat.send', text: 'hi <b>there</b>' },
    { type: 'knock' },
    { type: 'lobby.admit', peerId: 'pabc' },
    { type: 'lobby.deny', peerId: 'pabc' },
    { type: 'host.cohost', peerId: 'pabc', cohost: false },
    { type: 'host.lock', locked: true },
    { type: 'host.remove', peerId: 'pabc', reason: 'spam' },
    { type: 'host.muteAll' },
    { type: 'host.askUnmute', peerId: 'pabc' },
    { type: 'host.end' },
    { type: 'grace.expired' },
    {
      type: 'poll.create',
      question: 'Lunch?',
      options: ['Pizza', 'Sushi'],
      multiple: false,
      anonymous: true,
      resultsVisibleToAll: false,
      durationSeconds: 60,
    },
    { type: 'poll.vote', pollId: '0abc12345-poll', optionIndexes: [1] },
    { type: 'poll.close', pollId: '0abc12345-poll' },
    { type: 'poll.expired', pollId: '0abc12345-poll' },
    { type: 'reaction.send', emoji: '❤️' },
    { type: 'host.lowerHand', peerId: 'p1' },
    { type: 'recording.started' },
    { type: 'recording.stopped' },
    { type: 'breakout.open', rooms: ['Red', 'Blue'], mode: 'manual', assignments: [{ peerId: 'p1', room: 1 }] },
    { type: 'breakout.assign', peerId: 'p1', room: 'b2' },
    { type: 'breakout.join', room: null },
    { type: 'breakout.close', breakoutId: 'mq0a1b2c-x' },
    { type: 'breakout.expired', breakoutId: 'mq0a1b2c-x' },
    { type: 'breakout.broadcast', text: 'Two minutes left' },
    { type: 'breakout.help' },
    { type: 'wb.sync', message: 'AAEA' },
    { type: 'wb.sync', message: 'AgA=', chunk: { id: 'abc1', index: 0, count: 3 } },
    { type: 'wb.clear' },
    { type: 'wb.lock', locked: true },
    { type: 'wb.cursor', at: { x: 1.5, y: -3 } },
  ];

  it('has one schema entry per client message type, all round-tripping through encode/decode', () => {
    expect(new Set(valid.map((m) => m.type)).size).toBe(clientMessageSchema.options.length);
    for (const message of valid) {
      const encoded = encodeClientMessage(message);
      expect(encoded.ok).toBe(true);
      expect(decodeClientMessage(encoded.ok ? encoded.message : '')).toEqual({ ok: true, message });
    }
  });

  it('returns typed errors, never throws, and echoes the ref when it can read one', () => {
    expect(decodeClientMessage(undefined)).toEqual({
      ok: false,
      error: { code: 'invalid_message', message: 'empty message' },
    });
    const bad = decodeClientMessage(JSON.stringify({ type: 'host.lock', locked: 'yes', ref: 'q9' }));
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_message', ref: 'q9' } });
    expect(!bad.ok && bad.error.issues).toEqual([{ path: 'locked', message: expect.any(String) }]);
    const big = decodeClientMessage(JSON.stringify({ type: 'chat.send', text: 'x'.repeat(LIMITS.clientMessageBytes) }));
    expect(big).toMatchObject({ ok: false, error: { code: 'message_too_large' } });
  });

  it('refuses invalid peer ids (PeerJS would destroy a peer given one)', () => {
    for (const peerId of ['', 'a b c d '.repeat(20), '<x>', 'a--b', "p' OR 1=1"]) {
      expect(decodeClientMessage(JSON.stringify({ type: 'lobby.admit', peerId })).ok).toBe(false);
    }
  });

  it('encodeClientMessage refuses what the server would refuse', () => {
    expect(encodeClientMessage({ type: 'chat.send', text: '' })).toMatchObject({ ok: false });
    expect(encodeClientMessage({ type: 'chat.send', text: 'x'.repeat(LIMITS.chatText + 1) })).toMatchObject({
      ok: false,
    });
  });

  it('server messages validate on both ends; a malformed one is refused by the browser decoder', () => {
    const text = encodeServerMessage({ type: 'error', code: 'not_allowed', message: 'no', ref: 'r' });
    expect(decodeServerMessage(text)).toEqual({
      ok: true,
      message: { type: 'error', code: 'not_allowed', message: 'no', ref: 'r' },
    });
    expect(() => encodeServerMessage({ type: 'peer.left', peerId: 'p1', reason: 'bored' } as never)).toThrow();
    expect(decodeServerMessage('{"type":"welcome"}')).toMatchObject({ ok: false });
  });
});
