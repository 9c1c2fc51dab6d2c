import * as fc from 'fast-check';
import { buildApiTable, globMatch, globsIntersect, parseRouteTable, routePattern, RouteSpec, SIGNED_IN } from '../../src/private/route-table';
import { iamMatch } from '../util/iam-policy';

describe('routePattern', () => {
  test.each([
    ['GET', '/', 'GET/'],
    ['GET', '/items', 'GET/items'],
    ['DELETE', '/items/{id}', 'DELETE/items/*'],
    ['GET', '/items/{id}/comments/{commentId}', 'GET/items/*/comments/*'],
    ['POST', '/files/{proxy+}', 'POST/files/*'],
    ['ANY', '/items', '*/items'],
    ['ANY', '$default', '*'],
  ])('%s %s is %s', (method, path, expected) => {
    expect(routePattern(method, path)).toBe(expected);
  });
});

describe('globMatch', () => {
  test('agrees with the test evaluator on random patterns and texts', () => {
    const unit = fc.constantFrom('a', 'b', '/', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '/', '*'), maxLength: 8 }), (p, t) => {
        expect(globMatch(p, t)).toBe(iamMatch(p, t));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('globsIntersect', () => {
  test.each([
    ['GET/items/*', 'GET/items/*/comments', true],
    ['GET/items', 'GET/items/*', false],
    ['GET/items*', 'GET/items/*', true],
    ['GET/items/*', 'DELETE/items/*', false],
    ['*/items', 'GET/a/items', true],
    ['GET/a?c', 'GET/abc', true],
    ['GET/a?c', 'GET/ac', false],
    ['*', 'anything', true],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(globsIntersect(a, b)).toBe(expected);
    expect(globsIntersect(b, a)).toBe(expected);
  });

  test('agrees with a search over every short string', () => {
    const alphabet = ['a', '/'];
    const strings: string[] = [''];
    for (let len = 1; len <= 7; len++) {
      for (const s of strings.filter((x) => x.length === len - 1)) for (const c of alphabet) strings.push(s + c);
    }
    const unit = fc.constantFrom('a', '/', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 4 }), fc.string({ unit, maxLength: 4 }), (a, b) => {
        // Patterns of at most 4 items: if they intersect, they share a string of at most 7 characters over {a, /}
        // (each literal or ? takes one; a star needs at most one more than the other side's literals).
        const brute = strings.some((s) => iamMatch(a, s) && iamMatch(b, s));
        expect(globsIntersect(a, b)).toBe(brute);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('buildApiTable', () => {
  const route = (method: string, path: string, rule: number): RouteSpec => ({ pattern: routePattern(method, path), rule, label: `${method} ${path}` });

  test('generalizes covers as far as no other rule is reached', () => {
    const { groups, overlaps } = buildApiTable([
      route('GET', '/items', 0),
      route('GET', '/items/{id}', 0),
      route('DELETE', '/items/{id}', 1),
      route('DELETE', '/orders/{id}', 1),
      route('GET', '/me', SIGNED_IN),
    ]);
    expect(groups).toEqual([
      { r: -1, c: ['GET/me*'] },
      { r: 0, c: ['GET/items*'] },
      { r: 1, c: ['DELETE/*'] },
    ]);
    expect(overlaps).toEqual([]);
  });

  test('an overlap is reported when one route pattern reaches another rule', () => {
    const items = route('GET', '/items/{id}', 0);
    const comments = route('GET', '/items/{id}/comments', 1);
    const { groups, overlaps } = buildApiTable([items, comments]);
    // With `*` matching `/`, each pattern reaches the other's requests: each is denied where the other's rule fails.
    expect(groups).toEqual([
      { r: 0, c: ['GET/items/*'], x: [1] },
      { r: 1, c: ['GET/items/*/comments'], x: [0] },
    ]);
    expect(overlaps).toEqual([{ denied: comments, deniedBy: items }, { denied: items, deniedBy: comments }]);
  });

  test('the table it builds validates', () => {
    const { groups } = buildApiTable([route('GET', '/a', 0), route('GET', '/a/{b}', 1)]);
    expect(() => parseRouteTable(JSON.stringify({ v: 1, rules: [{ op: 'exists', claim: 'a' }, { op: 'exists', claim: 'b' }], apis: [{ groups }] }))).not.toThrow();
  });
});
