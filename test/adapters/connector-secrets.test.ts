import { describe, expect, it } from 'vitest';
import { connectorSecretName, secretIdOf } from '../../functions/adapters/connector-secrets.ts';

describe('secretIdOf', () => {
  const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`;

  it('asks for a conventional secret by its name, even when the id looks like an ARN suffix', () => {
    // `tg-abcdef` ends in a hyphen and six characters: as an ARN without suffix Secrets Manager would read it as complete.
    expect(secretIdOf(arn('rollcall/tg-abcdef'), 'tg-abcdef')).toBe('rollcall/tg-abcdef');
    expect(secretIdOf(arn(connectorSecretName('acme')), 'acme')).toBe('rollcall/acme');
  });

  it('keeps a complete ARN brought for the connector, and another connector\'s conventional ARN, as they are', () => {
    expect(secretIdOf(arn('team/twingate-Ab12Cd'), 'tg')).toBe(arn('team/twingate-Ab12Cd'));
    expect(secretIdOf(arn('rollcall/other'), 'tg')).toBe(arn('rollcall/other'));
  });
});
