/*
 * How often the PeerJS client sends {"type":"HEARTBEAT"} (its `pingInterval` option; config.json `peer.pingInterval`).
 *
 * The heartbeat exists only to keep API Gateway's 10-minute idle timeout from closing a quiet socket: API Gateway
 * detects closed sockets itself and our server keeps no liveness timer. Every frame is a billed message even with
 * the mock integration, so PeerJS's 5 s default would cost ~48× the connection-minutes of the socket.
 * 4 minutes leaves room for two beats inside the timeout even when Chrome's intensive throttling of hidden tabs
 * delays timers by up to a minute. Reasoning and prices: docs/signaling.md.
 */
export const PEER_PING_INTERVAL_MS = 4 * 60 * 1000;

/** API Gateway's idle timeout for WebSocket connections (a hard limit). */
export const WS_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** API Gateway WebSocket list prices, us-east-1: $1.00 per million messages (first billion), $0.25 per million minutes. */
export const PRICE_PER_MILLION_MESSAGES_USD = 1.0;
export const PRICE_PER_MILLION_CONNECTION_MINUTES_USD = 0.25;
const MINUTES_PER_MONTH = 30 * 24 * 60;

/** Monthly cost of keeping `concurrentUsers` PeerJS sockets open all month with a heartbeat every `intervalMs`. */
export function monthlySocketCostUsd(concurrentUsers: number, intervalMs: number) {
  const heartbeats = (concurrentUsers * MINUTES_PER_MONTH * 60_000) / intervalMs;
  const minutes = concurrentUsers * MINUTES_PER_MONTH;
  const heartbeatUsd = (heartbeats / 1e6) * PRICE_PER_MILLION_MESSAGES_USD;
  const connectionUsd = (minutes / 1e6) * PRICE_PER_MILLION_CONNECTION_MINUTES_USD;
  return { heartbeats, heartbeatUsd, connectionUsd, totalUsd: heartbeatUsd + connectionUsd };
}
