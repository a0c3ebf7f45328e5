import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startLocalCloud } from '../cloud';
(async () => {
  const cloud = await startLocalCloud({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'smoke-')),
    quiet: true,
    worker: false,
    buildFrontend: false,
  });
  const post = async (path: string, body: unknown, token?: string) => {
    const r = await fetch(cloud.url + path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: cloud.url,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const t = await r.text();
    console.log(path, r.status, t.slice(0, 300));
    return JSON.parse(t);
  };
  const s = await post('/api/sessions/guest', { name: 'Ann' });
  const room = await post('/api/rooms', {}, s.accessToken);
  const id = room.id ?? room.room?.id ?? room.roomId;
  const join1 = await post(`/api/rooms/${id}/join`, {}, s.accessToken);
  const ticket = join1.ticket ?? join1.token;
  const peerId = join1.peerId ?? join1.claims?.peerId;
  console.log('ticket?', !!ticket, 'peerId', peerId);
  const ws = new WebSocket(
    `${cloud.url.replace('http', 'ws')}/peerjs?key=peerjs&id=${peerId}&token=${ticket}&version=1.5.5`,
    { headers: { Origin: cloud.url } },
  );
  ws.on('message', (m) => console.log('peer socket got', m.toString().slice(0, 200)));
  ws.on('unexpected-response', (_q, r) => console.log('refused', r.statusCode));
  ws.on('open', () => console.log('peer socket open'));
  const room2 = new WebSocket(`${cloud.url.replace('http', 'ws')}/peerjs?token=${ticket}`, {
    headers: { Origin: cloud.url },
  });
  room2.on('open', () => {
    console.log('room socket open');
    room2.send(JSON.stringify({ type: 'join' }));
  });
  room2.on('message', (m) => console.log('room socket got', m.toString().slice(0, 200)));
  room2.on('unexpected-response', (_q, r) => console.log('room refused', r.statusCode));
  await new Promise((r) => setTimeout(r, 4000));
  ws.close();
  room2.close();
  await new Promise((r) => setTimeout(r, 500));
  await cloud.stop();
})();
