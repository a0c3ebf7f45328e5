import * as Y from 'yjs';
import { BoardSync } from '../../../frontend/src/features/whiteboard/board-sync';
import { placeBoard } from '../../../frontend/src/features/whiteboard/place-board';
import { createRouter } from '../../../functions/api/router';
import { createBoardArchiveRoutes } from '../../../functions/room/whiteboard/board-archive-routes';
import { RedisWhiteboardLive } from '../../../functions/room/whiteboard/board-live';
import { SqlWhiteboardStore } from '../../../functions/room/whiteboard/board-store';
import type { ServerMessage } from '../../../functions/shared/protocol/room';
import {
  MAIN_BOARD,
  meetingWhiteboardSchema,
  type WhiteboardItem,
} from '../../../functions/shared/protocol/whiteboard';
import { httpEvent } from '../auth/http-events';
import { availableBackends, type IdentityDb } from '../auth/identity-db';
import { availableRedis, createRoomWorld, startRoomDb, type RoomWorld } from './room-world';

const stroke = (owner: string, n: number): WhiteboardItem => ({
  kind: 'pen',
  owner,
  colour: '#112233',
  width: 3,
  points: [n, n, n + 10, n + 5],
  order: n,
});

/*
 * One board per breakout room, through the real room handler, Redis and the SQL store (migrations 0007 and 0010):
 * a stroke drawn in breakout room 1 reaches that room alone, and each room's board is kept apart after the close.
 */
