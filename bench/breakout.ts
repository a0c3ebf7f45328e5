/*
 * npm run bench:breakout [-- --runs=5]
 *
 * Breakout rooms with five Chromium pages (host + four) on the local stack, median of N openings and closings after
 * one warm-up:
 * - open: the host clicks "Open rooms" (auto split into two rooms) → every member's first remote frame in the new
 *   room (issue #12's definition), counted once the page receives video from its roommate only; beside it, when the
 *   last frame from outside the room was decoded on any page (frames already on their way when the senders
 *   stopped);
 * - close: the host clicks "Close all rooms" → every page has decoded a frame from each of the four others again.
 * Reference, same run, same pages: one member leaves and joins again (click Join → the same full mesh), i.e. what
 * a person waits for to get into this meeting at all. Issue #12's target is under 2 s for open and close.
 * Each figure runs from the moment the page dispatched the click (not from when Playwright was asked to click).
 * `--trace` prints each page's calls after every close, with the times of their states (see TRACE_CALLS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalCloud } from '../local/cloud';
import { launchBrowser } from '../test/support/browser';
import { smallCamera } from '../test/support/media-fixtures';
import { hostMeeting, joinMeeting } from './meeting-pages';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 5);
/**
 * `--camera=chromium` (default): Chromium's built-in fake camera, which delivers what the page asks for (1280×720 at
 * 30 fps). `--camera=small`: the e2e suites' small moving picture (320×180, 15 fps). On a quiet machine both gave the
 * same figures within their spread (docs/benchmarks.md), so the rig's own encoding is not what a move waits for.
 */
const camera = process.argv.find((a) => a.startsWith('--camera='))?.split('=')[1] ?? 'chromium';

/**
 * In the page: waits until the page receives video on exactly `n` calls and nothing on any other (given up 180 s
 * after `t0`: on the shared machine the first full mesh once took over 60 s), then resolves with when each of those
 * calls decoded frames since `t0` (epoch ms, one list per call) and when the last frame arrived on any other call.
 * A call counts as receiving while it decoded a frame within the last STILL_MS. A call to someone in another
 * breakout room may stay connected, parked and silent (mesh-plan.ts), so a count of connected calls no longer says
 * who the page receives. Stats are read every 250 ms: polling every call every few ms on five pages took CPU from
 * the very pages being measured.
 */
const WATCH_MESH = `window.__watchMesh = (t0, n) => new Promise((resolve, reject) => {
  const STILL_MS = 1500;
  const seen = new Map();
  const tick = async () => {
    const now = Date.now();
    const live = (window.__testPeerConnections || []).filter((pc) => pc.connectionState !== 'closed');
    if (now - t0 > 180000) {
      const states = live.map((pc) => pc.connectionState + (seen.get(pc)?.changes.length ? '+decoded' : '')).join(', ');
      return reject(new Error('media on exactly ' + n + ' calls not reached within 180 s; calls: ' + (states || 'none')));
    }
    for (const pc of live) {
      const stats = await pc.getStats();
      let frames = 0;
      stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0; });
      const s = seen.get(pc);
      if (!s) seen.set(pc, { last: frames, changes: [] });
      else if (frames !== s.last) {
        s.last = frames;
        s.changes.push(now);
      }
    }
    const lastChange = (pc) => seen.get(pc).changes.at(-1) ?? 0;
    const receiving = live.filter((pc) => pc.connectionState === 'connected' && now - lastChange(pc) < STILL_MS);
    // For --trace: each call's first and last decoded frame since t0, ms from t0.
    window.__watchDetail = live.map((pc) => {
      const c = seen.get(pc).changes;
      return pc.connectionState + (c.length ? ' frames +' + (c[0] - t0) + '..+' + (c.at(-1) - t0) : ' no frames');
    });
    if (receiving.length === n) {
      const others = live.filter((pc) => !receiving.includes(pc));
      return resolve({
        at: now,
        receiving: receiving.map((pc) => seen.get(pc).changes),
        lastElsewhere: Math.max(0, ...others.map(lastChange)),
      });
    }
    setTimeout(tick, 250);
  };
  tick();
});`;

/** What a page's watch resolved with (WATCH_MESH). */
interface Watched {
  /** When the watch resolved (epoch ms). */
  at: number;
  receiving: number[][];
  lastElsewhere: number;
}

