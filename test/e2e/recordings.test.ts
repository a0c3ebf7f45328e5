/**
 * The Recordings page end to end: Debian Chromium against a local cloud (s3rver, fauxqs, PGlite, the Transcode
 * Lambda and the pocketsphinx worker) started by this file on free ports.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import { launchBrowser, waitUntil, type TestBrowser } from '../support/browser';
import { MAX_FILE_NAME_LENGTH } from '../../functions/shared/protocol/recordings';
import { keywordOverlap, oversizeVideo, randomBytesFile, speechVideo, textRenamedMp4 } from '../support/media-fixtures';

jest.setTimeout(300_000);

let cloud: LocalCloud;
let browser: TestBrowser;
let dataDir: string;

beforeAll(async () => {
  // Every test person signs in and uploads from 127.0.0.1; the per-address limits are tested with their routes.
  process.env.LIMITS_JSON = JSON.stringify({
    signIn: { max: 1000, windowSeconds: 60 },
    upload: { max: 1000, windowSeconds: 60 },
  });
  dataDir = mkdtempSync(join(tmpdir(), 'cn-e2e-recordings-'));
  [cloud, browser] = await Promise.all([
    startLocalCloud({ port: 0, dataDir, quiet: true, worker: true }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Visitor {
  page: Page;
  errors: string[];
  requests: Request[];
}

let ada: Visitor | undefined;
/** Ada's one browser context (one guest identity): her recordings are visible only to her. */
async function asAda(): Promise<Visitor> {
  ada ??= await openRecordings('Ada');
  return ada;
}

/** `beforeLoad` runs before the page opens (to watch sockets it creates while loading). */
async function openRecordings(name: string, beforeLoad?: (page: Page) => void): Promise<Visitor> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  const requests: Request[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r));
  beforeLoad?.(page);
  await page.goto(`${cloud.url}/recordings`);
  await page.fill('[data-testid=recordings-name]', name);
  await page.click('[data-testid=recordings-sign-in]');
  await page.waitForSelector('[data-testid=upload-file]');
  return { page, errors, requests };
}

/** Statuses a row shows until it reaches `final`, in the order they appeared. */
async function watchStatus(page: Page, fileTitle: string, final: RegExp, timeoutMs = 180_000): Promise<string[]> {
  const seen: string[] = [];
  await waitUntil(
    `"${fileTitle}" to reach ${final}`,
    async () => {
      const row = page.locator('[data-testid=recordings-list] li', { hasText: fileTitle }).first();
      const label = (await row.locator('[data-testid=recording-status]').textContent({ timeout: 1000 }))?.trim();
      if (label && seen.at(-1) !== label) seen.push(label);
      return label !== undefined && final.test(label);
    },
    { timeoutMs, intervalMs: 200 },
  );
  return seen;
}

async function trackText(page: Page): Promise<string> {
  return waitUntil('subtitle cues in the player', () =>
    page.evaluate(() => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid=player]');
      const track = video?.textTracks[0];
      if (!track || !track.cues || track.cues.length === 0) return '';
      return Array.from(track.cues, (c) => (c as VTTCue).text).join('\n');
    }),
  );
}

