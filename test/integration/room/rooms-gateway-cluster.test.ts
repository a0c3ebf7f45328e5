import { CLUSTER_URL, clusterStateFromEnv } from '../../support/redis-cluster';
import { describeRoomsThroughGateway } from './gateway-suite';

// ElastiCache Serverless is cluster mode: live room state through the same client code against a real three-master
// Redis Cluster (started by the integration global setup), where a cross-slot MULTI or DEL fails with CROSSSLOT.
const cluster = clusterStateFromEnv();
if (cluster.ready) {
  describeRoomsThroughGateway('rooms through the local gateway (real Redis Cluster, 3 masters at 127.0.0.1:7379)', {
    redisUrl: CLUSTER_URL,
    redisCluster: true,
  });
} else {
  describeRoomsThroughGateway(
    `rooms through the local gateway (NO Redis Cluster: ${cluster.reason}; ran against the in-process emulation only)`,
    {},
  );
}
