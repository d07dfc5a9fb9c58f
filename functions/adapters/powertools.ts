/**
 * Powertools for AWS Lambda, created once per execution environment (style.md section 6) and
 * shared by the poller's composition root, plus the adapter that lets the core log through it.
 *
 * PII: the core logs ids and counts only, and the Tracer never records a response: handlers open
 * their own subsegments instead of `captureMethod` (whose `captureResponse` defaults to on and
 * would copy returned users into X-Ray), and the stack sets `POWERTOOLS_TRACER_CAPTURE_RESPONSE`
 * and `POWERTOOLS_TRACER_CAPTURE_ERROR` to `false` as a second guard.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../contract/poller-contract.ts';

export const powertoolsLogger = new PowertoolsLogger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

export { toLoggerPort } from './powertools-logger-port.ts';

/**
 * Runs `work` in an X-Ray subsegment named `name`, annotated with `annotations`, the way
 * Powertools' `captureMethod` does but with no response capture at all: the result is never
 * recorded, and a failure only flags the subsegment (foreign error messages may echo upstream
 * data). Without tracing (tests, the CLI) it just runs `work`.
 */
export async function inSubsegment<T>(
  name: string,
  annotations: Readonly<Record<string, string | number | boolean>>,
  work: () => Promise<T>,
): Promise<T> {
  if (!tracer.isTracingEnabled()) return work();
  // The provider returns what the callback returns (our promise) but is typed `unknown`.
  return tracer.provider.captureAsyncFunc(name, async (subsegment) => {
    for (const [key, value] of Object.entries(annotations)) subsegment?.addAnnotation(key, value);
    try {
      return await work();
    } catch (error) {
      subsegment?.addErrorFlag();
      throw error;
    } finally {
      subsegment?.close();
    }
  }) as Promise<T>;
}
