import { decodeServerMessage } from '../../../../functions/shared/protocol/room';
import type { RecordingServerMessage } from '../../../../functions/shared/protocol/recordings';
import { nextPipelineLine, pipelineLine } from '../../../../frontend/src/recordings/capture/meeting-pipeline-status';

const id = '5f0c8a43-6a7e-4c1b-9d0e-1f2a3b4c5d6e';
const status = (m: Record<string, unknown>) => ({ type: 'recording.status', recordingId: id, ...m });

describe('recording pushes on the room socket', () => {
  it('are room-socket server messages: the meeting page decodes them instead of dropping them as invalid', () => {
    const frames = [
      status({ status: 'transcoding' }),
      status({ status: 'queued' }),
      status({ status: 'transcribing', percent: 40 }),
      status({ status: 'ready', subtitleVersion: 1 }),
      status({ status: 'failed', reason: 'Transcription failed after 3 attempts' }),
      { type: 'recording.export', recordingId: id, status: 'rendering', version: 2, reason: null },
    ];
    for (const frame of frames) {
      expect(decodeServerMessage(JSON.stringify(frame))).toEqual({ ok: true, message: frame });
    }
  });

  it('are refused when malformed, with the field that is wrong', () => {
    const noPercent = decodeServerMessage(JSON.stringify(status({ status: 'transcribing' })));
    expect(noPercent).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    const badId = decodeServerMessage(JSON.stringify({ ...status({ status: 'queued' }), recordingId: 'x' }));
    expect(badId).toMatchObject({ ok: false, error: { code: 'invalid_message', message: /recordingId/ } });
  });
});

describe("the record control's pipeline line", () => {
  const line = (m: Record<string, unknown>) => pipelineLine(m as RecordingServerMessage);

  it('says the recording is saved and how far transcription is, without a link while busy', () => {
    expect(line(status({ status: 'transcoding' }))).toEqual({
      recordingId: id,
      text: 'Recording saved · making the video',
      href: null,
      tone: 'busy',
    });
    expect(line(status({ status: 'transcribing', percent: 39.6 })).text).toBe('Recording saved · transcribing 40 %');
  });

  it('links to the recording once subtitles are ready or processing failed', () => {
    expect(line(status({ status: 'ready', subtitleVersion: 1 }))).toEqual({
      recordingId: id,
      text: 'Subtitles ready',
      href: `/recordings?id=${id}`,
      tone: 'ok',
    });
    expect(line(status({ status: 'no-speech' }))).toEqual({
      recordingId: id,
      text: 'Recording ready · no speech found',
      href: `/recordings?id=${id}`,
      tone: 'ok',
    });
    expect(line(status({ status: 'failed', reason: 'No audio' }))).toMatchObject({
      text: 'Processing failed: No audio',
      href: `/recordings?id=${id}`,
      tone: 'error',
    });
  });

  it('never lets a late busy push replace a finished line of the same recording', () => {
    const ready = line(status({ status: 'ready', subtitleVersion: 1 }));
    const late = status({ status: 'transcribing', percent: 90 }) as RecordingServerMessage;
    expect(nextPipelineLine(ready, late)).toBe(ready);
    // Another recording, or an export of this one, still shows.
    const other = { ...late, recordingId: '6f0c8a43-6a7e-4c1b-9d0e-1f2a3b4c5d6e' } as RecordingServerMessage;
    expect(nextPipelineLine(ready, other).text).toBe('Recording saved · transcribing 90 %');
    const exportMessage = { type: 'recording.export', recordingId: id, status: 'ready', version: 2, reason: null };
    expect(nextPipelineLine(ready, exportMessage as RecordingServerMessage).text).toBe('Subtitled video ready');
  });
});
