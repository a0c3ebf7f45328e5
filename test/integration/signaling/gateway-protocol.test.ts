import { describeProtocolThroughGateway } from './protocol-suite';

describeProtocolThroughGateway('PeerJS protocol through the local gateway (in-process Redis)', {});
