import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Reason, REASONS } from './contract';
import { validationError } from './errors';

/**
 * CloudWatch metrics read from the decision log by metric filters on the function's log group: nothing on the request
 * path. The handler writes each decision record once (a REST 401's in the runtime's error line, every other in a line
 * of its own), and in both of Lambda's log formats the record's members appear unescaped in the line: in the Text
 * format after the runtime's prefix, in the JSON format under `message` (the handler logs the record as an object
 * there, as the runtime does with the thrown error). Hence:
 *
 * - the counts are term patterns on the record's own text (`"decision":"unauthorized"`), which read both formats.
 *   Every value a caller chooses (`kid`) is a JSON string whose quotes are escaped, so it cannot spell a term;
 * - the per-reason count is a JSON pattern, `{ $.message.decision = "unauthorized" }`, with the dimension
 *   `Reason: $.message.reason`. JSON patterns apply to JSON log events: a Text line (prefix, then JSON) is not one,
 *   and CloudWatch documents no JSON extraction after a prefix for metric filters. That is why the construct sets the
 *   function's log format to JSON. The dimension's values are the handler's reason codes only: callers cannot create
 *   metrics (each distinct value is a custom metric).
 *
 * Filters are created on first use (find-or-create by id), so a user who never asks for a metric gets no filter and
 * pays for no custom metric.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */

/** The metrics read from the decision log. */
export type DecisionMetric = 'Refusals' | 'Denials' | 'JwksUnavailable' | 'InternalErrors' | 'ForgeryAttempts';

/** The dimension of the per-reason refusal metric. */
export const REASON_DIMENSION = 'Reason';

/** Each authorizer's metrics live in the namespace `CdkClerkAuthorizers/<function name>`. */
export const NAMESPACE_PREFIX = 'CdkClerkAuthorizers/';

/** Reason codes counted as forgery attempts: a forged signature, or a header tampering with the algorithm or key. */
export const FORGERY_REASONS: readonly Reason[] = ['signature_invalid', 'alg_not_allowed', 'header_key_not_trusted'];

/** The reason codes `metricRefusals({ reason })` accepts: those of refusals (decision `unauthorized`). */
export const REFUSAL_REASONS: readonly Reason[] = REASONS.filter((r) => r !== 'ok' && r !== 'predicate_failed');

/** `"name":"value"` as a decision record spells it. */
function member(name: string, value: string): string {
  return `"${name}":"${value}"`;
}

/** The filter pattern of each metric (without dimension). */
export const DECISION_METRIC_PATTERNS: Readonly<Record<DecisionMetric, string>> = {
  Refusals: logs.FilterPattern.allTerms(member('decision', 'unauthorized')).logPatternString,
  Denials: logs.FilterPattern.allTerms(member('decision', 'deny')).logPatternString,
  JwksUnavailable: logs.FilterPattern.allTerms(member('reason', 'jwks_unavailable')).logPatternString,
  InternalErrors: logs.FilterPattern.allTerms(member('reason', 'internal_error')).logPatternString,
  ForgeryAttempts: logs.FilterPattern.anyTerm(...FORGERY_REASONS.map((r) => member('reason', r))).logPatternString,
};

/** The per-reason refusal filter's pattern (JSON log format). */
export const REFUSALS_BY_REASON_PATTERN = logs.FilterPattern.stringValue('$.message.decision', '=', 'unauthorized').logPatternString;

/** The per-reason refusal filter's dimensions. */
export const REFUSALS_BY_REASON_DIMENSIONS: Readonly<Record<string, string>> = { [REASON_DIMENSION]: '$.message.reason' };

/** Where an authorizer's metrics come from. */
export interface DecisionMetricSource {
  /** The construct the metric filters are created under. */
  readonly scope: Construct;
  /** The function's log group. */
  readonly logGroup: logs.ILogGroup;
  /** The function (its name makes the namespace). */
  readonly fn: lambda.IFunction;
}

/** The namespace of an authorizer's metrics. */
export function decisionMetricNamespace(fn: lambda.IFunction): string {
  return `${NAMESPACE_PREFIX}${fn.functionName}`;
}

/**
 * The metric `name` (with `reason`: that reason code's refusals, through the `Reason` dimension), its metric filter
 * created on first use. Sum over 5 minutes unless `props` say otherwise.
 */
