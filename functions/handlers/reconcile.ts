/**
 * The reconciler Lambda: the stack's one custom resource, whatever the number of connectors in
 * cdk.json. On Create and Update it writes the declared connectors into the table
 * (`core/declared-connectors.ts`) and creates each one's empty secret `rollcall/<id>` when absent
 * (never a value; a connector that brings `secretArn` gets none). On Delete (the stack going
 * away) it does nothing: the table is retained with its definitions, and the secrets keep the
 * credentials put into them (README, "Uninstall").
 *
 * It always answers CloudFormation, SUCCESS or FAILED with a reason of ids and counts, so a
 * failure fails the deployment (and its rollback reconciles the previous list) instead of leaving
 * the stack waiting for an hour.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sendResponse, type CustomResourceRequest, type ResponseSender } from '../adapters/cloudformation-response.ts';
import { ensureEmptySecret } from '../adapters/connector-secrets.ts';
import { createDynamoClients } from '../adapters/dynamodb/client.ts';
import { DynamoInventoryStore } from '../adapters/dynamodb/store.ts';
import { appRegistry, secretTemplate, type AppRegistry } from '../connectors/index.ts';
import { reconcileDeclared } from '../core/declared-connectors.ts';
import { safeMessage } from '../core/errors.ts';
import { systemClock, type Clock, type ConnectorDefinitionStore } from '../core/ports.ts';
import { parseVariable } from '../contract/poller-contract.ts';
import { DECLARED_PROPERTY, decodeDeclaredConnectors, RECONCILER_ENV } from '../contract/fleet-contract.ts';

/** One physical id for the life of the stack: an update never replaces (and so never deletes) the resource. */
export const RECONCILER_PHYSICAL_ID = 'rollcall-declared-connectors';

export interface ReconcilerRuntime {
  readonly definitions: ConnectorDefinitionStore;
  /** Creates the connector's empty secret when absent; `true` when it created it. */
  readonly ensureSecret: (connectorId: string, description: string) => Promise<boolean>;
  readonly registry: AppRegistry;
  readonly clock: Clock;
  readonly logger: PowertoolsLogger;
  readonly respond: ResponseSender;
}

export type ReconcileHandler = (event: CustomResourceRequest) => Promise<void>;

export function createReconcileHandler(runtime: ReconcilerRuntime): ReconcileHandler {
  const { logger } = runtime;
  return async (event) => {
    const base = {
      PhysicalResourceId: RECONCILER_PHYSICAL_ID,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    };
    try {
      if (event.RequestType === 'Delete') {
        logger.info('stack deletion: definitions and secrets are kept');
        await runtime.respond(event.ResponseURL, { ...base, Status: 'SUCCESS' });
        return;
      }
      const declared = decodeDeclaredConnectors(event.ResourceProperties[DECLARED_PROPERTY]);
      // Every app is known before anything is written: a refused list changes nothing.
      const apps = new Map(declared.map((entry) => [entry.id, runtime.registry.get(entry.app)]));
      const result = await reconcileDeclared(
        runtime.definitions,
        declared.map((entry) => ({ connectorId: entry.id, app: entry.app, config: entry.config, schedule: entry.schedule, secretArn: entry.secretArn })),
        runtime.clock.now(),
      );
      let secretsCreated = 0;
      for (const entry of declared) {
        if (entry.secretArn !== null) continue;
        const app = apps.get(entry.id) ?? runtime.registry.get(entry.app);
        const description = `Rollcall connector ${entry.id} (${entry.app}): put JSON ${secretTemplate(app.credentialFields)}`;
        if (await runtime.ensureSecret(entry.id, description)) secretsCreated += 1;
      }
      const counts = {
        declared: declared.length,
        created: result.created.length,
        updated: result.updated.length,
        unchanged: result.unchanged,
        released: result.released.length,
        secretsCreated,
      };
      logger.info('declared connectors reconciled', { ...counts, releasedIds: result.released });
      await runtime.respond(event.ResponseURL, {
        ...base,
        Status: 'SUCCESS',
        Data: Object.fromEntries(Object.entries(counts).map(([key, value]) => [key, String(value)])),
      });
    } catch (error) {
      const reason = `declared connectors not reconciled: ${safeMessage(error)}`;
      logger.error(reason);
      await runtime.respond(event.ResponseURL, { ...base, Status: 'FAILED', Reason: reason.slice(0, 1000) });
    }
  };
}

export interface ReconcilerRuntimeOptions {
  readonly definitions?: ConnectorDefinitionStore;
  readonly respond?: ResponseSender;
  readonly clock?: Clock;
}

export function createReconcilerRuntime(env: NodeJS.ProcessEnv, options: ReconcilerRuntimeOptions = {}): ReconcilerRuntime {
  const tableName = parseVariable(env, RECONCILER_ENV.tableName, (raw) => raw);
  const { documentClient } = createDynamoClients();
  const secrets = new SecretsManagerClient({});
  return {
    definitions: options.definitions ?? new DynamoInventoryStore(documentClient, tableName),
    ensureSecret: (connectorId, description) => ensureEmptySecret(secrets, connectorId, description),
    registry: appRegistry,
    clock: options.clock ?? systemClock,
    logger: new PowertoolsLogger({ serviceName: 'rollcall-reconciler' }),
    respond: options.respond ?? sendResponse,
  };
}

export const handler: ReconcileHandler = createReconcileHandler(createReconcilerRuntime(process.env));
