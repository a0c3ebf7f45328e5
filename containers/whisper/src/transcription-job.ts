import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaStorage } from '../../../functions/recordings/media-storage';
import { inputArgs, runTool } from '../../../functions/recordings/media-tools';
import type { RecordingRecord, RecordingStore } from '../../../functions/recordings/recording-store';
import {
  READABLE_LIMITS,
  buildCues,
  clampToMedia,
  cuesFromSegments,
  toSrt,
  toWebVtt,
} from '../../../functions/recordings/subtitles';
import {
  recordingKeys,
  type TranscribeJob,
  type TranscriptDocument,
} from '../../../functions/shared/protocol/recordings';
import { UnsupportedOption, type TranscriptionEngine } from './engines/engine';

/** The engine's transcript is always version 1; edits add versions after it. */
export const ENGINE_VERSION = 1;

export interface JobDeps {
  store: RecordingStore;
  storageFor(bucket: string): MediaStorage;
  engine: TranscriptionEngine;
  notify(r: RecordingRecord): Promise<void>;
  ffmpeg: string;
  workerId: string;
  workRoot?: string;
  log(message: string, fields?: Record<string, unknown>): void;
}

export type JobOutcome = 'done' | 'already-done' | 'gone' | 'unsupported';

/** Progress writes are throttled: a row update per 5 % is plenty for a progress bar and cheap for the database. */
function progressReporter(job: TranscribeJob, deps: JobDeps) {
  let last = -1;
  let chain: Promise<void> = Promise.resolve();
  return {
    report(percent: number) {
      const p = Math.floor(percent);
      if (p < last + 5) return;
      last = p;
      chain = chain.then(async () => {
        if (await deps.store.markTranscribing(job.recordingId, p)) {
          const r = await deps.store.get(job.recordingId);
          if (r) await deps.notify(r);
        }
      });
    },
    /** Progress is best effort; its failure must not fail the transcription, but it is logged. */
    async settle() {
      await chain.catch((error: unknown) => deps.log('progress update failed', { error: String(error) }));
    },
  };
}

/**
 * Transcribes one job: audio from S3 → engine → VTT, SRT, JSON at `subtitles/{id}/v1.*` → recording ready.
 * Safe to repeat: a job recorded as done is acknowledged without work, and a repeated run overwrites the same keys.
 */
export async function runTranscriptionJob(
  job: TranscribeJob,
  deps: JobDeps,
  signal?: AbortSignal,
): Promise<JobOutcome> {
  if ((await deps.store.jobStatus(job.jobId)) === 'done') return 'already-done';
  const recording = await deps.store.get(job.recordingId);
  if (!recording || recording.status === 'failed') return 'gone';
  if ((recording.status === 'ready' && recording.subtitleVersion !== null) || recording.status === 'no-speech') {
    await deps.store.finishJob(job.jobId);
    return 'already-done';
  }
  await deps.store.startJob(job.jobId, job.recordingId, deps.engine.name, deps.workerId);
  if (await deps.store.markTranscribing(job.recordingId, 0)) {
    await deps.notify((await deps.store.get(job.recordingId))!);
  }

  const storage = deps.storageFor(job.bucket);
  const dir = await mkdtemp(join(deps.workRoot ?? tmpdir(), `job-${job.recordingId}-`));
  const progress = progressReporter(job, deps);
  try {
    const audio = join(dir, 'speech.flac');
    const wav = join(dir, 'speech.wav');
    await storage.download(job.audioKey, audio);
    // Both engines read 16 kHz mono PCM WAV; the FLAC is already 16 kHz mono, so this is a cheap unpack.
    await runTool(
      deps.ffmpeg,
      ['-hide_banner', '-nostdin', '-y', ...inputArgs(audio), '-ac', '1', '-ar', '16000', wav],
      {
        timeoutMs: 10 * 60 * 1000,
      },
    );
    let transcript;
    try {
      transcript = await deps.engine.transcribe(wav, {
        language: job.language,
        translate: job.translate,
        durationSeconds: job.durationSeconds,
        onProgress: (p) => progress.report(p),
        signal,
      });
    } catch (error) {
      if (error instanceof UnsupportedOption) {
        await progress.settle();
        await deps.store.failJob(job.jobId, error.message, true);
        if (await deps.store.markFailed(job.recordingId, error.message)) {
          await deps.notify((await deps.store.get(job.recordingId))!);
        }
        return 'unsupported';
      }
      throw error;
    }
    await progress.settle();

    const end = job.durationSeconds;
    const words = clampToMedia(transcript.words, end);
    const cues =
      words.length > 0
        ? buildCues(words, READABLE_LIMITS, end)
        : cuesFromSegments(clampToMedia(transcript.segments, end), READABLE_LIMITS, end);
    const doc: TranscriptDocument = {
      recordingId: job.recordingId,
      version: ENGINE_VERSION,
      engine: deps.engine.name,
      language: transcript.language,
      durationSeconds: job.durationSeconds,
      cues,
      words,
    };
    const key = (format: 'vtt' | 'srt' | 'json') => recordingKeys.subtitles(job.recordingId, ENGINE_VERSION, format);
    if (cues.length === 0) {
      // Nothing was heard: no empty subtitles behind a `ready`, but an outcome of its own the owner sees.
      await deps.store.markNoSpeech(job.recordingId);
      await deps.store.finishJob(job.jobId);
      const silent = await deps.store.get(job.recordingId);
      if (silent) await deps.notify(silent);
      return 'done';
    }
    await storage.putText(key('vtt'), toWebVtt(cues), 'text/vtt');
    await storage.putText(key('srt'), toSrt(cues), 'application/x-subrip');
    await storage.putText(key('json'), JSON.stringify(doc), 'application/json');

    await deps.store.recordTranscript(job.recordingId, {
      version: ENGINE_VERSION,
      engine: deps.engine.name,
      language: transcript.language,
      cueCount: cues.length,
      createdBy: `engine:${deps.engine.name}`,
    });
    await deps.store.finishJob(job.jobId);
    const ready = await deps.store.get(job.recordingId);
    if (ready) await deps.notify(ready);
    return 'done';
  } finally {
    await progress.settle();
    await rm(dir, { recursive: true, force: true });
  }
}
