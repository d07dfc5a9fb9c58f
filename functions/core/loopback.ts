/**
 * Whether a host name is this machine: where plain http may carry credentials (a simulator, a test
 * server) and where an endpoint needs no AWS signature (the embedded store, DynamoDB Local). One
 * answer for every caller, so a URL the connector accepts as loopback is one the store does too.
 */

/** `URL.hostname` spelling: IPv6 in brackets; IPv4 already normalised (`127.1` reads `127.0.0.1`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