export function decisionMetric(
  source: DecisionMetricSource,
  name: DecisionMetric,
  props: cloudwatch.MetricOptions = {},
  reason?: string,
): cloudwatch.Metric {
  const namespace = decisionMetricNamespace(source.fn);
  const common = { logGroup: source.logGroup, metricNamespace: namespace, metricName: name, metricValue: '1', unit: cloudwatch.Unit.COUNT };
  if (reason === undefined) {
    findOrCreate(source.scope, `${name}MetricFilter`, (scope, id) => new logs.MetricFilter(scope, id, {
      ...common,
      filterPattern: logs.FilterPattern.literal(DECISION_METRIC_PATTERNS[name]),
    }));
  } else {
    validateRefusalReason(source.scope, reason);
    findOrCreate(source.scope, 'RefusalsByReasonMetricFilter', (scope, id) => new logs.MetricFilter(scope, id, {
      ...common,
      filterPattern: logs.FilterPattern.literal(REFUSALS_BY_REASON_PATTERN),
      dimensions: { ...REFUSALS_BY_REASON_DIMENSIONS },
    }));
  }
  return new cloudwatch.Metric({
    statistic: cloudwatch.Stats.SUM,
    ...props,
    namespace,
    metricName: name,
    dimensionsMap: reason === undefined ? props.dimensionsMap : { ...props.dimensionsMap, [REASON_DIMENSION]: reason },
  });
}

/** Refuses a `reason` that is not a refusal's reason code (unresolved tokens pass: known only at deploy time). */
function validateRefusalReason(scope: Construct, reason: string): void {
  if (Token.isUnresolved(reason) || (REFUSAL_REASONS as readonly string[]).includes(reason)) return;
  const hint = reason === 'predicate_failed' ? ' (a denial: use metricDenials)' : reason === 'ok' ? ' (an allow, not a refusal)' : '';
  throw validationError(scope, `\`reason\` must be a refusal reason code${hint} (${REFUSAL_REASONS.join(', ')}), got: ${reason}`);
}

/**
 * The recommended alarms (see the README's "Operating it"): JWKS unavailable (JWKS mode only), internal errors,
 * throttles, forgery attempts. Created once under `scope`; a second call returns the same alarms.
 */
export function recommendedAlarms(source: DecisionMetricSource, jwksMode: boolean): cloudwatch.Alarm[] {
  const alarms: cloudwatch.Alarm[] = [];
  const common = {
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // No log line means nothing happened: no refusal, no throttle.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
  const oneMinute = { period: Duration.minutes(1) };
  const fiveMinutes = { period: Duration.minutes(5) };
  if (jwksMode) {
    alarms.push(findOrCreate(source.scope, 'JwksUnavailableAlarm', (scope, id) => new cloudwatch.Alarm(scope, id, {
      ...common,
      metric: decisionMetric(source, 'JwksUnavailable', oneMinute),
      threshold: 1,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      alarmDescription:
        'Clerk authorizer: tokens refused because the JWKS could not be fetched (jwks_unavailable) in 3 of the last 5 ' +
        'minutes. Every one refused a valid user. Check Clerk\'s status and the function\'s route to the JWKS URL.',
    })));
  }
  alarms.push(findOrCreate(source.scope, 'InternalErrorsAlarm', (scope, id) => new cloudwatch.Alarm(scope, id, {
    ...common,
    metric: decisionMetric(source, 'InternalErrors', fiveMinutes),
    threshold: 1,
    evaluationPeriods: 1,
    alarmDescription:
      'Clerk authorizer: the handler caught a defect (internal_error) and answered 401. Never expected: report it ' +
      'with the record (reason, detail, event kind).',
  })));
  alarms.push(findOrCreate(source.scope, 'ThrottlesAlarm', (scope, id) => new cloudwatch.Alarm(scope, id, {
    ...common,
    metric: source.fn.metricThrottles({ ...fiveMinutes, statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    evaluationPeriods: 1,
    alarmDescription:
      'Clerk authorizer: the function was throttled; API Gateway answers a throttled authorizer with 500. Check ' +
      'reserved concurrency and the account\'s concurrency, or lengthen resultsCacheTtl.',
  })));
  alarms.push(findOrCreate(source.scope, 'ForgeryAttemptsAlarm', (scope, id) => new cloudwatch.Alarm(scope, id, {
    ...common,
    metric: decisionMetric(source, 'ForgeryAttempts', fiveMinutes),
    threshold: 10,
    evaluationPeriods: 1,
    alarmDescription:
      'Clerk authorizer: at least 10 forged or tampered tokens (signature_invalid, alg_not_allowed, ' +
      'header_key_not_trusted) in 5 minutes, all refused. Legitimate clients never send these.',
  })));
  return alarms;
}

function findOrCreate<T extends Construct>(scope: Construct, id: string, create: (scope: Construct, id: string) => T): T {
  return (scope.node.tryFindChild(id) as T | undefined) ?? create(scope, id);
}
