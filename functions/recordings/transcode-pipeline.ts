import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '../shared/logger';
import { recordingKeys, type TranscribeJob } from '../shared/protocol/recordings';
import type { MediaStorage } from './media-storage';
import {
  ToolError,
  ffmpegPath,
  formatDuration,
  chooseSpeechStreams,
  inputArgs,
  isAudible,
  judgeProbe,
  lastPacketEnd,
  probe,
  runTool,
  type MediaInfo,
} from './media-tools';
import type { RecordingRecord, RecordingStore } from './recording-store';

export interface TranscodeDeps {
  store: RecordingStore;
  storage: MediaStorage;
  enqueueTranscription(job: TranscribeJob): Promise<void>;
  /** Wakes the scaler for the job just enqueued (its duration tells the scaler how long the job will run). */
  pokeScaler(job: TranscribeJob): Promise<void>;
  notify(r: RecordingRecord): Promise<void>;
  maxSeconds: number;
  /** Where to work (Lambda: /tmp, up to 10 GB ephemeral storage). */
  workRoot?: string;
}

export type TranscodeOutcome = 'queued' | 'no-speech' | 'failed' | 'skipped' | 're-enqueued';

/** The deterministic job id of a recording's transcription: redelivered events enqueue the same job. */
export function transcribeJobId(recordingId: string): string {
  return `${recordingId}:transcribe`;
}

/*
 * Lambda stops at 15 min. libx264 veryfast ran ≈ 14× real time on one core here, so the default 2 h limit
 * (RECORDINGS_MAX_SECONDS) needs the multi-core memory size the stack gives this function; see docs/recordings.md.
 */
const FFMPEG_TIMEOUT_MS = 14 * 60 * 1000;

/**
 * One uploaded source → playable MP4 (H.264/AAC, moov first), 16 kHz mono FLAC for speech, a poster; then the
 * transcription job. Safe to run twice for one upload (S3 events arrive at least once).
 */
