/**
 * The fleet's health digest on Rollcall's bus: one `ConnectorHealthDigest` event (source
 * `rollcall`) naming the connectors in RECONNECT_REQUIRED, failing and stale, published by the
 * dispatcher when one of those lists changes. A rule on the bus sends it wherever the alarm's
 * reader looks (a chat channel, a ticket queue); the alarm says how many, the digest says which.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../core/errors.ts';
import { EVENT_SOURCE } from '../core/events.ts';
import type { HealthDigest } from '../core/fleet-health.ts';
import { HEALTH_DIGEST_DETAIL_TYPE } from '../contract/fleet-contract.ts';

export interface HealthDigestSink {
  publish(digest: HealthDigest): Promise<void>;
}

export class EventBridgeDigestSink implements HealthDigestSink {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(digest: HealthDigest): Promise<void> {
    let failed: number;
    try {
      const answer = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.eventBusName,
              Source: EVENT_SOURCE,
              DetailType: HEALTH_DIGEST_DETAIL_TYPE,
              Time: new Date(digest.time),
              Detail: JSON.stringify(digest),
            },
          ],
        }),
      );
      failed = answer.FailedEntryCount ?? 0;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown';
      throw new TransientError(`the health digest could not be published (${name})`, { cause: error });
    }
    if (failed > 0) throw new TransientError('the health digest was refused by EventBridge');
  }
}
