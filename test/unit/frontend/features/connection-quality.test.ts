import {
  classifyConnection,
  readingBetween,
  sampleFromStats,
} from '../../../../frontend/src/features/quality/connection-quality';

describe('connection quality verdict', () => {
  it('low loss, short delay and smooth video read as good', () => {
    expect(classifyConnection({ lossPercent: 0, rttMs: 40, framesPerSecond: 30 })).toEqual({
      level: 'good',
      text: 'Good connection: 0% packets lost, 40 ms delay, 30 frames per second',
    });
  });

  it('a few percent lost or a long delay reads as weak', () => {
    expect(classifyConnection({ lossPercent: 4, rttMs: 180, framesPerSecond: null })).toEqual({
      level: 'weak',
      text: 'Weak connection: 4% packets lost, 180 ms delay',
    });
    expect(classifyConnection({ lossPercent: 0, rttMs: 350, framesPerSecond: 30 }).level).toBe('weak');
    expect(classifyConnection({ lossPercent: 0, rttMs: 50, framesPerSecond: 12 }).level).toBe('weak');
  });

  it('heavy loss, a very long delay or a stalled picture reads as poor', () => {
    expect(classifyConnection({ lossPercent: 12, rttMs: 50, framesPerSecond: 30 }).level).toBe('poor');
    expect(classifyConnection({ lossPercent: 0, rttMs: 800, framesPerSecond: 30 }).level).toBe('poor');
    expect(classifyConnection({ lossPercent: 0, rttMs: 50, framesPerSecond: 3 }).level).toBe('poor');
  });

  it('an unmeasured delay and no video are left out of the words, not guessed', () => {
    expect(classifyConnection({ lossPercent: 0.4, rttMs: null, framesPerSecond: null })).toEqual({
      level: 'good',
      text: 'Good connection: 0.4% packets lost',
    });
  });

  it('loss is measured over the interval, not since the call began', () => {
    const first = { packetsReceived: 1000, packetsLost: 100, rttMs: 20, framesPerSecond: 30 };
    const second = { packetsReceived: 1960, packetsLost: 140, rttMs: 25, framesPerSecond: 30 };
    expect(readingBetween(first, second)).toEqual({ lossPercent: 4, rttMs: 25, framesPerSecond: 30 });
    expect(readingBetween(null, first).lossPercent).toBeCloseTo(9.09, 1);
    // No packets in the interval (a paused stream) is no loss.
    expect(readingBetween(second, second).lossPercent).toBe(0);
  });

  it('reads inbound counters, the selected pair round trip and the video frame rate from a stats report', () => {
    const sample = sampleFromStats([
      { type: 'inbound-rtp', kind: 'audio', packetsReceived: 500, packetsLost: 5 },
      { type: 'inbound-rtp', kind: 'video', packetsReceived: 1500, packetsLost: 15, framesPerSecond: 24 },
      { type: 'outbound-rtp', kind: 'video', packetsReceived: 99999 },
      { type: 'candidate-pair', id: 'old', state: 'succeeded', nominated: true, currentRoundTripTime: 0.9 },
      { type: 'candidate-pair', id: 'cp1', state: 'succeeded', currentRoundTripTime: 0.18 },
      { type: 'transport', selectedCandidatePairId: 'cp1' },
    ]);
    expect(sample).toEqual({ packetsReceived: 2000, packetsLost: 20, rttMs: 180, framesPerSecond: 24 });
  });

  it('a report with no video and no measured pair gives nulls', () => {
    expect(sampleFromStats([{ type: 'inbound-rtp', kind: 'audio', packetsReceived: 10, packetsLost: 0 }])).toEqual({
      packetsReceived: 10,
      packetsLost: 0,
      rttMs: null,
      framesPerSecond: null,
    });
  });
});
