import { describe, expect, it } from 'vitest';
import { ContractError } from '../../functions/core/errors.ts';
import { INVENTORY_LIMITS } from '../../functions/core/limits.ts';
import { createPageGuard } from '../../functions/core/page-guard.ts';

describe('createPageGuard: the page loop stops, for the core listing and any side listing', () => {
  it('stops at the page bound, before fetching the page beyond it', () => {
    const guard = createPageGuard('GET /roles', 2);

    expect(() => guard.beforePage(1)).not.toThrow();
    expect(() => guard.beforePage(2)).toThrow(
      new ContractError('GET /roles exceeded 2 pages (the page bound) without reaching its last page: refusing to page further'),
    );
  });

  it('refuses a token answered twice, or the very token just used, and accepts the end', () => {
    const guard = createPageGuard('GET /roles', 10);
    guard.afterPage(1, null, 'a');
    guard.afterPage(2, 'a', 'b');

    expect(() => guard.afterPage(3, 'b', 'a')).toThrow(new ContractError('GET /roles repeated a page token after page 3'));
    expect(() => createPageGuard('x', 10).afterPage(2, 'same', 'same')).toThrow(/repeated a page token after page 2/);
    expect(() => guard.afterPage(3, 'b', null)).not.toThrow();
  });

  it('refuses a token too large to keep in a checkpoint', () => {
    const huge = 'x'.repeat(INVENTORY_LIMITS.cursorBytes + 1);

    expect(() => createPageGuard('GET /roles', 10).afterPage(1, null, huge)).toThrow(/GET \/roles answered a page token of \d+ bytes/);
  });
});
