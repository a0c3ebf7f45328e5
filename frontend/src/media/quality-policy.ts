/*
 * How much video each sender may push in a full mesh. Every remote peer gets its own RTCPeerConnection and so its
 * own encoder: uplink = per-stream bitrate × (participants − 1), and CPU grows the same way. The tiers follow the
 * same idea as Amazon Chime's NScaleVideoUplinkBandwidthPolicy (a per-stream cap that shrinks as the meeting grows)
 * and Nextcloud Talk's sent-video throttler (resolution and frame rate step down with the number of videos), sized
 * for a mesh: about 2.5 Mbit/s of total uplink, which a home connection can keep up.
 */

export interface VideoCap {
  /** Send video at all (false = audio-only for this sender). */
  sendVideo: boolean;
  maxBitrateBps: number;
  /** Longest side is scaled so that the frame height is at most this many pixels. */
  maxHeight: number;
  maxFramerate: number;
}

export type VideoSource = 'camera' | 'screen';

export interface QualityInput {
  /** Everyone in the meeting, including this sender. */
  participants: number;
  source: VideoSource;
  /** The user chose audio-only (or the room is over the video limit). */
  audioOnly?: boolean;
}

/** Beyond this many people a mesh cannot carry camera video for everyone; cameras stop and audio keeps flowing. */
export const MESH_VIDEO_LIMIT = 8;

/** Total uplink we budget for one kind of video across all peers. */
export const UPLINK_BUDGET_BPS = 2_500_000;

interface Tier {
  upTo: number;
  maxBitrateBps: number;
  maxHeight: number;
  maxFramerate: number;
}

const CAMERA_TIERS: readonly Tier[] = [
  { upTo: 2, maxBitrateBps: 1_200_000, maxHeight: 720, maxFramerate: 30 },
  { upTo: 3, maxBitrateBps: 800_000, maxHeight: 540, maxFramerate: 30 },
  { upTo: 4, maxBitrateBps: 600_000, maxHeight: 480, maxFramerate: 24 },
  { upTo: 6, maxBitrateBps: 400_000, maxHeight: 360, maxFramerate: 20 },
  { upTo: MESH_VIDEO_LIMIT, maxBitrateBps: 250_000, maxHeight: 240, maxFramerate: 15 },
];

// Screens carry text: keep resolution, trade frame rate instead (slides rarely move).
const SCREEN_TIERS: readonly Tier[] = [
  { upTo: 2, maxBitrateBps: 2_000_000, maxHeight: 1080, maxFramerate: 15 },
  { upTo: 4, maxBitrateBps: 1_000_000, maxHeight: 1080, maxFramerate: 10 },
  { upTo: 6, maxBitrateBps: 600_000, maxHeight: 720, maxFramerate: 8 },
  { upTo: Number.POSITIVE_INFINITY, maxBitrateBps: 400_000, maxHeight: 720, maxFramerate: 5 },
];

const AUDIO_ONLY: VideoCap = { sendVideo: false, maxBitrateBps: 0, maxHeight: 0, maxFramerate: 0 };

/** The cap for one outgoing video stream (each peer connection gets the same cap). */
export function videoCapFor(input: QualityInput): VideoCap {
  const participants = Math.max(1, Math.floor(input.participants));
  if (input.source === 'camera' && (input.audioOnly || participants > MESH_VIDEO_LIMIT)) return AUDIO_ONLY;
  const tiers = input.source === 'screen' ? SCREEN_TIERS : CAMERA_TIERS;
  const tier = tiers.find((t) => participants <= t.upTo) ?? tiers[tiers.length - 1]!;
  const remotes = Math.max(1, participants - 1);
  // The tier's cap, but never more than an equal share of the uplink budget.
  const maxBitrateBps = Math.min(tier.maxBitrateBps, Math.floor(UPLINK_BUDGET_BPS / remotes));
  return { sendVideo: true, maxBitrateBps, maxHeight: tier.maxHeight, maxFramerate: tier.maxFramerate };
}

export interface EncodingParameters {
  active: boolean;
  maxBitrate?: number;
  maxFramerate?: number;
  scaleResolutionDownBy?: number;
}

/** Turns a cap into RTCRtpEncodingParameters for a track whose current frame height is `trackHeight`. */
export function encodingFor(cap: VideoCap, trackHeight: number | undefined): EncodingParameters {
  if (!cap.sendVideo) return { active: false };
  const height = trackHeight && trackHeight > 0 ? trackHeight : cap.maxHeight;
  const scale = Math.max(1, height / cap.maxHeight);
  return {
    active: true,
    maxBitrate: cap.maxBitrateBps,
    maxFramerate: cap.maxFramerate,
    scaleResolutionDownBy: Math.round(scale * 100) / 100,
  };
}

/** True when the room is past the size where everyone can send video: the UI says so and offers audio-only. */
export function isOverVideoLimit(participants: number): boolean {
  return participants > MESH_VIDEO_LIMIT;
}
