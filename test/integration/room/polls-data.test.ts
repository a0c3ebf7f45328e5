import { createRouter } from '../../../functions/api/router';
import type { HttpEvent } from '../../../functions/shared/http';
import type { Poll } from '../../../functions/shared/protocol/polls';
import { createPollExportRoutes } from '../../../functions/room/polls/poll-export';
import { SqlPollStore } from '../../../functions/room/polls/poll-store';
import { SqlRoomStore } from '../../../functions/room/room-store';
import { availableBackends, type IdentityDb } from '../auth/identity-db';
import { startRoomDb } from './room-world';

const HOSTILE = `Robert'); DROP TABLE room_poll_votes;-- :name $1 "quoted", \\ 👩🏽‍💻`;

/* The poll archive (migration 0005) through the real Data API adapter and emulator, read back by the export. */
describe.each(availableBackends())('poll archive on %s through the Data API emulator', (dbKind) => {
  let db: IdentityDb;
  beforeAll(async () => {
    db = await startRoomDb(dbKind);
  }, 90_000);
  afterAll(async () => {
    await db?.stop();
  });

  it('keeps polls and votes verbatim, a changed vote replaces the row, and the host exports them', async () => {
    const rooms = new SqlRoomStore(() => db.sql);
    const polls = new SqlPollStore(() => db.sql);
    const roomId = 'k3xd-9vqe-7rbn-m2ta';
    await rooms.createRoom(
      { id: roomId, name: 'Standup', passwordHash: null, lobby: false, maxParticipants: 8 },
      { sub: 'sub-host', name: 'Hosta' },
    );
    const openedAt = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const poll: Poll = {
      id: '0abc12345-poll-one',
      question: HOSTILE,
      options: [HOSTILE, 'Plain'],
      multiple: true,
      anonymous: false,
      resultsVisibleToAll: false,
      createdBy: 'Hosta',
      openedAt,
      closesAt: openedAt + 60_000,
      closedAt: null,
    };
    await polls.createPoll(roomId, poll, 'sub-host');
    await polls.recordVote({
      pollId: poll.id,
      voterKey: 'sub-bob',
      voterName: HOSTILE,
      optionIndexes: [0],
      votedAt: openedAt + 1000,
    });
    await polls.recordVote({
      pollId: poll.id,
      voterKey: 'sub-bob',
      voterName: HOSTILE,
      optionIndexes: [0, 1],
      votedAt: openedAt + 2000,
    });
    await polls.closePoll(poll.id, openedAt + 60_000, 'timer');
    await polls.closePoll(poll.id, openedAt + 99_000, 'host'); // a second close changes nothing

    expect(await polls.getPoll(roomId, poll.id)).toEqual({
      ...poll,
      roomId,
      createdBySub: 'sub-host',
      closedAt: openedAt + 60_000,
      closeReason: 'timer',
    });
    expect(await polls.getPoll('zzzz-zzzz-zzzz-zzzz', poll.id)).toBeUndefined();
    expect(await polls.votes(poll.id)).toEqual([
      { pollId: poll.id, voterKey: 'sub-bob', voterName: HOSTILE, optionIndexes: [0, 1], votedAt: openedAt + 2000 },
    ]);

    const route = createRouter(
      createPollExportRoutes(() => ({
        verifyAccessToken: async (token) => ({ sub: token, name: token, kind: 'guest' }),
        store: rooms,
        polls,
      })),
    );
    const res = await route({
      version: '2.0',
      routeKey: '$default',
      rawPath: `/api/rooms/${roomId}/polls/${poll.id}/export`,
      rawQueryString: 'format=json',
      queryStringParameters: { format: 'json' },
      headers: { authorization: 'Bearer sub-host' },
      requestContext: { http: { method: 'GET', path: '/', sourceIp: '203.0.113.9' }, requestId: 'r1' },
      isBase64Encoded: false,
    } as unknown as HttpEvent);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toMatchObject({
      poll: { question: HOSTILE, closedAt: '2026-01-02T03:05:05.678Z', closeReason: 'timer' },
      results: [
        { option: HOSTILE, votes: 1, voters: [HOSTILE] },
        { option: 'Plain', votes: 1, voters: [HOSTILE] },
      ],
    });
  });
});
