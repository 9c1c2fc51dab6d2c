import { FilterPattern } from 'aws-cdk-lib/aws-logs';
import { matchesFilterPattern, metricFilterOutput } from './filter-pattern';

// The evaluator the metric-filter tests rely on, checked against the examples of the CloudWatch Logs user guide
// ("Filter pattern syntax for metric filters, subscription filters, filter log events and Live Tail").

describe('term patterns (unstructured log events)', () => {
  const events = ['[ERROR] A fatal exception has occurred', 'Exiting with ERRORCODE: -1', 'ERROR WARN message', 'WARN message'];

  test.each([
    // pattern, which of `events` match
    ['', [0, 1, 2, 3]],
    ['ERROR', [0, 1, 2]], // a term matches anywhere in the text: ERROR in ERRORCODE too
    ['"ERROR"', [0, 1, 2]],
    ['ERROR -Exiting', [0, 2]],
    ['"ERROR" -"Exiting"', [0, 2]],
    ['ERROR WARN', [2]],
    ['?ERROR ?WARN', [0, 1, 2, 3]],
    ['ERROR -WARN', [0, 1]],
    ['"fatal exception"', [0]],
    ['error', []], // case-sensitive
  ])('%j matches events %j', (pattern, expected) => {
    expect(events.flatMap((event, i) => (matchesFilterPattern(pattern, event) ? [i] : []))).toEqual(expected);
  });

  test('a quoted term holds quotes and backslashes escaped as aws-cdk-lib writes them', () => {
    const pattern = FilterPattern.allTerms('"reason":"expired"', 'a\\b').logPatternString;
    expect(pattern).toBe('"\\"reason\\":\\"expired\\"" "a\\\\b"');
    expect(matchesFilterPattern(pattern, 'x {"reason":"expired"} a\\b')).toBe(true);
    expect(matchesFilterPattern(pattern, 'x {\\"reason\\":\\"expired\\"} a\\b')).toBe(false);
    expect(matchesFilterPattern(pattern, 'x {"reason":"expired"} ab')).toBe(false);
  });

  test.each([
    ['reason:expired', /must be quoted/],
    ['"open', /unterminated/],
    ['?ERROR WARN', /not defined/],
    ['[ip, user]', /not implemented/],
    ['%ERR.R%', /not implemented/],
  ])('refuses %j rather than guess', (pattern, message) => {
    expect(() => matchesFilterPattern(pattern, 'anything')).toThrow(message);
  });
});

