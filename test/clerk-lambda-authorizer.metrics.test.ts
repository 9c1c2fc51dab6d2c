/**
 * Metrics, metric filters and alarms of ClerkLambdaAuthorizer, and the proof that the filters count what they say:
 * every reason code's decision record, written as the handler writes it and framed as the Lambda runtime writes it
 * in both log formats, is put through the filter patterns the construct synthesizes (test/util/filter-pattern.ts,
 * CloudWatch's documented semantics), and the metrics it increments are asserted.
 */
import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ClaimPredicate } from '../src/claim-predicate';
import { ClerkLambdaAuthorizer } from '../src/clerk-lambda-authorizer';
import { ClerkLambdaAuthorizerProps } from '../src/clerk-lambda-authorizer-props';
import { expectCfnLintClean } from './util/cfn-lint';
import { metricFilterOutput, MetricFilterSpec } from './util/filter-pattern';
import { bearer, eventFor, fixTime, Handler, Kind, KINDS, loadHandler } from './util/handler';
import { consoleLine, invokeErrorLine, LogFormat } from './util/lambda-log';
import { clerkV2Payload, sessionHeader, signJwt, TEST_ISSUER, testKeys, validToken } from './util/tokens';
import { REASONS } from '../src/private/contract';
import { decisionRecord, logDecision, unauthorizedError } from '../src/private/lambda/respond';

const ENV = { account: '123456789012', region: 'us-east-1' };
const FORMATS: readonly LogFormat[] = ['Text', 'JSON'];
const keys = testKeys();

function newAuthorizer(props: Partial<ClerkLambdaAuthorizerProps> = {}, stack = new Stack(new App(), 'Stack', { env: ENV })) {
  const authorizer = new ClerkLambdaAuthorizer(stack, 'Clerk', { issuer: TEST_ISSUER, ...props });
  return { stack, authorizer, template: () => Template.fromStack(stack) };
}

/** The function's logical id (the namespace is `CdkClerkAuthorizers/<function name>`). */
function functionRef(stack: Stack, authorizer: ClerkLambdaAuthorizer): { Ref: string } {
  return { Ref: stack.getLogicalId(authorizer.function.node.defaultChild as never) };
}

function namespaceOf(stack: Stack, authorizer: ClerkLambdaAuthorizer): unknown {
  return { 'Fn::Join': ['', ['CdkClerkAuthorizers/', functionRef(stack, authorizer)]] };
}

describe('the function logs in the JSON format', () => {
  test('LoggingConfig: JSON, to its log group', () => {
    const { stack, authorizer, template } = newAuthorizer();
    template().hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: stack.getLogicalId(authorizer.logGroup.node.defaultChild as never) } },
    });
  });
});

