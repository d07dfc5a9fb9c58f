/**
 * The CLI's proof that a lease's holder is gone: only a process on this very host and pid
 * namespace whose pid no longer exists. A real child process provides the dead pid.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { localHolderProbe, thisProcess } from '../../cli/lease-holder.ts';

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid as number;
}

describe('localHolderProbe', () => {
  const self = thisProcess();
  const probe = localHolderProbe(self);

  it('proves gone a process of this host whose pid has exited', async () => {
    expect(probe.isGone({ ...self, pid: await deadPid() })).toBe(true);
  });

  it('proves nothing about a live pid, this process, another host, another pid namespace or a Lambda invocation', async () => {
    const dead = await deadPid();
    expect(probe.isGone({ ...self, pid: process.ppid })).toBe(false);
    expect(probe.isGone(self)).toBe(false);
    expect(probe.isGone({ ...self, host: `${self.host}-elsewhere`, pid: dead })).toBe(false);
    expect(probe.isGone({ ...self, pidNamespace: 'pid:[1]', pid: dead })).toBe(false);
    expect(probe.isGone({ kind: 'lambda', requestId: 'req-1', functionName: 'rollcall-poller' })).toBe(false);
  });
});
