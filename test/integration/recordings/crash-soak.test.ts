import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ACTIVE_STATUSES, isTerminal, overdueReason } from '../../../functions/recordings/lifecycle';
import { lastPacketEnd } from '../../../functions/recordings/media-tools';
import {
  UPLOAD_PART_SIZE,
  type PresignPartsResponse,
  type RecordingDetail,
  type RecordingStatus,
  type RecordingSummary,
} from '../../../functions/shared/protocol/recordings';
import { keywordOverlap, twoPartSpeechVideo, type MediaFixture } from '../../support/media-fixtures';
import { databaseUrl, POSTGRES_ADMIN_URL } from '../../support/postgres';

/*
 * Issue 16's crash test: recordings in flight while the whole local cloud (functions, stand-ins, the Whisper worker
 * and its ffmpeg/pocketsphinx children) is killed with SIGKILL, once during a part upload, once just after an upload
 * is completed (transcoding) and once while transcribing, in an order and at moments drawn from a seeded random
 * generator (CRASH_SOAK_SEED replays another run). The "browser" here does what the page does after a crash: resumes
 * its unfinished uploads (the parts S3 holds are listed, the rest uploaded) and completes them.
 * After the last restart every recording must end `ready` exactly once (one transcription job, one subtitle version,
 * subtitles that hold the words) or `failed` with the lifecycle's reason, and none may stay in between: start-up
 * reconciliation takes every orphaned transcode and transcription at once, so the bounded wait below is far shorter
 * than any state's budget (lifecycle.ts STATE_BUDGET_SECONDS) and needs no shortened budgets.
 * PostgreSQL is this machine's (a throwaway database), so the test can count jobs and versions beside the API.
 */
jest.setTimeout(480_000);

const SEED = Number(process.env.CRASH_SOAK_SEED ?? 1605);
const REPO = join(__dirname, '..', '..', '..');
const CLOUD_ENTRY = join(__dirname, 'crash-cloud.ts');
/** Parts go up in slices with a pause between them, as over a real network, so a kill can land inside one. */
const SLICE_BYTES = 1024 * 1024;
const SLICE_PAUSE_MS = 40;
/**
 * After the final restart everything is re-driven at once. A recording counts as stuck when no recording has
 * changed state for this long (minutes below every state budget); on a loaded machine the work is slower but keeps
 * moving, and a fixed deadline failed there with recordings still advancing (queued → transcribing).
 */
const FINAL_QUIET_MS = 120_000;
/** An upper bound all the same, inside the case's timeout. */
const FINAL_WAIT_MAX_MS = 360_000;
type Stage = 'upload' | 'transcode' | 'transcribe';

/** mulberry32: small, seedable, the same sequence everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = random(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Running {
  child: ChildProcess;
  url: string;
  output: string[];
}

interface Upload {
  id: string;
  completed: boolean;
}

const database = `crash_soak_${randomBytes(5).toString('hex')}`;
let dataDir: string;
let port: number;
let db: Client;
let running: Running | undefined;
let token = '';
let video: MediaFixture;
let bytes: Buffer;
let videoSeconds: number;
const log: string[] = [];

async function admin(statement: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The gateway's port stays the same across restarts, as `npm start`'s does (the page's origin). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: free } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return free;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cn-crash-soak-'));
  await admin(`CREATE DATABASE ${database}`);
  db = new Client({ connectionString: databaseUrl(database) });
  await db.connect();
  port = await freePort();
  video = await twoPartSpeechVideo();
  bytes = await readFile(video.path);
  videoSeconds = (await lastPacketEnd(video.path))!;
});

afterAll(async () => {
  if (running) await kill(running);
  await db?.end().catch(() => undefined);
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<Running> {
  // detached: the cloud, its worker and their ffmpeg/pocketsphinx children share one process group; one kill takes all.
  const child = spawn(process.execPath, ['--import', 'tsx', CLOUD_ENTRY], {
    cwd: REPO,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl(database),
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  // Known before it is ready, so that a failure or timeout while it starts still kills it.
  const r: Running = (running = { child, url: '', output });
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 400) output.shift();
  };
  child.stderr!.on('data', keep);
  r.url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      const match = /crash-cloud ready at (http:\/\/\S+)/.exec(output.join(''));
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the cloud exited (${code ?? signal}):\n${output.join('')}`)),
    );
  });
  return r;
}

/** SIGKILL to the whole group: no shutdown code runs anywhere. Waits until the process is gone (lock released). */
async function kill(r: Running): Promise<void> {
  if (r.child.exitCode === null && r.child.signalCode === null) {
    const exited = once(r.child, 'exit');
    process.kill(-r.child.pid!, 'SIGKILL');
    await exited;
  }
  running = undefined;
}