describe('JSON patterns', () => {
  // The user guide's example event, on one line as a log event is.
  const event = JSON.stringify({
    eventType: 'UpdateTrail',
    sourceIPAddress: '111.111.111.111',
    arrayKey: ['value', 'another value'],
    objectList: [{ name: 'a', id: 1 }, { name: 'b', id: 2 }],
    SomeObject: null,
    ThisFlag: true,
  });

  test.each([
    ['{ $.eventType = "UpdateTrail" }', true],
    ['{ $.eventType = UpdateTrail }', true],
    ['{ $.eventType = "Update*" }', true],
    ['{ $.eventType = "*Trail" }', true],
    ['{ $.eventType = "*dateTr*" }', true],
    ['{ $.eventType = "Up*ail" }', false], // a * inside the string is a literal *
    ['{ $.eventType = * }', true],
    ['{ $.eventType != "UpdateTrail" }', false],
    ['{ $.sourceIPAddress != 123.123.* }', true],
    ['{ $.arrayKey[0] = "value" }', true],
    ['{ $.arrayKey[1] = "value" }', false],
    ['{ $.objectList[1].id = 2 }', true],
    ['{ $.objectList[1].id > 1 }', true],
    ['{ $.objectList[1].id < 2 }', false],
    ['{ $.SomeObject IS NULL }', true],
    ['{ $.SomeOtherObject NOT EXISTS }', true],
    ['{ $.eventType NOT EXISTS }', false],
    ['{ $.ThisFlag IS TRUE }', true],
    ['{ $.ThisFlag IS FALSE }', false],
    // A selector that reaches an array or object matches neither = nor != (the guide's { $.users != 1 }).
    ['{ $.arrayKey = "value" }', false],
    ['{ $.arrayKey != "value" }', false],
    ['{ $.objectList != 1 }', false],
    // A missing member matches neither = nor !=.
    ['{ $.missing = * }', false],
    ['{ $.missing != "x" }', false],
    ['{ $.eventType = "UpdateTrail" && $.objectList[0].name = "a" }', true],
    ['{ $.eventType = "nope" || $.objectList[0].name = "a" }', true],
    ['{ $.eventType = "nope" || $.objectList[0].name = "b" && $.ThisFlag IS TRUE }', false],
    ['{ ($.eventType = "nope" || $.objectList[0].name = "a") && $.ThisFlag IS TRUE }', true],
  ])('%s → %s', (pattern, expected) => {
    expect(matchesFilterPattern(pattern, event)).toBe(expected);
  });

  test('compound conditions follow the guide: && binds tighter than ||', () => {
    const doc = JSON.stringify({
      user: { id: 1, email: 'John.Stiles@example.com' },
      users: [{ id: 2, email: 'John.Doe@example.com' }, { id: 3, email: 'Jane.Doe@example.com' }],
      actions: ['GET', 'PUT', 'DELETE'],
      coordinates: [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
    });
    expect(matchesFilterPattern('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', doc)).toBe(true);
    expect(matchesFilterPattern('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', doc)).toBe(false);
    expect(
      matchesFilterPattern('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', doc),
    ).toBe(true);
    expect(
      matchesFilterPattern('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', doc),
    ).toBe(false);
  });

  test('an event that is not JSON as a whole is not a JSON log event, even with JSON after a prefix', () => {
    const pattern = '{ $.reason = "expired" }';
    expect(matchesFilterPattern(pattern, '{"reason":"expired"}')).toBe(true);
    expect(matchesFilterPattern(pattern, '2026-12-02T08:00:00.000Z\tid\tINFO\t{"reason":"expired"}')).toBe(false);
    expect(matchesFilterPattern(pattern, '{"reason":"expired"} trailing')).toBe(false);
  });

  test.each([
    ['{ $.a = "x" ', /must end with }/],
    ['{ }', /empty/],
    ['{ $.a ~ "x" }', /unexpected|unsupported/],
    ['{ $.a = %x% }', /not implemented/],
    ['{ $.a < "x" }', /needs a number/],
    ['{ a = "x" }', /starts with \$/],
  ])('refuses %j', (pattern, message) => {
    expect(() => matchesFilterPattern(pattern, '{}')).toThrow(message);
  });
});

describe('metric filter output', () => {
  const line = JSON.stringify({ level: 'INFO', message: { decision: 'unauthorized', reason: 'expired', latency: 12 } });

  test('a literal value, and dimensions read from the event', () => {
    expect(
      metricFilterOutput({ filterPattern: '{ $.message.decision = "unauthorized" }', dimensions: { Reason: '$.message.reason' } }, line),
    ).toEqual({ value: 1, dimensions: { Reason: 'expired' } });
  });

  test('a value read from the event', () => {
    expect(metricFilterOutput({ filterPattern: '{ $.message.latency = * }', metricValue: '$.message.latency' }, line)).toEqual({
      value: 12,
      dimensions: {},
    });
  });

  test('a dimension whose selector finds nothing is not published', () => {
    expect(
      metricFilterOutput({ filterPattern: '{ $.message.decision = * }', dimensions: { Reason: '$.message.reason', Kid: '$.message.kid' } }, line),
    ).toEqual({ value: 1, dimensions: { Reason: 'expired' } });
  });

  test('no output for an event the pattern does not match', () => {
    expect(metricFilterOutput({ filterPattern: '{ $.message.decision = "deny" }' }, line)).toBeUndefined();
    expect(metricFilterOutput({ filterPattern: '"\\"decision\\":\\"deny\\""' }, line)).toBeUndefined();
  });

  test('a term pattern publishes its literal value', () => {
    expect(metricFilterOutput({ filterPattern: '"\\"decision\\":\\"unauthorized\\""' }, line)).toEqual({ value: 1, dimensions: {} });
  });

  test('fails if a term pattern is asked for dimensions', () => {
    expect(() => metricFilterOutput({ filterPattern: 'INFO', dimensions: { Reason: '$.message.reason' } }, line)).toThrow(
      /need a JSON pattern/,
    );
  });
});
