/**
 * Opaque page tokens: base64url of `listing.offset.page` plus a truncated HMAC, so a token from
 * another listing, another simulator instance or an edited token is rejected (400) instead of
 * silently serving some other page.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** Which listing a token belongs to. */
export type PagedListing = 'local' | 'sso' | 'roles';

export interface PagePosition {
  /** Index of the first item of the page in the sorted listing. */
  readonly offset: number;
  /** 1-based page number within the listing run. */
  readonly page: number;
}

const MAC_BYTES = 9;

export class PageTokenCodec {
  private readonly key = randomBytes(32);

  encode(listing: PagedListing, position: PagePosition): string {
    const payload = `${listing}.${position.offset}.${position.page}`;
    return Buffer.from(`${payload}.${this.mac(payload)}`, 'utf8').toString('base64url');
  }

  /** The position a token points at, or `null` when it is not a token this codec issued for `listing`. */
  decode(listing: PagedListing, token: string): PagePosition | null {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return null;
    const parts = Buffer.from(token, 'base64url').toString('utf8').split('.');
    if (parts.length !== 4) return null;
    const [tokenListing, offsetText, pageText, mac] = parts as [string, string, string, string];
    const payload = `${tokenListing}.${offsetText}.${pageText}`;
    if (tokenListing !== listing || mac !== this.mac(payload)) return null;
    const offset = Number(offsetText);
    const page = Number(pageText);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(page) || page < 1) return null;
    return { offset, page };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, MAC_BYTES).toString('base64url');
  }
}