/** The cloud's last log lines (errors first), for a failure message. */
function cloudLog(): string {
  const lines = (running?.output.join('') ?? '').split('\n').filter((l) => l && !l.includes('fleet decision'));
  return lines.slice(-40).join('\n');
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${running!.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function states(): Promise<{ id: string; status: RecordingStatus }[]> {
  const { rows } = await db.query<{ id: string; status: RecordingStatus }>(
    'SELECT id, status FROM recordings ORDER BY created_at, id',
  );
  return rows;
}

/** One part PUT to its presigned URL, slice by slice; resolves with the ETag S3 returned. */
function putPart(url: string, partNumber: number, onSent: (n: number) => void): Promise<string> {
  const body = bytes.subarray((partNumber - 1) * UPLOAD_PART_SIZE, partNumber * UPLOAD_PART_SIZE);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-length': body.length } }, (res) => {
      const answer: Buffer[] = [];
      res.on('data', (chunk: Buffer) => answer.push(chunk));
      res.once('end', () => {
        const etag = res.headers.etag;
        if (res.statusCode === 200 && etag) resolve(etag);
        else {
          // S3's error code (NoSuchUpload, NoSuchBucket…) and what the cloud logged say which side lost the upload.
          const said = Buffer.concat(answer).toString('utf8').slice(0, 400);
          reject(
            new Error(
              `PUT part ${partNumber} to ${url.split('?')[0]} answered ${res.statusCode}: ${said}\n${cloudLog()}`,
            ),
          );
        }
      });
    });
    req.once('error', reject);
    void (async () => {
      for (let at = 0; at < body.length; at += SLICE_BYTES) {
        const slice = body.subarray(at, at + SLICE_BYTES);
        if (!req.write(slice)) await once(req, 'drain');
        onSent(slice.length);
        await sleep(SLICE_PAUSE_MS);
      }
      req.end();
    })().catch((error: unknown) => req.destroy(error as Error));
  });
}

/**
 * What the page does for an upload it has not completed: asks which parts S3 holds, uploads the others and
 * completes. A recording the server no longer takes parts for (409) is left to the final checks.
 */
async function finishUpload(
  upload: Upload,
  hooks: { onSent?: (n: number) => void; onComplete?: () => void } = {},
): Promise<void> {
  const partCount = Math.ceil(video.sizeBytes / UPLOAD_PART_SIZE);
  const all = Array.from({ length: partCount }, (_, i) => i + 1);
  const plan = await api<PresignPartsResponse>('POST', `/api/recordings/${upload.id}/parts`, { partNumbers: all });
  if (plan.status === 409) {
    upload.completed = true;
    return;
  }
  if (plan.status !== 200) {
    throw new Error(`parts answered ${plan.status}: ${JSON.stringify(plan.body)}\n${cloudLog()}`);
  }
  const etags = new Map(plan.body.uploaded.map((p) => [p.partNumber, p.etag]));
  for (const part of plan.body.parts) {
    if (!etags.has(part.partNumber))
      etags.set(part.partNumber, await putPart(part.url, part.partNumber, hooks.onSent ?? (() => undefined)));
  }
  hooks.onComplete?.();
  const done = await api('POST', `/api/recordings/${upload.id}/complete`, {
    parts: [...etags].map(([partNumber, etag]) => ({ partNumber, etag })),
  });
  if (done.status !== 200) {
    throw new Error(`complete answered ${done.status}: ${JSON.stringify(done.body)}\n${cloudLog()}`);
  }
  upload.completed = true;
}

async function create(n: number): Promise<Upload> {
  const created = await api<{ recording: RecordingSummary }>('POST', '/api/recordings', {
    fileName: video.fileName,
    contentType: video.mimeType,
    sizeBytes: video.sizeBytes,
    title: `Stand-up ${n}`,
  });
  expect(created.status).toBe(201);
  return { id: created.body.recording.id, completed: false };
}

/** Resolves when the first recording reaches `status` (or after `maxMs`, saying so in the log). */
async function whenAny(status: RecordingStatus, maxMs: number): Promise<boolean> {
  const until = Date.now() + maxMs;
  const cloud = running;
  while (Date.now() < until && running === cloud) {
    if ((await states()).some((s) => s.status === status)) return true;
    await sleep(25);
  }
  return false;
}

