import { CLUSTER_URL, clusterStateFromEnv } from '../../support/redis-cluster';
import { describeProtocolThroughGateway } from './protocol-suite';

// ElastiCache Serverless is cluster mode: rate-limit counters through the same client code against a real
// three-master Redis Cluster (started by the integration global setup).
const cluster = clusterStateFromEnv();
if (cluster.ready) {
  describeProtocolThroughGateway('PeerJS protocol through the local gateway (real Redis Cluster at 127.0.0.1:7379)', {
    redisUrl: CLUSTER_URL,
    redisCluster: true,
  });
} else {
  describeProtocolThroughGateway(
    `PeerJS protocol through the local gateway (NO Redis Cluster: ${cluster.reason}; ran against the in-process emulation only)`,
    {},
  );
}
