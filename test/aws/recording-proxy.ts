/**
 * A loopback HTTP proxy between the poller and moto_server that records every AWS call: the
 * target operation (the `X-Amz-Target` header of the JSON protocols, or the method and path) and
 * the parsed request body, so the test can check each call against the template's IAM policy.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';

export interface RecordedCall {
  /** `X-Amz-Target`, e.g. `DynamoDB_20120810.Query`; `METHOD /path` for REST protocols. */
  readonly target: string;
  readonly body: unknown;
}

export interface RecordingProxy {
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  close(): Promise<void>;
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', reject);
  });
}

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const calls: RecordedCall[] = [];
  const server: Server = createServer(async (incoming, outgoing) => {
    const body = await readBody(incoming);
    const amzTarget = incoming.headers['x-amz-target'];
    let parsed: unknown = null;
    try {
      parsed = body.length > 0 ? JSON.parse(body.toString('utf8')) : null;
    } catch {
      parsed = body.toString('utf8');
    }
    calls.push({ target: typeof amzTarget === 'string' ? amzTarget : `${incoming.method} ${incoming.url}`, body: parsed });
    const forwarded = request(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      outgoing.writeHead(502).end();
    });
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
