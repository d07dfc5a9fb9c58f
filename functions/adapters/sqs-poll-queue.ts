/**
 * The poll queue (SQS): the dispatcher queues one `{ "connectorId": "<id>" }` message per due
 * connector, and a poll that ran out of invocation time queues its own continuation there too, so
 * every poll, first or continued, goes through the one queue whose consumer (the poller's event
 * source mapping) caps how many run at once.
 */
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientError } from '../core/errors.ts';
import type { PollEvent } from '../contract/poller-contract.ts';

/** SendMessageBatch takes at most ten entries. */
export const MAX_BATCH_ENTRIES = 10;

/** What the handlers need of the queue. */
export interface PollQueue {
  /** Queues one poll per id; returns the ids SQS did not take (whole requests and single entries that failed). */
  enqueue(connectorIds: readonly string[]): Promise<string[]>;
}

export interface ContinuationRequester {
  /** Asks for another poll of the connector at once; throws `TransientError` when that cannot be arranged. */
  request(connectorId: string): Promise<void>;
}

export class SqsPollQueue implements PollQueue, ContinuationRequester {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    /** Batches in flight at once. */
    private readonly concurrency = 4,
  ) {}

  async enqueue(connectorIds: readonly string[]): Promise<string[]> {
    const batches: string[][] = [];
    for (let start = 0; start < connectorIds.length; start += MAX_BATCH_ENTRIES) {
      batches.push(connectorIds.slice(start, start + MAX_BATCH_ENTRIES));
    }
    const refused: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < batches.length; index = next++) {
        refused.push(...(await this.sendBatch(batches[index] ?? [])));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    return refused;
  }

  private async sendBatch(ids: readonly string[]): Promise<string[]> {
    try {
      const answer = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: ids.map((connectorId, index) => ({ Id: String(index), MessageBody: body(connectorId) })),
        }),
      );
      return (answer.Failed ?? []).map((failure) => ids[Number(failure.Id)]).filter((id): id is string => id !== undefined);
    } catch {
      return [...ids];
    }
  }

  async request(connectorId: string): Promise<void> {
    try {
      await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body(connectorId) }));
    } catch (error) {
      throw new TransientError(`could not queue the continuation of connector ${connectorId}`, { cause: error });
    }
  }
}

function body(connectorId: string): string {
  const event: PollEvent = { connectorId };
  return JSON.stringify(event);
}
