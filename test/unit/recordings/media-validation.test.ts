import { chooseSpeechStreams, formatDuration, judgeProbe } from '../../../functions/recordings/media-tools';

// Shapes as ffprobe -print_format json -show_format -show_streams prints them (trimmed to the fields read).
const videoWithSound = {
  format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3.000000' },
  streams: [
    { codec_type: 'video', codec_name: 'h264', width: 320, height: 240, duration: '3.000000' },
    { codec_type: 'audio', codec_name: 'aac', duration: '3.000000' },
  ],
};

describe('judgeProbe', () => {
  it('accepts a video with sound and reports its shape', () => {
    expect(judgeProbe(videoWithSound, 3600)).toEqual({
      ok: true,
      info: {
        durationSeconds: 3,
        hasVideo: true,
        hasAudio: true,
        audioStreams: [{ isDefault: false }],
        width: 320,
        height: 240,
      },
    });
  });

  it('accepts audio only, and does not take cover art for video', () => {
    const verdict = judgeProbe(
      {
        format: { format_name: 'mp3', duration: '61.5' },
        streams: [
          { codec_type: 'audio', codec_name: 'mp3' },
          { codec_type: 'video', codec_name: 'mjpeg', width: 500, height: 500, disposition: { attached_pic: 1 } },
        ],
      },
      3600,
    );
    expect(verdict).toEqual({
      ok: true,
      info: {
        durationSeconds: 61.5,
        hasVideo: false,
        hasAudio: true,
        audioStreams: [{ isDefault: false }],
        width: null,
        height: null,
      },
    });
  });

  it('refuses what ffprobe could not open (a text file renamed .mp4)', () => {
    expect(judgeProbe(null, 3600)).toEqual({
      ok: false,
      reason: 'The file is not a video or audio recording we can read',
    });
    expect(judgeProbe({}, 3600)).toMatchObject({ ok: false });
  });

  it('refuses a still image and a subtitle file even though ffprobe opens them', () => {
    const image = { format: { format_name: 'png_pipe' }, streams: [{ codec_type: 'video', width: 10, height: 10 }] };
    expect(judgeProbe(image, 3600)).toMatchObject({ ok: false, reason: expect.stringContaining('not a video') });
    const subs = { format: { format_name: 'srt', duration: '10' }, streams: [{ codec_type: 'subtitle' }] };
    expect(judgeProbe(subs, 3600)).toMatchObject({ ok: false });
  });

  it('refuses a recording longer than the limit, saying both lengths', () => {
    const long = { ...videoWithSound, format: { ...videoWithSound.format, duration: '7300' } };
    expect(judgeProbe(long, 7200)).toEqual({
      ok: false,
      reason: 'The recording is 2 h 1 min long; the limit is 2 h 0 min',
    });
  });

  it('refuses media without a readable duration', () => {
    const broken = { format: { format_name: 'matroska,webm' }, streams: [{ codec_type: 'audio' }] };
    expect(judgeProbe(broken, 3600)).toMatchObject({ ok: false, reason: expect.stringContaining('duration') });
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(3 * 3600 + 60)).toBe('3 h 1 min');
  });
});

describe('chooseSpeechStreams', () => {
  const flags = (...d: boolean[]) => d.map((isDefault) => ({ isDefault }));
  const loudness = (...loud: boolean[]) => {
    const asked: number[] = [];
    return { asked, audible: async (i: number) => (asked.push(i), loud[i]!) };
  };

  it('takes the only stream without measuring it', async () => {
    const m = loudness(false);
    expect(await chooseSpeechStreams(flags(true), m.audible)).toEqual([0]);
    expect(m.asked).toEqual([]);
  });

  it('takes the stream flagged default even when another comes first', async () => {
    expect(await chooseSpeechStreams(flags(false, true), loudness(true, true).audible)).toEqual([1]);
  });

  it('never takes a silent default while another stream is audible', async () => {
    expect(await chooseSpeechStreams(flags(true, false, false), loudness(false, false, true).audible)).toEqual([2]);
  });

  it('mixes the audible streams when the file flags no single default', async () => {
    expect(await chooseSpeechStreams(flags(false, false, false), loudness(true, false, true).audible)).toEqual([0, 2]);
    expect(await chooseSpeechStreams(flags(true, true), loudness(false, false).audible)).toEqual([0]);
  });
});
