import * as Y from 'yjs';
import { ApiClient } from '../../../frontend/src/api/client';
import { resolveConfig } from '../../../frontend/src/config';
import { createRouter } from '../../../functions/api/router';
import type { AccessClaims } from '../../../functions/auth/tickets';
import { createBoardArchiveRoutes } from '../../../functions/room/whiteboard/board-archive-routes';
import type { WhiteboardLive } from '../../../functions/room/whiteboard/board-live';
import { LAMBDA_PAYLOAD_LIMITS } from '../../../functions/shared/lambda-limits';
import { MAIN_BOARD, WHITEBOARD_ITEMS, type WhiteboardItem } from '../../../functions/shared/protocol/whiteboard';
import { httpEvent } from '../../integration/auth/http-events';
import { MemoryWhiteboardStore } from './memory-whiteboard-store';

/*
 * A meeting's boards after it ended, as the archive page fetches them: two boards of 6 000 pen strokes each are about
 * 7 MB of JSON, over Lambda's 6 MB response (the local runtime now refuses such a response as Lambda does, and API
 * Gateway would answer 500). Each answer stays under the limit, and the page's client puts the boards back together
 * whole from the pages.
 */
const ROOM = 'abcd-efgh-jkmn-pqrs';
const BREAKOUT = '0000000001-x/b1' as const;
const STROKES = 6000;

function stroke(owner: string, n: number): WhiteboardItem {
  const points: number[] = [];
  const pressure: number[] = [];
  for (let i = 0; i < 24; i += 1) {
    points.push(Math.round((n * 7 + i * 6.1) * 10) / 10, Math.round((n * 3 + i * 3.3) * 10) / 10);
    pressure.push(Math.round((0.4 + 0.2 * Math.sin(i / 4)) * 100) / 100);
  }
  return { kind: 'pen', owner, colour: '#1d4ed8', width: 4, points, pressure, order: n };
}

function boardOf(owner: string): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (let n = 0; n < STROKES; n += 1) doc.getMap(WHITEBOARD_ITEMS).set(`${owner}-${n}`, stroke(owner, n));
  });
  return Y.encodeStateAsUpdate(doc);
}

/** The archive route as the HTTP Lambda serves it, for a host of the meeting, over the given stored boards. */
function archiveRoute(store: MemoryWhiteboardStore, role: 'host' | 'member' | undefined, removed = false) {
  return createRouter(
    createBoardArchiveRoutes(() => ({
      verifyAccessToken: async () => ({ sub: 'host-sub' }) as AccessClaims,
      store: {
        getRoom: async () => ({ name: 'Board', ended: true }) as never,
        getRole: async () => role,
        isRemoved: async () => removed,
      },
      whiteboardLive: { log: async () => [] } as unknown as WhiteboardLive,
      whiteboardStore: store,
      now: Date.now,
    })),
  );
}

beforeAll(() => {
  Object.defineProperty(globalThis, 'location', { value: new URL('https://meet.example/'), configurable: true });
});

it('answers every page of a meeting’s large boards under Lambda’s 6 MB, and the page’s client gets each board whole', async () => {
  const store = new MemoryWhiteboardStore();
  await store.save({ roomId: ROOM, board: MAIN_BOARD }, { snapshot: boardOf('ann'), locked: false });
  await store.save({ roomId: ROOM, board: BREAKOUT }, { snapshot: boardOf('bob'), locked: false });
  const route = archiveRoute(store, 'host');
  const answers: number[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    const u = new URL(url);
    const result = await route(
      httpEvent(init.method ?? 'GET', u.pathname, {
        headers: init.headers as Record<string, string>,
        query: Object.fromEntries(u.searchParams),
      }),
    );
    // What the local runtime, like Lambda, measures: the handler's whole result as JSON.
    answers.push(Buffer.byteLength(JSON.stringify(result)));
    return new Response(result.body, { status: result.statusCode, headers: result.headers as Record<string, string> });
  }) as unknown as typeof fetch;
  const client = new ApiClient(
    resolveConfig(
      { apiBase: '/api', wsUrl: '/peerjs', peer: { key: 'k', path: '/' }, maxParticipants: 8 },
      'https://meet.example/',
    ),
    fetchImpl,
  );
  (client as unknown as { accessToken: string }).accessToken = 'token';

  const meeting = await client.meetingWhiteboard(ROOM);

  expect(answers.length).toBeGreaterThan(1);
  for (const bytes of answers) expect(bytes).toBeLessThanOrEqual(LAMBDA_PAYLOAD_LIMITS.syncBytes);
  expect(answers.reduce((a, b) => a + b, 0)).toBeGreaterThan(LAMBDA_PAYLOAD_LIMITS.syncBytes);
  expect(meeting.boards.map((b) => [b.board, b.items.length, b.nextItem])).toEqual([
    [MAIN_BOARD, STROKES, null],
    [BREAKOUT, STROKES, null],
  ]);
  expect(meeting.boards[1]!.items.map(([id]) => id)).toEqual(Array.from({ length: STROKES }, (_, n) => `bob-${n}`));
  expect(meeting.boards[0]!.items[STROKES - 1]![1]).toEqual(stroke('ann', STROKES - 1));
});

it('refuses a page asked for without both its board and its first item, with a clear error', async () => {
  const route = archiveRoute(new MemoryWhiteboardStore(), 'host');
  const pages: Record<string, string>[] = [
    { board: MAIN_BOARD },
    { from: '3' },
    { board: '../x', from: '0' },
    { board: MAIN_BOARD, from: '-1' },
  ];
  for (const query of pages) {
    const res = await route(
      httpEvent('GET', `/api/meetings/${ROOM}/whiteboard`, { headers: { authorization: 'Bearer t' }, query }),
    );
    expect([res.statusCode, JSON.parse(res.body!).error.code]).toEqual([400, 'bad-board-page']);
  }
});

it('gives a page only of a board the listing shows, and only to someone who was in the meeting and not removed', async () => {
  const store = new MemoryWhiteboardStore();
  await store.save({ roomId: ROOM, board: BREAKOUT }, { snapshot: boardOf('bob'), locked: false });
  const page = (route: ReturnType<typeof archiveRoute>, board: string) =>
    route(
      httpEvent('GET', `/api/meetings/${ROOM}/whiteboard`, {
        headers: { authorization: 'Bearer t' },
        query: { board, from: '0' },
      }),
    ).then((res) => [res.statusCode, res.statusCode === 200 ? 'ok' : JSON.parse(res.body!).error.code]);
  expect(await page(archiveRoute(store, 'member'), BREAKOUT)).toEqual([200, 'ok']);
  // A breakout board the meeting never stored (live only, or made up) is not reachable through a page either.
  expect(await page(archiveRoute(store, 'member'), '0000000001-x/b2')).toEqual([404, 'board-not-found']);
  expect(await page(archiveRoute(store, undefined), BREAKOUT)).toEqual([404, 'meeting-not-found']);
  expect(await page(archiveRoute(store, 'member', true), BREAKOUT)).toEqual([404, 'meeting-not-found']);
});