it('ends every recording ready exactly once or failed with a reason across SIGKILLs at upload, transcode and transcription', async () => {
  const uploads: Upload[] = [];
  // Each stage is hit once; which round hits which, and when inside it, is the seed's.
  const stages: Stage[] = ['upload', 'transcode', 'transcribe'];
  for (let i = stages.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [stages[i], stages[j]] = [stages[j]!, stages[i]!];
  }
  const newPerRound = [2, 1, 1];

  for (const [round, stage] of stages.entries()) {
    await start();
    if (!token) {
      const signIn = await api<{ accessToken: string }>('POST', '/api/sessions/guest', { name: 'Soak' });
      expect(signIn.status).toBe(201);
      token = signIn.body.accessToken;
    }
    const fresh: Upload[] = [];
    for (let n = 0; n < newPerRound[round]!; n++) fresh.push(await create(uploads.length + 1));
    uploads.push(...fresh);

    let fire!: (why: string) => void;
    const killNow = new Promise<string>((resolve) => (fire = resolve));
    let killing = false;
    const target = pick(fresh);
    const killAtByte = Math.floor(rng() * video.sizeBytes);
    const transcodeDelayMs = Math.floor(rng() * 2000);
    const transcribeDelayMs = Math.floor(rng() * 4000);
    let sent = 0;
    const work = uploads
      .filter((u) => !u.completed)
      .map((u) =>
        finishUpload(u, {
          onSent: (n) => {
            if (u !== target || stage !== 'upload') return;
            sent += n;
            if (sent >= killAtByte) fire(`during the upload of ${u.id}, ${sent} of ${video.sizeBytes} bytes sent`);
          },
          onComplete: () => {
            if (u === target && stage === 'transcode')
              void sleep(transcodeDelayMs).then(() => fire(`${transcodeDelayMs} ms after completing ${u.id}`));
          },
        }).catch((error: unknown) => {
          // A request cut by the kill is what a page sees after a crash; any other failure is the test's.
          if (!killing) throw error;
        }),
      );
    if (stage === 'transcribe') {
      void whenAny('transcribing', 90_000).then((seen) =>
        sleep(transcribeDelayMs).then(() =>
          fire(seen ? `${transcribeDelayMs} ms into transcribing` : 'nothing reached transcribing in 90 s'),
        ),
      );
    }
    const why = await Promise.race([killNow, Promise.all(work).then(() => new Promise<string>(() => undefined))]);
    const at = (await states()).map((s) => `${s.id.slice(0, 8)} ${s.status}`).join(', ');
    killing = true;
    await kill(running!);
    await Promise.all(work);
    log.push(`round ${round + 1} (${stage}): SIGKILL ${why}; states then: ${at}`);
  }

  // The final start: nothing is killed any more. The page resumes what it had not completed.
  await start();
  await Promise.all(uploads.filter((u) => !u.completed).map((u) => finishUpload(u)));
  const hardStop = Date.now() + FINAL_WAIT_MAX_MS;
  let quietUntil = Date.now() + FINAL_QUIET_MS;
  let list: RecordingSummary[] = [];
  let lastStates = '';
  while (Date.now() < Math.min(quietUntil, hardStop)) {
    list = (await api<{ recordings: RecordingSummary[] }>('GET', '/api/recordings')).body.recordings;
    if (list.length === uploads.length && list.every((r) => isTerminal(r.status))) break;
    const states = list.map((r) => `${r.id}:${r.status}`).join(',');
    if (states !== lastStates) [lastStates, quietUntil] = [states, Date.now() + FINAL_QUIET_MS];
    await sleep(500);
  }
  log.push(
    `final: ${list.map((r) => `${r.id.slice(0, 8)} ${r.status}${r.failureReason ? ` (${r.failureReason})` : ''}`).join(', ')}`,
  );
  // What happened in each round, printed only when an outcome is wrong (a green run prints nothing).
  try {
    expect(list.map((r) => r.id).sort()).toEqual(uploads.map((u) => u.id).sort());
    // None in between: every one is where the user can see an outcome and act on it.
    const stuck = list.filter((r) => !isTerminal(r.status)).map((r) => `${r.id} ${r.status}`);
    if (stuck.length > 0) log.push(`the cloud's log:\n${cloudLog()}`);
    expect(stuck).toEqual([]);
    const lifecycleReasons = ACTIVE_STATUSES.map(overdueReason);
    for (const summary of list) {
      const { rows: jobs } = await db.query<{ status: string }>(
        'SELECT status FROM transcription_jobs WHERE recording_id = $1',
        [summary.id],
      );
      if (summary.status === 'failed') {
        // An honest file fails only when the state machine gave up on it (killed in the same state too often).
        expect(lifecycleReasons).toContain(summary.failureReason);
        continue;
      }
      expect(summary.status).toBe('ready');
      const detail = (await api<{ recording: RecordingDetail }>('GET', `/api/recordings/${summary.id}`)).body.recording;
      expect(detail.versions).toEqual([1]);
      expect(detail.subtitleVersion).toBe(1);
      expect(jobs).toEqual([{ status: 'done' }]);
      // Ready and true: the whole file was converted and the subtitles hold what was said.
      expect(Math.abs(detail.durationSeconds! - videoSeconds)).toBeLessThan(0.5);
      const vtt = await (await fetch(detail.subtitles!.vtt)).text();
      expect(keywordOverlap(vtt)).toBeGreaterThanOrEqual(0.5);
    }
  } catch (error) {
    console.log(`crash soak seed ${SEED} (set CRASH_SOAK_SEED to replay it)\n${log.join('\n')}`);
    throw error;
  }
});
