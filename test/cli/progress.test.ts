/**
 * The poll's progress counter on a terminal: through the listing, then the writes, on the stream
 * it was given (a stand-in terminal here), and nothing at all when progress is not wanted.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../cli/progress.ts';

function fakeTerminal(): { stream: NodeJS.WritableStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('the progress counter', () => {
  it('shows the listing, then the accounts written of those listed', () => {
    // The bar redraws on a timer and once more when stopped: each check stops it to see the latest state.
    const listing = fakeTerminal();
    const duringListing = createProgress('Polling torq-prod', true, listing.stream);
    duringListing.update({ phase: 'listing', pages: 3, accounts: 300 });
    duringListing.stop();
    expect(listing.text()).toContain('Polling torq-prod | listing: 3 pages, 300 accounts');

    const writing = fakeTerminal();
    const duringWrites = createProgress('Polling torq-prod', true, writing.stream);
    duringWrites.update({ phase: 'listing', pages: 50, accounts: 5_000 });
    duringWrites.update({ phase: 'writing', written: 2_000, total: 5_000 });
    duringWrites.stop();
    expect(writing.text()).toContain('Polling torq-prod | writing: 2,000 of 5,000 accounts (40 %)');
  });

  it('writes nothing when not wanted (JSON output, or stdout not a terminal)', () => {
    const terminal = fakeTerminal();
    const progress = createProgress('Polling torq-prod', false, terminal.stream);
    progress.update({ phase: 'writing', written: 1, total: 2 });
    progress.stop();
    expect(terminal.text()).toBe('');
  });
});
