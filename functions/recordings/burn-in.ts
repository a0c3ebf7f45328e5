import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { s3 } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { logger } from '../shared/logger';
import { BurnInJob, recordingKeys } from '../shared/protocol/recordings';
import { getSql } from '../shared/sql/sql';
import { S3MediaStorage, type MediaStorage } from './media-storage';
import { ToolError, ffmpegPath, inputArgs, runTool } from './media-tools';
import { exportMessage, notifyOwner } from './notify';
import { RecordingStore, type RecordingRecord } from './recording-store';

export interface BurnInDeps {
  store: RecordingStore;
  storage: MediaStorage;
  /** Tells the owner the export's new state (the record carries it). */
  notify(r: RecordingRecord): Promise<void>;
  workRoot?: string;
}

export type BurnInOutcome = 'ready' | 'failed' | 'stale';

/** libass filter arguments are parsed by ffmpeg's filter syntax: quote the path, escape what the syntax uses. */
function filterPath(path: string): string {
  return `'${path.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:')}'`;
}

/** Renders subtitles version `job.version` into a new MP4 beside the original (which stays untouched). */
export async function burnIn(job: BurnInJob, deps: BurnInDeps): Promise<BurnInOutcome> {
  const r = await deps.store.get(job.recordingId);
  // A newer request replaced this one, or the recording is gone: nothing to do, acknowledge.
  if (!r || r.exportVersion !== job.version || (r.exportStatus !== 'queued' && r.exportStatus !== 'rendering')) {
    return 'stale';
  }
  const finish = async (status: 'ready' | 'failed', fields: { key?: string; reason?: string }) => {
    await deps.store.setExport(r.id, job.version, status, fields);
    const updated = await deps.store.get(r.id);
    if (updated) await deps.notify(updated);
    return status;
  };
  if (!r.mp4Key || r.width === null) {
    return finish('failed', { reason: 'This recording has no video to put subtitles on' });
  }
  await deps.store.setExport(r.id, job.version, 'rendering');
  const dir = await mkdtemp(join(deps.workRoot ?? tmpdir(), `burn-${r.id}-`));
  try {
    const video = join(dir, 'video.mp4');
    const subs = join(dir, 'subtitles.srt');
    const out = join(dir, 'subtitled.mp4');
    await deps.storage.download(r.mp4Key, video);
    await deps.storage.download(recordingKeys.subtitles(r.id, job.version, 'srt'), subs);
    try {
      await runTool(
        ffmpegPath(),
        [
          '-hide_banner',
          '-nostdin',
          '-y',
          ...inputArgs(video),
          '-vf',
          `subtitles=${filterPath(subs)}:force_style='FontSize=22,Outline=2,MarginV=24'`,
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-crf',
          '23',
          '-pix_fmt',
          'yuv420p',
          '-c:a',
          'copy',
          '-movflags',
          '+faststart',
          out,
        ],
        { timeoutMs: 14 * 60 * 1000 },
      );
    } catch (error) {
      if (error instanceof ToolError && error.exitCode !== null) {
        return finish('failed', { reason: 'The subtitles could not be rendered into the video' });
      }
      throw error;
    }
    const key = recordingKeys.burned(r.id, job.version);
    await deps.storage.upload(key, out, 'video/mp4');
    return finish('ready', { key });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let deps: BurnInDeps | undefined;

function burnInDeps(): BurnInDeps {
  return (deps ??= {
    store: new RecordingStore(getSql()),
    storage: new S3MediaStorage(s3(), requireEnv('RECORDINGS_BUCKET')),
    notify: async (r) => {
      const message = exportMessage(r);
      if (message) await notifyOwner(r, message);
    },
  });
}

export function setBurnInDepsForTesting(value: BurnInDeps | undefined): void {
  deps = value;
}

async function one(record: SQSRecord, d: BurnInDeps): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const job = BurnInJob.parse(body);
  const outcome = await burnIn(job, d);
  logger.info('burn-in finished', { recordingId: job.recordingId, version: job.version, outcome });
}

/** SQS `burn-in` queue; failed records are reported one by one so SQS retries only those (then the DLQ). */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const d = burnInDeps();
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await one(record, d);
    } catch (error) {
      logger.error('burn-in failed', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
