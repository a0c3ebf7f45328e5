import type { WebSocket } from 'ws';

/** API Gateway WebSocket quotas (docs: "Quotas for configuring and running a WebSocket API"). */
export const FRAME_LIMIT = 32 * 1024;
export const MESSAGE_LIMIT = 128 * 1024;

/**
 * ws only limits whole messages (maxPayload = 128 KB); API Gateway also refuses any single frame over 32 KB with
 * 1009. ws has no per-frame option, so hook the receiver's length check (ws 8.x internals; covered by the
 * size-limit test so an upgrade that changes them fails loudly).
 */
export function limitFrameSize(ws: WebSocket): void {
  const receiver = (ws as unknown as { _receiver?: Record<string, unknown> })._receiver;
  if (!receiver || typeof receiver.haveLength !== 'function') {
    throw new Error('ws internals changed: cannot enforce the 32 KB frame limit');
  }
  const original = receiver.haveLength as (cb: (error?: Error) => void) => void;
  receiver.haveLength = function (this: Record<string, unknown>, cb: (error?: Error) => void) {
    if ((this._payloadLength as number) > FRAME_LIMIT && (this._opcode as number) < 0x08) {
      const createError = this.createError as (...args: unknown[]) => Error;
      cb(createError.call(this, RangeError, 'Frame too large', false, 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
      return;
    }
    original.call(this, cb);
  };
}