describe('metrics', () => {
  test('nothing is created until a metric or the alarms are asked for', () => {
    const { template } = newAuthorizer();
    template().resourceCountIs('AWS::Logs::MetricFilter', 0);
    template().resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  test.each([
    ['metricRefusals', 'Refusals', '"\\"decision\\":\\"unauthorized\\""'],
    ['metricDenials', 'Denials', '"\\"decision\\":\\"deny\\""'],
    ['metricJwksUnavailable', 'JwksUnavailable', '"\\"reason\\":\\"jwks_unavailable\\""'],
    ['metricInternalErrors', 'InternalErrors', '"\\"reason\\":\\"internal_error\\""'],
    [
      'metricForgeryAttempts',
      'ForgeryAttempts',
      '?"\\"reason\\":\\"signature_invalid\\"" ?"\\"reason\\":\\"alg_not_allowed\\"" ?"\\"reason\\":\\"header_key_not_trusted\\""',
    ],
  ] as const)('%s: Sum over 5 minutes of %s, from one term-pattern filter on the function\'s log group', (method, name, pattern) => {
    const { stack, authorizer, template } = newAuthorizer();
    const metric = authorizer[method]();
    expect(metric.metricName).toBe(name);
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toSeconds()).toBe(300);
    expect(metric.dimensions).toBeUndefined();
    expect(stack.resolve(metric.namespace)).toEqual(namespaceOf(stack, authorizer));
    template().resourceCountIs('AWS::Logs::MetricFilter', 1);
    template().hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: pattern,
      LogGroupName: { Ref: stack.getLogicalId(authorizer.logGroup.node.defaultChild as never) },
      MetricTransformations: [{ MetricName: name, MetricNamespace: namespaceOf(stack, authorizer), MetricValue: '1', Unit: 'Count' }],
    });
    // A second call reuses the filter.
    authorizer[method]({ period: Duration.minutes(1) });
    template().resourceCountIs('AWS::Logs::MetricFilter', 1);
  });

  test('metricRefusals({ reason }): the Reason dimension, from a JSON-pattern filter of its own', () => {
    const { stack, authorizer, template } = newAuthorizer();
    const metric = authorizer.metricRefusals({ reason: 'expired', period: Duration.minutes(1), statistic: 'Maximum' });
    expect(metric.metricName).toBe('Refusals');
    expect(metric.dimensions).toEqual({ Reason: 'expired' });
    expect(metric.period.toSeconds()).toBe(60);
    expect(metric.statistic).toBe('Maximum');
    // Other reasons share the filter; all refusals have their own.
    authorizer.metricRefusals({ reason: 'signature_invalid' });
    authorizer.metricRefusals();
    template().resourceCountIs('AWS::Logs::MetricFilter', 2);
    template().hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.message.decision = "unauthorized" }',
      MetricTransformations: [
        {
          MetricName: 'Refusals',
          MetricNamespace: namespaceOf(stack, authorizer),
          MetricValue: '1',
          Unit: 'Count',
          Dimensions: [{ Key: 'Reason', Value: '$.message.reason' }],
          DefaultValue: Match.absent(),
        },
      ],
    });
  });

  test('metric options are passed through (label, color, account, region)', () => {
    const { authorizer } = newAuthorizer();
    const metric = authorizer.metricDenials({ label: 'denied', color: '#ff0000', account: '210987654321', region: 'eu-west-1' });
    expect(metric).toMatchObject({ label: 'denied', color: '#ff0000', account: '210987654321', region: 'eu-west-1' });
  });

  test('every refusal reason code is accepted by metricRefusals, and a token is left to deploy time', () => {
    const { authorizer } = newAuthorizer();
    for (const reason of REASONS.filter((r) => r !== 'ok' && r !== 'predicate_failed')) {
      expect(authorizer.metricRefusals({ reason }).dimensions).toEqual({ Reason: reason });
    }
    expect(() => authorizer.metricRefusals({ reason: Token.asString({ Ref: 'Reason' }) })).not.toThrow();
  });

  const codes =
    'token_missing, token_malformed, token_too_large, alg_not_allowed, header_key_not_trusted, crit_unsupported, ' +
    'category_not_session, kid_unknown, jwks_unavailable, signature_invalid, iss_mismatch, exp_missing, expired, ' +
    'not_yet_valid, iat_in_future, sub_missing, sid_missing, session_pending, azp_mismatch, aud_mismatch, ' +
    'event_unsupported, token_opaque, session_token_not_accepted, oauth_token_not_accepted, m2m_token_not_accepted, ' +
    'token_type_ambiguous, client_id_mismatch, machine_id_mismatch, internal_error';
  test.each([
    ['Expired', `\`reason\` must be a refusal reason code (${codes}), got: Expired`],
    ['predicate_failed', `\`reason\` must be a refusal reason code (a denial: use metricDenials) (${codes}), got: predicate_failed`],
    ['ok', `\`reason\` must be a refusal reason code (an allow, not a refusal) (${codes}), got: ok`],
  ])('fails if the reason is %j', (reason, message) => {
    const { authorizer } = newAuthorizer();
    expect(() => authorizer.metricRefusals({ reason })).toThrow(message);
  });

  test('with a logGroup of the user\'s (from another stack), the filters go on it, in this construct\'s stack', () => {
    const app = new App();
    const logStack = new Stack(app, 'Logs', { env: ENV });
    const logGroup = new logs.LogGroup(logStack, 'Group', { retention: logs.RetentionDays.ONE_WEEK });
    const { stack, authorizer, template } = newAuthorizer({ logGroup }, new Stack(app, 'Api', { env: ENV }));
    authorizer.metricRefusals();
    expect(authorizer.logGroup).toBe(logGroup);
    template().hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { 'Fn::ImportValue': Match.stringLikeRegexp('^Logs:ExportsOutputRefGroup') },
    });
    Template.fromStack(logStack).resourceCountIs('AWS::Logs::MetricFilter', 0);
    expectCfnLintClean([stack, logStack]);
  });
});

