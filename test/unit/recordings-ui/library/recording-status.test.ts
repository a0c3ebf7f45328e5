import { LOCAL_SPEECH_ENGINE, type RecordingSummary } from '../../../../functions/shared/protocol/recordings';
import {
  applyStatusMessage,
  describeStatus,
  describeTranscriptEngine,
  isInProgress,
} from '../../../../frontend/src/recordings/library/recording-status';

const id = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const row: RecordingSummary = {
  id,
  title: 'Standup',
  fileName: 'standup.mp4',
  roomId: null,
  status: 'transcoding',
  percent: null,
  failureReason: null,
  durationSeconds: null,
  sizeBytes: 100,
  language: 'auto',
  detectedLanguage: null,
  translate: false,
  subtitleVersion: null,
  createdAt: '2026-11-24T23:00:00Z',
  updatedAt: '2026-11-24T23:00:00Z',
};

describe('describeStatus', () => {
  it('names every stage of the pipeline in words', () => {
    expect(describeStatus({ status: 'uploading', percent: null, failureReason: null }).label).toBe('Uploading');
    expect(describeStatus({ status: 'transcoding', percent: null, failureReason: null }).label).toBe('Transcoding');
    const queued = describeStatus({ status: 'queued', percent: null, failureReason: null });
    expect(queued.label).toBe('Waiting for a worker');
    expect(queued.detail).toMatch(/fleet is starting/);
    expect(describeStatus({ status: 'transcribing', percent: 41.6, failureReason: null })).toMatchObject({
      label: 'Transcribing 42%',
      percent: 42,
    });
    expect(describeStatus({ status: 'ready', percent: null, failureReason: null })).toMatchObject({
      label: 'Ready',
      tone: 'ok',
    });
  });

  it('shows a recording without speech as its own finished outcome, not as an empty Ready', () => {
    const view = describeStatus({ status: 'no-speech', percent: null, failureReason: null });
    expect(view).toMatchObject({ label: 'No speech found', tone: 'ok' });
    expect(view.detail).toBe('The video plays, but no speech was heard in it, so it has no subtitles.');
    expect(isInProgress('no-speech')).toBe(false);
  });

  it('shows the reason of a failure', () => {
    expect(describeStatus({ status: 'failed', percent: null, failureReason: 'No audio or video stream' })).toEqual({
      label: 'Failed',
      detail: 'No audio or video stream',
      tone: 'error',
      percent: null,
    });
  });

  it('knows which states still change by themselves', () => {
    expect(['uploading', 'transcoding', 'queued', 'transcribing'].every((s) => isInProgress(s as never))).toBe(true);
    expect(isInProgress('ready') || isInProgress('failed')).toBe(false);
  });
});

describe('applyStatusMessage', () => {
  it('moves a row forward with the live message', () => {
    const next = applyStatusMessage(row, {
      type: 'recording.status',
      recordingId: id,
      status: 'transcribing',
      percent: 30,
    });
    expect(next).toMatchObject({ status: 'transcribing', percent: 30 });
    const ready = applyStatusMessage(next, {
      type: 'recording.status',
      recordingId: id,
      status: 'ready',
      subtitleVersion: 1,
    });
    expect(ready).toMatchObject({ status: 'ready', percent: null, subtitleVersion: 1 });
    const failed = applyStatusMessage(row, {
      type: 'recording.status',
      recordingId: id,
      status: 'failed',
      reason: 'bad',
    });
    expect(failed).toMatchObject({ status: 'failed', failureReason: 'bad' });
  });

  it('ignores messages for other recordings and late busy messages after the end', () => {
    const other = applyStatusMessage(row, {
      type: 'recording.status',
      recordingId: '00000000-0000-4000-8000-000000000000',
      status: 'ready',
      subtitleVersion: 1,
    });
    expect(other).toBe(row);
    const ready = { ...row, status: 'ready' as const };
    expect(applyStatusMessage(ready, { type: 'recording.status', recordingId: id, status: 'queued' })).toBe(ready);
  });
});

describe('the transcript engine label', () => {
  it('marks the local engine’s transcript as lower quality, and names Whisper', () => {
    expect(describeTranscriptEngine(LOCAL_SPEECH_ENGINE)).toBe('automatic (local engine, lower quality)');
    expect(describeTranscriptEngine('whisper-cpp')).toBe('automatic (Whisper)');
    expect(describeTranscriptEngine('other-engine')).toBe('automatic (other-engine)');
  });

  it('says nothing before there is a transcript', () => {
    expect(describeTranscriptEngine(null)).toBeNull();
  });
});
