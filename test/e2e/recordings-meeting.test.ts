/**
 * In-meeting recording by the host, end to end: Chromium's fake microphone speaks a known sentence, the host
 * records the meeting (canvas of tiles + mixed audio → MediaRecorder → parts uploaded while recording), stops,
 * and the recording goes through the local pipeline to a playable video with subtitles on /recordings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud } from '../../local/cloud';
import { launchBrowser, waitUntil } from '../support/browser';
import { keywordOverlap, speechWav } from '../support/media-fixtures';
import { createRoom, joinRoom, openPerson, waitForTiles, type Stack } from './meeting-helpers';

jest.setTimeout(300_000);

let cloud: LocalCloud;
let stack: Stack;
let dataDir: string;

beforeAll(async () => {
  process.env.LIMITS_JSON = JSON.stringify({
    signIn: { max: 1000, windowSeconds: 60 },
    upload: { max: 1000, windowSeconds: 60 },
  });
  dataDir = mkdtempSync(join(tmpdir(), 'cn-e2e-meeting-recording-'));
  const wav = await speechWav();
  const [started, browser] = await Promise.all([
    startLocalCloud({ port: 0, dataDir, quiet: true, worker: true }),
    // The shared launcher plus a microphone that speaks the known sentence.
    launchBrowser({ extraArgs: [`--use-file-for-fake-audio-capture=${wav.path}`] }),
  ]);
  cloud = started;
  stack = { cloud, browser, stop: async () => undefined };
});

afterAll(async () => {
  await stack?.browser.close();
  await cloud?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it('records the meeting as the host, and the recording plays at canvas size with subtitles of what was said', async () => {
  const host = await openPerson(stack, 'Grace');
  const roomId = await createRoom(host, stack, { meetingName: 'Design review' });
  await joinRoom(host, stack, roomId);
  await waitForTiles(host.page, 1);
  const { page } = host;

  await page.click('[data-testid=toggle-recording]');
  await waitUntil('the recorder to run', async () =>
    /^Recording/.test((await page.textContent('[data-testid=recording-state]')) ?? ''),
  );
  expect(await page.getAttribute('[data-testid=toggle-recording]', 'aria-pressed')).toBe('true');
  // Long enough for the sentence (≈ 11 s, looped by the fake microphone) to be said once whole.
  await waitUntil(
    'fourteen seconds of recording',
    async () => {
      const shown = /^Recording (?:(\d+) min )?(\d+) s$/.exec(
        (await page.textContent('[data-testid=recording-state]')) ?? '',
      );
      return shown !== null && Number(shown[1] ?? 0) * 60 + Number(shown[2]) >= 14;
    },
    { timeoutMs: 40_000 },
  );
  await page.click('[data-testid=toggle-recording]');
  await waitUntil(
    'the recording to be saved',
    async () => /^Saved\./.test((await page.textContent('[data-testid=recording-state]')) ?? ''),
    { timeoutMs: 60_000 },
  );

  // Saved normally: the crash journal (IndexedDB) let go of every chunk and of the recording itself.
  const journal = await page.evaluate(
    () =>
      new Promise<number[]>((resolve, reject) => {
        const open = indexedDB.open('cn-recording-journal');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['entries', 'chunks']);
          const counts = [tx.objectStore('entries').count(), tx.objectStore('chunks').count()];
          tx.oncomplete = () => resolve(counts.map((c) => c.result));
        };
      }),
  );
  expect(journal).toEqual([0, 0]);

  // Still in the meeting: the pipeline's pushes (room socket, owner only) show in the record control.
  const pipelineLines: string[] = [];
  await waitUntil(
    'the record control to say the subtitles are ready',
    async () => {
      const text = (await page.textContent('[data-testid=recording-pipeline-text]', { timeout: 1000 })) ?? '';
      if (text && pipelineLines.at(-1) !== text) pipelineLines.push(text);
      return /^(Subtitles ready|Processing failed)/.test(text);
    },
    { timeoutMs: 180_000, intervalMs: 200 },
  );
  expect(pipelineLines.at(-1)).toBe('Subtitles ready');
  expect(pipelineLines.some((t) => /^Recording saved · /.test(t))).toBe(true);
  const recordingLink = await page.getAttribute('[data-testid=recording-pipeline-link]', 'href');
  expect(recordingLink).toMatch(/^\/recordings\?id=[0-9a-f-]{36}$/);

  // Same tab, same identity: the Recordings page lists it and the pipeline takes it to ready.
  await page.goto(`${cloud.url}${recordingLink}`);
  const row = page.locator('[data-testid=recordings-list] li', { hasText: 'meeting-' }).first();
  await waitUntil(
    'the meeting recording to be ready',
    async () =>
      /^(Ready|Failed)$/.test(
        (await row.locator('[data-testid=recording-status]').textContent({ timeout: 1000 })) ?? '',
      ),
    { timeoutMs: 180_000, intervalMs: 500 },
  );
  // On failure this shows the pipeline's reason next to the status.
  expect(await row.locator('.rec-status').innerText()).toBe('Ready');
  // Declared at the 2 GiB limit when it started; the list shows what was really recorded (~2 MB).
  expect(await row.locator('.rec-main small').textContent()).toMatch(/^[\d.]+ [KM]B · \d+:\d\d$/);
  await row.locator('[data-testid=recording-open]').click();
  const info = await waitUntil('the player to load the recording', () =>
    page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid=player]');
      return v && v.readyState >= 1 ? { duration: v.duration, width: v.videoWidth, height: v.videoHeight } : null;
    }),
  );
  expect(info.duration).toBeGreaterThan(12);
  // The canvas the recorder draws the tiles on.
  expect([info.width, info.height]).toEqual([1280, 720]);
  const subtitles = await waitUntil('subtitle cues', () =>
    page.evaluate(() => {
      const track = document.querySelector<HTMLVideoElement>('[data-testid=player]')?.textTracks[0];
      return track?.cues && track.cues.length > 0 ? Array.from(track.cues, (c) => (c as VTTCue).text).join(' ') : '';
    }),
  );
  expect(keywordOverlap(subtitles)).toBeGreaterThanOrEqual(0.5);
  expect(host.errors).toEqual([]);
});
