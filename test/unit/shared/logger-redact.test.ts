import { redact } from '../../../functions/shared/logger';

describe('redact', () => {
  it('hides tokens, cookies and the CloudFront origin secret in a logged HTTP event, whatever their case', () => {
    const event = {
      rawPath: '/api/auth/refresh',
      headers: {
        Authorization: 'Bearer eyJhbGciOi.secret',
        cookie: 'cn_refresh=abc',
        'X-Origin-Verify': 'origin-secret',
        'user-agent': 'Mozilla/5.0',
        'Sec-WebSocket-Protocol': 'connect-now.v1, cn-credential.socket-jwt',
      },
      queryStringParameters: { token: 'ticket-jwt', key: 'peerjs' },
    };
    const logged = JSON.stringify(redact(event));
    for (const secret of ['eyJhbGciOi.secret', 'cn_refresh=abc', 'origin-secret', 'ticket-jwt', 'socket-jwt']) {
      expect(logged).not.toContain(secret);
    }
    expect(redact(event).headers['user-agent']).toBe('Mozilla/5.0');
    expect(redact(event).queryStringParameters.key).toBe('peerjs');
  });
});