describe('Recordings page', () => {
  it('uploads a video with a progress bar, shows its status until ready, and plays it with subtitles', async () => {
    const video = await speechVideo();
    const { page, errors } = await asAda();
    // A slow uplink (≈ 48 KB/s) so the bar moves through several states a person would see.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 48 * 1024,
    });
    await page.evaluate(() => {
      const w = window as unknown as { progressTexts: string[] };
      w.progressTexts = [];
      const line = document.querySelector('[data-testid=upload-progress-text]')!;
      new MutationObserver(() => w.progressTexts.push(line.textContent ?? '')).observe(line, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    await page.setInputFiles('[data-testid=upload-file]', {
      name: video.fileName,
      mimeType: video.mimeType,
      buffer: readFileSync(video.path),
    });
    await page.click('[data-testid=upload-start]');
    await page.waitForSelector('[data-testid=upload-progress]:not([hidden])');
    await waitUntil('the upload to finish', async () =>
      /Processing has started/.test((await page.textContent('[data-testid=upload-progress-text]')) ?? ''),
    );
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const texts = await page.evaluate(() => (window as unknown as { progressTexts: string[] }).progressTexts);
    // While uploading the line said how much, how fast and how long: "48.0 KB of 164 KB · 47.9 KB/s · 3 s left".
    expect(texts.some((t) => /^[\d.]+ [KM]?B of 16\d KB · [\d.]+ [KM]?B\/s · \d+ s left$/.test(t))).toBe(true);
    expect(await page.getAttribute('[data-testid=upload-progress]', 'value')).toBe('1');

    const statuses = await watchStatus(page, 'team-sync', /^(Ready|Failed)$/);
    expect(statuses.at(-1)).toBe('Ready');
    // The notice was true while it was processing; once Ready it goes.
    await waitUntil(
      '"Processing has started" to go once Ready',
      async () => !/Processing has started/.test((await page.textContent('[data-testid=upload-progress-text]')) ?? ''),
    );
    // The list showed the pipeline's stages on the way (which ones depends on how fast each one is here).
    expect(statuses.some((s) => /^(Transcoding|Waiting for a worker|Transcribing)/.test(s))).toBe(true);

    await page.click('[data-testid=recordings-list] li:has-text("team-sync") [data-testid=recording-open]');
    await page.waitForSelector('[data-testid=player]');
    const subtitles = await trackText(page);
    expect(keywordOverlap(subtitles)).toBeGreaterThanOrEqual(0.5);
    // This cloud's worker runs the local engine (pocketsphinx): the page says its transcript is the weaker kind.
    expect(await page.textContent('[data-testid=transcript-engine]')).toBe(
      'Transcript: automatic (local engine, lower quality)',
    );
    const playable = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const v = document.querySelector<HTMLVideoElement>('[data-testid=player]')!;
          if (v.readyState >= 1) resolve(v.duration);
          else v.addEventListener('loadedmetadata', () => resolve(v.duration), { once: true });
        }),
    );
    expect(playable).toBeGreaterThan(8);
    expect(errors).toEqual([]);
  });

  it('shows status pushed over the user socket without a reload, while polling the list is cut off', async () => {
    const video = await speechVideo();
    const pushed: { recordingId: string; status: string }[] = [];
    const { page, errors } = await openRecordings('Ada', (p) =>
      p.on('websocket', (ws) => {
        if (!/[?&]scope=user(&|$)/.test(ws.url())) return;
        ws.on('framereceived', ({ payload }) => {
          const message = JSON.parse(String(payload)) as { type?: string; recordingId: string; status: string };
          if (message.type === 'recording.status')
            pushed.push({ recordingId: message.recordingId, status: message.status });
        });
      }),
    );
    // The list poll (GET /api/recordings) is answered once with the new row, then cut: whatever the row shows
    // after that answer reached the page over the socket.
    let served: { id: string; status: string } | null = null;
    let refusedPolls = 0;
    await page.route(/\/api\/recordings$/, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      if (served) {
        refusedPolls++;
        return route.abort('internetdisconnected');
      }
      const response = await route.fetch();
      const body = (await response.json()) as { recordings: { id: string; title: string; status: string }[] };
      const row = body.recordings.find((r) => r.title === 'live-push');
      if (row) served = { id: row.id, status: row.status };
      return route.fulfill({ response, json: body });
    });
    await page.setInputFiles('[data-testid=upload-file]', {
      name: 'live-push.mp4',
      mimeType: video.mimeType,
      buffer: readFileSync(video.path),
    });
    await page.click('[data-testid=upload-start]');

    const statuses = await watchStatus(page, 'live-push', /^(Ready|Failed)$/);
    expect(statuses.at(-1)).toBe('Ready');
    // The one list answer that carried the row came before it was ready, and the page kept polling in vain.
    expect(served).not.toBeNull();
    expect(served!.status).not.toBe('ready');
    expect(refusedPolls).toBeGreaterThan(0);
    // What the row showed is what the socket carried.
    expect(pushed).toContainEqual({ recordingId: served!.id, status: 'ready' });
    expect(pushed.filter((m) => m.recordingId === served!.id).length).toBeGreaterThan(1);
    await page.unroute(/\/api\/recordings$/);
    expect(errors).toEqual([]);
  });

  it('offers the subtitles as VTT and SRT downloads', async () => {
    const { page } = await asAda();
    await page.click('[data-testid=recordings-list] li:has-text("team-sync") [data-testid=recording-open]');
    await page.waitForSelector('[data-testid=download-vtt]');

    const [vtt] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-vtt]')]);
    expect(vtt.suggestedFilename()).toMatch(/^team-sync\.v\d+\.vtt$/);
    const vttText = readFileSync((await vtt.path())!, 'utf8');
    expect(vttText).toMatch(/^WEBVTT/);
    expect(vttText).toMatch(/\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}/);

    const [srt] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-srt]')]);
    expect(srt.suggestedFilename()).toMatch(/^team-sync\.v\d+\.srt$/);
    const srtText = readFileSync((await srt.path())!, 'utf8');
    expect(srtText).toMatch(/^1\r?\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\r?\n/);
    expect(keywordOverlap(srtText)).toBeGreaterThanOrEqual(0.5);
  });

  it('edits a cue, refuses an invalid time, and saves the edit as a new version the player shows', async () => {
    const { page } = await asAda();
    await page.click('[data-testid=recordings-list] li:has-text("team-sync") [data-testid=recording-open]');
    await page.waitForSelector('[data-testid=cue-editor]');
    const before = await page.textContent('[data-testid=subtitle-version]');
    const versionBefore = Number(/Version (\d+)/.exec(before ?? '')![1]);

    const firstRow = page.locator('[data-testid=cue-editor] tbody tr').first();
    const start = await firstRow.locator('[data-testid=cue-start]').inputValue();
    await firstRow.locator('[data-testid=cue-end]').fill(start);
    await firstRow.locator('[data-testid=cue-end]').dispatchEvent('change');
    await expect(firstRow.locator('[data-testid=cue-problem]').textContent()).resolves.toMatch(
      /End must be after the start/,
    );
    expect(await page.isDisabled('[data-testid=cue-save]')).toBe(true);

    await firstRow.locator('[data-testid=cue-end]').fill('00:00:05.000');
    await firstRow.locator('[data-testid=cue-text]').fill('Hello from the subtitle editor');
    await firstRow.locator('[data-testid=cue-text]').dispatchEvent('change');
    await page.click('[data-testid=cue-save]');

    await waitUntil('the new version to show', async () =>
      new RegExp(`^Version ${versionBefore + 1} of ${versionBefore + 1}$`).test(
        (await page.textContent('[data-testid=subtitle-version]').catch(() => '')) ?? '',
      ),
    );
    await waitUntil('the edited cue in the player', async () =>
      (await trackText(page)).includes('Hello from the subtitle editor'),
    );
  });

  it('exports the video with burned-in subtitles and shows the export status until it can be downloaded', async () => {
    const { page } = await asAda();
    await page.waitForSelector('[data-testid=export-start]:not([disabled])');
    await page.click('[data-testid=export-start]');
    const states: string[] = [];
    const link = await waitUntil(
      'the subtitled video to be ready',
      async () => {
        const status = await page
          .locator('[data-testid=export-status]')
          .textContent({ timeout: 200 })
          .catch(() => null);
        if (status && states.at(-1) !== status) states.push(status);
        return page.getAttribute('[data-testid=export-download]', 'href', { timeout: 200 }).catch(() => null);
      },
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => /waiting to start|Rendering version \d+/.test(s))).toBe(true);
    const video = await page.evaluate(async (href) => {
      const res = await fetch(href);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { ok: res.ok, size: bytes.length, brand: String.fromCharCode(...bytes.slice(4, 8)) };
    }, link);
    expect(video).toMatchObject({ ok: true, brand: 'ftyp' });
    expect(video.size).toBeGreaterThan(10_000);
  });

  it('shows a clear reason when a text file renamed .mp4 cannot be processed', async () => {
    const fake = await textRenamedMp4();
    const { page } = await openRecordings('Ada');
    await page.setInputFiles('[data-testid=upload-file]', {
      name: fake.fileName,
      mimeType: 'video/mp4',
      buffer: readFileSync(fake.path),
    });
    await page.click('[data-testid=upload-start]');
    const statuses = await watchStatus(page, 'holiday', /^(Ready|Failed)$/);
    expect(statuses.at(-1)).toBe('Failed');
    const detail = await page
      .locator('[data-testid=recordings-list] li', { hasText: 'holiday' })
      .locator('[data-testid=recording-status-detail]')
      .textContent();
    expect(detail).toMatch(/not a video or audio recording/);
  });

  it('refuses an oversize file before any byte is uploaded', async () => {
    const big = await oversizeVideo();
    const { page, requests } = await openRecordings('Ada');
    const sent = requests.length;
    await page.setInputFiles('[data-testid=upload-file]', big.path);
    await page.click('[data-testid=upload-start]');
    const message = await page.waitForSelector('[data-testid=upload-error]:not([hidden])');
    expect(await message.textContent()).toMatch(/is 2\.0 GB; a recording can be at most 2\.0 GB/);
    const after = requests.slice(sent);
    expect(after.filter((r) => r.method() !== 'GET')).toEqual([]);
  });

  it('checks the name length first, shows a refusal in words without "Preparing…", and wraps a long name', async () => {
    const fake = await textRenamedMp4();
    const buffer = readFileSync(fake.path);
    const { page, requests } = await openRecordings('Nora');
    const noHorizontalScroll = () =>
      page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

    // Longer than the server accepts: refused in the page, nothing sent.
    const sent = requests.length;
    await page.setInputFiles('[data-testid=upload-file]', {
      name: `${'n'.repeat(MAX_FILE_NAME_LENGTH)}.mp4`,
      mimeType: 'video/mp4',
      buffer,
    });
    await page.click('[data-testid=upload-start]');
    const tooLong = await page.waitForSelector('[data-testid=upload-error]:not([hidden])');
    expect(await tooLong.textContent()).toBe(
      `The file name is ${MAX_FILE_NAME_LENGTH + 4} characters long; the limit is ${MAX_FILE_NAME_LENGTH}. Rename the file and pick it again.`,
    );
    expect(requests.slice(sent).filter((r) => r.method() !== 'GET')).toEqual([]);

    // The server refuses: its message shows in words, and the line no longer says "Preparing…".
    const longName = `${'w'.repeat(190)}.mp4`;
    const refusal = 'Uploads are paused for maintenance; try again in a few minutes';
    await page.route(/\/api\/recordings$/, (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 400,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'bad-request', message: refusal } }),
          })
        : route.continue(),
    );
    await page.setInputFiles('[data-testid=upload-file]', { name: longName, mimeType: 'video/mp4', buffer });
    await page.click('[data-testid=upload-start]');
    await waitUntil(
      'the refusal to show',
      async () => (await page.textContent('[data-testid=upload-error]')) === refusal,
    );
    expect(await page.textContent('[data-testid=upload-progress-text]')).not.toMatch(/Preparing/);
    await page.unroute(/\/api\/recordings$/);

    // Accepted: a 194-character name without a break wraps instead of widening the page.
    await page.click('[data-testid=upload-start]');
    // Finished: the recording is listed ("Processing has started" may already have cleared if it failed fast).
    await page.waitForSelector(`[data-testid=recordings-list] li:has-text("${'w'.repeat(40)}")`);
    expect(await noHorizontalScroll()).toBe(true);
    await page.click(`[data-testid=recordings-list] li:has-text("${'w'.repeat(40)}") [data-testid=recording-open]`);
    await page.waitForSelector('[data-testid=detail-title]');
    expect(await noHorizontalScroll()).toBe(true);
  });

  it('continues after a network drop without sending the parts S3 already has', async () => {
    const file = await randomBytesFile(34 * 1024 * 1024); // three parts: 16 + 16 + 2 MiB
    const { page } = await openRecordings('Ada');
    const puts = new Map<number, number>();
    let dropped = false;
    await page.context().route(/[?&]partNumber=\d+/, async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      const n = Number(new URL(route.request().url()).searchParams.get('partNumber'));
      puts.set(n, (puts.get(n) ?? 0) + 1);
      if (n === 2 && !dropped) {
        dropped = true;
        return route.abort('internetdisconnected');
      }
      return route.continue();
    });
    const notices: string[] = [];
    // Picked by path (34 MiB): the row is titled after the file's own name.
    await page.setInputFiles('[data-testid=upload-file]', file.path);
    const title = basename(file.path).replace(/\.webm$/, '');
    await page.click('[data-testid=upload-start]');
    await waitUntil(
      'the upload to finish after the drop',
      async () => {
        const text = (await page.textContent('[data-testid=upload-progress-text]')) ?? '';
        if (/Connection lost/.test(text) && !notices.includes(text)) notices.push(text);
        return /Processing has started/.test(text);
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    expect(dropped).toBe(true);
    expect(notices.length).toBeGreaterThan(0);
    expect(puts.get(2)).toBe(2);
    // Parts 1 and 3 reached S3 before or around the drop and were never sent twice.
    expect(puts.get(1)).toBe(1);
    expect(puts.get(3)).toBe(1);
    const statuses = await watchStatus(page, title, /^(Ready|Failed|Transcoding|Waiting for a worker)/, 30_000);
    expect(statuses.at(-1)).not.toBe('Uploading');
  });

  it('renames a recording (refusing an empty title) and deletes it after asking again', async () => {
    const fake = await textRenamedMp4();
    // Her own identity: the list holds only this recording, so "empty afterwards" is hers to check.
    const { page, errors } = await openRecordings('Rae');
    await page.setInputFiles('[data-testid=upload-file]', {
      name: fake.fileName,
      mimeType: 'video/mp4',
      buffer: readFileSync(fake.path),
    });
    await page.click('[data-testid=upload-start]');
    await watchStatus(page, 'holiday', /^(Ready|Failed)$/);
    await page.click('[data-testid=recordings-list] li:has-text("holiday") [data-testid=recording-open]');
    await page.waitForSelector('[data-testid=rename-input]');

    await page.fill('[data-testid=rename-input]', '   ');
    await page.click('[data-testid=rename-save]');
    expect(await page.textContent('[data-testid=manage-error]')).toBe('The title must not be empty');
    expect(await page.getAttribute('[data-testid=rename-input]', 'aria-invalid')).toBe('true');

    await page.fill('[data-testid=rename-input]', '  Holiday plans, take two ');
    await page.click('[data-testid=rename-save]');
    await page.waitForSelector('[data-testid=detail-title]:text-is("Holiday plans, take two")');
    await page.waitForSelector(
      '[data-testid=recordings-list] [data-testid=recording-open]:text-is("Holiday plans, take two")',
    );
    expect(await page.isHidden('[data-testid=manage-error]')).toBe(true);
    // The server kept it: a reload shows the new name.
    await page.reload();
    await page.waitForSelector(
      '[data-testid=recordings-list] [data-testid=recording-open]:text-is("Holiday plans, take two")',
    );

    await page.click('[data-testid=recording-open]');
    await page.click('[data-testid=delete-start]');
    await page.waitForSelector('[data-testid=delete-question]:visible');
    // "Keep it" leaves it alone.
    await page.click('[data-testid=delete-cancel]');
    expect(await page.isVisible('[data-testid=delete-start]')).toBe(true);
    await page.click('[data-testid=delete-start]');
    await page.click('[data-testid=delete-confirm]');
    await page.waitForSelector('[data-testid=deleted-notice]');
    expect(await page.textContent('[data-testid=deleted-notice]')).toBe('Deleted “Holiday plans, take two”.');
    await page.waitForSelector('[data-testid=recordings-empty]:visible');
    expect(new URL(page.url()).searchParams.has('id')).toBe(false);
    await page.reload();
    await page.waitForSelector('[data-testid=recordings-empty]:visible');
    expect(await page.locator('[data-testid=recordings-list] li').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
