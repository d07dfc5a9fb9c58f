/**
 * Stopping a command on SIGINT/SIGTERM (`rollcall poll`, `rollcall watch`): the first signal asks
 * the work to stop (polls release their leases; exit 130 or 143); a second one ends the process at
 * once, as a user pressing Ctrl-C twice expects. The lease of a process ended that way is still
 * freed by the next poll on this host, as its pid is gone.
 */
export const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
export type StopSignal = keyof typeof SIGNAL_NUMBERS;

export interface SignalStop {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  received(): StopSignal | null;
  dispose(): void;
}

export function stopOnSignals(): SignalStop {
  const controller = new AbortController();
  let received: StopSignal | null = null;
  const onSignal = (signal: StopSignal) => {
    if (received !== null) process.exit(128 + SIGNAL_NUMBERS[signal]);
    received = signal;
    controller.abort(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    received: () => received,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** The exit code of a command stopped by `signal`; a request abandoned by the stop must not hold the process open past a grace period. */
export function exitAfterSignal(signal: StopSignal, graceMs = 2_000): number {
  const code = 128 + SIGNAL_NUMBERS[signal];
  setTimeout(() => process.exit(code), graceMs).unref();
  return code;
}
