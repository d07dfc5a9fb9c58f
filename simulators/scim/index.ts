/** The SCIM 2.0 service provider simulator: a seeded workspace generator, churn, and a real HTTP server serving it. */
export {
  applyScimChurn,
  DEFAULT_SCIM_SEED,
  generateScimWorkspace,
  SCIM_GENERATED_AT,
  type GenerateScimWorkspaceOptions,
  type ScimChurnOptions,
  type ScimChurnSummary,
  type ScimEmail,
  type ScimGroupMember,
  type ScimGroupRecord,
  type ScimMeta,
  type ScimSimWorkspace,
  type ScimUserRecord,
} from './workspace.ts';
export { SCIM_QUIRK_KEYS, type ScimSimQuirks } from './quirks.ts';
export {
  SCIM_BASE_PATH,
  SCIM_CONTENT_TYPE,
  SCIM_ERROR_SCHEMA,
  SCIM_GROUP_SCHEMA,
  SCIM_LIST_RESPONSE_SCHEMA,
  SCIM_SERVICE_PROVIDER_CONFIG_SCHEMA,
  SCIM_USER_SCHEMA,
  startScimSimulator,
  type ScimSimRoute,
  type ScimSimStats,
  type ScimSimulator,
  type ScimSimulatorOptions,
} from './server.ts';
