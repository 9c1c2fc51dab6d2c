/**
 * An IAM policy evaluator for the answers of a Lambda authorizer (`execute-api:Invoke` on execute-api ARNs), as API
 * Gateway documents the semantics: a `Resource` is a pattern where `*` matches any run of characters, `/` included,
 * and `?` exactly one character; everything else is literal and case-sensitive. An explicit `Deny` that matches wins
 * over any `Allow`; a request no `Allow` matches is denied.
 *
 * Independent of the handler's own code on purpose (each pattern becomes an anchored RegExp; the handler walks the
 * strings), so the property tests compare the handler's policies with the documented semantics, not with themselves.
 *
 * ```ts
 * evaluatePolicy(answer.policyDocument, 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/items/42');
 * // 'allow' | 'deny'
 * ```
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */

/** One statement as an authorizer answers it. */
export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
}

/** The `policyDocument` of an authorizer answer. */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly PolicyStatement[];
}

/** The characters a RegExp gives a meaning to; each one written in a pattern stands for itself. */
const REGEX_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

/**
 * The anchored RegExp an IAM `Resource` pattern means: `*` is `.*`, `?` is `.`, every other character is escaped so
 * it stands for itself. The `s` flag lets `.` match a line break too (IAM gives no character a special meaning).
 * `?` is one UTF-16 code unit (no `u` flag): the ARNs here are ASCII, and IAM does not say how it counts otherwise.
 *
 * IAM's documentation also says a `*` stays within its colon-separated ARN segment unless it is the segment's last
 * character; this translation does not model that: every pattern the handler answers fixes the colon-separated
 * part (`arn:aws:execute-api:<region>:<account>:`) literally and puts its wildcards after it, where no colon is.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
 */
export function iamPatternRegExp(pattern: string): RegExp {
  const body = Array.from(pattern, (c) => (c === '*' ? '.*' : c === '?' ? '.' : REGEX_SYNTAX.has(c) ? `\\${c}` : c)).join('');
  return new RegExp(`^${body}$`, 's');
}

// Compiled patterns: a handler answers the same few covers for thousands of property-test requests.
const compiled = new Map<string, RegExp>();

/**
 * Whether `text` matches the IAM pattern `pattern` as a whole: `*` any run of characters (empty, or containing `/`),
 * `?` exactly one character, anything else itself, case-sensitive.
 *
 * Written apart from the handler's own matcher on purpose (a RegExp translation, where the handler walks the two
 * strings), so a test comparing the two is not comparing a matcher with a copy of itself.
 */
export function iamMatch(pattern: string, text: string): boolean {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    if (compiled.size >= 10_000) compiled.clear();
    regex = iamPatternRegExp(pattern);
    compiled.set(pattern, regex);
  }
  return regex.test(text);
}

/** Whether a statement's `Action` covers `execute-api:Invoke` (exactly, or through a wildcard). */
function coversInvoke(action: string | readonly string[]): boolean {
  return (typeof action === 'string' ? [action] : action).some((a) => iamMatch(a, 'execute-api:Invoke'));
}

/**
 * Checks that `document` is a well-formed policy as API Gateway expects it (version, statements with an effect, an
 * action and resources) and throws describing the first problem: a malformed answer is a 500 from API Gateway, which
 * a test must see as a failure, not as a deny.
 */
export function assertPolicyDocument(document: unknown): asserts document is PolicyDocument {
  const d = document as PolicyDocument;
  if (typeof d !== 'object' || d === null) throw new Error('policyDocument must be an object');
  if (d.Version !== '2012-10-17') throw new Error(`policyDocument.Version must be 2012-10-17, got: ${String(d.Version)}`);
  if (!Array.isArray(d.Statement) || d.Statement.length === 0) throw new Error('policyDocument.Statement must be a non-empty array');
  d.Statement.forEach((s, i) => {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`Statement[${i}].Effect must be Allow or Deny, got: ${String(s.Effect)}`);
    const strings = (v: unknown): boolean =>
      typeof v === 'string' ? v.length > 0 : Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0);
    if (!strings(s.Action)) throw new Error(`Statement[${i}].Action must be a string or a non-empty array of strings`);
    if (!strings(s.Resource)) throw new Error(`Statement[${i}].Resource must be a string or a non-empty array of strings`);
  });
}

/**
 * What the policy decides for a request to `arn` (a method ARN of REST, a route ARN of an HTTP API): `deny` if any
 * `Deny` statement matches, else `allow` if any `Allow` statement matches, else `deny`.
 */
export function evaluatePolicy(document: unknown, arn: string): 'allow' | 'deny' {
  assertPolicyDocument(document);
  let allowed = false;
  for (const statement of document.Statement) {
    if (!coversInvoke(statement.Action)) continue;
    const resources = typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource;
    if (!resources.some((r) => iamMatch(r, arn))) continue;
    if (statement.Effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'deny';
}

/** The total size of an answer as API Gateway receives it (JSON, UTF-8 bytes). */
export function answerBytes(answer: unknown): number {
  return Buffer.byteLength(JSON.stringify(answer));
}
