import { CLUSTER_URL, clusterStateFromEnv } from '../../support/redis-cluster';
import { describeBreakoutsThroughGateway } from './breakouts-suite';

// ElastiCache Serverless is cluster mode: the breakout Lua scripts and the relay's placement check against a real
// three-master Redis Cluster (started by the integration global setup), where a cross-slot script fails.
const cluster = clusterStateFromEnv();
describeBreakoutsThroughGateway(
  cluster.ready
    ? 'breakout rooms through the local gateway (real Redis Cluster, 3 masters at 127.0.0.1:7379)'
    : `breakout rooms through the local gateway (NO Redis Cluster: ${cluster.reason}; ran against the in-process emulation only)`,
  cluster.ready ? { redisUrl: CLUSTER_URL, redisCluster: true } : {},
);
