/**
 * The fleet the fleet benchmark registers: `connectors` connectors over a set of simulated
 * workspaces of two apps (Torq and Twingate), sizes spaced evenly on a log scale from 50 to 2,000
 * users. Connector `i` polls workspace `i mod workspaces`, so any first `n` connectors (the memory
 * measurement's 100 and 500) have the same mix of apps and sizes as the whole fleet. Each
 * connector has its own inventory (its id); only the simulated API behind it is shared.
 */
export const FLEET_APPS = ['torq', 'twingate'] as const;
export type FleetApp = (typeof FLEET_APPS)[number];

export const FLEET_MIN_USERS = 50;
export const FLEET_MAX_USERS = 2_000;
/** Distinct workspaces per app. */
export const FLEET_WORKSPACES_PER_APP = 20;

export interface FleetWorkspacePlan {
  readonly index: number;
  readonly app: FleetApp;
  readonly users: number;
  /** The generator's seed: distinct people per workspace. */
  readonly seed: number;
}

/** Sizes `min * (max/min)^(j/(n-1))`, rounded: 50, 61, 74, ... 2,000. */
export function fleetWorkspaces(perApp = FLEET_WORKSPACES_PER_APP, min = FLEET_MIN_USERS, max = FLEET_MAX_USERS): FleetWorkspacePlan[] {
  const plans: FleetWorkspacePlan[] = [];
  for (let step = 0; step < perApp; step += 1) {
    const users = Math.round(min * (max / min) ** (perApp === 1 ? 0 : step / (perApp - 1)));
    // Apps alternate, so a prefix of the fleet mixes both.
    for (const app of FLEET_APPS) plans.push({ index: plans.length, app, users, seed: 1_000 + plans.length });
  }
  return plans;
}

export function fleetConnectorId(index: number): string {
  return `fleet-${String(index).padStart(5, '0')}`;
}

/** The workspace connector `index` polls. */
export function workspaceOf<T>(workspaces: readonly T[], index: number): T {
  const workspace = workspaces[index % workspaces.length];
  if (workspace === undefined) throw new RangeError('the fleet has no workspace');
  return workspace;
}
