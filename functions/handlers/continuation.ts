/**
 * When a listing that ran out of time continues at once in a new invocation instead of at the
 * next schedule (design.md section 2, time budget).
 */
import type { PollResult } from '../core/poll.ts';

/**
 * Only a partial poll that made progress (fetched at least one page) continues: a listing that
 * cannot advance waits for its schedule, so invocations can never chain forever.
 */
export function shouldContinue(result: Pick<PollResult, 'outcome' | 'pages'>): boolean {
  return result.outcome === 'partial' && result.pages > 0;
}
