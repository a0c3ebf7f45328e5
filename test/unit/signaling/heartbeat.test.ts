import {
  PEER_PING_INTERVAL_MS,
  WS_IDLE_TIMEOUT_MS,
  monthlySocketCostUsd,
} from '../../../functions/signaling/heartbeat';

describe('PeerJS heartbeat interval', () => {
  it('keeps two beats inside the idle timeout even if a hidden tab delays one by a minute', () => {
    expect(2 * PEER_PING_INTERVAL_MS + 60_000).toBeLessThanOrEqual(WS_IDLE_TIMEOUT_MS);
  });

  it('costs about what the connection minutes cost, where the PeerJS default would cost ~48× that', () => {
    const ours = monthlySocketCostUsd(1000, PEER_PING_INTERVAL_MS);
    const peerjsDefault = monthlySocketCostUsd(1000, 5000);
    expect(ours.connectionUsd).toBeCloseTo(10.8, 2);
    expect(ours.heartbeatUsd).toBeCloseTo(10.8, 2);
    expect(peerjsDefault.heartbeatUsd).toBeCloseTo(518.4, 1);
  });
});
