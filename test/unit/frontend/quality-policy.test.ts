import {
  encodingFor,
  isOverVideoLimit,
  MESH_VIDEO_LIMIT,
  UPLINK_BUDGET_BPS,
  videoCapFor,
} from '../../../frontend/src/media/quality-policy';

describe('videoCapFor (camera)', () => {
  it('gives a two-person call full quality: 720p at 30 fps', () => {
    const cap = videoCapFor({ participants: 2, source: 'camera' });
    expect(cap).toEqual({ sendVideo: true, maxBitrateBps: 1_200_000, maxHeight: 720, maxFramerate: 30 });
  });

  it('steps bitrate, resolution and frame rate down as the mesh grows, never up', () => {
    const caps = [2, 3, 4, 5, 6, 7, 8].map((n) => videoCapFor({ participants: n, source: 'camera' }));
    for (let i = 1; i < caps.length; i++) {
      expect(caps[i]!.maxBitrateBps).toBeLessThanOrEqual(caps[i - 1]!.maxBitrateBps);
      expect(caps[i]!.maxHeight).toBeLessThanOrEqual(caps[i - 1]!.maxHeight);
      expect(caps[i]!.maxFramerate).toBeLessThanOrEqual(caps[i - 1]!.maxFramerate);
    }
    expect(caps[caps.length - 1]!.maxHeight).toBeLessThan(caps[0]!.maxHeight);
  });

  it('keeps the total uplink (one encoder per remote peer) within the budget at every size', () => {
    for (let n = 2; n <= MESH_VIDEO_LIMIT; n++) {
      const cap = videoCapFor({ participants: n, source: 'camera' });
      expect(cap.maxBitrateBps * (n - 1)).toBeLessThanOrEqual(UPLINK_BUDGET_BPS);
    }
  });

  it('stops camera video past the mesh limit and in audio-only mode', () => {
    expect(videoCapFor({ participants: MESH_VIDEO_LIMIT + 1, source: 'camera' }).sendVideo).toBe(false);
    expect(videoCapFor({ participants: 2, source: 'camera', audioOnly: true }).sendVideo).toBe(false);
    expect(isOverVideoLimit(MESH_VIDEO_LIMIT + 1)).toBe(true);
    expect(isOverVideoLimit(MESH_VIDEO_LIMIT)).toBe(false);
  });

  it('treats nonsense counts as a single person rather than dividing by zero', () => {
    const cap = videoCapFor({ participants: 0, source: 'camera' });
    expect(cap.sendVideo).toBe(true);
    expect(Number.isFinite(cap.maxBitrateBps)).toBe(true);
  });
});

describe('videoCapFor (screen)', () => {
  it('keeps screen shares readable (≥ 720p) and trades frame rate instead', () => {
    for (const n of [2, 4, 6, 10]) {
      const cap = videoCapFor({ participants: n, source: 'screen' });
      expect(cap.sendVideo).toBe(true);
      expect(cap.maxHeight).toBeGreaterThanOrEqual(720);
      expect(cap.maxFramerate).toBeLessThanOrEqual(15);
    }
  });

  it('still shares the screen in a room too big for cameras, and even in audio-only mode', () => {
    expect(videoCapFor({ participants: 12, source: 'screen' }).sendVideo).toBe(true);
    expect(videoCapFor({ participants: 3, source: 'screen', audioOnly: true }).sendVideo).toBe(true);
  });
});

describe('encodingFor', () => {
  it('scales a 720p track down to the cap height', () => {
    const enc = encodingFor({ sendVideo: true, maxBitrateBps: 400_000, maxHeight: 360, maxFramerate: 20 }, 720);
    expect(enc).toEqual({ active: true, maxBitrate: 400_000, maxFramerate: 20, scaleResolutionDownBy: 2 });
  });

  it('never scales up a track that is already small', () => {
    const enc = encodingFor({ sendVideo: true, maxBitrateBps: 1_200_000, maxHeight: 720, maxFramerate: 30 }, 240);
    expect(enc.scaleResolutionDownBy).toBe(1);
  });

  it('deactivates the encoding when video must not be sent', () => {
    expect(encodingFor({ sendVideo: false, maxBitrateBps: 0, maxHeight: 0, maxFramerate: 0 }, 720)).toEqual({
      active: false,
    });
  });

  it('uses scale 1 when the track height is unknown', () => {
    const enc = encodingFor({ sendVideo: true, maxBitrateBps: 1, maxHeight: 480, maxFramerate: 24 }, undefined);
    expect(enc.scaleResolutionDownBy).toBe(1);
  });
});
