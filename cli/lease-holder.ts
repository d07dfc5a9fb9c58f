/**
 * Who this process is, as a lease holder, and whether another holder is provably gone: a process
 * on this very host (and pid namespace) whose pid no longer exists. Anything else (another host, a
 * Lambda invocation, a pid that exists) is not proof, and its lease lasts until it expires.
 */
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { LeaseHolderProbe } from '../functions/core/ports.ts';
import type { LeaseHolder } from '../functions/core/types.ts';

type ProcessHolder = Extract<LeaseHolder, { kind: 'process' }>;

/** Linux only; elsewhere `null`, and then a host name alone identifies the pid space. */
function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

export function thisProcess(): ProcessHolder {
  return { kind: 'process', host: hostname(), pid: process.pid, pidNamespace: pidNamespace() };
}

/** `kill(pid, 0)` sends nothing: ESRCH means no such process; EPERM means it exists (another user's). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export function localHolderProbe(self: ProcessHolder = thisProcess()): LeaseHolderProbe {
  return {
    isGone(holder) {
      if (holder.kind !== 'process') return false;
      if (holder.host !== self.host || holder.pidNamespace !== self.pidNamespace) return false;
      if (holder.pid === self.pid || !Number.isSafeInteger(holder.pid) || holder.pid <= 0) return false;
      return !processExists(holder.pid);
    },
  };
}
