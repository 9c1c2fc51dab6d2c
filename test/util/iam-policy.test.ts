import * as fc from 'fast-check';
import { answerBytes, assertPolicyDocument, evaluatePolicy, iamMatch } from './iam-policy';

const PREFIX = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod';
const arn = (rest: string): string => `${PREFIX}/${rest}`;
const policy = (...statements: Array<[effect: string, resource: string | string[]]>): unknown => ({
  Version: '2012-10-17',
  Statement: statements.map(([Effect, Resource]) => ({ Action: 'execute-api:Invoke', Effect, Resource })),
});

describe('iamMatch', () => {
  test.each([
    // `*` matches any run, `/` included, and the empty run.
    ['a/*', 'a/b/c/d', true],
    ['a/*', 'a/', true],
    ['a/*', 'a', false],
    ['*', '', true],
    ['GET/items/*', 'GET/items/42', true],
    ['GET/items/*', 'GET/items/42/comments', true],
    ['GET/items/*/comments', 'GET/items/42/comments', true],
    ['GET/items/*/comments', 'GET/items/4/2/comments', true],
    ['GET/items/*/comments', 'GET/items/42/comments/x', false],
    ['*/items', 'GET/items', true],
    ['*/items', 'GET/a/items', true],
    ['*/items', 'GET/items/x', false],
    // `?` is exactly one character, `/` included.
    ['GET/?', 'GET/a', true],
    ['GET/?', 'GET//', true],
    ['GET/?', 'GET/', false],
    ['GET/?', 'GET/ab', false],
    // Literal and case-sensitive, anchored at both ends.
    ['GET/items', 'get/items', false],
    ['GET/items', 'GET/items/', false],
    ['GET/items', 'XGET/items', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXcYYb', false],
    ['a**b', 'ab', true],
    ['*a*', 'bbb', false],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(iamMatch(pattern, text)).toBe(expected);
  });

  test.each([
    // `*` spans `/` and several path segments, and matches the empty run anywhere in the pattern.
    ['GET/*/c', 'GET/a/b/c', true],
    ['GET/*', 'GET/', true],
    ['GET/a*', 'GET/a', true],
    ['*GET/a', 'GET/a', true],
    ['GET/*/a', 'GET//a', true],
    ['GET/*/a', 'GET/a', false],
    // `?` is exactly one character, never zero, never two, and may be `/` or `.`.
    ['GET/a?c', 'GET/abc', true],
    ['GET/a?c', 'GET/a/c', true],
    ['GET/a?c', 'GET/a.c', true],
    ['GET/a?c', 'GET/ac', false],
    ['GET/a?c', 'GET/abbc', false],
    ['??', 'ab', true],
    ['??', 'a', false],
    // Characters a regular expression would read as syntax stand for themselves.
    ['GET/a.b', 'GET/a.b', true],
    ['GET/a.b', 'GET/aXb', false],
    ['GET/a+', 'GET/a+', true],
    ['GET/a+', 'GET/aa', false],
    ['GET/$default', 'GET/$default', true],
    ['GET/a$', 'GET/a$', true],
    ['GET/a$', 'GET/a', false],
    ['^GET', '^GET', true],
    ['^GET', 'GET', false],
    ['GET/{id}', 'GET/{id}', true],
    ['GET/{id}', 'GET/42', false],
    ['GET/a{2}', 'GET/aa', false],
    ['GET/(a|b)', 'GET/(a|b)', true],
    ['GET/(a|b)', 'GET/a', false],
    ['GET/[ab]', 'GET/[ab]', true],
    ['GET/[ab]', 'GET/a', false],
    ['GET/a\\d', 'GET/a\\d', true],
    ['GET/a\\d', 'GET/a1', false],
    ['GET/.*', 'GET/.x', true],
    ['GET/.*', 'GET/x', false],
    // A line break is a character like any other.
    ['GET/*', 'GET/a\nb', true],
    ['GET/a?b', 'GET/a\nb', true],
  ])('%j against %j is %s', (pattern, text, expected) => {
    expect(iamMatch(pattern, text)).toBe(expected);
  });

  test('agrees with the definition, read literally, on random patterns', () => {
    // The definition as a recursion over the pattern, nothing shared with the RegExp translation: a `*` takes any
    // prefix of what is left (the empty one included), a `?` takes one character, anything else takes itself.
    const matches = (p: string, t: string): boolean => {
      if (p === '') return t === '';
      if (p[0] === '*') {
        for (let k = 0; k <= t.length; k++) if (matches(p.slice(1), t.slice(k))) return true;
        return false;
      }
      return t !== '' && (p[0] === '?' || p[0] === t[0]) && matches(p.slice(1), t.slice(1));
    };
    const chars = fc.constantFrom('a', 'b', '/', '.', '$', '+', '{', '*', '?');
    const textChars = fc.constantFrom('a', 'b', '/', '.', '$', '+', '{', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: textChars, maxLength: 8 }), (pattern, text) => {
        expect(iamMatch(pattern, text)).toBe(matches(pattern, text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('evaluatePolicy', () => {
  test('no statement matches: deny', () => {
    expect(evaluatePolicy(policy(['Allow', arn('GET/items')]), arn('POST/items'))).toBe('deny');
  });

  test('an Allow matches: allow', () => {
    expect(evaluatePolicy(policy(['Allow', arn('GET/items/*')]), arn('GET/items/42'))).toBe('allow');
  });

  test('an explicit Deny wins over an Allow, whatever their order', () => {
    const p1 = policy(['Allow', `${PREFIX}/*`], ['Deny', arn('DELETE/items/*')]);
    const p2 = policy(['Deny', arn('DELETE/items/*')], ['Allow', `${PREFIX}/*`]);
    for (const p of [p1, p2]) {
      expect(evaluatePolicy(p, arn('DELETE/items/42'))).toBe('deny');
      expect(evaluatePolicy(p, arn('GET/items/42'))).toBe('allow');
    }
  });

  test('an explicit Deny wins even when it is wider than the Allow, and an Allow never overrides a Deny', () => {
    const p = policy(['Allow', arn('GET/items/42')], ['Deny', `${PREFIX}/*`], ['Allow', `${PREFIX}/GET/*`]);
    expect(evaluatePolicy(p, arn('GET/items/42'))).toBe('deny');
    expect(evaluatePolicy(p, arn('GET/other'))).toBe('deny');
  });

  test('a Deny that does not match leaves the Allow in force; a Deny alone is still a deny', () => {
    const p = policy(['Deny', arn('DELETE/*')], ['Allow', arn('GET/*')]);
    expect(evaluatePolicy(p, arn('GET/a'))).toBe('allow');
    expect(evaluatePolicy(p, arn('DELETE/a'))).toBe('deny');
    expect(evaluatePolicy(p, arn('PUT/a'))).toBe('deny');
    expect(evaluatePolicy(policy(['Deny', arn('DELETE/*')]), arn('GET/a'))).toBe('deny');
  });

  test('a resource with regular-expression syntax in it is matched literally', () => {
    const p = policy(['Allow', [arn('GET/v1.0/items'), arn('GET/a+b'), arn('GET/$default'), arn('GET/{id}')]]);
    expect(evaluatePolicy(p, arn('GET/v1.0/items'))).toBe('allow');
    expect(evaluatePolicy(p, arn('GET/v1x0/items'))).toBe('deny');
    expect(evaluatePolicy(p, arn('GET/a+b'))).toBe('allow');
    expect(evaluatePolicy(p, arn('GET/aab'))).toBe('deny');
    expect(evaluatePolicy(p, arn('GET/$default'))).toBe('allow');
    expect(evaluatePolicy(p, arn('GET/{id}'))).toBe('allow');
    expect(evaluatePolicy(p, arn('GET/42'))).toBe('deny');
  });

  test('resource lists: any entry matches', () => {
    const p = policy(['Allow', [arn('GET/a'), arn('GET/b')]], ['Deny', [arn('GET/c')]]);
    expect(evaluatePolicy(p, arn('GET/a'))).toBe('allow');
    expect(evaluatePolicy(p, arn('GET/b'))).toBe('allow');
    expect(evaluatePolicy(p, arn('GET/c'))).toBe('deny');
    expect(evaluatePolicy(p, arn('GET/d'))).toBe('deny');
  });

  test('the whole-stage resource covers every method and path of the stage, and no other stage or API', () => {
    const p = policy(['Allow', `${PREFIX}/*`]);
    expect(evaluatePolicy(p, arn('GET/'))).toBe('allow');
    expect(evaluatePolicy(p, arn('PATCH/a/b/c'))).toBe('allow');
    expect(evaluatePolicy(p, 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/GET/')).toBe('deny');
    expect(evaluatePolicy(p, 'arn:aws:execute-api:us-east-1:123456789012:other12345/prod/GET/')).toBe('deny');
  });

  test('a statement for another action does not count', () => {
    const p = { Version: '2012-10-17', Statement: [{ Action: 'execute-api:InvalidateCache', Effect: 'Allow', Resource: `${PREFIX}/*` }] };
    expect(evaluatePolicy(p, arn('GET/a'))).toBe('deny');
    const wildcard = { Version: '2012-10-17', Statement: [{ Action: 'execute-api:*', Effect: 'Allow', Resource: `${PREFIX}/*` }] };
    expect(evaluatePolicy(wildcard, arn('GET/a'))).toBe('allow');
  });

  test.each([
    [undefined, 'policyDocument must be an object'],
    [{ Version: '2008-10-17', Statement: [] }, 'policyDocument.Version must be 2012-10-17, got: 2008-10-17'],
    [{ Version: '2012-10-17', Statement: [] }, 'policyDocument.Statement must be a non-empty array'],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'allow', Action: 'execute-api:Invoke', Resource: '*' }] }, 'Statement[0].Effect must be Allow or Deny, got: allow'],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }, 'Statement[0].Action must be a string or a non-empty array of strings'],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [] }] }, 'Statement[0].Resource must be a string or a non-empty array of strings'],
  ])('a malformed document throws (a 500, not a deny): %j', (document, message) => {
    expect(() => assertPolicyDocument(document)).toThrow(message);
    expect(() => evaluatePolicy(document, arn('GET/a'))).toThrow(message);
  });

  test('answerBytes counts UTF-8 bytes of the JSON', () => {
    expect(answerBytes({ a: 'é' })).toBe(10);
  });
});
