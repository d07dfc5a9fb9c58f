/**
 * The inventory store on DynamoDB (design.md section 4): one table, every question a Query, writes
 * batched and conditional where a race could lose data. The same class serves Lambda (AWS), the
 * CLI with `--table`/`--endpoint`, and the embedded dynalite store. It only assembles the parts:
 * connector state and runs (`state.ts`), writes (`writes.ts`), reads (`queries.ts`), listing
 * checkpoints (`checkpoint.ts`), connector definitions (`definitions.ts`) and purges (`purge.ts`),
 * all sending through one `TableRequests` (`requests.ts`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  systemClock,
  type AccountQuery,
  type Clock,
  type FleetStore,
  type GroupQuery,
  type InventoryWrites,
  type LeaseRequest,
  type ListingCheckpoint,
  type MembershipQuery,
  type PurgeCounts,
  type PutConnectorOptions,
} from '../../core/ports.ts';
import type { ConnectorDefinition, ConnectorState, StoredAccount, StoredGroup, StoredIdentity, StoredMembership, SyncRun } from '../../core/types.ts';
import { DynamoCheckpointStore } from './checkpoint.ts';
import { DynamoDefinitions } from './definitions.ts';
import { DynamoPurge } from './purge.ts';
import { InventoryQueries } from './queries.ts';
import { TableRequests, type TableRequestOptions } from './requests.ts';
import { ConnectorStates } from './state.ts';
import { InventoryWriter } from './writes.ts';

export interface DynamoStoreOptions extends TableRequestOptions {
  /** "Now" for first-seen queries (which months to read). */
  readonly clock?: Clock;
}

export class DynamoInventoryStore implements FleetStore {
  private readonly states: ConnectorStates;
  private readonly writer: InventoryWriter;
  private readonly queries: InventoryQueries;
  private readonly checkpoints: DynamoCheckpointStore;
  private readonly definitions: DynamoDefinitions;
  private readonly purges: DynamoPurge;

  constructor(documentClient: DynamoDBDocumentClient, tableName: string, options: DynamoStoreOptions = {}) {
    const table = new TableRequests(documentClient, tableName, options);
    this.states = new ConnectorStates(table);
    this.writer = new InventoryWriter(table);
    this.queries = new InventoryQueries(table, this.states, options.clock ?? systemClock);
    this.checkpoints = new DynamoCheckpointStore(table);
    this.definitions = new DynamoDefinitions(table);
    this.purges = new DynamoPurge(table);
  }

  getConnector(connectorId: string): Promise<ConnectorState | null> {
    return this.states.get(connectorId);
  }

  listConnectors(): Promise<ConnectorState[]> {
    return this.states.list();
  }

  acquireLease(request: LeaseRequest): Promise<ConnectorState | null> {
    return this.states.acquireLease(request);
  }

  finishSync(state: ConnectorState, owner: string): Promise<void> {
    return this.states.finishSync(state, owner);
  }

  putConnector(state: ConnectorState, options?: PutConnectorOptions): Promise<void> {
    return this.states.put(state, options);
  }

  loadAccounts(connectorId: string): Promise<StoredAccount[]> {
    return this.queries.loadAccounts(connectorId);
  }

  findKnownIdentities(emailKeys: readonly string[]): Promise<Set<string>> {
    return this.queries.findKnownIdentities(emailKeys);
  }

  loadGroups(connectorId: string): Promise<StoredGroup[]> {
    return this.queries.loadGroups(connectorId);
  }

  loadMemberships(connectorId: string): Promise<StoredMembership[]> {
    return this.queries.loadMemberships(connectorId);
  }

  applyWrites(connectorId: string, writes: InventoryWrites): Promise<void> {
    return this.writer.apply(connectorId, writes);
  }

  queryAccounts(query: AccountQuery): Promise<StoredAccount[]> {
    return this.queries.queryAccounts(query);
  }

  queryIdentities(firstSeenSince: string): Promise<StoredIdentity[]> {
    return this.queries.queryIdentities(firstSeenSince);
  }

  queryGroups(query: GroupQuery): Promise<StoredGroup[]> {
    return this.queries.queryGroups(query);
  }

  queryMemberships(query: MembershipQuery): Promise<StoredMembership[]> {
    return this.queries.queryMemberships(query);
  }

  loadCheckpoint(connectorId: string): Promise<ListingCheckpoint | null> {
    return this.checkpoints.load(connectorId);
  }

  saveCheckpoint(checkpoint: ListingCheckpoint): Promise<void> {
    return this.checkpoints.save(checkpoint);
  }

  clearCheckpoint(connectorId: string): Promise<void> {
    return this.checkpoints.clear(connectorId);
  }

  recordRun(run: SyncRun): Promise<void> {
    return this.states.recordRun(run);
  }

  listRuns(connectorId: string, limit?: number): Promise<SyncRun[]> {
    return this.states.listRuns(connectorId, limit);
  }

  getDefinition(connectorId: string): Promise<ConnectorDefinition | null> {
    return this.definitions.getDefinition(connectorId);
  }

  listDefinitions(): Promise<ConnectorDefinition[]> {
    return this.definitions.listDefinitions();
  }

  createDefinition(definition: ConnectorDefinition): Promise<void> {
    return this.definitions.createDefinition(definition);
  }

  updateDefinition(definition: ConnectorDefinition, expectedUpdatedAt: string): Promise<void> {
    return this.definitions.updateDefinition(definition, expectedUpdatedAt);
  }

  deleteDefinition(connectorId: string): Promise<void> {
    return this.definitions.deleteDefinition(connectorId);
  }

  listDue(now: string, limit: number): Promise<ConnectorDefinition[]> {
    return this.definitions.listDue(now, limit);
  }

  claimDue(connectorId: string, expected: string, next: string): Promise<boolean> {
    return this.definitions.claimDue(connectorId, expected, next);
  }

  planPurge(connectorId: string): Promise<PurgeCounts> {
    return this.purges.planPurge(connectorId);
  }

  purgeConnector(connectorId: string, leaseOwner: string): Promise<PurgeCounts> {
    return this.purges.purgeConnector(connectorId, leaseOwner);
  }
}
