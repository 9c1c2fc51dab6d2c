import { App, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { validateIssuer, validateStringList } from '../../src/private/validation';

describe('validateIssuer', () => {
  test.each([
    'https://clerk.example.com',
    'https://happy-otter-12.clerk.accounts.dev',
    'https://clerk.example.com:8443',
    'https://example.com/__clerk',
  ])('accepts %s', (issuer) => {
    expect(() => validateIssuer(undefined, issuer)).not.toThrow();
  });

  const https = 'must be an absolute https URL such as https://clerk.example.com (the Clerk Frontend API URL)';
  test.each([
    ['it is http', 'http://clerk.example.com', `\`issuer\` ${https}, got: http://clerk.example.com`],
    ['it is relative', 'clerk.example.com', `\`issuer\` ${https}, got: clerk.example.com`],
    ['it is a path', '/clerk', `\`issuer\` ${https}, got: /clerk`],
    ['it is another scheme', 'ftp://clerk.example.com', `\`issuer\` ${https}, got: ftp://clerk.example.com`],
    ['it is empty', '', `\`issuer\` ${https}, got: ""`],
    ['it has leading whitespace', ' https://clerk.example.com', `\`issuer\` ${https}, got: " https://clerk.example.com"`],
    ['it has a trailing newline', 'https://clerk.example.com\n', `\`issuer\` ${https}, got: "https://clerk.example.com\\n"`],
    ['it has a space inside', 'https://clerk example.com', `\`issuer\` ${https}, got: https://clerk example.com`],
    ['it has a query', 'https://clerk.example.com?x=1', '`issuer` must not have a query or fragment, got: https://clerk.example.com?x=1'],
    ['it has an empty query', 'https://clerk.example.com?', '`issuer` must not have a query or fragment, got: https://clerk.example.com?'],
    ['it has a fragment', 'https://clerk.example.com#x', '`issuer` must not have a query or fragment, got: https://clerk.example.com#x'],
    [
      'it has a trailing slash',
      'https://clerk.example.com/',
      "`issuer` must be an https URL without a trailing slash (Clerk's `iss` has none), got: https://clerk.example.com/",
    ],
    [
      'it has a path with a trailing slash',
      'https://example.com/__clerk/',
      "`issuer` must be an https URL without a trailing slash (Clerk's `iss` has none), got: https://example.com/__clerk/",
    ],
    [
      'it has credentials',
      'https://user:secret@clerk.example.com',
      '`issuer` must not contain credentials, got: https://***@clerk.example.com',
    ],
    [
      'it has an upper-case host',
      'https://Clerk.Example.com',
      '`issuer` must be written exactly as Clerk writes `iss` (lowercase host, no default port), such as ' +
        'https://clerk.example.com, got: https://Clerk.Example.com',
    ],
    [
      'it has the default port',
      'https://clerk.example.com:443',
      '`issuer` must be written exactly as Clerk writes `iss` (lowercase host, no default port), such as ' +
        'https://clerk.example.com, got: https://clerk.example.com:443',
    ],
    [
      'it has no slashes after the scheme',
      'https:clerk.example.com',
      '`issuer` must be written exactly as Clerk writes `iss` (lowercase host, no default port), such as ' +
        'https://clerk.example.com, got: https:clerk.example.com',
    ],
  ])('fails if %s', (_, issuer, message) => {
    expect(() => validateIssuer(undefined, issuer)).toThrow(new Error(message));
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
