import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseEmail } from '../../functions/core/normalise.ts';
import { pollConnector } from '../../functions/core/poll.ts';
import { FixedCredentials, ManualClock, MemoryEventSink, MemoryStore, account, singlePage } from '../fakes/memory-store.ts';

const COMPOSED = 'Jos\u00e9.Garc\u00eda@Example.com';
const DECOMPOSED = 'Jose\u0301.Garci\u0301a@example.COM';

describe('normaliseEmail', () => {
  it('makes the composed and decomposed spellings of one address one key, in NFC', () => {
    expect(normaliseEmail(COMPOSED)).toBe('jos\u00e9.garc\u00eda@example.com');
    expect(normaliseEmail(DECOMPOSED)).toBe(normaliseEmail(COMPOSED));
    expect(normaliseEmail(` \u00a0${DECOMPOSED.toUpperCase()}\t`)).toBe(normaliseEmail(COMPOSED));
  });

  it('leaves compatibility characters alone (NFC, not NFKC)', () => {
    // U+FB01 (the "fi" ligature) is another character to a mail server than "fi".
    expect(normaliseEmail('\ufb01@example.com')).not.toBe(normaliseEmail('fi@example.com'));
  });

  it('ends in NFC even where lower-casing leaves a decomposed sequence', () => {
    const key = normaliseEmail('\u0130LKER@example.com');
    expect(key).toBe(key?.normalize('NFC'));
  });

  it('is a fixed point, NFC, lower-case and trimmed for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), (a, b) => {
        for (const email of [a, b, `  ${a}@${b} `]) {
          const key = normaliseEmail(email);
          if (key === null) {
            expect(email.trim()).toBe('');
            continue;
          }
          expect(normaliseEmail(key)).toBe(key);
          expect(key).toBe(key.normalize('NFC'));
          expect(key).toBe(key.trim());
          expect(normaliseEmail(email.normalize('NFD'))).toBe(key);
        }
      }),
      { seed: 8, numRuns: 300 },
    );
  });
});

describe('one person whatever the composition of their email', () => {
  it('is one identity across connectors: one UserDiscovered, then a known person in the second', async () => {
    const store = new MemoryStore();
    const events = new MemoryEventSink();
    const clock = new ManualClock(Date.parse('2026-11-01T00:00:00.000Z'));
    let connector = singlePage([account('a1', COMPOSED, { emailKey: normaliseEmail(COMPOSED) })]);
    const deps = {
      store,
      events,
      credentials: new FixedCredentials({ credentials: { clientId: 'id', clientSecret: 's' }, fingerprint: 'fp' }),
      createConnector: () => connector,
      clock,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    };
    const first = await pollConnector(deps, { connectorId: 'prod', app: 'torq' });
    connector = singlePage([account('b7', DECOMPOSED, { emailKey: normaliseEmail(DECOMPOSED) })]);
    const second = await pollConnector(deps, { connectorId: 'sandbox', app: 'torq' });

    expect(first.counts).toMatchObject({ newUsers: 1, associations: 1 });
    expect(second.counts).toMatchObject({ new: 1, newUsers: 0, associations: 1 });
    expect(events.ofType('UserDiscovered')).toHaveLength(1);
    expect([...store.identities.keys()]).toEqual(['jos\u00e9.garc\u00eda@example.com']);
    expect((await store.queryAccounts({ emailKey: normaliseEmail(DECOMPOSED) ?? '' })).map((a) => a.id).sort()).toEqual(['a1', 'b7']);
  });
});
