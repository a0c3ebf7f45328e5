import {
  LOCAL_SPEECH_ENGINE,
  TERMINAL_RECORDING_STATUSES,
  type RecordingServerMessage,
  type RecordingStatus,
  type RecordingSummary,
} from '../../../../functions/shared/protocol/recordings';

export type StatusTone = 'busy' | 'ok' | 'error';

export interface StatusView {
  readonly label: string;
  /** A second line that says what is going on, or null. */
  readonly detail: string | null;
  readonly tone: StatusTone;
  /** 0–100 while a percentage is known. */
  readonly percent: number | null;
}

/** How the list shows each state of the pipeline. */
export function describeStatus(r: Pick<RecordingSummary, 'status' | 'percent' | 'failureReason'>): StatusView {
  switch (r.status) {
    case 'uploading':
      return { label: 'Uploading', detail: null, tone: 'busy', percent: null };
    case 'transcoding':
      return {
        label: 'Transcoding',
        detail: 'Making a playable video and the audio for transcription.',
        tone: 'busy',
        percent: null,
      };
    case 'queued':
      return {
        label: 'Waiting for a worker',
        // The GPU fleet scales to zero when idle; the first job after a quiet spell waits for an instance to boot.
        detail: 'The transcription fleet is starting; this can take a few minutes.',
        tone: 'busy',
        percent: null,
      };
    case 'transcribing': {
      const percent = r.percent === null ? null : Math.round(r.percent);
      return {
        label: percent === null ? 'Transcribing' : `Transcribing ${percent}%`,
        detail: null,
        tone: 'busy',
        percent,
      };
    }
    case 'ready':
      return { label: 'Ready', detail: null, tone: 'ok', percent: null };
    case 'no-speech':
      return {
        label: 'No speech found',
        detail: 'The video plays, but no speech was heard in it, so it has no subtitles.',
        tone: 'ok',
        percent: null,
      };
    case 'failed':
      return {
        label: 'Failed',
        detail: r.failureReason ?? 'The recording could not be processed.',
        tone: 'error',
        percent: null,
      };
  }
}

/** True while the pipeline will still change the recording on its own (so the page keeps polling). */
export function isInProgress(status: RecordingStatus): boolean {
  return !(TERMINAL_RECORDING_STATUSES as readonly RecordingStatus[]).includes(status);
}

/**
 * Folds a live status message into a list row. Live messages are best effort and may arrive out of order with
 * a poll, so a message never moves a finished recording back to a busy state.
 */
export function applyStatusMessage<T extends RecordingSummary>(row: T, message: RecordingServerMessage): T {
  if (message.recordingId !== row.id || message.type !== 'recording.status') return row;
  if (!isInProgress(row.status) && isInProgress(message.status)) return row;
  switch (message.status) {
    case 'transcribing':
      return { ...row, status: 'transcribing', percent: message.percent, failureReason: null };
    case 'ready':
      return { ...row, status: 'ready', percent: null, failureReason: null, subtitleVersion: message.subtitleVersion };
    case 'failed':
      return { ...row, status: 'failed', percent: null, failureReason: message.reason };
    default:
      return { ...row, status: message.status, percent: null, failureReason: null };
  }
}

/**
 * Where the transcript came from, in words: the local engine (pocketsphinx, used when Whisper is not installed)
 * misses many words, and a person should know that before trusting or sharing its subtitles.
 */
export function describeTranscriptEngine(engine: string | null): string | null {
  if (engine === null) return null;
  if (engine === LOCAL_SPEECH_ENGINE) return 'automatic (local engine, lower quality)';
  if (engine.startsWith('whisper')) return 'automatic (Whisper)';
  return `automatic (${engine})`;
}
