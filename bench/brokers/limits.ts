/**
 * Our broker's limits in the bench children (the broker alone and the whole host): the per-device
 * rate and broadcast limits and the connection limits are evaluated on every message and
 * connection, set above the bench's load so they measure and never throttle.
 */
export const BENCH_LIMITS = {
  ratePerSecond: 1_000_000,
  rateBurst: 1_000_000,
  broadcastPerSecond: 1_000_000,
  broadcastBurst: 1_000_000,
  maxConnections: 20_000,
  connectionsPerSecond: 100_000,
  connectionBurst: 100_000,
};
