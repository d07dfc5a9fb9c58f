import { describe, expect, it } from 'vitest';
import { retryAfterSeconds, sanitizedCause } from '../../../functions/connectors/torq/http-client.ts';

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it.each<[string | null, number | null]>([
    [null, null],
    ['', null],
    ['soon', null],
    ['7', 7],
    ['1.2', 2],
    ['-3', 0],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30],
    ['Sun, 01 Mar 2026 11:59:00 GMT', 0],
  ])('reads %j as %j seconds', (header, seconds) => {
    expect(retryAfterSeconds(header, now)).toBe(seconds);
  });
});

describe('sanitizedCause', () => {
  it('keeps the name and the system error code of a network failure, nothing else', () => {
    const failure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    });

    const cause = sanitizedCause(failure);

    expect(cause).toMatchObject({ name: 'TypeError', message: 'ECONNREFUSED' });
    expect(cause.cause).toBeUndefined();
    expect(Object.keys(cause)).toEqual([]);
  });

  it('says nothing of a value that is not an error', () => {
    expect(sanitizedCause({ authorization: 'Bearer secret' })).toMatchObject({ name: 'NonError', message: 'unexpected failure' });
  });
});
