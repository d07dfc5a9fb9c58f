/**
 * An API endpoint URL from a connector's config. Credentials and tokens travel on it, so plain http
 * is refused except to this machine (simulators and test servers), and a URL that embeds
 * credentials, a query or a fragment is refused too. Messages name the setting (`label`, e.g.
 * `torq config apiUrl (--api-url)`), never the value.
 */
import { ConfigError } from '../../core/errors.ts';
import { isLoopbackHost } from '../../core/loopback.ts';

export function checkedEndpointUrl(value: string, label: string): string {
  const fail = (reason: string): never => {
    throw new ConfigError(`${label}: ${reason}`);
  };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('not a valid absolute URL');
  }
  if (url.username !== '' || url.password !== '') fail('must not embed credentials');
  if (url.search !== '' || url.hash !== '') fail('must not carry a query or fragment');
  if (url.protocol === 'https:') return url.href;
  if (url.protocol !== 'http:') return fail('must be an https URL');
  if (!isLoopbackHost(url.hostname)) fail('plain http is allowed only to loopback (127.0.0.0/8, ::1, localhost); use https');
  return url.href;
}
