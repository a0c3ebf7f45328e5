import {
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { managementApi } from './aws-clients';

/**
 * Sends one JSON message to a WebSocket connection through the @connections API.
 * Returns false when the connection is gone (410), so callers can clean up their registry; other errors throw.
 */
export async function postToConnection(connectionId: string, message: unknown): Promise<boolean> {
  try {
    await managementApi().send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(message)) }),
    );
    return true;
  } catch (error) {
    if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') return false;
    throw error;
  }
}

/** Closes a connection; a connection that is already gone counts as closed. */
export async function closeConnection(connectionId: string): Promise<void> {
  try {
    await managementApi().send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  } catch (error) {
    if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') return;
    throw error;
  }
}
