/**
 * The core's narrow `Logger` port over a Powertools logger, apart from `powertools.ts` so that a
 * function that neither traces nor emits metrics (the provisioning function) bundles the logger
 * alone, without the X-Ray SDK the Tracer brings.
 */
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, Logger } from '../core/ports.ts';

/** The core's `Logger` port over a Powertools logger (its appended keys, e.g. `connectorId`, ride along). */
export function toLoggerPort(logger: PowertoolsLogger): Logger {
  const attributesOf = (attributes: LogAttributes | undefined) => (attributes === undefined ? [] : [attributes]);
  return {
    debug: (message, attributes) => logger.debug(message, ...attributesOf(attributes)),
    info: (message, attributes) => logger.info(message, ...attributesOf(attributes)),
    warn: (message, attributes) => logger.warn(message, ...attributesOf(attributes)),
    error: (message, attributes) => logger.error(message, ...attributesOf(attributes)),
  };
}
