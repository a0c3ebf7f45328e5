/*
 * npm run bench:breakout [-- --runs=5]
 *
 * Breakout rooms with five Chromium pages (host + four) on the local stack, median of N openings and closings after
 * one warm-up:
 * - open: the host clicks "Open rooms" (auto split into two rooms) → every member's page decodes video from its
 *   new roommate (the old main-room calls closed, the new room's call connected and decoding);
 * - close: the host clicks "Close all rooms" → every page holds the full main-room mesh again (four calls, each
 *   decoding video).
 * Reference, same run, same pages: one member leaves and joins again (click Join → the same full mesh), i.e. what
 * a person waits for to get into this meeting at all. Issue #12's target is under 2 s for open and close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalCloud } from '../local/cloud';
import { launchBrowser } from '../test/support/browser';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 5);

/** In the page: ms from `t0` (epoch) until exactly `n` calls are connected and each has decoded a video frame. */
const WATCH_MESH = `window.__watchMesh = (t0, n) => new Promise((resolve, reject) => {
  const tick = async () => {
    if (Date.now() - t0 > 60000) return reject(new Error('mesh of ' + n + ' not reached within 60 s'));
    const live = (window.__testPeerConnections || []).filter((pc) => pc.connectionState !== 'closed');
    let decoding = 0;
    for (const pc of live) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      let frames = 0;
      stats.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0; });
      if (frames > 0) decoding += 1;
    }
    if (live.length === n && decoding === n) return resolve(Date.now() - t0);
    setTimeout(tick, 10);
  };
  tick();
});`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const watch = (page: Page, t0: number, n: number) =>
  page.evaluate(
    ([start, count]) =>
      (window as unknown as { __watchMesh: (t: number, n: number) => Promise<number> }).__watchMesh(start!, count!),
    [t0, n],
  );

async function joinAs(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url, { timeout: 90_000 });
  await page.fill('[data-testid=prejoin-name]', name);
  await page.click('[data-testid=join]');
  await page.waitForSelector('[data-testid=meeting]', { timeout: 60_000 });
  await page.evaluate(WATCH_MESH);
}

async function main(): Promise<void> {
  process.env.LIMITS_JSON = JSON.stringify({ signIn: { max: 1000, windowSeconds: 60 } });
  const dataDir = mkdtempSync(join(tmpdir(), 'cn-bench-breakout-'));
  const cloud = await startLocalCloud({ port: 0, dataDir, quiet: true, worker: false });
  const browser = await launchBrowser();
  const opens: number[] = [];
  const closes: number[] = [];
  const joins: number[] = [];
  try {
    const host = await browser.newPage();
    await host.goto(cloud.url);
    await host.fill('[data-testid=home-name]', 'Host');
    await host.click('[data-testid=create-room]');
    await host.waitForURL(/\/r\//);
    const roomUrl = host.url();
    await host.click('[data-testid=join]');
    await host.waitForSelector('[data-testid=meeting]');
    await host.evaluate(WATCH_MESH);
    const members = await Promise.all(['Ann', 'Bob', 'Cat', 'Dan'].map(() => browser.newPage()));
    for (const [i, page] of members.entries()) await joinAs(page, roomUrl, ['Ann', 'Bob', 'Cat', 'Dan'][i]!);
    const everyone = [host, ...members];
    await Promise.all(everyone.map((p) => watch(p, Date.now(), 4)));
    await host.click('[data-testid=toggle-breakouts]');

    for (let i = 0; i <= runs; i++) {
      const label = i === 0 ? ' (warm-up)' : '';
      await host.locator('[data-testid=breakout-open]').waitFor({ state: 'visible' });
      let t0 = Date.now();
      const opened = Promise.all(members.map((p) => watch(p, t0, 1)));
      await host.click('[data-testid=breakout-open]');
      const open = Math.max(...(await opened));
      await host.locator('[data-testid=breakout-close]').waitFor({ state: 'visible' });
      t0 = Date.now();
      const closed = Promise.all(everyone.map((p) => watch(p, t0, 4)));
      await host.click('[data-testid=breakout-close]');
      const close = Math.max(...(await closed));
      // Reference: Dan leaves and joins again, until every page holds the full mesh.
      const dan = members[3]!;
      await dan.click('[data-testid=leave]');
      await Promise.all(everyone.slice(0, 4).map((p) => watch(p, Date.now(), 3)));
      await dan.goto(roomUrl, { timeout: 90_000 });
      await dan.fill('[data-testid=prejoin-name]', 'Dan');
      await dan.evaluate(WATCH_MESH);
      t0 = Date.now();
      await dan.click('[data-testid=join]');
      await dan.waitForSelector('[data-testid=meeting]', { timeout: 60_000 });
      await dan.evaluate(WATCH_MESH);
      const rejoin = Math.max(...(await Promise.all(everyone.map((p) => watch(p, t0, 4)))));
      console.error(`run ${i}: open ${open} ms, close ${close} ms, rejoin ${rejoin} ms${label}`);
      if (i > 0) {
        opens.push(open);
        closes.push(close);
        joins.push(rejoin);
      }
    }
    const fmt = (v: number[]) => v.map((x) => Math.round(x)).join(', ');
    console.log(`\nBreakout rooms, 5 Chromium pages (host + 4), ${runs} runs after one warm-up`);
    console.log('| step | median ms | runs (ms) |');
    console.log('|---|---|---|');
    console.log(`| open → every member decoding its new roommate | ${Math.round(median(opens))} | ${fmt(opens)} |`);
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
