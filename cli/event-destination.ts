/**
 * Where `rollcall poll` publishes its events (design.md section 6). Locally they are appended to
 * `events.jsonl` in the data dir. A poll of a deployed table (`--table` without `--endpoint`)
 * changes the inventory that the deployment's subscribers follow through its EventBridge bus: it
 * must publish there (`--event-bus NAME`, the stack output EventBusName), or say explicitly that
 * its events stay on this machine (`--local-events`). Silently keeping them local would let a
 * laptop poll record changes that no subscriber ever hears of.
 */
import { ConfigError } from '../functions/core/errors.ts';
import type { EventSink } from '../functions/core/ports.ts';

export interface EventDestinationFlags {
  readonly dataDir: string;
  readonly table?: string;
  readonly endpoint?: string;
  readonly eventBus?: string;
  readonly localEvents?: boolean;
}

export type EventDestination = { readonly kind: 'file' } | { readonly kind: 'bus'; readonly eventBusName: string };

/** Decided from the flags alone, before any store, file or network is touched. */
export function chooseEventDestination(flags: EventDestinationFlags): EventDestination {
  if (flags.eventBus !== undefined && flags.localEvents === true) {
    throw new ConfigError('--event-bus and --local-events exclude each other: publish to the bus, or append to the local file');
  }
  if (flags.eventBus !== undefined) return { kind: 'bus', eventBusName: flags.eventBus };
  const deployedTable = flags.table !== undefined && flags.endpoint === undefined;
  if (deployedTable && flags.localEvents !== true) {
    throw new ConfigError(
      `--table ${flags.table} is a deployed inventory whose subscribers read its event bus: ` +
        'pass --event-bus NAME (the stack output EventBusName) to publish there, ' +
        `or --local-events to append the events to ${flags.dataDir}/events.jsonl instead`,
    );
  }
  return { kind: 'file' };
}

export interface OpenedEventSink {
  readonly events: EventSink;
  readonly description: string;
  close(): void;
}

/** PutEvents to the named bus, AWS credentials and region from the usual chain. */
export async function openEventBusSink(eventBusName: string): Promise<OpenedEventSink> {
  // Loaded on use: a poll into the embedded store never pays for the EventBridge client.
  const [{ EventBridgeClient }, { EventBridgeEventSink }] = await Promise.all([
    import('@aws-sdk/client-eventbridge'),
    import('../functions/adapters/eventbridge-sink.ts'),
  ]);
  const client = new EventBridgeClient({});
  try {
    await client.config.region();
  } catch (error) {
    client.destroy();
    throw new ConfigError('--event-bus needs an AWS region: set AWS_REGION, or a region in your AWS profile', { cause: error });
  }
  return {
    events: new EventBridgeEventSink(client, eventBusName),
    description: `EventBridge bus ${eventBusName}`,
    close: () => client.destroy(),
  };
}