describe('addRecommendedAlarms', () => {
  const common = {
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: Match.absent(),
  };

  test('JWKS mode: JWKS unavailable, internal errors, throttles, forgery attempts, with their thresholds', () => {
    const { stack, authorizer, template } = newAuthorizer();
    const alarms = authorizer.addRecommendedAlarms();
    expect(alarms.map((a) => a.node.id)).toEqual(['JwksUnavailableAlarm', 'InternalErrorsAlarm', 'ThrottlesAlarm', 'ForgeryAttemptsAlarm']);
    const namespace = namespaceOf(stack, authorizer);
    const t = template();
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'JwksUnavailable',
      Namespace: namespace,
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'InternalErrors',
      Namespace: namespace,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: functionRef(stack, authorizer) }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...common,
      MetricName: 'ForgeryAttempts',
      Namespace: namespace,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10,
      EvaluationPeriods: 1,
    });
    // The filters behind them.
    t.resourceCountIs('AWS::Logs::MetricFilter', 3);
    // Calling again returns the same alarms and creates nothing.
    expect(authorizer.addRecommendedAlarms()).toEqual(alarms);
    template().resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expectCfnLintClean(stack);
  });

  test('PEM mode: no JWKS alarm (keys are never fetched)', () => {
    const { authorizer, template } = newAuthorizer({ publicKeyPem: keys.publicKeyPem });
    expect(authorizer.addRecommendedAlarms().map((a) => a.node.id)).toEqual(['InternalErrorsAlarm', 'ThrottlesAlarm', 'ForgeryAttemptsAlarm']);
    template().resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });

  test('alarm descriptions say what happened', () => {
    const { authorizer } = newAuthorizer();
    const descriptions = authorizer.addRecommendedAlarms().map((a) => (a.node.defaultChild as cloudwatch.CfnAlarm).alarmDescription);
    expect(descriptions).toEqual([
      expect.stringContaining('jwks_unavailable'),
      expect.stringContaining('internal_error'),
      expect.stringContaining('throttled'),
      expect.stringContaining('signature_invalid'),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The filters against the exact log lines

/** The metric filters of an authorizer with every metric asked for, as synthesized. */
function synthesizedFilters(): Array<MetricFilterSpec & { readonly metric: string }> {
  const { authorizer, template } = newAuthorizer();
  authorizer.addRecommendedAlarms();
  authorizer.metricRefusals();
  authorizer.metricDenials();
  authorizer.metricRefusals({ reason: 'expired' });
  const resources = template().findResources('AWS::Logs::MetricFilter');
  return Object.values(resources).map((r) => {
    const { FilterPattern, MetricTransformations } = r.Properties;
    const [t] = MetricTransformations;
    const pairs: Array<{ Key: string; Value: string }> | undefined = t.Dimensions;
    const dimensions = pairs === undefined ? undefined : Object.fromEntries(pairs.map((d) => [d.Key, d.Value]));
    return { metric: t.MetricName, filterPattern: FilterPattern, metricValue: t.MetricValue, dimensions };
  });
}

const FILTERS = synthesizedFilters();

/** What the filters publish for one line: `Name` or `Name{Dim=value}`, one entry per datum. */
function countedBy(line: string): string[] {
  return FILTERS.flatMap((filter) => {
    const datum = metricFilterOutput(filter, line);
    if (datum === undefined) return [];
    const dims = Object.entries(datum.dimensions).map(([k, v]) => `${k}=${v}`);
    return [dims.length === 0 ? filter.metric : `${filter.metric}{${dims.join(',')}}`];
  });
}

/** The lines `logDecision` writes (through the real function, `console.log` captured), framed by the runtime. */
function ownLines(logFormat: LogFormat, record: ReturnType<typeof decisionRecord>): string[] {
  const calls: unknown[][] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => calls.push(args);
  try {
    logDecision(record, logFormat === 'JSON');
  } finally {
    console.log = log;
  }
  return calls.map((args) => consoleLine(logFormat, args));
}

/** The line(s) the function's log group receives for a decision, as the handler's entry point writes them. */
function linesFor(logFormat: LogFormat, kind: Kind, record: ReturnType<typeof decisionRecord>): string[] {
  // A REST refusal is thrown (the runtime's error line carries the record); everything else is a line of the handler.
  if (record.decision === 'unauthorized' && kind !== 'HTTP2') return [invokeErrorLine(logFormat, unauthorizedError(record))];
  return ownLines(logFormat, record);
}

const FORGERY = ['signature_invalid', 'alg_not_allowed', 'header_key_not_trusted'];

/** What a record of `reason` must increment, in `logFormat`. */
function expectedCounts(reason: string, logFormat: LogFormat): string[] {
  if (reason === 'ok') return [];
  if (reason === 'predicate_failed') return ['Denials'];
  return [
    'Refusals',
    ...(logFormat === 'JSON' ? [`Refusals{Reason=${reason}}`] : []),
    ...(reason === 'jwks_unavailable' ? ['JwksUnavailable'] : []),
    ...(reason === 'internal_error' ? ['InternalErrors'] : []),
    ...(FORGERY.includes(reason) ? ['ForgeryAttempts'] : []),
  ].sort();
}

/** The decision record a line carries (the JSON after the Text prefix, or the JSON line's `message`). */
function recordIn(logFormat: LogFormat, line: string): Record<string, unknown> {
  if (logFormat === 'JSON') return JSON.parse(line).message;
  return JSON.parse(line.slice(line.lastIndexOf('\t') + 1));
}

describe('every reason code\'s line increments the right metrics, in both log formats', () => {
  const table = REASONS.flatMap((reason) => KINDS.flatMap((kind) => FORMATS.map((logFormat) => [reason, kind, logFormat] as const)));
  test.each(table)('%s, %s event, %s format', (reason, kind, logFormat) => {
    const decision = reason === 'ok' ? 'allow' : reason === 'predicate_failed' ? 'deny' : 'unauthorized';
    const verified = decision !== 'unauthorized' ? { sub: 'user_123', sid: 'sess_123' } : {};
    const record = decisionRecord(decision, reason, reason === 'token_malformed' ? 'kid_invalid' : undefined, kind, { ...verified, kid: 'ins_test' });
    const lines = linesFor(logFormat, kind, record);
    expect(lines).toHaveLength(1);
    expect(countedBy(lines[0]).sort()).toEqual(expectedCounts(reason, logFormat));
  });

  test('the per-reason filter reads the JSON format only: a Text line, prefix then JSON, is not a JSON log event', () => {
    const record = decisionRecord('unauthorized', 'expired', undefined, 'HTTP2', { kid: 'ins_test' });
    expect(countedBy(ownLines('Text', record)[0])).toEqual(['Refusals']);
    expect(countedBy(ownLines('JSON', record)[0]).sort()).toEqual(['Refusals', 'Refusals{Reason=expired}']);
  });
});

describe('the real handler\'s lines, both log formats', () => {
  /** The bundle, loaded with Lambda's AWS_LAMBDA_LOG_FORMAT as the runtime would see it. */
  function load(logFormat: LogFormat, env: Record<string, string> = {}): Handler {
    const saved = process.env.AWS_LAMBDA_LOG_FORMAT;
    try {
      process.env.AWS_LAMBDA_LOG_FORMAT = logFormat;
      return loadHandler({ CLERK_ISSUER: TEST_ISSUER, CLERK_PUBLIC_KEY_PEM: keys.publicKeyPem, ...env });
    } finally {
      if (saved === undefined) delete process.env.AWS_LAMBDA_LOG_FORMAT;
      else process.env.AWS_LAMBDA_LOG_FORMAT = saved;
    }
  }

  /** Invokes `handler` and returns the lines the log group receives. */
  async function run(handler: Handler, logFormat: LogFormat, event: unknown): Promise<string[]> {
    const calls: unknown[][] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => calls.push(args);
    let thrown: unknown;
    let threw = false;
    try {
      await handler(event);
    } catch (e) {
      thrown = e;
      threw = true;
    } finally {
      console.log = log;
    }
    return [...calls.map((args) => consoleLine(logFormat, args)), ...(threw ? [invokeErrorLine(logFormat, thrown)] : [])];
  }

  beforeEach(() => fixTime());
  afterEach(() => jest.restoreAllMocks());

  const admin = validToken({ metadata: { role: 'admin' } });
  const member = validToken({ metadata: { role: 'member' } });
  const expired = validToken({ exp: 1 });
  const forged = `${admin.slice(0, admin.lastIndexOf('.'))}.${member.split('.')[2]}`;
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${admin.split('.')[1]}.`;

  const cases: Array<[string, string, (logFormat: LogFormat) => string[]]> = [
    ['an expired token', expired, (f) => ['Refusals', ...(f === 'JSON' ? ['Refusals{Reason=expired}'] : [])]],
    ['a forged signature', forged, (f) => ['ForgeryAttempts', 'Refusals', ...(f === 'JSON' ? ['Refusals{Reason=signature_invalid}'] : [])]],
    ['alg none', none, (f) => ['ForgeryAttempts', 'Refusals', ...(f === 'JSON' ? ['Refusals{Reason=alg_not_allowed}'] : [])]],
    ['a member (the predicate fails)', member, () => ['Denials']],
    ['an admin (allowed, logged with logAllowedRequests)', admin, () => []],
  ];
  const table = cases.flatMap(([name, token, expected]) =>
    KINDS.flatMap((kind) => FORMATS.map((logFormat) => [name, kind, logFormat, token, expected(logFormat)] as const)));

  test.each(table)('%s, %s event, %s format', async (_name, kind, logFormat, token, expected) => {
    const handler = load(logFormat, { CLERK_PREDICATE: ClaimPredicate.role('admin').toJson(), CLERK_LOG_ALLOWED: 'true' });
    const lines = await run(handler, logFormat, eventFor(kind, bearer(token)));
    expect(lines).toHaveLength(1);
    expect(countedBy(lines[0]).sort()).toEqual([...expected].sort());
    if (logFormat === 'JSON') {
      // Every line is one JSON event, the record under `message`.
      const message = JSON.parse(lines[0]).message;
      expect(typeof message).toBe('object');
      expect(message.decision).toMatch(/^(allow|deny|unauthorized)$/);
    }
  });

  test('in the JSON format the handler logs the record itself (an object), in the Text format a JSON string', async () => {
    const json = load('JSON');
    const text = load('Text');
    for (const [handler, expected] of [[json, 'object'], [text, 'string']] as const) {
      const calls: unknown[][] = [];
      const log = console.log;
      console.log = (...args: unknown[]) => calls.push(args);
      try {
        await handler(eventFor('HTTP2', bearer(expired)));
      } finally {
        console.log = log;
      }
      expect(calls).toHaveLength(1);
      expect(typeof calls[0][0]).toBe(expected);
      const record = expected === 'object' ? calls[0][0] : JSON.parse(calls[0][0] as string);
      expect(record).toEqual({ decision: 'unauthorized', reason: 'expired', kid: 'ins_test', event: 'HTTP2' });
    }
  });

  // A kid is chosen by whoever makes the token (the header is read before the signature is checked) and is logged.
  // JSON escapes its quotes, so it cannot spell a record member: it changes no count.
  const hostileKids = [
    '","reason":"jwks_unavailable',
    '\\","reason":"jwks_unavailable","decision":"unauthorized',
    '"reason":"internal_error"',
    '\\"reason\\":\\"jwks_unavailable\\"',
    '","decision":"deny',
  ];
  test.each(hostileKids.flatMap((kid) => KINDS.flatMap((kind) => FORMATS.map((logFormat) => [kid, kind, logFormat] as const))))(
    'a kid of %j counts as nothing more than its refusal (%s event, %s format)',
    async (kid, kind, logFormat) => {
      const token = signJwt(sessionHeader(kid), clerkV2Payload({ exp: 1 }), keys.privateKey);
      const lines = await run(load(logFormat), logFormat, eventFor(kind, bearer(token)));
      expect(lines).toHaveLength(1);
      expect(recordIn(logFormat, lines[0]).kid).toBe(kid);
      expect(countedBy(lines[0]).sort()).toEqual(['Refusals', ...(logFormat === 'JSON' ? ['Refusals{Reason=expired}'] : [])]);
    },
  );
});
