import {
  decodeIntegrationFailure,
  decodeServerMessage,
  integrationFailureFrame,
} from '../../../functions/shared/protocol/room';

/*
 * API Gateway's own frame when a WebSocket route's integration fails. The page must tell it from a malformed
 * message: it means one of its frames was lost on the server (the whiteboard resyncs on it).
 */
describe('the integration-failure frame', () => {
  it('is what API Gateway sends, and the page recognizes it although it is none of our messages', () => {
    const frame = integrationFailureFrame('lXpBJrN44KIkeSM=', 'kfVvRg3UYqofA3zm');
    expect(JSON.parse(frame)).toEqual({
      message: 'Internal server error',
      connectionId: 'lXpBJrN44KIkeSM=',
      requestId: 'kfVvRg3UYqofA3zm',
    });
    expect(decodeServerMessage(frame).ok).toBe(false);
    expect(decodeIntegrationFailure(frame)).toEqual({
      message: 'Internal server error',
      connectionId: 'lXpBJrN44KIkeSM=',
      requestId: 'kfVvRg3UYqofA3zm',
    });
  });

  it.each([
    ['another message', '{"message":"Forbidden","connectionId":"a","requestId":"b"}'],
    ['an extra field', '{"message":"Internal server error","connectionId":"a","requestId":"b","type":"chat.message"}'],
    ['not JSON', 'Internal server error'],
    ['no frame at all', null],
    ['an oversized frame', `{"message":"Internal server error","connectionId":"${'a'.repeat(2000)}","requestId":"b"}`],
  ])('is not %s', (_what, raw) => {
    expect(decodeIntegrationFailure(raw)).toBeUndefined();
  });
});
