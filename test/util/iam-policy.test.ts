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

  test('agrees with a regular expression translation on random patterns', () => {
    const chars = fc.constantFrom('a', 'b', '/', '*', '?');
    const textChars = fc.constantFrom('a', 'b', '/');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: textChars, maxLength: 8 }), (pattern, text) => {
        const regex = new RegExp(`^${pattern.replace(/[/]/g, '\\/').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]')}$`);
        expect(iamMatch(pattern, text)).toBe(regex.test(text));
      }),
      { numRuns: 2000 },
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
