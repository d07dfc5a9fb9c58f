/**
 * Claiming due connectors: what the deployment's dispatcher does every minute and `rollcall watch`
 * does on each tick. A claim moves the connector's `nextDueAt` to its next due time conditionally,
 * so however many dispatchers or watchers look at once, each due time yields one poll.
 */
import type { ConnectorDefinitionStore } from './ports.ts';
import type { ConnectorDefinition } from './types.ts';
import { nextDueAfter, parseSchedule } from './schedule.ts';
import { ConfigError } from './errors.ts';

export interface DispatchResult {
  /** Won by this caller: poll each once (their `nextDueAt` is already the next due time). */
  readonly claimed: readonly ConnectorDefinition[];
  /** Due but claimed by another dispatcher or watcher first. */
  readonly lost: number;
  /** Due but with a schedule that no longer parses (a hand-edited item): left as they are, reported by id. */
  readonly invalid: readonly { readonly connectorId: string; readonly reason: string }[];
}

/** Claims up to `limit` of the connectors due at `now`, earliest first. */
export async function claimDueConnectors(store: ConnectorDefinitionStore, now: Date, limit: number): Promise<DispatchResult> {
  const nowMs = now.getTime();
  const due = await store.listDue(now.toISOString(), limit);
  const claimed: ConnectorDefinition[] = [];
  const invalid: { connectorId: string; reason: string }[] = [];
  let lost = 0;
  for (const definition of due) {
    if (!definition.enabled || definition.nextDueAt === null) continue;
    let next: string;
    try {
      next = new Date(nextDueAfter(parseSchedule(definition.schedule), definition.connectorId, nowMs)).toISOString();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      invalid.push({ connectorId: definition.connectorId, reason: error.message });
      continue;
    }
    if (await store.claimDue(definition.connectorId, definition.nextDueAt, next)) {
      claimed.push({ ...definition, nextDueAt: next });
    } else {
      lost += 1;
    }
  }
  return { claimed, lost, invalid };
}

/**
 * When a connector added or enabled at `now` is first due: at once, so a person who adds a
 * connector sees its first poll without waiting a period; later polls follow its schedule.
 */
export function firstDueAt(now: Date): string {
  return now.toISOString();
}
