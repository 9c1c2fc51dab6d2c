import { App, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { ISSUER_PATTERN } from '../../src/private/contract';
import { validateIssuer, validateStringList } from '../../src/private/validation';
import { INVALID_ISSUER_ROWS, INVALID_ISSUERS, SYNTH_ISSUER_RULE, VALID_ISSUERS } from '../util/issuers';

describe('validateIssuer', () => {
  test.each(VALID_ISSUERS)('accepts %s', (issuer) => {
    expect(() => validateIssuer(undefined, issuer)).not.toThrow();
  });

  const https = SYNTH_ISSUER_RULE;
  test.each(INVALID_ISSUER_ROWS)('fails if %s', (_, issuer, message) => {
    expect(() => validateIssuer(undefined, issuer)).toThrow(new Error(message));
  });

  test('whatever it accepts, the handler accepts too (the contract\'s ISSUER_PATTERN)', () => {
    for (const issuer of VALID_ISSUERS) expect(ISSUER_PATTERN.test(issuer)).toBe(true);
    for (const c of INVALID_ISSUERS) expect(ISSUER_PATTERN.test(c.issuer)).toBe(!c.handlerRefuses);
  });

  test('names the prop it validates', () => {
    expect(() => validateIssuer(undefined, 'http://clerk.example.com', 'props.issuer')).toThrow(
      new Error(`\`props.issuer\` ${https}, got: http://clerk.example.com`),
    );
  });

  test('never shows the credentials it refuses', () => {
    expect(() => validateIssuer(undefined, 'https://admin:hunter2@clerk.example.com')).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/admin|hunter2/) }),
    );
  });

  test('skips unresolved tokens', () => {
    const stack = new Stack(new App(), 'Stack');
    const issuer = new CfnParameter(stack, 'Issuer').valueAsString;
    expect(() => validateIssuer(undefined, issuer)).not.toThrow();
    expect(() => validateIssuer(undefined, `${issuer}/`)).not.toThrow();
  });
});

describe('validateStringList', () => {
  test('accepts 1 and 50 entries, and undefined (the prop is optional)', () => {
    expect(() => validateStringList(undefined, ['a'], 'audience')).not.toThrow();
    expect(() => validateStringList(undefined, Array.from({ length: 50 }, (_, i) => `aud-${i}`), 'audience')).not.toThrow();
    expect(() => validateStringList(undefined, undefined, 'audience')).not.toThrow();
  });

  test('fails if the list is empty', () => {
    expect(() => validateStringList(undefined, [], 'audience')).toThrow(new Error('`audience` must list 1 to 50 values, got: []'));
  });

  test('fails if the list has 51 entries', () => {
    const values = Array.from({ length: 51 }, (_, i) => `aud-${i}`);
    expect(() => validateStringList(undefined, values, 'audience')).toThrow(
      new Error('`audience` must list 1 to 50 values, got: 51 values'),
    );
  });

  test('fails if the list is longer than a custom maximum', () => {
    expect(() => validateStringList(undefined, ['a', 'b', 'c'], 'authorizationScopes', 2)).toThrow(
      new Error('`authorizationScopes` must list 1 to 2 values, got: 3 values'),
    );
  });

  test('fails if the value is not a list', () => {
    expect(() => validateStringList(undefined, 'aud' as unknown as string[], 'audience')).toThrow(
      new Error('`audience` must list 1 to 50 values, got: "aud"'),
    );
  });

  test.each([
    ['an entry is empty', ['ok', ''], '""'],
    ['an entry has surrounding spaces', [' my-api'], '" my-api"'],
    ['an entry is not a string', [42 as unknown as string], '42'],
  ])('fails if %s', (_, values, got) => {
    expect(() => validateStringList(undefined, values, 'audience')).toThrow(
      new Error(`\`audience\` entries must be non-empty strings without surrounding spaces, got: ${got}`),
    );
  });

  test('skips an unresolved list and unresolved entries', () => {
    const stack = new Stack(new App(), 'Stack');
    const param = new CfnParameter(stack, 'Audiences').valueAsString;
    expect(() => validateStringList(undefined, Fn.split(',', param), 'audience')).not.toThrow();
    expect(() => validateStringList(undefined, [param, 'my-api'], 'audience')).not.toThrow();
  });
});