/** When every page first decoded a frame after `click` on every call it receives (epoch ms). */
function allReceivingAfter(watched: Watched[], click: number): number {
  return Math.max(
    ...watched.flatMap((w) =>
      w.receiving.map((changes) => changes.find((t) => t >= click) ?? Number.POSITIVE_INFINITY),
    ),
  );
}

/** When the last frame from outside a page's room was decoded on any page (epoch ms; 0: none). */
const lastFromElsewhere = (watched: Watched[]) => Math.max(...watched.map((w) => w.lastElsewhere));

/**
 * In the page: records when a click on `selector` is dispatched, so a measurement starts at the host's click itself
 * rather than before Playwright's actionability checks (scrolling, waiting for a stable box), which on a loaded
 * machine took seconds before the page saw any click.
 */
const MARK_CLICK = `window.__markClick = (selector) => {
  window.__clickedAt = undefined;
  document.querySelector(selector).addEventListener('click', () => { window.__clickedAt = Date.now(); }, { capture: true, once: true });
};`;

/**
 * `--trace`: every page also logs each RTCPeerConnection's life (created, signaling/ICE/connection states, first
 * decoded frame, closed), and after each close the bench prints, per page, the calls made since the click with
 * their times from it: where the seconds of a close go.
 */
const trace = process.argv.includes('--trace');
const TRACE_CALLS = `(() => {
  const Inner = window.RTCPeerConnection;
  if (!Inner || window.__callTrace) return;
  window.__callTrace = [];
  const Traced = function (...args) {
    const pc = new Inner(...args);
    const rec = { created: Date.now(), events: [] };
    window.__callTrace.push(rec);
    const log = (e) => rec.events.push([e, Date.now()]);
    pc.addEventListener('signalingstatechange', () => log('sig:' + pc.signalingState));
    pc.addEventListener('iceconnectionstatechange', () => log('ice:' + pc.iceConnectionState));
    pc.addEventListener('connectionstatechange', () => log('pc:' + pc.connectionState));
    const poll = setInterval(async () => {
      if (pc.connectionState === 'closed') { log('closed'); clearInterval(poll); return; }
      if (pc.connectionState !== 'connected') return;
      const stats = await pc.getStats();
      let frames = 0;
      stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0; });
      if (frames > 0) { log('decoded'); clearInterval(poll); }
    }, 25);
    return pc;
  };
  Traced.prototype = Inner.prototype;
  Object.setPrototypeOf(Traced, Inner);
  window.RTCPeerConnection = Traced;
})();`;

/**
 * `--trace`, too: when each page received its room frames (roster, breakout state, move) and when it set a sender's
 * track (a parked call silenced or resumed), so a move's seconds can be split into delivery and the page's own work.
 */
const TRACE_MOVES = `(() => {
  if (window.__moveTrace) return;
  window.__moveTrace = [];
  const log = (e) => window.__moveTrace.push([e, Date.now()]);
  const Ws = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Ws(...args);
    ws.addEventListener('message', (m) => {
      const t = typeof m.data === 'string' ? (m.data.match(/"type":"([a-z.]+)"/) || [])[1] : undefined;
      if (t === 'roster.update' || t === 'breakout.state' || t === 'breakout.moved') log('got ' + t);
    });
    return ws;
  };
  window.WebSocket.prototype = Ws.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const replace = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = function (track) {
    const what = track ? 'resume ' + track.kind : 'silence';
    log(what);
    return replace.call(this, track).then((v) => { log(what + ' done'); return v; });
  };
})();`;

async function printMoveTrace(pages: Page[], names: string[], since: number): Promise<void> {
  for (const [i, page] of pages.entries()) {
    const events = await page.evaluate(
      (t0) =>
        ((window as unknown as { __moveTrace?: [string, number][] }).__moveTrace ?? [])
          .filter(([, t]) => t >= t0)
          .map(([e, t]) => `${e} +${t - t0}`),
      since,
    );
    console.error(`  ${names[i]}: ${events.join(', ')}`);
  }
}

/**
 * `--trace`: per page, what each live call sent and received over two seconds (video frames sent, video frames
 * decoded): tells a call still sending from one whose receiver is only catching up.
 */
