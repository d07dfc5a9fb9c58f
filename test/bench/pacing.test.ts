import { describe, expect, it } from 'vitest';
import { pacingFloorMs, pacingTargets, type PacingMeasurement } from '../../bench/lib/pacing.ts';

const measured: PacingMeasurement = {
  users: 50_000,
  latencyMs: 25,
  limitPerSecond: 50,
  wallMs: 11_000,
  listingMs: 10_800,
  formerWallMs: 14_000,
  outcome: 'completed',
  error: null,
  accounts: 50_000,
  dataCalls: { requests: 503, ok: 502, throttled: 1, failed: 0 },
  floorMs: pacingFloorMs(502, 50, 25),
  ratio: 11_000 / pacingFloorMs(502, 50, 25),
  setupMs: 60_000,
};

describe('pacing floor and target', () => {
  it('puts the floor at the first page at 0 s, each next one 1/limit s later, plus one latency', () => {
    expect(pacingFloorMs(502, 50, 25)).toBe(10_045);
    expect(pacingFloorMs(1, 50, 25)).toBe(25);
  });

  it('passes a completed poll within 1.15x of the floor, and fails a slower or failed one', () => {
    expect(pacingTargets([measured])).toEqual([
      expect.objectContaining({ id: 'pacing-to-floor-ratio', users: 50_000, limit: 1.15, unit: 'x', status: 'PASS' }),
    ]);
    expect(pacingTargets([{ ...measured, ratio: 1.16 }])[0]?.status).toBe('FAIL');
    const failed = pacingTargets([{ ...measured, outcome: 'transient-error', error: 'GET /users (stream sso) failed with HTTP 429 after 5 attempts' }]);
    expect(failed[0]).toMatchObject({ status: 'FAIL' });
    expect(failed[0]?.detail).toContain('transient-error');
  });
});
