import { describeProtocolThroughGateway } from './protocol-suite';

// This machine runs Redis as a service; rate-limit counters then live in real Redis under a random prefix.
describeProtocolThroughGateway('PeerJS protocol through the local gateway (real Redis at 127.0.0.1:6379)', {
  redisUrl: 'redis://127.0.0.1:6379',
});
