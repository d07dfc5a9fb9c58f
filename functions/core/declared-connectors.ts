/**
 * Connectors declared in cdk.json, reconciled into the definitions at deploy time (the stack's one
 * custom resource runs this, however many connectors are declared). cdk.json owns what it
 * declares: app, app config, schedule and secret come from it; whether the connector is enabled,
 * and when it is next due, stay as the table has them (a person may disable a declared connector
 * with `rollcall connectors disable`; a redeploy does not undo that).
 *
 * - declared and absent from the table: created, enabled, due at once (origin `declared`);
 * - declared and present: updated when a field differs; a new schedule moves its next due time to
 *   the schedule's next firing. A connector of the CLI (origin `added`) under a declared id is
 *   taken over: it becomes `declared` and enabled (declaring it is asking for it to be polled;
 *   this is also how a connector released below, and declared again, or a deployment rolled back
 *   after releasing it, polls again);
 * - in the table as `declared` but no longer in cdk.json ("released"): disabled, and handed over
 *   to the CLI (origin `added`). Its polling stops, as when its schedule was deleted with it from
 *   the stack before; its inventory and secret stay; `rollcall connectors remove [--purge]`
 *   deletes it, `rollcall connectors enable` polls it again.
 */
import { ConcurrentChangeError, ConnectorExistsError } from './definition-errors.ts';
import { firstDueAt } from './dispatch.ts';
import type { ConnectorDefinitionStore } from './ports.ts';
import { nextDueAfter, parseSchedule } from './schedule.ts';
import type { ConnectorDefinition } from './types.ts';

/** What cdk.json says about one connector. */
export interface DeclaredDefinition {
  readonly connectorId: string;
  readonly app: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly schedule: string;
  readonly secretArn: string | null;
}

export interface ReconcileResult {
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: number;
  /** Declared before, not any more: disabled and handed to the CLI. */
  readonly released: readonly string[];
}

/** Attempts per connector when someone else changes it between the read and the write. */
const ATTEMPTS = 3;

export async function reconcileDeclared(
  store: ConnectorDefinitionStore,
  declared: readonly DeclaredDefinition[],
  now: Date,
  options: { readonly concurrency?: number } = {},
): Promise<ReconcileResult> {
  const existing = new Map((await store.listDefinitions()).map((definition) => [definition.connectorId, definition]));
  const wanted = new Set(declared.map((entry) => entry.connectorId));
  const created: string[] = [];
  const updated: string[] = [];
  const released: string[] = [];
  let unchanged = 0;

  const tasks: (() => Promise<void>)[] = [];
  for (const entry of declared) {
    tasks.push(async () => {
      const outcome = await withRetry(store, entry.connectorId, existing.get(entry.connectorId) ?? null, (current) =>
        current === null ? newDefinition(entry, now) : declaredUpdate(current, entry, now),
      );
      if (outcome === 'created') created.push(entry.connectorId);
      else if (outcome === 'updated') updated.push(entry.connectorId);
      else unchanged += 1;
    });
  }
  for (const definition of existing.values()) {
    if (definition.origin !== 'declared' || wanted.has(definition.connectorId)) continue;
    tasks.push(async () => {
      const outcome = await withRetry(store, definition.connectorId, definition, (current) =>
        current === null || current.origin !== 'declared' ? null : { ...current, origin: 'added', enabled: false, nextDueAt: null, updatedAt: now.toISOString() },
      );
      if (outcome === 'updated') released.push(definition.connectorId);
    });
  }
  await runAll(tasks, options.concurrency ?? 8);
  const sorted = (ids: string[]) => ids.sort((a, b) => a.localeCompare(b));
  return { created: sorted(created), updated: sorted(updated), unchanged, released: sorted(released) };
}

function newDefinition(entry: DeclaredDefinition, at: Date): ConnectorDefinition {
  return {
    connectorId: entry.connectorId,
    app: entry.app,
    config: entry.config,
    schedule: entry.schedule,
    enabled: true,
    origin: 'declared',
    secretArn: entry.secretArn,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    nextDueAt: firstDueAt(at),
  };
}

/** The definition with cdk.json's fields, or `null` when nothing differs. */
function declaredUpdate(current: ConnectorDefinition, entry: DeclaredDefinition, now: Date): ConnectorDefinition | null {
  const same =
    current.origin === 'declared' &&
    current.app === entry.app &&
    current.schedule === entry.schedule &&
    current.secretArn === entry.secretArn &&
    sameJson(current.config, entry.config);
  if (same) return null;
  if (current.origin !== 'declared' && !current.enabled) {
    return { ...newDefinition(entry, now), createdAt: current.createdAt };
  }
  const nextDueAt =
    current.enabled && current.schedule !== entry.schedule
      ? new Date(nextDueAfter(parseSchedule(entry.schedule), entry.connectorId, now.getTime())).toISOString()
      : current.nextDueAt;
  return {
    ...current,
    app: entry.app,
    config: entry.config,
    schedule: entry.schedule,
    secretArn: entry.secretArn,
    origin: 'declared',
    nextDueAt,
    updatedAt: now.toISOString(),
  };
}

/**
 * Writes `change(current)` (create when `current` is null, update otherwise); on a concurrent
 * change reads the definition again and retries.
 */
async function withRetry(
  store: ConnectorDefinitionStore,
  connectorId: string,
  first: ConnectorDefinition | null,
  change: (current: ConnectorDefinition | null) => ConnectorDefinition | null,
): Promise<'created' | 'updated' | 'unchanged'> {
  let current = first;
  for (let attempt = 1; ; attempt += 1) {
    const next = change(current);
    if (next === null) return 'unchanged';
    try {
      if (current === null) await store.createDefinition(next);
      else await store.updateDefinition(next, current.updatedAt);
      return current === null ? 'created' : 'updated';
    } catch (error) {
      const retriable = error instanceof ConcurrentChangeError || (current === null && error instanceof ConnectorExistsError);
      if (!retriable || attempt >= ATTEMPTS) throw error;
      current = await store.getDefinition(connectorId);
    }
  }
}

/** Compares two JSON values regardless of key order. */
function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

async function runAll(tasks: readonly (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < tasks.length; index = next++) await tasks[index]?.();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
}
