/**
 * Continues a listing that ran out of invocation time: the poller invokes itself asynchronously
 * for the same connector, so a large workspace finishes within minutes instead of waiting for the
 * next schedule. The checkpoint in the store says where to resume.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { TransientError } from '../core/errors.ts';

export interface ContinuationRequester {
  request(connectorId: string): Promise<void>;
}

export class LambdaSelfContinuation implements ContinuationRequester {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async request(connectorId: string): Promise<void> {
    try {
      const answer = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify({ connectorId })),
        }),
      );
      if (answer.StatusCode !== 202) throw new Error(`status ${String(answer.StatusCode)}`);
    } catch (error) {
      throw new TransientError(`could not invoke ${this.functionName} to continue connector ${connectorId}`, {
        cause: error,
      });
    }
  }
}
