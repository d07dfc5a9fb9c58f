import { describe, expect, it } from 'vitest';
import { checkAccount, checkInvalidRecord, INVENTORY_LIMITS, unusableCursorReason } from '../../functions/core/limits.ts';
import { account } from '../fakes/memory-store.ts';

describe('checkAccount', () => {
  it.each(['name', 'login', 'externalId', 'updatedAt'] as const)('counts %s: one too large makes the record invalid by id, naming the field, never its value', (field) => {
    const value = 'Ñ'.repeat(INVENTORY_LIMITS.recordJsonBytes / 2);
    const invalid = checkAccount(account('u1', 'ann@example.com', { [field]: value }));
    expect(invalid?.id).toBe('u1');
    expect(invalid?.reason).toContain(`largest field: ${field}`);
    expect(invalid?.reason).not.toContain('ÑÑ');
    expect(checkAccount(account('u1', 'ann@example.com', { [field]: 'Ñ'.repeat(1000) }))).toBeNull();
  });

  it('accepts an ordinary record, and ids and emails at their byte limits in multi-byte characters', () => {
    expect(checkAccount(account('u1', 'ann@example.com'))).toBeNull();
    const idAtLimit = '\u00e9'.repeat(INVENTORY_LIMITS.accountIdBytes / 2);
    const keyAtLimit = `${'\u00e9'.repeat((INVENTORY_LIMITS.emailKeyBytes - 12) / 2)}@example.com`;
    expect(Buffer.byteLength(keyAtLimit)).toBe(INVENTORY_LIMITS.emailKeyBytes);
    expect(checkAccount(account(idAtLimit, keyAtLimit))).toBeNull();
  });

  it('refuses an id above the limit without a usable id, naming it by digest only', () => {
    const id = '\u00e9'.repeat(INVENTORY_LIMITS.accountIdBytes / 2 + 1);
    const invalid = checkAccount(account(id, 'ann@example.com'));
    expect(invalid).toEqual({ id: null, reason: expect.stringMatching(/^id: 898 bytes, above the inventory's 896-byte limit \(id sha256:[0-9a-f]{16}\)$/) });
    expect(invalid?.reason).not.toContain('\u00e9');
    // The same id always gets the same digest, so the operator can find it again.
    expect(checkAccount(account(id, null))?.reason).toBe(invalid?.reason);
  });

  it('refuses an empty id and one that is not well-formed Unicode', () => {
    expect(checkAccount(account('', null))).toEqual({ id: null, reason: 'id: empty' });
    expect(checkAccount(account('u\ud800', null))?.reason).toMatch(/^id: not well-formed Unicode \(id sha256:/);
    // A pair of surrogates is one well-formed character.
    expect(checkAccount(account('u\ud83d\ude00', null))).toBeNull();
  });

  it('refuses an email key above the limit or not well-formed, keeping the usable id', () => {
    const email = `${'x'.repeat(10 * 1024)}@example.com`;
    expect(checkAccount(account('u2', email))).toEqual({
      id: 'u2',
      reason: "email: 10252 bytes once normalised, above the inventory's 896-byte limit",
    });
    expect(checkAccount(account('u3', 'a\udc00@example.com'))).toEqual({ id: 'u3', reason: 'email: not well-formed Unicode' });
  });

  it.each(['roleName', 'status', 'roleId', 'email', 'createdAt'] as const)('refuses a record whose %s makes it too large, naming the field', (field) => {
    const huge = 'R'.repeat(INVENTORY_LIMITS.recordJsonBytes);
    const invalid = checkAccount(account('u4', 'ann@example.com', { [field]: huge }));
    expect(invalid).toEqual({ id: 'u4', reason: expect.stringMatching(new RegExp(`^record: \\d+ bytes as JSON, above the inventory's 49152-byte limit \\(largest field: ${field}\\)$`)) });
    expect(invalid?.reason).not.toContain('RRRR');
  });

  it('counts JSON escapes: control characters take six bytes each', () => {
    const units = Math.floor(INVENTORY_LIMITS.recordJsonBytes / 6);
    expect(checkAccount(account('u5', null, { roleName: '\u0001'.repeat(units) }))?.reason).toMatch(/^record: /);
    expect(checkAccount(account('u5', null, { roleName: 'r'.repeat(units) }))).toBeNull();
  });
});

describe('checkInvalidRecord', () => {
  it('keeps a usable id and drops an unusable one, keeping the reason', () => {
    expect(checkInvalidRecord({ id: 'u1', reason: 'email: expected string, got number' })).toEqual({ id: 'u1', reason: 'email: expected string, got number' });
    const dropped = checkInvalidRecord({ id: '7'.repeat(2_000), reason: 'status: expected string, got number' });
    expect(dropped).toEqual({ id: null, reason: expect.stringMatching(/^status: expected string, got number; id: 2000 bytes, above .* \(id sha256:[0-9a-f]{16}\)$/) });
  });
});

describe('unusableCursorReason', () => {
  it('accepts ordinary page tokens and refuses one the checkpoint could not keep', () => {
    expect(unusableCursorReason('eyJvZmZzZXQiOjEwMH0=')).toBeNull();
    expect(unusableCursorReason('t'.repeat(INVENTORY_LIMITS.cursorBytes + 1))).toBe('a page token of 16385 bytes, above the 16384-byte limit');
  });
});
