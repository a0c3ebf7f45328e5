/**
 * Aurora Serverless v2 pauses at 0 ACU after 10 idle minutes, and the first calls after that fail with
 * DatabaseResumingException for ~15 s. The local Data API pauses on demand (`cloud.pauseDatabase`), and the real
 * handlers, through the real gateway, must wait the resume out within their function's timeout: a guest signing in,
 * a room being created and joined over HTTP, and a host action on the room socket.
 */
import type { LocalCloud } from '../../../local/cloud';
import { startRealCloud, type RealCloud } from '../../support/real-cloud';
import { getRedis, setRedisForTesting } from '../../../functions/shared/redis';
import { RoomSocket } from './gateway-suite';

jest.setTimeout(90_000);

// Long enough that every path below meets it more than once (the retry backs off from 500 ms), well inside the
// 20 s the functions' timeouts leave for a resume.
const RESUME_MS = 3_000;

let real: RealCloud;
let cloud: LocalCloud;
const sockets: RoomSocket[] = [];

beforeAll(async () => {
  real = await startRealCloud('resume');
  cloud = real.cloud;
}, 90_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all(sockets.map((s) => s.closed().catch(() => undefined)));
  await real?.stop();
  getRedis().disconnect();
  setRedisForTesting(undefined);
}, 60_000);

async function api(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${cloud.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      Origin: cloud.url,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

it('signing in, creating and joining a room wait out a paused database over HTTP', async () => {
  cloud.pauseDatabase(RESUME_MS);
  const signIn = await api('POST', '/api/sessions/guest', undefined, { name: 'Hosta' });
  expect(signIn.status).toBe(201);
  cloud.pauseDatabase(RESUME_MS);
  const created = await api('POST', '/api/rooms', signIn.body.accessToken, { name: 'After lunch' });
  expect(created.status).toBe(201);
  cloud.pauseDatabase(RESUME_MS);
  const joined = await api('POST', `/api/rooms/${created.body.roomId}/join`, signIn.body.accessToken, {});
  expect(joined.body).toMatchObject({ status: 'joined', role: 'host' });
});

it('a host action on the room socket after an idle pause waits it out and reaches everyone', async () => {
  const host = await api('POST', '/api/sessions/guest', undefined, { name: 'Hosta' });
  const guest = await api('POST', '/api/sessions/guest', undefined, { name: 'Bob' });
  const { roomId } = (await api('POST', '/api/rooms', host.body.accessToken, { name: 'Idle' })).body;
  const hostTicket = (await api('POST', `/api/rooms/${roomId}/join`, host.body.accessToken, {})).body.ticket;
  const bobTicket = (await api('POST', `/api/rooms/${roomId}/join`, guest.body.accessToken, {})).body.ticket;
  const hostSocket = await RoomSocket.open(cloud, hostTicket);
  const bobSocket = await RoomSocket.open(cloud, bobTicket);
  sockets.push(hostSocket, bobSocket);
  hostSocket.send({ type: 'join' });
  await hostSocket.next('welcome');
  bobSocket.send({ type: 'join' });
  await bobSocket.next('welcome');

  cloud.pauseDatabase(RESUME_MS); // the meeting went quiet; now the host locks the room
  hostSocket.send({ type: 'host.lock', locked: true });
  expect((await bobSocket.next('room.update', 1, 20_000)).room.locked).toBe(true);
  expect(hostSocket.received.filter((m) => m.type === 'error')).toEqual([]);
});
