/** The Torq API simulator: a seeded workspace generator, churn, and a real HTTP server serving it. */
export {
  applyChurn,
  DEFAULT_NOW,
  DEFAULT_SEED,
  generateWorkspace,
  type ChurnAccount,
  type ChurnOptions,
  type ChurnSummary,
  type GenerateWorkspaceOptions,
  type SimWorkspace,
  type TorqRoleRecord,
  type TorqUserRecord,
  type TorqUserStatus,
} from './workspace.ts';
export { SIM_USER_FIELDS, type SimFaults, type SimUserField, type SimUserListing } from './faults.ts';
export {
  startTorqSimulator,
  TORQ_API_BASE_PATH,
  TORQ_TOKEN_PATH,
  type SimCredentials,
  type SimPageSize,
  type SimRouteName,
  type SimStats,
  type TorqSimulator,
  type TorqSimulatorOptions,
} from './server.ts';
