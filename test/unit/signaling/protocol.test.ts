import { clientMessageSchema, peerIdSchema, serverMessageSchema } from '../../../functions/shared/protocol/peerjs';
import { candidate, offer } from './harness';

describe('PeerJS message schemas', () => {
  it('accepts ids the peerjs client accepts and refuses the rest', () => {
    for (const ok of ['alice', 'a-b_c d', 'A1']) expect(peerIdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['', '-a', 'a--b', 'a b ', '<script>', 'x'.repeat(129)]) {
      expect(peerIdSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('drops keys it does not know from payloads (nothing unvalidated reaches another user)', () => {
    const message = offer('bob');
    (message.payload as Record<string, unknown>).__proto_pollution = { admin: true };
    const parsed = clientMessageSchema.parse(message);
    expect(parsed).toEqual(offer('bob'));
  });

  it('keeps every field the peerjs client sends for a data connection', () => {
    const message = offer('bob');
    Object.assign(message.payload, { type: 'data', label: 'dc_1', reliable: true, serialization: 'binary' });
    expect(clientMessageSchema.parse(message)).toEqual(message);
  });

  it('accepts a candidate with null sdpMid (what browsers send for some candidates)', () => {
    const message = candidate('bob');
    Object.assign(message.payload.candidate, { sdpMid: null, sdpMLineIndex: null });
    expect(clientMessageSchema.safeParse(message).success).toBe(true);
  });

  it('describes what the server sends, so the page can validate it too', () => {
    expect(serverMessageSchema.safeParse({ type: 'OPEN' }).success).toBe(true);
    expect(serverMessageSchema.safeParse({ type: 'EXPIRE', src: 'bob', dst: 'alice' }).success).toBe(true);
    expect(serverMessageSchema.safeParse({ ...offer('bob'), src: 'alice' }).success).toBe(true);
    expect(serverMessageSchema.safeParse({ type: 'OFFER', dst: 'bob' }).success).toBe(false);
  });
});
