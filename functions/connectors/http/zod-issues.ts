/**
 * zod issues as messages that never quote the input: an API's answer is user data (emails,
 * names), and zod's own messages may echo it.
 */
import type * as z from 'zod/mini';

/**
 * `'<field>: <what is wrong>'` for each issue, joined with `'; '`. Built from the issue's kind and the
 * received type only: zod's own messages may quote the input, and the input is user data.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string {
  return issues.map((issue) => `${issue.path.map(String).join('.') || 'record'}: ${describeIssue(issue, input)}`).join('; ');
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const received = typeName(valueAt(input, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      return received === 'undefined' ? 'missing' : `expected ${issue.expected}, got ${received}`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : 'too small';
    case 'invalid_format':
      return `not in the expected ${issue.format} format`;
    default:
      return 'invalid';
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (!isRecord(value) && !Array.isArray(value)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
