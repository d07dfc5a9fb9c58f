/** In-memory `ConnectorDefinitionStore`, for core tests: the same conditions as the DynamoDB one. */
import { ConcurrentChangeError, ConnectorExistsError, ConnectorNotFoundError } from '../../functions/core/definition-errors.ts';
import type { ConnectorDefinitionStore } from '../../functions/core/ports.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';

export class MemoryDefinitions implements ConnectorDefinitionStore {
  readonly definitions = new Map<string, ConnectorDefinition>();
  claims = 0;

  async getDefinition(connectorId: string) {
    return this.definitions.get(connectorId) ?? null;
  }
  async listDefinitions() {
    return [...this.definitions.values()].sort((a, b) => a.connectorId.localeCompare(b.connectorId));
  }
  async createDefinition(definition: ConnectorDefinition) {
    if (this.definitions.has(definition.connectorId)) throw new ConnectorExistsError(definition.connectorId);
    this.definitions.set(definition.connectorId, definition);
  }
  async updateDefinition(definition: ConnectorDefinition, expectedUpdatedAt: string) {
    const current = this.definitions.get(definition.connectorId);
    if (current === undefined) throw new ConnectorNotFoundError(definition.connectorId);
    if (current.updatedAt !== expectedUpdatedAt) throw new ConcurrentChangeError(definition.connectorId);
    this.definitions.set(definition.connectorId, definition);
  }
  async deleteDefinition(connectorId: string) {
    this.definitions.delete(connectorId);
  }
  async listDue(now: string, limit: number) {
    return [...this.definitions.values()]
      .filter((definition) => definition.enabled && definition.nextDueAt !== null && definition.nextDueAt <= now)
      .sort((a, b) => (a.nextDueAt ?? '').localeCompare(b.nextDueAt ?? '') || a.connectorId.localeCompare(b.connectorId))
      .slice(0, limit);
  }
  async claimDue(connectorId: string, expected: string, next: string) {
    const current = this.definitions.get(connectorId);
    if (current?.nextDueAt !== expected) return false;
    this.claims += 1;
    this.definitions.set(connectorId, { ...current, nextDueAt: next });
    return true;
  }
}
