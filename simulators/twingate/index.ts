/** The Twingate Admin API simulator: a seeded network generator, churn, and a real GraphQL server serving it. */
export {
  applyTwingateChurn,
  DEFAULT_TWINGATE_NOW,
  DEFAULT_TWINGATE_SEED,
  EVERYONE_GROUP_NAME,
  generateTwingateWorkspace,
  groupMemberIds,
  TWINGATE_USER_ROLES,
  type GenerateTwingateWorkspaceOptions,
  type TwingateChurnOptions,
  type TwingateChurnSummary,
  type TwingateGroupRecord,
  type TwingateGroupType,
  type TwingateSimWorkspace,
  type TwingateUserRecord,
  type TwingateUserRole,
  type TwingateUserState,
  type TwingateUserType,
} from './workspace.ts';
export { TWINGATE_FAULT_KEYS, type TwingateSimFaults } from './faults.ts';
export { offsetCursor } from './connections.ts';
export { TWINGATE_SCHEMA_SDL } from './schema.ts';
export {
  startTwingateSimulator,
  TWINGATE_GRAPHQL_PATH,
  type TwingateRootField,
  type TwingateSimStats,
  type TwingateSimulator,
  type TwingateSimulatorOptions,
} from './server.ts';
