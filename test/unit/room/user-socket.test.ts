import { createRoomSocketHandler } from '../../../functions/room/socket';
import { createHarness, type Harness } from './harness';

/** The Recordings page's socket (kind `user`) only listens; nothing it sends may reach a room. */
describe('a user socket on the room route', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
  });

  const userAuthorizer = {
    sub: 'sub-mallory',
    name: 'Mallory',
    roomId: 'user:sub-mallory',
    peerId: '',
    role: 'member',
    kind: 'user',
  };

  it.each([
    ['a join', { type: 'join' }],
    ['a chat message', { type: 'chat', text: 'hello' }],
    ['garbage', 'not json at all'],
  ])('answers %s with an error to the sender alone and touches no room', async (_label, body) => {
    const roomId = await h.createRoom();
    const host = await h.joined(roomId, 'sub-host');
    h.clear();
    const peerFrames: unknown[] = [];
    const handler = createRoomSocketHandler(
      () => h.deps,
      async (event) => {
        peerFrames.push(event);
        return { statusCode: 200 };
      },
    );
    const result = await handler({
      requestContext: { connectionId: 'conn-mallory', routeKey: '$default', authorizer: userAuthorizer },
      body: typeof body === 'string' ? body : JSON.stringify({ ...body, roomId }),
    });
    expect(result).toEqual({ statusCode: 403 });
    expect(h.inbox('conn-mallory')).toEqual([expect.objectContaining({ type: 'error', code: 'not_allowed' })]);
    expect(h.inbox(host)).toEqual([]);
    expect(peerFrames).toEqual([]);
    expect(await h.deps.store.getRole(roomId, 'sub-mallory')).toBeUndefined();
  });
});
