/**
 * Poll progress on a terminal, through the whole poll: pages and accounts while listing (the total
 * is unknown until the last page), then accounts written of accounts listed. Nothing when stdout
 * is not a TTY or the output is JSON.
 */
import cliProgress from 'cli-progress';
import type { PollProgress } from '../functions/core/ports.ts';

export interface ProgressReporter {
  update(progress: PollProgress): void;
  stop(): void;
}

const silent: ProgressReporter = { update: () => {}, stop: () => {} };

const count = (value: number) => value.toLocaleString('en-US');

/** The counter's text for one moment of a poll. */
export function describeProgress(progress: PollProgress): string {
  if (progress.phase === 'listing') {
    return `listing: ${count(progress.pages)} page${progress.pages === 1 ? '' : 's'}, ${count(progress.accounts)} accounts`;
  }
  const share = progress.total === 0 ? 100 : Math.floor((100 * progress.written) / progress.total);
  return `writing: ${count(progress.written)} of ${count(progress.total)} accounts (${share} %)`;
}

export function createProgress(label: string, enabled: boolean, stream: NodeJS.WritableStream = process.stderr): ProgressReporter {
  if (!enabled) return silent;
  const bar = new cliProgress.SingleBar(
    { format: `${label} | {detail}`, hideCursor: true, clearOnComplete: true, stream },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      if (!started) {
        bar.start(0, 0, { detail: '' });
        started = true;
      }
      bar.update(0, { detail: describeProgress(progress) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function progressWanted(json: boolean): boolean {
  return !json && process.stdout.isTTY === true;
}
