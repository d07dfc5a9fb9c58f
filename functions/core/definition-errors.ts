/**
 * Errors of connectors as data (`ConnectorDefinitionStore`). They are usage errors to the CLI
 * (exit 2): the id a person typed is taken or unknown, or someone changed the connector between
 * reading and writing it (read it again and retry).
 */
import { ConfigError } from './errors.ts';

export class ConnectorExistsError extends ConfigError {
  constructor(readonly connectorId: string) {
    super(`connector ${connectorId} already exists: change it with "rollcall connectors set"`);
  }
}

export class ConnectorNotFoundError extends ConfigError {
  constructor(readonly connectorId: string) {
    super(`connector ${connectorId} does not exist: see "rollcall connectors"`);
  }
}

export class ConcurrentChangeError extends ConfigError {
  constructor(readonly connectorId: string) {
    super(`connector ${connectorId} was changed by someone else meanwhile: run the command again`);
  }
}
