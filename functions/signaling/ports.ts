import { closeConnection, postToConnection } from '../shared/ws-notifier';

/** Pushes messages to WebSocket connections (the @connections API in AWS, the local gateway's twin locally). */
export interface Notifier {
  /** false when the connection is gone (410), so the caller can clean up. */
  post(connectionId: string, message: unknown): Promise<boolean>;
  close(connectionId: string): Promise<void>;
}

export const wsNotifier: Notifier = { post: postToConnection, close: closeConnection };

export type Sleep = (ms: number) => Promise<void>;
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
