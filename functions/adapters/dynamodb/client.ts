/**
 * DynamoDB clients for the inventory store, and a request counter read from the SDK client itself
 * (design.md section 10: requests are counted, never estimated).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isLoopbackHost } from '../../core/loopback.ts';

export interface DynamoClientOptions {
  /** Any DynamoDB-compatible endpoint (`--endpoint`, the embedded store); AWS's own when absent. */
  readonly endpoint?: string;
  /** Falls back to the SDK's region chain (AWS_REGION, profile) for AWS, `us-east-1` for a local endpoint. */
  readonly region?: string;
  /** SDK attempts per request (its default retry strategy: throttling, 5xx and network errors). */
  readonly maxAttempts?: number;
  /** For a local endpoint: the access key id to sign with (the embedded store's server checks it). */
  readonly accessKeyId?: string;
}

export interface DynamoClients {
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
}

/** True for an endpoint on this machine (embedded dynalite, DynamoDB Local), which ignores signatures. */
export function isLocalEndpoint(endpoint: string): boolean {
  try {
    return isLoopbackHost(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/**
 * Builds the low-level client and the document client over it (they share one middleware stack).
 * A local endpoint gets static placeholder credentials so that the SDK never walks its credential
 * chain (environment, profile, instance metadata): a laptop without AWS setup must work, and a
 * test must not reach the network looking for credentials.
 */
export function createDynamoClients(options: DynamoClientOptions = {}): DynamoClients {
  const local = options.endpoint !== undefined && isLocalEndpoint(options.endpoint);
  const config: DynamoDBClientConfig = {};
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  const region = options.region ?? (local ? 'us-east-1' : undefined);
  if (region !== undefined) config.region = region;
  if (local) {
    const accessKeyId = options.accessKeyId ?? 'local';
    config.credentials = { accessKeyId, secretAccessKey: accessKeyId };
  }

  const client = new DynamoDBClient(config);
  // The SDK's logger middleware inspects every response for a logger we never configure: about
  // 0.4 s of CPU per 100,000 loaded accounts in the benchmark (README, "Performance").
  client.middlewareStack.remove('loggerMiddleware');
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, documentClient };
}

// ---------------------------------------------------------------------------------------------
// Request counting
// ---------------------------------------------------------------------------------------------

export type RequestKind = 'read' | 'write' | 'other';

const READ_COMMANDS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITE_COMMANDS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

export function requestKindOf(commandName: string): RequestKind {
  if (READ_COMMANDS.has(commandName)) return 'read';
  if (WRITE_COMMANDS.has(commandName)) return 'write';
  return 'other';
}

export interface RequestCounts {
  /** HTTP attempts per operation name (`BatchWriteItem`, `Query`...); SDK retries count, each is billed. */
  readonly byCommand: Readonly<Record<string, number>>;
  readonly reads: number;
  readonly writes: number;
  /** Table management and the like (CreateTable, DescribeTable). */
  readonly other: number;
  readonly total: number;
  /** Items carried by write requests (25 per full BatchWriteItem, 1 per single-item write). */
  readonly itemsWritten: number;
}

export interface RequestCounter {
  /** A snapshot of the counts so far. */
  counts(): RequestCounts;
  reset(): void;
  /** Removes the middleware from the client. */
  detach(): void;
}

/** Both clients expose the one stack they share; this is the part of it the counter needs. */
interface WithMiddlewareStack {
  readonly middlewareStack: DynamoDBClient['middlewareStack'];
}

let counterSequence = 0;

/**
 * Counts every request the client sends, by operation. The middleware sits in the deserialize
 * step, inside the SDK's retry loop, so each attempt that reached the wire is counted once.
 */
export function countRequests(client: WithMiddlewareStack): RequestCounter {
  counterSequence += 1;
  const name = `rollcallRequestCounter${counterSequence}`;
  let byCommand: Record<string, number> = {};
  let itemsWritten = 0;

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      byCommand[command] = (byCommand[command] ?? 0) + 1;
      if (requestKindOf(command) === 'write') itemsWritten += writeItemCount(command, args.input);
      return next(args);
    },
    { step: 'deserialize', name, priority: 'high' },
  );

  return {
    counts() {
      let reads = 0;
      let writes = 0;
      let other = 0;
      for (const [command, count] of Object.entries(byCommand)) {
        const kind = requestKindOf(command);
        if (kind === 'read') reads += count;
        else if (kind === 'write') writes += count;
        else other += count;
      }
      return { byCommand: { ...byCommand }, reads, writes, other, total: reads + writes + other, itemsWritten };
    },
    reset() {
      byCommand = {};
      itemsWritten = 0;
    },
    detach() {
      client.middlewareStack.remove(name);
    },
  };
}

function writeItemCount(command: string, input: unknown): number {
  if (command !== 'BatchWriteItem' && command !== 'TransactWriteItems') return 1;
  if (typeof input !== 'object' || input === null) return 0;
  if ('RequestItems' in input) {
    const requestItems = (input as { RequestItems?: Record<string, readonly unknown[]> }).RequestItems ?? {};
    return Object.values(requestItems).reduce((sum, requests) => sum + requests.length, 0);
  }
  if ('TransactItems' in input) {
    return ((input as { TransactItems?: readonly unknown[] }).TransactItems ?? []).length;
  }
  return 0;
}
