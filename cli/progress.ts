/** Listing progress on a terminal; nothing when stdout is not a TTY or the output is JSON. */
import cliProgress from 'cli-progress';
import type { ListingProgress } from '../functions/core/ports.ts';

export interface ProgressReporter {
  update(progress: ListingProgress): void;
  stop(): void;
}

const silent: ProgressReporter = { update: () => {}, stop: () => {} };

export function createProgress(label: string, enabled: boolean): ProgressReporter {
  if (!enabled) return silent;
  // The total is unknown until the last page: a counter, not a bar.
  const bar = new cliProgress.SingleBar(
    { format: `${label} | {pages} pages | {accounts} accounts`, hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      if (!started) {
        bar.start(0, 0, { pages: 0, accounts: 0 });
        started = true;
      }
      bar.update(0, { pages: progress.pages, accounts: progress.accounts });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function progressWanted(json: boolean): boolean {
  return !json && process.stdout.isTTY === true;
}
