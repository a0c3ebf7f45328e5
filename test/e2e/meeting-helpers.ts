/**
 * Shared steps for the meeting end-to-end tests: one local cloud and one Chromium per test file, one browser
 * context per participant. Every wait polls for a condition with a generous timeout; nothing sleeps a fixed time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import { launchBrowser, waitUntil, type TestBrowser } from '../support/browser';
import { smallCamera } from '../support/media-fixtures';

export interface Stack {
  cloud: LocalCloud;
  browser: TestBrowser;
  stop(): Promise<void>;
}

/**
 * `browserArgs` adds Chromium flags for this file's browser (e.g. two fake cameras). Every page's camera is the small
 * moving picture of `smallCamera()` unless the flags bring their own, or `camera: 'chromium'` keeps Chromium's
 * built-in fake camera (it delivers whatever size is asked for: the media-quality suite checks those sizes).
 */
export async function startStack(
  options: { browserArgs?: string[]; camera?: 'small' | 'chromium' } = {},
): Promise<Stack> {
  const browserArgs = options.browserArgs ?? [];
  const ownCamera = browserArgs.some((a) => a.startsWith('--use-file-for-fake-video-capture'));
  // E2E_CAMERA=chromium runs a suite with the built-in camera all the same (to compare).
  if (!ownCamera && (options.camera ?? process.env.E2E_CAMERA) !== 'chromium') {
    browserArgs.push(`--use-file-for-fake-video-capture=${await smallCamera()}`);
  }
  // Every test person signs in from 127.0.0.1: the per-address sign-in limit (10/min, sized for one person) would
  // trip after a few tests. The limit itself is tested with the auth routes.
  process.env.LIMITS_JSON = JSON.stringify({ signIn: { max: 1000, windowSeconds: 60 } });
  const dataDir = mkdtempSync(join(tmpdir(), 'cn-e2e-meeting-'));
  const cloud = await startLocalCloud({ port: 0, dataDir, quiet: true, worker: false });
  const browser = await launchBrowser({ extraArgs: browserArgs });
  return {
    cloud,
    browser,
    async stop() {
      await browser.close();
      await cloud.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Person {
  page: Page;
  name: string;
  errors: string[];
  /** Console warnings and errors, kept to explain a failure. */
  logs: string[];
}

export async function openPerson(
  stack: Stack,
  name: string,
  viewport?: { width: number; height: number },
  opts: { touch?: boolean; permissions?: string[] } = {},
): Promise<Person> {
  const page = await stack.browser.newPage({ ...(viewport ? { viewport } : {}), ...opts });
  const errors: string[] = [];
  const logs: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logs.push(`${m.type()}: ${m.text()}`);
  });
  // Host actions confirm with a native dialog; a person clicking them means yes.
  page.on('dialog', (d) => void d.accept());
  return { page, name, errors, logs };
}

/** Creates a room from the home page and returns its id (the person is signed in as a guest on the way). */
export async function createRoom(
  person: Person,
  stack: Stack,
  opts: { password?: string; lobby?: boolean; meetingName?: string } = {},
): Promise<string> {
  const { page } = person;
  await page.goto(stack.cloud.url);
  await page.fill('[data-testid=home-name]', person.name);
  if (opts.meetingName) await page.fill('input[name=meeting]', opts.meetingName);
  if (opts.password) await page.fill('[data-testid=home-password]', opts.password);
  if (opts.lobby) await page.check('[data-testid=home-lobby]');
  await page.click('[data-testid=create-room]');
  await page.waitForURL(/\/r\/[0-9a-z-]{19}$/, { timeout: 30_000 });
  return new URL(page.url()).pathname.split('/').pop()!;
}

/** From the pre-join page: type the name (and password), press Join. Does not wait for the outcome. */
export async function clickJoin(person: Person, stack: Stack, roomId: string, opts: { password?: string } = {}) {
  const { page } = person;
  if (!page.url().endsWith(`/r/${roomId}`)) await page.goto(`${stack.cloud.url}/r/${roomId}`);
  await page.fill('[data-testid=prejoin-name]', person.name);
  if (opts.password) {
    await page.locator('[data-testid=prejoin-password]').waitFor({ state: 'visible', timeout: 15_000 });
    await page.fill('[data-testid=prejoin-password]', opts.password);
  }
  await page.click('[data-testid=join]');
}

export async function joinRoom(person: Person, stack: Stack, roomId: string, opts: { password?: string } = {}) {
  await clickJoin(person, stack, roomId, opts);
  try {
    await person.page.waitForSelector('[data-testid=meeting]', { timeout: 30_000 });
  } catch (err) {
    const shown = await person.page
      .locator('main')
      .innerText()
      .catch(() => '');
    throw new Error(`${person.name} did not get into the meeting. Page: ${shown}\nConsole: ${person.logs.join('\n')}`, {
      cause: err,
    });
  }
}

/** Tiles currently on the page, by the name shown on them. */
export async function tileNames(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid=tile] [data-testid=tile-name]', (els) => els.map((e) => e.textContent ?? ''));
}

export async function waitForTiles(page: Page, count: number, timeoutMs = 30_000): Promise<void> {
  await waitUntil(`${count} tiles`, async () => (await page.locator('[data-testid=tile]').count()) === count, {
    timeoutMs,
  });
}

export async function openPanel(page: Page, which: 'chat' | 'people'): Promise<void> {
  const panel = which === 'chat' ? '[data-testid=chat-panel]' : '[data-testid=participants-panel]';
  if (await page.locator(panel).isVisible()) return;
  await page.click(which === 'chat' ? '[data-testid=toggle-chat]' : '[data-testid=toggle-people]');
  await page.locator(panel).waitFor({ state: 'visible' });
}

/** Sends one frame over the page's own room socket (not the UI) and resolves with the server's answer to it. */
export async function sendRaw(person: Person, frame: Record<string, unknown> & { ref: string }) {
  return person.page.evaluate(async (f) => {
    const sockets = (window as unknown as { __testSockets: WebSocket[] }).__testSockets;
    const room = sockets.find((s) => s.readyState === WebSocket.OPEN && !s.url.includes('id='));
    if (!room) return { type: 'no room socket' };
    return new Promise<Record<string, unknown>>((resolve) => {
      const timer = setTimeout(() => resolve({ type: 'silence' }), 15_000);
      room.addEventListener('message', (e) => {
        const m = JSON.parse(String(e.data)) as Record<string, unknown>;
        if (m.ref !== f.ref) return;
        clearTimeout(timer);
        resolve(m);
      });
      room.send(JSON.stringify(f));
    });
  }, frame);
}
