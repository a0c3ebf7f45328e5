import { describeRoomsThroughGateway } from './gateway-suite';

describeRoomsThroughGateway('rooms through the local gateway (in-process Redis, PostgreSQL via the Data API)', {});