async function printFlowTrace(pages: Page[], names: string[]): Promise<void> {
  const flows = await Promise.all(
    pages.map(
      (page) =>
        page.evaluate(`(async () => {
        const pcs = (window.__testPeerConnections || []).filter((pc) => pc.connectionState !== 'closed');
        const sample = () => Promise.all(pcs.map(async (pc) => {
          let sent = 0, decoded = 0;
          (await pc.getStats()).forEach((s) => {
            if (s.type === 'outbound-rtp' && s.kind === 'video') sent += s.framesSent || 0;
            if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded || 0;
          });
          return [sent, decoded];
        }));
        const a = await sample();
        await new Promise((r) => setTimeout(r, 2000));
        const b = await sample();
        return b.map(([s, d], i) => 'sent ' + (s - a[i][0]) + ' decoded ' + (d - a[i][1]));
      })()`) as Promise<string[]>,
    ),
  );
  for (const [i, flow] of flows.entries()) console.error(`  ${names[i]} over 2 s: ${flow.join('; ')}`);
}

/** The calls each page made since `since`, with their events in ms from it (for `--trace`). */
async function printCallTrace(pages: Page[], names: string[], since: number): Promise<void> {
  for (const [i, page] of pages.entries()) {
    const calls = await page.evaluate(
      (t0) =>
        ((window as unknown as { __callTrace?: { created: number; events: [string, number][] }[] }).__callTrace ?? [])
          .filter((c) => c.created >= t0)
          .map((c) => [`new +${c.created - t0}`, ...c.events.map(([e, t]) => `${e} +${t - t0}`)].join(', ')),
      since,
    );
    console.error(`  ${names[i]}: ${calls.length} new calls`);
    for (const c of calls) console.error(`    ${c}`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Resolves once the page receives video on exactly `n` calls and nothing on any other (WATCH_MESH). */
const watch = (page: Page, t0: number, n: number) =>
  page.evaluate(
    ([start, count]) =>
      (window as unknown as { __watchMesh: (t: number, n: number) => Promise<Watched> }).__watchMesh(start!, count!),
    [t0, n],
  );

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * `watch` for a move: a starved page can decode nothing for a moment on some of its calls and look, before the click,
 * as if it received from exactly `n`; such an answer is thrown away and the page watched again.
 */
async function watchAfter(page: Page, t0: number, n: number, click: Promise<number>): Promise<Watched> {
  for (;;) {
    const watched = await watch(page, t0, n);
    const at = await click;
    if (watched.at >= at && watched.receiving.every((changes) => changes.some((t) => t >= at))) return watched;
  }
}

/** Clicks `selector` on the host's page; resolves with when the page dispatched the click (epoch ms). */
async function clickAt(page: Page, selector: string): Promise<number> {
  await page.evaluate(MARK_CLICK);
  await page.evaluate((s) => (window as unknown as { __markClick: (s: string) => void }).__markClick(s), selector);
  await page.click(selector);
  return page.evaluate(() => (window as unknown as { __clickedAt: number }).__clickedAt);
}

async function joinAs(page: Page, url: string, name: string): Promise<void> {
  await joinMeeting(page, url, name);
  await page.evaluate(WATCH_MESH);
}

async function main(): Promise<void> {
  process.env.LIMITS_JSON = JSON.stringify({ signIn: { max: 1000, windowSeconds: 60 } });
  const dataDir = mkdtempSync(join(tmpdir(), 'cn-bench-breakout-'));
  const cloud = await startLocalCloud({ port: 0, dataDir, quiet: true, worker: false });
  if (camera !== 'small' && camera !== 'chromium') throw new Error(`--camera is small or chromium, not ${camera}`);
  const browser = await launchBrowser({
    extraArgs: camera === 'small' ? [`--use-file-for-fake-video-capture=${await smallCamera()}`] : [],
  });
  const opens: number[] = [];
  const isolations: number[] = [];
  const closes: number[] = [];
  const joins: number[] = [];
  try {
    const newPage = async () => {
      const page = await browser.newPage();
      if (trace) {
        await page.addInitScript(TRACE_CALLS);
        await page.addInitScript(TRACE_MOVES);
      }
      return page;
    };
    const host = await newPage();
    // Five pages on a shared 2-core machine: Playwright's 30 s default for a fill or a click ran out while a page was
    // still busy starting its camera.
    host.setDefaultTimeout(90_000);
    const roomUrl = await hostMeeting(host, cloud.url);
    await host.evaluate(WATCH_MESH);
    const members = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan'].map(() => newPage()));
    for (const page of members) page.setDefaultTimeout(90_000);
    for (const [i, page] of members.entries()) await joinAs(page, roomUrl, ['Ann', 'Bob', 'Cat', 'Dan'][i]!);
    const everyone = [host, ...members];
    await Promise.all(everyone.map((p) => watch(p, Date.now(), 4)));
    await host.click('[data-testid=toggle-breakouts]');

    for (let i = 0; i <= runs; i++) {
      const label = i === 0 ? ' (warm-up)' : '';
      await host.locator('[data-testid=breakout-open]').waitFor({ state: 'visible' });
      let t0 = Date.now();
      const lags: number[] = [];
      // The watches start before the click, so no page's first frame after it can be missed.
      const openClicked = deferred<number>();
      const opened = Promise.all(members.map((p) => watchAfter(p, t0, 1, openClicked.promise)));
      const openClick = await clickAt(host, '[data-testid=breakout-open]');
      openClicked.resolve(openClick);
      const openedW = await opened;
      const open = allReceivingAfter(openedW, openClick) - openClick;
      const isolated = Math.max(0, lastFromElsewhere(openedW) - openClick);
      if (trace) {
        for (const [k, p] of members.entries()) {
          const detail = await p.evaluate(() => (window as unknown as { __watchDetail?: string[] }).__watchDetail);
          console.error(
            `  open, ${['Ann', 'Bob', 'Cat', 'Dan'][k]} (click at +${openClick - t0} ms): ${detail?.join('; ')}`,
          );
        }
        await printMoveTrace([host, ...members], ['Host', 'Ann', 'Bob', 'Cat', 'Dan'], openClick);
        await printFlowTrace([host, ...members], ['Host', 'Ann', 'Bob', 'Cat', 'Dan']);
      }
      lags.push(openClick - t0);
      await host.locator('[data-testid=breakout-close]').waitFor({ state: 'visible' });
      t0 = Date.now();
      const closeClicked = deferred<number>();
      const closed = Promise.all(everyone.map((p) => watchAfter(p, t0, 4, closeClicked.promise)));
      const closeClick = await clickAt(host, '[data-testid=breakout-close]');
      closeClicked.resolve(closeClick);
      const close = allReceivingAfter(await closed, closeClick) - closeClick;
      lags.push(closeClick - t0);
      if (trace) {
        await printCallTrace(everyone, ['Host', 'Ann', 'Bob', 'Cat', 'Dan'], closeClick);
        await printMoveTrace(everyone, ['Host', 'Ann', 'Bob', 'Cat', 'Dan'], closeClick);
      }
      // Reference: Dan leaves and joins again, until every page holds the full mesh.
      const dan = members[3]!;
      await dan.click('[data-testid=leave]');
      await Promise.all(everyone.slice(0, 4).map((p) => watch(p, Date.now(), 3)));
      await dan.goto(roomUrl, { timeout: 90_000 });
      await dan.fill('[data-testid=prejoin-name]', 'Dan');
      await dan.evaluate(WATCH_MESH);
      t0 = Date.now();
      const joinClick = await clickAt(dan, '[data-testid=join]');
      await dan.waitForSelector('[data-testid=meeting]', { timeout: 60_000 });
      await dan.evaluate(WATCH_MESH);
      const rejoin = allReceivingAfter(await Promise.all(everyone.map((p) => watch(p, t0, 4))), joinClick) - joinClick;
      lags.push(joinClick - t0);
      console.error(
        `run ${i}: open ${open} ms (last frame from outside ${isolated} ms), close ${close} ms, rejoin ${rejoin} ms${label}; ` +
          `Playwright's clicks reached the page ${lags.join(', ')} ms after being asked`,
      );
      if (i > 0) {
        opens.push(open);
        isolations.push(isolated);
        closes.push(close);
        joins.push(rejoin);
      }
    }
    const fmt = (v: number[]) => v.map((x) => Math.round(x)).join(', ');
    console.log(`\nBreakout rooms, 5 Chromium pages (host + 4), ${runs} runs after one warm-up, camera ${camera}`);
    console.log('| step | median ms | runs (ms) |');
    console.log('|---|---|---|');
    console.log(`| open → every member decoding its new roommate | ${Math.round(median(opens))} | ${fmt(opens)} |`);
    console.log(
      `| open → the last frame from outside a member's room decoded (0: those calls closed) | ${Math.round(median(isolations))} | ${fmt(isolations)} |`,
    );
    console.log(
      `| close → every page back in the full 5-person mesh | ${Math.round(median(closes))} | ${fmt(closes)} |`,
    );
    console.log(`| reference: one member rejoins → full mesh again | ${Math.round(median(joins))} | ${fmt(joins)} |`);
    console.log(`target (issue #12): open and close each under 2000 ms`);
  } finally {
    await browser.close();
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
