/**
 * The poller's Powertools wiring. Tracing is exercised for real: the Tracer is created as in a
 * Lambda execution environment, and X-Ray segments go to a UDP socket on loopback standing in
 * for the X-Ray daemon.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type PowertoolsModule = typeof import('../../functions/adapters/powertools.ts');
// aws-xray-sdk-core ships CommonJS without ESM types that vitest resolves; this is the part used here.
interface XRay {
  Segment: new (name: string) => XRaySegment;
  getNamespace(): { runPromise<T>(work: () => Promise<T>): Promise<T> };
  setSegment(segment: XRaySegment): void;
}
interface XRaySegment {
  subsegments?: { name: string; annotations?: Record<string, unknown>; metadata?: unknown; fault?: boolean; error?: boolean; in_progress?: boolean }[];
  close(): void;
}

let daemon: Socket;
let powertools: PowertoolsModule;
let xray: XRay;

beforeAll(async () => {
  daemon = createSocket('udp4');
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  vi.stubEnv('AWS_XRAY_DAEMON_ADDRESS', `127.0.0.1:${(daemon.address() as AddressInfo).port}`);
  vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
  vi.stubEnv('AWS_XRAY_CONTEXT_MISSING', 'IGNORE_ERROR');
  vi.resetModules();
  powertools = await import('../../functions/adapters/powertools.ts');
  xray = (await import('aws-xray-sdk-core')).default as unknown as XRay;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => daemon.close(() => resolve()));
});

async function inSegment<T>(work: (segment: XRaySegment) => Promise<T>): Promise<{ segment: XRaySegment; outcome: PromiseSettledResult<T> }> {
  const segment = new xray.Segment('poller-test');
  const outcome = await xray.getNamespace().runPromise(async () => {
    xray.setSegment(segment);
    const [result] = await Promise.allSettled([work(segment)]);
    return result as PromiseSettledResult<T>;
  });
  return { segment, outcome };
}

describe('inSubsegment', () => {
  it('records a closed subsegment with its annotations, and never the returned value', async () => {
    expect(powertools.tracer.isTracingEnabled()).toBe(true);

    const { segment, outcome } = await inSegment(() =>
      powertools.inSubsegment('## pollConnector', { connectorId: 'torq-prod' }, async () => ({ email: 'ada@example.com' })),
    );

    expect(outcome).toEqual({ status: 'fulfilled', value: { email: 'ada@example.com' } });
    const [subsegment] = segment.subsegments ?? [];
    expect(subsegment).toMatchObject({ name: '## pollConnector', annotations: { connectorId: 'torq-prod' } });
    expect(subsegment?.in_progress).toBeFalsy();
    expect(JSON.stringify(segment)).not.toContain('ada@example.com');
  });

  it('flags a failure without recording its message', async () => {
    const { segment, outcome } = await inSegment(() =>
      powertools.inSubsegment('## pollConnector', { connectorId: 'torq-prod' }, async () => {
        throw new Error('upstream said ada@example.com');
      }),
    );

    expect(outcome.status).toBe('rejected');
    const [subsegment] = segment.subsegments ?? [];
    expect(subsegment?.error).toBe(true);
    expect(JSON.stringify(segment)).not.toContain('ada@example.com');
  });
});

describe('toLoggerPort', () => {
  it('passes messages and attributes to the Powertools logger at the same level (debug is below the default INFO)', () => {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    // Powertools writes INFO to stdout and WARN and ERROR to stderr.
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      const logger = powertools.toLoggerPort(powertools.powertoolsLogger);
      logger.info('poll finished', { connectorId: 'torq-prod', total: 12 });
      logger.warn('invalid record skipped', { accountId: 'a-1', reason: 'email: missing' });
      logger.debug('listing done', { pages: 3 });
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }

    const parsed = lines.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed).toMatchObject([
      { level: 'INFO', message: 'poll finished', connectorId: 'torq-prod', total: 12, service: 'rollcall-poller' },
      { level: 'WARN', message: 'invalid record skipped', accountId: 'a-1', reason: 'email: missing' },
    ]);
  });
});
