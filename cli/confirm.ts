/**
 * Asking a person before something that cannot be undone. Only a terminal can answer: without
 * one (a script, a pipe, CI) and without `--yes`, the command refuses (exit 2) rather than guess.
 */
import { createInterface } from 'node:readline';
import { ConfigError } from '../functions/core/errors.ts';

export interface PromptStreams {
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly output: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

export const processStreams: PromptStreams = { input: process.stdin, output: process.stderr };

/** Whether a person can be asked: both the answer's and the question's streams are a terminal. */
export function canPrompt(streams: PromptStreams = processStreams): boolean {
  return streams.input.isTTY === true && streams.output.isTTY === true;
}

/** Refuses (exit 2) when confirmation is needed and cannot be asked for. */
export function assertCanConfirm(yes: boolean, what: string, streams: PromptStreams = processStreams): void {
  if (yes || canPrompt(streams)) return;
  throw new ConfigError(`${what} needs confirmation: run it on a terminal, or add --yes`);
}

/** Asks until the answer is yes or no (an empty answer, or the input ending, is no). */
export async function confirm(question: string, streams: PromptStreams = processStreams): Promise<boolean> {
  const lines = createInterface({ input: streams.input, terminal: false });
  const answers = lines[Symbol.asyncIterator]();
  try {
    for (;;) {
      streams.output.write(`${question} [y/N] `);
      const next = await answers.next();
      if (next.done === true) return false;
      const text = next.value.trim().toLowerCase();
      if (text === 'y' || text === 'yes') return true;
      if (text === '' || text === 'n' || text === 'no') return false;
    }
  } finally {
    lines.close();
  }
}
