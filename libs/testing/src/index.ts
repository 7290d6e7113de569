export { uniqueName } from './names';
export { createTestDatabase, testDatabaseConfig } from './postgres';
export type { TestDatabase } from './postgres';
export { eventually, groupJoined, publishEnvelopes, testBrokers, testKafkaSettings, waitUntilConsumed } from './kafka';
export { startServiceForTest } from './service-harness';
export type { RunningService } from './service-harness';
export { describeServiceBasics } from './service-contract';
export { SERVICE_NAMES, startSystem } from './system';
export type { RunningSystem, ServiceName } from './system';
