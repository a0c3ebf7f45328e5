/*
 * npm run bench:join [-- --runs=5]
 *
 * Click-Join → first decoded remote video frame, in Debian Chromium, median of N joins into a room where one person
 * is already in the meeting. Everything a user waits for is inside: HTTP join, ICE config, the PeerJS socket (our
 * authorizer + opener Lambdas), the room socket and `welcome`, the call, ICE and the first frame.
 *
 * Reference, same run, same browser: two bare pages with peerjs@1.5.5 and the reference server (`peer` 1.0.2, in
 * memory, no auth): `new Peer()` → OPEN → call → first decoded frame. The difference is what our product adds on
 * top of the protocol (sign-in, tickets, room state, Lambda hops over the local API Gateway emulation).
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerServer } from 'peer';
import type { Page } from 'playwright-core';
import { startLocalCloud } from '../local/cloud';
import { launchBrowser, type TestBrowser } from '../test/support/browser';
import { hostMeeting } from './meeting-pages';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 5);

/** In the page: resolves with ms from `t0` until any inbound video frame is decoded (stats polled every 10 ms). */
const WATCH_FIRST_FRAME = `window.__watchFirstFrame = (t0) => new Promise((resolve, reject) => {
  const tick = async () => {
    if (performance.now() - t0 > 30000) return reject(new Error('no remote frame within 30 s'));
    for (const pc of window.__testPeerConnections || []) {
      const stats = await pc.getStats();
      let decoded = 0;
      stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded || 0; });
      if (decoded > 0) return resolve(performance.now() - t0);
    }
    setTimeout(tick, 10);
  };
  tick();
});`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function measureConnectNow(browser: TestBrowser): Promise<number[]> {
  process.env.LIMITS_JSON = JSON.stringify({ signIn: { max: 1000, windowSeconds: 60 } });
  const dataDir = mkdtempSync(join(tmpdir(), 'cn-bench-join-'));
  const cloud = await startLocalCloud({ port: 0, dataDir, quiet: true, worker: false });
  let host: Page | undefined;
  try {
    console.error(`local cloud up at ${cloud.url}`);
    host = await browser.newPage();
    host.on('console', (m) => m.type() === 'error' && console.error(`[host] ${m.text()}`));
    const roomUrl = await hostMeeting(host, cloud.url);
    const times: number[] = [];
    // One warm-up join (first Lambda module loads, first PGlite queries) is not counted, as a deployed system is warm.
    for (let i = 0; i <= runs; i++) {
      const guest = await browser.newPage();
      guest.on('console', (m) => m.type() !== 'log' && m.type() !== 'debug' && console.error(`[guest] ${m.text()}`));
      await guest.goto(roomUrl);
      await guest.fill('[data-testid=prejoin-name]', `Guest ${i}`);
      // The camera preview is running before the click, as it is for a person on the pre-join page.
      await guest.waitForFunction(
        () => (document.querySelector('[data-testid=preview]') as HTMLVideoElement)?.videoWidth > 0,
      );
      await guest.evaluate(WATCH_FIRST_FRAME);
      await guest.evaluate(() => {
        document.addEventListener(
          'click',
          (e) => {
            if ((e.target as HTMLElement).closest('[data-testid=join]')) {
              (window as unknown as { __result: Promise<number> }).__result = (
                window as unknown as { __watchFirstFrame: (t0: number) => Promise<number> }
              ).__watchFirstFrame(performance.now());
            }
          },
          { capture: true },
        );
      });
      await guest.click('[data-testid=join]');
      const ms = await guest.evaluate(() => (window as unknown as { __result: Promise<number> }).__result);
      console.error(`connect-now join ${i}: ${Math.round(ms)} ms${i === 0 ? ' (warm-up)' : ''}`);
      if (i > 0) times.push(ms);
      await guest.click('[data-testid=leave]');
      await guest.context().close();
    }
    return times;
  } finally {
    // The host's page first: left open, it keeps reconnecting to the stopped cloud.
    await host?.close();
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureReference(browser: TestBrowser): Promise<number[]> {
  const peerServer = await new Promise<Server>((resolve) => {
    PeerServer({ port: 0, host: '127.0.0.1', path: '/', key: 'peerjs' }, (s) => resolve(s as Server));
  });
  const peerPort = (peerServer.address() as AddressInfo).port;
  const bundle = await build({
    stdin: {
      contents: `import { Peer } from 'peerjs'; (window as any).Peer = Peer;`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
  });
  const script = bundle.outputFiles[0]!.text;
  const pageServer = createServer((req, res) => {
    if (req.url === '/peer.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>reference</title><script src="/peer.js"></script>');
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
  const options = { host: '127.0.0.1', port: peerPort, path: '/', key: 'peerjs', config: { iceServers: [] } };
  let host: Page | undefined;
  try {
    host = await browser.newPage();
    await host.goto(origin);
    await host.evaluate(async (opts) => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      const w = window as unknown as { Peer: new (id: string, o: unknown) => import('peerjs').Peer };
      const peer = new w.Peer('refhost', opts);
      peer.on('call', (call) => call.answer(stream));
      await new Promise((r) => peer.on('open', r));
    }, options);
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const guest = await browser.newPage();
      guest.on(
        'console',
        (m) => m.type() !== 'log' && m.type() !== 'debug' && console.error(`[ref guest] ${m.text()}`),
      );
      await guest.goto(origin);
      await guest.evaluate(WATCH_FIRST_FRAME);
      const ms = await guest.evaluate(
        async ({ opts, id }) => {
          const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
          const w = window as unknown as {
            Peer: new (id: string, o: unknown) => import('peerjs').Peer;
            __watchFirstFrame: (t0: number) => Promise<number>;
          };
          const t0 = performance.now();
          const first = w.__watchFirstFrame(t0);
          const peer = new w.Peer(id, opts);
          peer.on('open', () => peer.call('refhost', stream));
          return first;
        },
        { opts: options, id: `refguest${i}` },
      );
      console.error(`reference join ${i}: ${Math.round(ms)} ms${i === 0 ? ' (warm-up)' : ''}`);
      if (i > 0) times.push(ms);
      await guest.context().close();
    }
    return times;
  } finally {
    // Upgraded WebSockets are not HTTP connections closeAllConnections can end: without closing the host's page,
    // peerServer.close() waited for its socket forever.
    await host?.close();
    peerServer.closeAllConnections?.();
    await new Promise((r) => peerServer.close(r));
    await new Promise((r) => pageServer.close(r));
  }
}

async function main(): Promise<void> {
  const browser = await launchBrowser();
  try {
    const only = process.argv.find((a) => a.startsWith('--only='))?.split('=')[1];
    const ours = only === 'reference' ? [] : await measureConnectNow(browser);
    const reference = only === 'ours' ? [] : await measureReference(browser);
    const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    console.log(`\nJoin → first remote frame (Chromium, ${runs} joins each, after one warm-up)`);
    console.log(`| path | median ms | runs (ms) |`);
    console.log(`|---|---|---|`);
    console.log(`| Connect Now: click Join → first frame (local stack) | ${Math.round(median(ours))} | ${fmt(ours)} |`);
    console.log(
      `| reference: new Peer() → first frame (peer@1.0.2) | ${Math.round(median(reference))} | ${fmt(reference)} |`,
    );
  } finally {
    await browser.close();
  }
}

// Exit explicitly: the reference server and the local cloud's pools keep timers that would hold the process open.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
