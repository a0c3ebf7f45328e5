/*
 * A connection-quality verdict per remote tile from RTCPeerConnection.getStats(): packet loss, round-trip time and
 * received frame rate, put in plain words. Pure functions: the stats reading and the verdict are unit-tested.
 */

export type QualityLevel = 'good' | 'weak' | 'poor';

export interface StatsSample {
  /** Cumulative inbound RTP counters (audio and video together). */
  packetsReceived: number;
  packetsLost: number;
  /** Round trip of the selected candidate pair, in ms; null when the browser has not measured it yet. */
  rttMs: number | null;
  /** Received video frame rate; null when no video is coming (camera off, audio-only). */
  framesPerSecond: number | null;
}

export interface QualityReading {
  /** Loss over the interval since the previous sample, in percent. */
  lossPercent: number;
  rttMs: number | null;
  framesPerSecond: number | null;
}

export interface QualityVerdict {
  level: QualityLevel;
  /** e.g. "Weak connection: 4% packets lost, 180 ms delay". */
  text: string;
}

// Thresholds from where calls audibly suffer: ~2% loss starts to garble audio, ~300 ms round trip makes people talk
// over each other; below ~10 fps motion looks choppy.
const WEAK = { lossPercent: 2, rttMs: 300, fps: 15 };
const POOR = { lossPercent: 8, rttMs: 600, fps: 8 };

/** Loss over the interval between two cumulative samples (the first sample counts from zero). */
export function readingBetween(previous: StatsSample | null, current: StatsSample): QualityReading {
  const received = current.packetsReceived - (previous?.packetsReceived ?? 0);
  const lost = Math.max(0, current.packetsLost - (previous?.packetsLost ?? 0));
  const total = Math.max(0, received) + lost;
  return {
    lossPercent: total > 0 ? (lost / total) * 100 : 0,
    rttMs: current.rttMs,
    framesPerSecond: current.framesPerSecond,
  };
}

export function classifyConnection(r: QualityReading): QualityVerdict {
  const rtt = r.rttMs ?? 0;
  const fps = r.framesPerSecond;
  const level: QualityLevel =
    r.lossPercent >= POOR.lossPercent || rtt >= POOR.rttMs || (fps !== null && fps < POOR.fps)
      ? 'poor'
      : r.lossPercent >= WEAK.lossPercent || rtt >= WEAK.rttMs || (fps !== null && fps < WEAK.fps)
        ? 'weak'
        : 'good';
  const parts = [`${formatPercent(r.lossPercent)} packets lost`];
  if (r.rttMs !== null) parts.push(`${Math.round(r.rttMs)} ms delay`);
  if (fps !== null) parts.push(`${Math.round(fps)} frames per second`);
  const word = level === 'good' ? 'Good' : level === 'weak' ? 'Weak' : 'Poor';
  return { level, text: `${word} connection: ${parts.join(', ')}` };
}

function formatPercent(p: number): string {
  return p > 0 && p < 1 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** The fields of RTCStats entries this module reads (a structural subset, so tests can pass plain objects). */
export interface StatsEntry {
  type: string;
  kind?: string;
  packetsReceived?: number;
  packetsLost?: number;
  framesPerSecond?: number;
  state?: string;
  nominated?: boolean;
  selected?: boolean;
  currentRoundTripTime?: number;
  id?: string;
  selectedCandidatePairId?: string;
}

/** Sums one peer connection's getStats() report into a sample. */
export function sampleFromStats(entries: Iterable<StatsEntry>): StatsSample {
  const list = [...entries];
  let packetsReceived = 0;
  let packetsLost = 0;
  let framesPerSecond: number | null = null;
  for (const s of list) {
    if (s.type !== 'inbound-rtp') continue;
    packetsReceived += s.packetsReceived ?? 0;
    packetsLost += s.packetsLost ?? 0;
    if (s.kind === 'video' && typeof s.framesPerSecond === 'number') {
      framesPerSecond = (framesPerSecond ?? 0) + s.framesPerSecond;
    }
  }
  // The transport names the pair in use; older reports mark it `selected`, or we take a nominated succeeded one.
  const selectedId = list.find((s) => s.type === 'transport' && s.selectedCandidatePairId)?.selectedCandidatePairId;
  const pairs = list.filter((s) => s.type === 'candidate-pair');
  const pair =
    pairs.find((p) => p.id === selectedId) ??
    pairs.find((p) => p.selected) ??
    pairs.find((p) => p.nominated && p.state === 'succeeded');
  const rtt = pair?.currentRoundTripTime;
  return { packetsReceived, packetsLost, rttMs: typeof rtt === 'number' ? rtt * 1000 : null, framesPerSecond };
}
