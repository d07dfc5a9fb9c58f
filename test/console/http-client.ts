/**
 * A loopback HTTP client for the console tests that, unlike fetch, lets a test send any `Host`
 * header and any method, and reads the answer as it came (no redirect followed).
 */
import { request } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface RawRequest {
  readonly port: number;
  readonly path: string;
  readonly method?: string;
  readonly host?: string;
  readonly cookie?: string;
  readonly body?: string;
}

export function send(options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: {
          host: options.host ?? `127.0.0.1:${options.port}`,
          ...(options.cookie !== undefined ? { cookie: options.cookie } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(options.body) } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.once('error', reject);
    req.end(options.body);
  });
}

/** The `name=value` part of a Set-Cookie header, for the next request's Cookie header. */
export function cookiePair(response: RawResponse): string {
  const header = response.headers['set-cookie'];
  const first = Array.isArray(header) ? header[0] : header;
  if (first === undefined) throw new Error('the answer set no cookie');
  return first.split(';')[0] ?? '';
}
