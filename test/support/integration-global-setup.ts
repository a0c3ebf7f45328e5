import { CLUSTER_STATE_ENV, ensureRedisCluster } from './redis-cluster';

/**
 * Before the integration project: make sure the local Redis Cluster runs (the cluster suites name what they ran
 * against from CLUSTER_STATE_ENV). CI must prove the cluster path, so there a missing cluster fails the run instead
 * of quietly falling back to the in-process emulation.
 */
export default function integrationGlobalSetup(): void {
  const state = ensureRedisCluster();
  process.env[CLUSTER_STATE_ENV] = state.ready ? 'ready' : state.reason;
  if (state.ready) return;
  if (process.env.CI || process.env.CN_REQUIRE_REDIS_CLUSTER) {
    throw new Error(`Redis Cluster for the integration tests is unavailable: ${state.reason}`);
  }
  console.warn(`Redis Cluster unavailable (${state.reason}): the cluster suites run against the emulation only.`);
}
