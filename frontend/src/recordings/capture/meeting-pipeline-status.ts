import type { RecordingServerMessage } from '../../../../functions/shared/protocol/recordings';

/** What the meeting's record control says about a recording already saved from this room. */
export interface PipelineLine {
  readonly recordingId: string;
  readonly text: string;
  /** The recording on the Recordings page, once there is something to look at (or a reason to read). */
  readonly href: string | null;
  readonly tone: 'busy' | 'ok' | 'error';
}

const pageOf = (id: string) => `/recordings?id=${encodeURIComponent(id)}`;

/**
 * Turns a live push (room socket, owner only) into the record control's second line: "Recording saved ·
 * transcribing 40 %", then "Subtitles ready" with a link. The host keeps recording and talking; this line only
 * tells them the last recording is on its way.
 */
export function pipelineLine(message: RecordingServerMessage): PipelineLine {
  const id = message.recordingId;
  if (message.type === 'recording.export') {
    switch (message.status) {
      case 'queued':
      case 'rendering':
        return {
          recordingId: id,
          text: `Subtitled video · rendering version ${message.version}`,
          href: null,
          tone: 'busy',
        };
      case 'ready':
        return { recordingId: id, text: 'Subtitled video ready', href: pageOf(id), tone: 'ok' };
      case 'failed':
        return {
          recordingId: id,
          text: `Subtitled video failed: ${message.reason ?? 'unknown error'}`,
          href: pageOf(id),
          tone: 'error',
        };
    }
  }
  switch (message.status) {
    case 'uploading':
      return { recordingId: id, text: 'Recording saved · uploading', href: null, tone: 'busy' };
    case 'transcoding':
      return { recordingId: id, text: 'Recording saved · making the video', href: null, tone: 'busy' };
    case 'queued':
      return {
        recordingId: id,
        text: 'Recording saved · waiting for a transcription worker',
        href: null,
        tone: 'busy',
      };
    case 'transcribing':
      return {
        recordingId: id,
        text: `Recording saved · transcribing ${Math.round(message.percent)} %`,
        href: null,
        tone: 'busy',
      };
    case 'ready':
      return { recordingId: id, text: 'Subtitles ready', href: pageOf(id), tone: 'ok' };
    case 'no-speech':
      return { recordingId: id, text: 'Recording ready · no speech found', href: pageOf(id), tone: 'ok' };
    case 'failed':
      return { recordingId: id, text: `Processing failed: ${message.reason}`, href: pageOf(id), tone: 'error' };
  }
}

/**
 * The line to show after `message`, given the one shown now. Pushes are best effort and may cross: a late
 * "transcribing" never replaces "Subtitles ready" or a failure of the same recording.
 */
export function nextPipelineLine(current: PipelineLine | null, message: RecordingServerMessage): PipelineLine {
  const next = pipelineLine(message);
  const finished = current !== null && current.recordingId === next.recordingId && current.tone !== 'busy';
  if (finished && message.type === 'recording.status' && next.tone === 'busy') return current;
  return next;
}
