import { describeBreakoutsThroughGateway } from './breakouts-suite';

describeBreakoutsThroughGateway('breakout rooms through the local gateway (in-process Redis emulation)', {});
