/**
 * The integration context on its TypeScript source: every value a string, whatever the verified token carries. The
 * handler suites check the context of real tokens end to end; this covers what `Verified`'s type allows and `verify`
 * never produces (an OAuth token without its client or scopes), which must still yield strings, never `undefined`.
 */
import { TokenKind } from '../../../src/private/contract';
import { context } from '../../../src/private/lambda/respond';
import { Verified } from '../../../src/private/lambda/verify';

const NO_ORG = { id: '', role: '', permissions: [] };
const payload = { sub: 'user_1' };

test.each<[string, Verified, Record<string, string>]>([
  ['an OAuth token: its client and scopes', { kind: TokenKind.OAUTH, payload, sub: 'user_1', sid: '', machine: { clientId: 'client_1', scopes: ['a', 'b'] } }, { clientId: 'client_1', scopes: 'a b' }],
  ['an OAuth token without machine facts: empty strings', { kind: TokenKind.OAUTH, payload, sub: 'user_1', sid: '' }, { clientId: '', scopes: '' }],
  ['an OAuth token with empty machine facts: empty strings', { kind: TokenKind.OAUTH, payload, sub: 'user_1', sid: '', machine: {} }, { clientId: '', scopes: '' }],
  ['an M2M token: the calling machine, no user', { kind: TokenKind.M2M, payload, sub: 'mch_1', sid: '', machine: {} }, { userId: '', machineId: 'mch_1' }],
])('%s', (_name, verified, expected) => {
  const ctx = context(verified, NO_ORG, '{}');
  expect(ctx).toMatchObject(expected);
  expect(Object.values(ctx).every((v) => typeof v === 'string')).toBe(true);
});
