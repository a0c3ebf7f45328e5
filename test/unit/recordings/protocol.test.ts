import {
  CreateRecordingRequest,
  MAX_FILE_NAME_LENGTH,
  MAX_UPLOAD_BYTES,
  RecordingStatusMessage,
  SaveSubtitlesRequest,
  isAcceptedUpload,
  parseSourceKey,
  recordingKeys,
} from '../../../functions/shared/protocol/recordings';

const ID_A = '0b4a1c2e-8f3d-4e5a-9b6c-7d8e9f0a1b2c';
const ID_B = '1c5b2d3f-9a4e-4f6b-8c7d-8e9f0a1b2c3d';

describe('upload requests', () => {
  it('accepts a recording and fills defaults', () => {
    expect(
      CreateRecordingRequest.parse({ fileName: 'standup.webm', contentType: 'video/webm;codecs=vp9', sizeBytes: 10 }),
    ).toMatchObject({ language: 'auto', translate: false });
  });

  it('refuses a size beyond parts × part size, a zero size and control characters in names', () => {
    const base = { fileName: 'a.mp4', contentType: 'video/mp4' };
    expect(CreateRecordingRequest.safeParse({ ...base, sizeBytes: MAX_UPLOAD_BYTES + 1 }).success).toBe(false);
    expect(CreateRecordingRequest.safeParse({ ...base, sizeBytes: 0 }).success).toBe(false);
    expect(CreateRecordingRequest.safeParse({ ...base, sizeBytes: 1, title: 'a\u0000b' }).success).toBe(false);
    expect(CreateRecordingRequest.safeParse({ ...base, sizeBytes: 1, roomId: '../../etc' }).success).toBe(false);
  });

  it('refuses a file name over the limit with a message in words', () => {
    const request = (fileName: string) => ({ fileName, contentType: 'video/mp4', sizeBytes: 1 });
    const long = CreateRecordingRequest.safeParse(request(`${'n'.repeat(MAX_FILE_NAME_LENGTH - 3)}.mp4`));
    expect(long.success ? [] : long.error.issues.map((i) => i.message)).toEqual([
      `The file name is longer than ${MAX_FILE_NAME_LENGTH} characters; rename the file and pick it again`,
    ]);
    expect(CreateRecordingRequest.safeParse(request(`${'n'.repeat(MAX_FILE_NAME_LENGTH - 4)}.mp4`)).success).toBe(true);
  });

  it('matches extension to content type', () => {
    expect(isAcceptedUpload('talk.MP4', 'video/mp4')).toBe(true);
    expect(isAcceptedUpload('talk.webm', 'video/webm; codecs="vp8, opus"')).toBe(true);
    expect(isAcceptedUpload('notes.txt', 'video/mp4')).toBe(false);
    expect(isAcceptedUpload('evil.mp4', 'text/html')).toBe(false);
    expect(isAcceptedUpload('noextension', 'video/mp4')).toBe(false);
  });
});

describe('edited cues', () => {
  const cue = (start: number, end: number, text = 'hello') => ({ start, end, text });

  it('accepts ordered cues of up to three lines', () => {
    expect(SaveSubtitlesRequest.safeParse({ baseVersion: 1, cues: [cue(0, 1), cue(1, 2, 'a\nb\nc')] }).success).toBe(
      true,
    );
  });

  it.each([
    ['an end before its start', [cue(2, 1)]],
    ['out-of-order cues', [cue(5, 6), cue(1, 2)]],
    ['an arrow that would end the timing line', [cue(0, 1, 'a --> b')]],
    ['a blank line that would end the cue', [cue(0, 1, 'a\n\nb')]],
    ['four lines', [cue(0, 1, 'a\nb\nc\nd')]],
    ['empty text', [cue(0, 1, '   ')]],
    ['negative time', [cue(-1, 1)]],
    ['no cues at all', []],
  ])('refuses %s', (_name, cues) => {
    expect(SaveSubtitlesRequest.safeParse({ baseVersion: 1, cues }).success).toBe(false);
  });
});

describe('object keys', () => {
  it('never collide between two recordings of one user and room', () => {
    const keys = (id: string) => [
      recordingKeys.source('guest:anna', id),
      recordingKeys.mp4(id),
      recordingKeys.poster(id),
      recordingKeys.audio(id),
      recordingKeys.subtitles(id, 1, 'vtt'),
    ];
    const a = keys(ID_A);
    const b = keys(ID_B);
    expect(a.filter((k) => b.includes(k))).toEqual([]);
  });

  it('keep user ids to a safe alphabet and round-trip the recording id', () => {
    const key = recordingKeys.source('guest:../x y', ID_A);
    expect(key).toMatch(/^uploads\/[A-Za-z0-9_.~-]+\/[0-9a-f-]{36}\/source$/);
    expect(key).not.toContain('/../');
    expect(parseSourceKey(key)).toEqual({ recordingId: ID_A });
    expect(parseSourceKey(`media/${ID_A}/video.mp4`)).toBeNull();
    expect(parseSourceKey('uploads/u/not-a-uuid/source')).toBeNull();
  });
});

describe('live status', () => {
  it('requires the fields of each status', () => {
    const base = { type: 'recording.status', recordingId: ID_A };
    expect(RecordingStatusMessage.safeParse({ ...base, status: 'transcribing', percent: 40 }).success).toBe(true);
    expect(RecordingStatusMessage.safeParse({ ...base, status: 'transcribing' }).success).toBe(false);
    expect(RecordingStatusMessage.safeParse({ ...base, status: 'failed', reason: 'Not media' }).success).toBe(true);
    expect(RecordingStatusMessage.safeParse({ ...base, status: 'failed' }).success).toBe(false);
  });
});
