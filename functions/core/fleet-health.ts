/**
 * The fleet's health in three lists of connector ids, however many connectors there are: the
 * deployment's dispatcher computes it each run from the definitions and the connector states,
 * publishes the three counts as metrics (one alarm each) and, when a list changes, a digest
 * event naming the ids, so the connectors behind an alarm are one look away.
 *
 * Each enabled connector is in at most one list, the most urgent that applies:
 * - `reconnectRequired`: its status is RECONNECT_REQUIRED (a person must put new credentials);
 * - `failing`: its last poll ended in ERROR (transient failures that persisted);
 * - `stale`: no successful sync for `stalePeriods` of its schedule's periods (counted from its
 *   last success, or from when it was added or last changed if it never had one), whatever the
 *   reason: polls not dispatched, polls waiting in a backlog, polls that never finish.
 * Disabled connectors are in none: nothing is expected of them.
 */
import { deterministicId } from './events.ts';
import { ConfigError } from './errors.ts';
import { parseSchedule, schedulePeriodMs } from './schedule.ts';
import type { ConnectorDefinition, ConnectorState, ConnectorStatus } from './types.ts';

/** Periods without a success before a connector counts as stale. */
export const DEFAULT_STALE_PERIODS = 3;

/** Ids a digest lists per kind, at most: an event has a size limit (its counts are exact). */
export const MAX_DIGEST_IDS = 1000;

export interface FleetHealth {
  /** Enabled connectors: the ones expected to poll. */
  readonly enabled: number;
  readonly reconnectRequired: readonly string[];
  readonly failing: readonly string[];
  readonly stale: readonly string[];
}

export interface FleetHealthOptions {
  /** @default DEFAULT_STALE_PERIODS */
  readonly stalePeriods?: number;
}

/** The status a connector's last finished poll left (a poll running now has not decided yet). */
function settledStatus(state: ConnectorState): ConnectorStatus | null {
  return state.status === 'SYNCING' ? state.previousStatus : state.status;
}

export function assessFleetHealth(
  definitions: readonly ConnectorDefinition[],
  states: readonly ConnectorState[],
  now: Date,
  options: FleetHealthOptions = {},
): FleetHealth {
  const stalePeriods = options.stalePeriods ?? DEFAULT_STALE_PERIODS;
  const stateOf = new Map(states.map((state) => [state.connectorId, state]));
  const nowMs = now.getTime();
  const reconnectRequired: string[] = [];
  const failing: string[] = [];
  const stale: string[] = [];
  let enabled = 0;
  for (const definition of definitions) {
    if (!definition.enabled) continue;
    enabled += 1;
    const state = stateOf.get(definition.connectorId);
    const status = state === undefined ? null : settledStatus(state);
    if (status === 'RECONNECT_REQUIRED') reconnectRequired.push(definition.connectorId);
    else if (status === 'ERROR') failing.push(definition.connectorId);
    else if (isStale(definition, state, nowMs, stalePeriods)) stale.push(definition.connectorId);
  }
  const sorted = (ids: string[]) => ids.sort((a, b) => a.localeCompare(b));
  return { enabled, reconnectRequired: sorted(reconnectRequired), failing: sorted(failing), stale: sorted(stale) };
}

function isStale(definition: ConnectorDefinition, state: ConnectorState | undefined, nowMs: number, stalePeriods: number): boolean {
  let periodMs: number;
  try {
    periodMs = schedulePeriodMs(parseSchedule(definition.schedule), nowMs);
  } catch (error) {
    // A schedule that no longer parses is reported by the dispatcher's claim, by id.
    if (error instanceof ConfigError) return false;
    throw error;
  }
  // A connector changed (or enabled again) after its last success is judged from the change.
  const since = Math.max(Date.parse(state?.lastSuccessAt ?? definition.createdAt), Date.parse(definition.updatedAt));
  return nowMs - since > stalePeriods * periodMs;
}

/** The digest's detail: exact counts, and up to `MAX_DIGEST_IDS` ids per kind. */
export interface HealthDigest {
  /** Deterministic: the same three lists always give the same id. */
  readonly id: string;
  readonly time: string;
  readonly enabled: number;
  readonly counts: { readonly reconnectRequired: number; readonly failing: number; readonly stale: number };
  readonly reconnectRequired: readonly string[];
  readonly failing: readonly string[];
  readonly stale: readonly string[];
  /** True when a list was cut at `MAX_DIGEST_IDS` (`rollcall connectors --table` lists everything). */
  readonly truncated: boolean;
}

/** A key that changes exactly when one of the three lists does. */
export function healthKey(health: FleetHealth): string {
  return deterministicId(['ConnectorHealthDigest', health.reconnectRequired.join(','), health.failing.join(','), health.stale.join(',')]);
}

export function healthDigest(health: FleetHealth, now: Date): HealthDigest {
  const cut = (ids: readonly string[]) => ids.slice(0, MAX_DIGEST_IDS);
  return {
    id: healthKey(health),
    time: now.toISOString(),
    enabled: health.enabled,
    counts: { reconnectRequired: health.reconnectRequired.length, failing: health.failing.length, stale: health.stale.length },
    reconnectRequired: cut(health.reconnectRequired),
    failing: cut(health.failing),
    stale: cut(health.stale),
    truncated: [health.reconnectRequired, health.failing, health.stale].some((ids) => ids.length > MAX_DIGEST_IDS),
  };
}
