import { consoleLine, invokeErrorLine } from './lambda-log';

const context = { timestamp: '2026-12-02T08:00:00.000Z', requestId: 'req-1' };

function unauthorized(record: Record<string, unknown>): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Object.assign(new Error('Unauthorized'), record);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

describe('Text format', () => {
  test('console.log(string): timestamp, request id, INFO, the string, tab-separated', () => {
    expect(consoleLine('Text', ['{"decision":"deny"}'], 'INFO', context)).toBe('2026-12-02T08:00:00.000Z\treq-1\tINFO\t{"decision":"deny"}');
  });

  test('a thrown error: "Invoke Error " then a tab and the error as JSON with its own properties', () => {
    const line = invokeErrorLine('Text', unauthorized({ decision: 'unauthorized', reason: 'expired', event: 'TOKEN' }), context);
    expect(line).toBe(
      '2026-12-02T08:00:00.000Z\treq-1\tERROR\tInvoke Error \t' +
        '{"errorType":"Error","errorMessage":"Unauthorized","decision":"unauthorized","reason":"expired","event":"TOKEN","stack":["Error: Unauthorized"]}',
    );
  });

  test('a thrown non-error is wrapped in an Error', () => {
    expect(invokeErrorLine('Text', 'boom', context)).toMatch(/^2026-12-02T08:00:00.000Z\treq-1\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"boom","stack":\["Error: boom/);
  });
});

describe('JSON format', () => {
  test('console.log(string): the string is the message, escaped', () => {
    expect(JSON.parse(consoleLine('JSON', ['{"decision":"deny"}'], 'INFO', context))).toEqual({
      timestamp: '2026-12-02T08:00:00.000Z',
      level: 'INFO',
      requestId: 'req-1',
      message: '{"decision":"deny"}',
    });
  });

  test('console.log(object): the object is the message, nested', () => {
    const line = consoleLine('JSON', [{ decision: 'deny', reason: 'predicate_failed' }], 'INFO', context);
    expect(line).toBe('{"timestamp":"2026-12-02T08:00:00.000Z","level":"INFO","requestId":"req-1","message":{"decision":"deny","reason":"predicate_failed"}}');
  });

  test('several arguments: util.format of them', () => {
    expect(JSON.parse(consoleLine('JSON', ['a', 1, { b: 2 }], 'INFO', context)).message).toBe('a 1 { b: 2 }');
  });

  test('a thrown error: ERROR, the error as the message with errorType, errorMessage, stackTrace and its own properties', () => {
    const line = invokeErrorLine('JSON', unauthorized({ decision: 'unauthorized', reason: 'expired', event: 'TOKEN' }), context);
    expect(line).toBe(
      '{"timestamp":"2026-12-02T08:00:00.000Z","level":"ERROR","requestId":"req-1","message":' +
        '{"errorType":"Error","errorMessage":"Unauthorized","stackTrace":["Error: Unauthorized"],"decision":"unauthorized","reason":"expired","event":"TOKEN"}}',
    );
  });
});