describe.each(availableBackends())('whiteboards of breakout rooms on %s', (dbKind) => {
  let db: IdentityDb;
  beforeAll(async () => {
    db = await startRoomDb(dbKind);
  }, 90_000);
  afterAll(async () => {
    await db?.stop();
  });

  describe.each(availableRedis())('with %s Redis', (redisKind) => {
    let w: RoomWorld;
    beforeEach(async () => {
      w = await createRoomWorld(db, redisKind);
    });
    afterEach(async () => {
      await w.dispose();
    });

    /** A person in the room with the page's own BoardSync, following their place's board as the page does. */
    async function person(roomId: string, name: string) {
      const user = await w.user(name);
      const join = await w.http('POST', `/api/rooms/${roomId}/join`, user.token, {});
      const socket = await w.connect(join.body.ticket as string);
      const token = user.token;
      const out: object[] = [];
      const sync = new BoardSync((m) => (out.push(m), true), { flushMs: 60_000 });
      const seen = new Set<ServerMessage>();
      const me = {
        name,
        token,
        socket,
        sync,
        peerId: join.body.peerId as string,
        /** Sends what the page queued and feeds it what the server sent, until both are quiet. */
        async pump() {
          for (let round = 0; round < 20; round += 1) {
            let moved = false;
            sync.flush();
            while (out.length > 0) {
              await socket.send(out.shift());
              moved = true;
            }
            for (const m of socket.inbox()) {
              if (seen.has(m)) continue;
              seen.add(m);
              moved = true;
              if (m.type === 'breakout.state' || m.type === 'welcome') {
                sync.switchBoard(placeBoard(m.breakouts ?? null, me.peerId));
              }
              if (m.type === 'wb.sync') sync.receive(m);
              if (m.type === 'error') sync.refused(m);
            }
            if (!moved) return;
          }
        },
      };
      await socket.send({ type: 'join' });
      sync.connected();
      await me.pump();
      return me;
    }
    type Person = Awaited<ReturnType<typeof person>>;
    const settle = async (people: Person[]) => {
      for (let i = 0; i < 3; i += 1) for (const p of people) await p.pump();
    };
    const boardsSeen = (p: Person) => new Set(p.socket.of('wb.sync').map((m) => m.board));

    it('keeps a breakout room’s drawing in that room, each room’s board apart after they close, and every board for the people who were in the meeting', async () => {
      const hostUser = await w.user('Hosta');
      const roomId = (await w.http('POST', '/api/rooms', hostUser.token, { name: 'Board' })).body.roomId as string;
      const hostJoin = await w.http('POST', `/api/rooms/${roomId}/join`, hostUser.token, {});
      const hostSocket = await w.connect(hostJoin.body.ticket as string);
      await hostSocket.send({ type: 'join' });
      const ann = await person(roomId, 'Ann');
      const bob = await person(roomId, 'Bob');
      const cara = await person(roomId, 'Cara');
      const everyone = [ann, bob, cara];

      // Drawn on the main board before the rooms open: it stays there.
      ann.sync.edit((items) => items.set('main-1', stroke('ann', 1)));
      await settle(everyone);
      expect(bob.sync.items.has('main-1')).toBe(true);

      // Auto mode deals members round-robin in join order: Ann and Cara to room 1, Bob to room 2.
      await hostSocket.send({ type: 'breakout.open', rooms: ['One', 'Two'], mode: 'auto' });
      await settle(everyone);
      const opening = hostSocket.last('breakout.state')!.breakouts!.id;
      expect(ann.sync.board).toBe(`${opening}/b1`);
      expect(cara.sync.board).toBe(`${opening}/b1`);
      expect(bob.sync.board).toBe(`${opening}/b2`);
      // A fresh board in each room: the main room's stroke is not carried in.
      for (const p of everyone) expect(p.sync.items.size).toBe(0);

      ann.sync.edit((items) => items.set('one-1', stroke('ann', 2)));
      bob.sync.edit((items) => items.set('two-1', stroke('bob', 3)));
      await settle(everyone);
      expect([...cara.sync.items.keys()]).toEqual(['one-1']);
      expect([...bob.sync.items.keys()]).toEqual(['two-1']);
      expect(boardsSeen(bob).has(`${opening}/b1`)).toBe(false);
      expect(boardsSeen(ann).has(`${opening}/b2`)).toBe(false);
      expect(hostSocket.of('wb.sync').filter((m) => m.board !== MAIN_BOARD)).toEqual([]);

      // A frame for another room's board (a page that had not heard of its move) is refused, and reaches no one.
      const before = cara.socket.of('wb.sync').length;
      bob.sync.edit((items) => items.set('two-2', stroke('bob', 4)));
      await bob.socket.send({ type: 'wb.sync', board: `${opening}/b1`, ref: 'wb-x', message: 'AAA=' });
      expect(bob.socket.last('error')).toMatchObject({ code: 'invalid_update', ref: 'wb-x' });
      await settle(everyone);
      expect(cara.socket.of('wb.sync').length).toBe(before);

      await hostSocket.send({ type: 'breakout.close', breakoutId: opening });
      await settle(everyone);
      for (const p of everyone) expect(p.sync.board).toBe(MAIN_BOARD);
      expect([...ann.sync.items.keys()]).toEqual(['main-1']);

      const boards = new SqlWhiteboardStore(() => db.sql);
      const stored = await Promise.all(
        (await boards.list(roomId)).map(async (b) => ({
          ...b,
          snapshot: (await boards.get({ roomId, board: b.board }))!.snapshot,
        })),
      );
      const keys = (snapshot: Uint8Array) => {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, snapshot);
        return [...doc.getMap('items').keys()].sort();
      };
      expect(stored.map((b) => [b.board, keys(b.snapshot)])).toEqual([
        [`${opening}/b1`, ['one-1']],
        [`${opening}/b2`, ['two-1', 'two-2']],
      ]);

      // Cara drew on board one, then a host removed her: she was in the meeting, but is not to keep seeing it.
      await hostSocket.send({ type: 'host.remove', peerId: cara.peerId });
      expect(cara.socket.last('host.removed')).toMatchObject({ type: 'host.removed', by: 'Hosta' });

      // The meeting ends; its boards stay, for the people who were in it.
      await hostSocket.send({ type: 'host.end' });
      const route = createRouter(
        createBoardArchiveRoutes(() => ({
          verifyAccessToken: (t) => w.tokens.verifyAccessToken(t),
          store: w.store,
          whiteboardLive: new RedisWhiteboardLive(),
          whiteboardStore: new SqlWhiteboardStore(() => db.sql),
          now: Date.now,
        })),
      );
      const get = async (token: string | undefined, id = roomId) => {
        const res = await route(
          httpEvent('GET', `/api/meetings/${id}/whiteboard`, {
            headers: token ? { authorization: `Bearer ${token}` } : {},
          }),
        );
        return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
      };
      for (const token of [hostUser.token, bob.token]) {
        const res = await get(token);
        expect(res.status).toBe(200);
        const body = meetingWhiteboardSchema.parse(res.body);
        expect(body).toMatchObject({ roomId, name: 'Board', ended: true });
        expect(body.boards.map((b) => [b.board, b.items.map(([id]) => id)])).toEqual([
          [MAIN_BOARD, ['main-1']],
          [`${opening}/b1`, ['one-1']],
          [`${opening}/b2`, ['two-1', 'two-2']],
        ]);
        expect(body.boards[0]!.items[0]![1]).toEqual(stroke('ann', 1));
      }
      // Someone who was never in the meeting, or was removed from it, is told it does not exist, like a made-up id;
      // no token is 401.
      expect(await get(cara.token)).toMatchObject({ status: 404, body: { error: { code: 'meeting-not-found' } } });
      const stranger = await w.user('Mallory');
      expect(await get(stranger.token)).toMatchObject({ status: 404, body: { error: { code: 'meeting-not-found' } } });
      expect((await get(stranger.token, 'zzzz-zzzz-zzzz-zzzz')).status).toBe(404);
      expect((await get(undefined)).status).toBe(401);
      // A cold PGlite and its emulator make the first run slow on shared cores.
    }, 30_000);
  });
});
