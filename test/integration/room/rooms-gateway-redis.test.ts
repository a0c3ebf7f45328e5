import { describeRoomsThroughGateway } from './gateway-suite';

// This machine runs Redis as a service: live room state then lives in real Redis under a random prefix.
describeRoomsThroughGateway('rooms through the local gateway (real Redis at 127.0.0.1:6379)', {
  redisUrl: 'redis://127.0.0.1:6379',
});