export async function transcodeRecording(recordingId: string, deps: TranscodeDeps): Promise<TranscodeOutcome> {
  const record = await deps.store.get(recordingId);
  if (!record) {
    logger.warn('upload for an unknown recording ignored', { recordingId });
    return 'skipped';
  }
  if (!(await deps.store.claimForTranscode(recordingId))) {
    // Already transcoded. If the job never made it into the queue (crash after the row update), send it again:
    // the job id is the same, so a worker that already did it acknowledges without rework.
    if (record.status === 'queued' && record.audioKey && !(await deps.store.jobStatus(transcribeJobId(recordingId)))) {
      const job = jobFor(record, record.audioKey, deps);
      await deps.enqueueTranscription(job);
      await deps.pokeScaler(job);
      return 're-enqueued';
    }
    return 'skipped';
  }
  await deps.notify({ ...record, status: 'transcoding' });

  const dir = await mkdtemp(join(deps.workRoot ?? tmpdir(), `transcode-${recordingId}-`));
  try {
    const source = join(dir, 'source');
    await deps.storage.download(record.sourceKey, source);
    const verdict = judgeProbe(await probe(source), deps.maxSeconds);
    if (!verdict.ok) return await fail(record, verdict.reason, deps);

    const outputs = await convert(source, dir, verdict.info);
    if ('reason' in outputs) return await fail(record, outputs.reason, deps);
    // The header may claim less than the media holds: the limit holds for what was really converted.
    if (outputs.durationSeconds > deps.maxSeconds) {
      const limit = formatDuration(deps.maxSeconds);
      const length = formatDuration(outputs.durationSeconds);
      return await fail(record, `The recording is ${length} long; the limit is ${limit}`, deps);
    }

    const mp4Key = recordingKeys.mp4(recordingId);
    const posterKey = outputs.poster ? recordingKeys.poster(recordingId) : null;
    const audioKey = outputs.audio ? recordingKeys.audio(recordingId) : null;
    await deps.storage.upload(mp4Key, outputs.mp4, 'video/mp4');
    if (posterKey) await deps.storage.upload(posterKey, outputs.poster!, 'image/jpeg');
    if (audioKey) await deps.storage.upload(audioKey, outputs.audio!, 'audio/flac');

    const media = {
      // Measured from the converted media, never the source's header or the client: a cut-off file says so.
      durationSeconds: outputs.durationSeconds,
      width: verdict.info.width,
      height: verdict.info.height,
      mp4Key,
      posterKey,
      audioKey: audioKey ?? '',
      transcribeJobId: transcribeJobId(recordingId),
    };
    if (!(await deps.store.recordMedia(recordingId, media))) return 'skipped';

    if (!audioKey) {
      // Nothing to transcribe: the video is playable, and the owner sees that it has no speech.
      await deps.store.markNoSpeech(recordingId);
      await deps.notify((await deps.store.get(recordingId))!);
      return 'no-speech';
    }
    const queued = (await deps.store.get(recordingId))!;
    const job = jobFor(queued, audioKey, deps);
    await deps.enqueueTranscription(job);
    await deps.notify(queued);
    await deps.pokeScaler(job);
    return 'queued';
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function jobFor(r: RecordingRecord, audioKey: string, deps: TranscodeDeps): TranscribeJob {
  return {
    jobId: transcribeJobId(r.id),
    recordingId: r.id,
    ownerId: r.ownerId,
    bucket: deps.storage.bucket,
    audioKey,
    durationSeconds: r.durationSeconds,
    language: r.language,
    translate: r.translate,
  };
}

async function fail(r: RecordingRecord, reason: string, deps: TranscodeDeps): Promise<'failed'> {
  logger.info('recording refused', { recordingId: r.id, reason });
  await deps.store.markFailed(r.id, reason);
  await deps.notify({ ...r, status: 'failed', failureReason: reason });
  return 'failed';
}

interface Outputs {
  /** The converted media's length (its last packet's end), what the API reports. */
  durationSeconds: number;
  mp4: string;
  audio: string | null;
  poster: string | null;
}

/**
 * One ffmpeg run decodes the source once and writes both the MP4 and the speech audio. A source that probes as
 * media but does not decode is the user's file, not our fault: it fails the recording with ffmpeg's reason.
 */
export async function convert(source: string, dir: string, info: MediaInfo): Promise<Outputs | { reason: string }> {
  const mp4 = join(dir, 'video.mp4');
  const audio = info.hasAudio ? join(dir, 'speech.flac') : null;
  const poster = info.hasVideo ? join(dir, 'poster.jpg') : null;
  const args = ['-hide_banner', '-nostdin', '-y', ...inputArgs(source)];
  // The speech: the default audio stream, else the audible ones mixed; both outputs carry the same sound.
  let audioMap: string[] = [];
  if (info.hasAudio) {
    let speech: number[];
    try {
      speech = await chooseSpeechStreams(info.audioStreams, (i) => isAudible(source, i));
    } catch (error) {
      if (error instanceof ToolError && error.exitCode !== null) speech = [0];
      else throw error;
    }
    if (speech.length === 1) audioMap = ['-map', `0:a:${speech[0]}`];
    else {
      const inputs = speech.map((i) => `[0:a:${i}]`).join('');
      args.push('-filter_complex', `${inputs}amix=inputs=${speech.length}:normalize=0,asplit=2[play][speech]`);
    }
  }
  const playAudio = audioMap.length > 0 ? audioMap : ['-map', '[play]'];
  const speechAudio = audioMap.length > 0 ? audioMap : ['-map', '[speech]'];
  // Playback MP4: H.264 High/yuv420p (plays everywhere), at most 1080p, AAC; +faststart puts the index first so
  // playback starts before the whole file has downloaded.
  if (info.hasVideo) {
    args.push('-map', '0:v:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p');
    args.push('-vf', "scale='trunc(min(1920,iw)/2)*2':-2");
  }
  if (info.hasAudio) args.push(...playAudio, '-c:a', 'aac', '-b:a', '128k', '-ac', '2');
  args.push('-movflags', '+faststart', mp4);
  // Speech: what Whisper and pocketsphinx both want (16 kHz mono); FLAC is lossless at about half of WAV's size.
  if (audio) args.push(...speechAudio, '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'flac', audio);
  let durationSeconds: number | null;
  try {
    await runTool(ffmpegPath(), args, { timeoutMs: FFMPEG_TIMEOUT_MS });
    durationSeconds = await lastPacketEnd(mp4);
    if (poster && durationSeconds !== null) {
      const at = Math.min(1, durationSeconds / 2).toFixed(2);
      await runTool(
        ffmpegPath(),
        [
          ...['-hide_banner', '-nostdin', '-y', '-ss', at, ...inputArgs(mp4), '-frames:v', '1'],
          ...['-vf', "scale='trunc(min(640,iw)/2)*2':-2", poster],
        ],
        { timeoutMs: 60_000 },
      );
    }
  } catch (error) {
    if (error instanceof ToolError && error.exitCode !== null) {
      const line = lastMeaningfulLine(error.stderrTail);
      return { reason: `The recording could not be converted${line ? `: ${line}` : ''}` };
    }
    throw error;
  }
  // A file cut off after its header converts "successfully" into an MP4 with no samples: check what came out.
  if (durationSeconds === null || !judgeProbe(await probe(mp4), Number.POSITIVE_INFINITY).ok) {
    return { reason: 'The recording contains nothing playable (it may have been cut off)' };
  }
  return { durationSeconds, mp4, audio, poster: poster && (await exists(poster)) ? poster : null };
}

function lastMeaningfulLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Conversion failed'));
  return (lines[lines.length - 1] ?? '').slice(0, 200);
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}
