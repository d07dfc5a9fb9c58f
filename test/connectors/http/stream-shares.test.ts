import { describe, expect, it } from 'vitest';
import { createStreamShares } from '../../../functions/connectors/http/stream-shares.ts';

describe('createStreamShares', () => {
  it('claims nothing before it is told what to expect', () => {
    const shares = createStreamShares();

    expect(shares.claim('local')).toBeUndefined();
    shares.listed('local', false);
    expect(shares.claim('sso')).toBeUndefined();
  });

  it('gives each stream a share in proportion to the pages it has left, as pages answer', () => {
    const shares = createStreamShares();
    shares.expect({ local: 2, sso: 3 });

    expect(shares.claim('sso')).toEqual({ key: 'sso', share: 3 / 5 });
    expect(shares.claim('local')).toEqual({ key: 'local', share: 2 / 5 });

    shares.listed('sso', false);
    shares.listed('sso', false);
    // sso has 1 page left, local 2.
    expect(shares.claim('local')).toEqual({ key: 'local', share: 2 / 3 });
    expect(shares.claim('sso')).toEqual({ key: 'sso', share: 1 / 3 });
  });

  it('counts a partly filled page as a whole one, and an empty stream as one page', () => {
    const shares = createStreamShares();
    shares.expect({ local: 0, sso: 2.3 });

    expect(shares.claim('local')).toEqual({ key: 'local', share: 1 / 4 });
  });

  it('claims nothing for the last running stream once the others have ended', () => {
    const shares = createStreamShares();
    shares.expect({ local: 1, sso: 3 });

    shares.listed('local', true);

    expect(shares.claim('sso')).toBeUndefined();
    expect(shares.claim('local')).toBeUndefined();
  });

  it('stops balancing for good once a stream outgrows its estimate', () => {
    const shares = createStreamShares();
    shares.expect({ local: 1, sso: 3 });
    shares.listed('local', false);

    expect(shares.claim('sso')).toBeUndefined();
    expect(shares.claim('local')).toBeUndefined();
    shares.listed('sso', false);
    expect(shares.claim('sso')).toBeUndefined();
  });

  it('balances only streams it was told about, and only when there are two or more', () => {
    const shares = createStreamShares();
    shares.expect({ sso: 3 });
    expect(shares.claim('sso')).toBeUndefined();

    shares.expect({ local: 1, sso: 3, broken: Number.NaN });
    expect(shares.claim('other')).toBeUndefined();
    expect(shares.claim('local')).toEqual({ key: 'local', share: 1 / 4 });
  });
});
