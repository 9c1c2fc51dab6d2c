/**
 * A CloudWatch Logs filter-pattern evaluator for the patterns this library's metric filters use, implementing the
 * documented semantics, so that tests can feed the exact log lines the function writes through the exact patterns
 * the construct synthesizes and see which metrics they increment.
 *
 * ```ts
 * matchesFilterPattern('"\\"decision\\":\\"unauthorized\\""', line);                 // a term pattern
 * metricFilterOutput({ filterPattern: '{ $.message.decision = "unauthorized" }', dimensions: { Reason: '$.message.reason' } }, line);
 * ```
 *
 * What is implemented, from the CloudWatch Logs user guide ("Filter pattern syntax for metric filters, subscription
 * filters, filter log events and Live Tail", and the metric filter `MetricTransformation` reference):
 * - An empty pattern matches every event.
 * - Term patterns (unstructured events): a term is a bare word of letters, digits and `_`, or a double-quoted string
 *   (`\"` and `\\` escape a quote and a backslash inside it, as aws-cdk-lib's `FilterPattern.allTerms` writes them).
 *   A term matches an event whose text contains it, case-sensitively, anywhere (the guide's `ERROR` matches
 *   `Exiting with ERRORCODE: -1`). Several terms: all must appear. `?term`: any of the `?` terms must appear. `-term`:
 *   the term must not appear.
 * - JSON patterns `{ ... }` apply to JSON log events: an event that is not JSON as a whole (for example a Lambda text
 *   format line, `2026-...Z\t<requestId>\tERROR\tInvoke Error \t{...}`) is not a JSON log event and matches no JSON
 *   pattern. Selectors `$.a.b`, `$.list[0]` (names of letters, digits, `-` and `_`); `=` and `!=` against a string
 *   (quoted, or bare) with `*` as a wildcard at its start and/or end (`*` alone: any value), or a number; `<`, `>`,
 *   `<=`, `>=` against a number; `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`; `&&`, `||` (`&&` binds tighter) and
 *   parentheses. A selector must reach a value node (string or number, or for the `IS` forms a null or boolean): on
 *   an object, an array or a missing member the comparison is false, for `!=` too (the guide: `{$.users != 1}` does
 *   not match where `users` is an array).
 * - Metric values and dimensions: a literal number, or a selector of the pattern read from the event; a dimension is
 *   published only when its selector finds a value in the event.
 *
 * What is not: space-delimited patterns (`[a, b, ...]`), regular expressions (`%...%`), and combinations the guide
 * does not define (mixing `?` terms with plain terms, comparing a string field with a number): these throw, so a test
 * never relies on a guess about them.
 */

/** One metric filter, as `AWS::Logs::MetricFilter` describes it (one metric transformation). */
export interface MetricFilterSpec {
  readonly filterPattern: string;
  /** `MetricValue`: a number, or a selector (`$.latency`). @default '1' */
  readonly metricValue?: string;
  /** `Dimensions`: name → selector. */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** What a metric filter publishes for one event that matches it. */
export interface MetricDatum {
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Whether `pattern` matches the log event `message`. Throws for a pattern this evaluator does not implement. */
export function matchesFilterPattern(pattern: string, message: string): boolean {
  return compile(pattern).matches(message);
}

/**
 * What `filter` publishes for the log event `message`: undefined if the pattern does not match (or the metric value
 * cannot be read), else the value and the dimensions found.
 */
export function metricFilterOutput(filter: MetricFilterSpec, message: string): MetricDatum | undefined {
  const compiled = compile(filter.filterPattern);
  if (!compiled.matches(message)) return undefined;
  const needsJson = (filter.metricValue ?? '1').startsWith('$') || Object.keys(filter.dimensions ?? {}).length > 0;
  if (needsJson && compiled.kind !== 'json') {
    throw new Error(`metric values and dimensions read from the event need a JSON pattern here, got: ${filter.filterPattern}`);
  }
  const event = needsJson ? parseJsonEvent(message) : undefined;
  let value: number;
  const metricValue = filter.metricValue ?? '1';
  if (metricValue.startsWith('$')) {
    const found = select(event, parseSelector(metricValue));
    const number = typeof found === 'number' ? found : typeof found === 'string' && NUMBER.test(found) ? Number(found) : undefined;
    if (number === undefined) return undefined;
    value = number;
  } else {
    if (!NUMBER.test(metricValue)) throw new Error(`metric value must be a number or a selector, got: ${metricValue}`);
    value = Number(metricValue);
  }
  const dimensions: Record<string, string> = {};
  for (const [name, selector] of Object.entries(filter.dimensions ?? {})) {
    const found = select(event, parseSelector(selector));
    if (typeof found === 'string' || typeof found === 'number') dimensions[name] = String(found);
  }
  return { value, dimensions };
}

// ---------------------------------------------------------------------------------------------------------------

interface Compiled {
  readonly kind: 'all' | 'terms' | 'json';
  matches(message: string): boolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function compile(pattern: string): Compiled {
  const text = pattern.trim();
  if (text === '') return { kind: 'all', matches: () => true };
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) throw new Error(`a JSON pattern must end with }, got: ${pattern}`);
    const expression = new JsonPatternParser(text.slice(1, -1)).parse();
    return {
      kind: 'json',
      matches: (message) => {
        const event = parseJsonEvent(message);
        return event !== NOT_JSON && expression(event);
      },
    };
  }
  if (text.startsWith('[')) throw new Error(`space-delimited patterns are not implemented here, got: ${pattern}`);
  if (text.startsWith('%')) throw new Error(`regular expression patterns are not implemented here, got: ${pattern}`);
  const terms = parseTerms(text);
  const required = terms.filter((t) => t.mode === 'all').map((t) => t.text);
  const any = terms.filter((t) => t.mode === 'any').map((t) => t.text);
  const excluded = terms.filter((t) => t.mode === 'not').map((t) => t.text);
  if (any.length > 0 && required.length > 0) {
    throw new Error(`mixing ?terms with plain terms is not defined by the documentation, got: ${pattern}`);
  }
  return {
    kind: 'terms',
    matches: (message) =>
      required.every((t) => message.includes(t)) &&
      (any.length === 0 || any.some((t) => message.includes(t))) &&
      !excluded.some((t) => message.includes(t)),
  };
}

interface Term {
  readonly mode: 'all' | 'any' | 'not';
  readonly text: string;
}

function parseTerms(text: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    let mode: Term['mode'] = 'all';
    if (text[i] === '?' || text[i] === '-') {
      mode = text[i] === '?' ? 'any' : 'not';
      i++;
    }
    if (text[i] === '"') {
      const [value, end] = readQuoted(text, i);
      terms.push({ mode, text: value });
      i = end;
    } else {
      const match = /^[^\s]+/.exec(text.slice(i));
      const word = match?.[0] ?? '';
      if (!/^[A-Za-z0-9_]+$/.test(word)) {
        throw new Error(`a term of other characters than letters, digits and _ must be quoted, got: ${word}`);
      }
      terms.push({ mode, text: word });
      i += word.length;
    }
  }
  return terms;
}

/** The quoted string starting at `text[start]` (a `"`), unescaped, and the index after its closing quote. */
function readQuoted(text: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      value += text[i + 1];
      i += 2;
    } else if (c === '"') {
      return [value, i + 1];
    } else {
      value += c;
      i++;
    }
  }
  throw new Error(`unterminated quoted string in: ${text}`);
}

// --- JSON patterns ------------------------------------------------------------------------------------------------

const NOT_JSON = Symbol('not JSON');

function parseJsonEvent(message: string): unknown {
  try {
    return JSON.parse(message);
  } catch {
    return NOT_JSON;
  }
}

type Step = { readonly member: string } | { readonly index: number };
type Predicate = (event: unknown) => boolean;

function parseSelector(selector: string): Step[] {
  if (!selector.startsWith('$')) throw new Error(`a selector starts with $, got: ${selector}`);
  const steps: Step[] = [];
  let rest = selector.slice(1);
  while (rest.length > 0) {
    const member = /^\.([A-Za-z0-9_-]+)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    if (member) {
      steps.push({ member: member[1] });
      rest = rest.slice(member[0].length);
    } else if (index) {
      steps.push({ index: Number(index[1]) });
      rest = rest.slice(index[0].length);
    } else {
      throw new Error(`unsupported selector: ${selector}`);
    }
  }
  return steps;
}

/** The value a selector reaches, or undefined (a missing member, or a step into something that has none). */
function select(event: unknown, steps: readonly Step[]): unknown {
  let node = event;
  for (const step of steps) {
    if ('member' in step) {
      if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, step.member)) return undefined;
      node = (node as Record<string, unknown>)[step.member];
    } else {
      if (!Array.isArray(node) || step.index >= node.length) return undefined;
      node = node[step.index];
    }
  }
  return node;
}

class JsonPatternParser {
  private readonly tokens: string[];
  private position = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): Predicate {
    if (this.tokens.length === 0) throw new Error('empty JSON pattern');
    const expression = this.or();
    if (this.position !== this.tokens.length) throw new Error(`unexpected ${this.tokens[this.position]} in: {${this.source}}`);
    return expression;
  }

  private or(): Predicate {
    const operands = [this.and()];
    while (this.peek() === '||') {
      this.position++;
      operands.push(this.and());
    }
    return operands.length === 1 ? operands[0] : (event) => operands.some((p) => p(event));
  }

  private and(): Predicate {
    const operands = [this.unary()];
    while (this.peek() === '&&') {
      this.position++;
      operands.push(this.unary());
    }
    return operands.length === 1 ? operands[0] : (event) => operands.every((p) => p(event));
  }

  private unary(): Predicate {
    if (this.peek() === '(') {
      this.position++;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Predicate {
    const selectorText = this.next();
    const steps = parseSelector(selectorText);
    const operator = this.next();
    if (operator === 'IS') {
      const what = this.next();
      if (what === 'NULL') return (event) => select(event, steps) === null;
      if (what === 'TRUE') return (event) => select(event, steps) === true;
      if (what === 'FALSE') return (event) => select(event, steps) === false;
      throw new Error(`IS must be followed by NULL, TRUE or FALSE, got: ${what}`);
    }
    if (operator === 'NOT') {
      this.expect('EXISTS');
      return (event) => select(event, steps) === undefined;
    }
    const operand = this.next();
    if (operand.startsWith('%')) throw new Error(`regular expressions are not implemented here, got: ${operand}`);
    const numeric = !operand.startsWith('"') && NUMBER.test(operand);
    if (['<', '>', '<=', '>='].includes(operator)) {
      if (!numeric) throw new Error(`${operator} needs a number, got: ${operand}`);
      const bound = Number(operand);
      return (event) => {
        const value = select(event, steps);
        if (typeof value !== 'number') return false;
        return operator === '<' ? value < bound : operator === '>' ? value > bound : operator === '<=' ? value <= bound : value >= bound;
      };
    }
    if (operator !== '=' && operator !== '!=') throw new Error(`unsupported operator: ${operator}`);
    const equal = numeric ? numberEquals(Number(operand)) : stringEquals(operand.startsWith('"') ? readQuoted(operand, 0)[0] : operand, operand.startsWith('"'));
    return (event) => {
      const value = select(event, steps);
      const result = equal(value);
      if (result === undefined) return false;
      return operator === '=' ? result : !result;
    };
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }

  private next(): string {
    const token = this.tokens[this.position++];
    if (token === undefined) throw new Error(`unexpected end of: {${this.source}}`);
    return token;
  }

  private expect(token: string): void {
    const got = this.next();
    if (got !== token) throw new Error(`expected ${token}, got: ${got}`);
  }
}

/** Equality with a number: defined on number fields only (undefined = the comparison does not apply). */
function numberEquals(expected: number): (value: unknown) => boolean | undefined {
  return (value) => (typeof value === 'number' ? value === expected : undefined);
}

/**
 * Equality with a string, `*` a wildcard at its start and/or end (`*` alone: any value node). Defined on string
 * fields; on a number field only for the lone `*`.
 */
function stringEquals(expected: string, quoted: boolean): (value: unknown) => boolean | undefined {
  if (expected === '*') return (value) => (typeof value === 'string' || typeof value === 'number' ? true : undefined);
  if (!quoted && !/^\*?[^\s"]*\*?$/.test(expected)) throw new Error(`unsupported bare value: ${expected}`);
  const prefix = expected.endsWith('*') && expected.length > 1;
  const suffix = expected.startsWith('*') && expected.length > 1;
  const core = expected.slice(suffix ? 1 : 0, prefix ? -1 : undefined);
  return (value) => {
    if (typeof value !== 'string') return undefined;
    if (prefix && suffix) return value.includes(core);
    if (prefix) return value.startsWith(core);
    if (suffix) return value.endsWith(core);
    return value === core;
  };
}

/** Tokens of a JSON pattern body: quoted strings, operators, parentheses, and runs of other characters. */
function tokenize(source: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      const [, end] = readQuoted(source, i);
      tokens.push(source.slice(i, end));
      i = end;
    } else if (c === '(' || c === ')') {
      tokens.push(c);
      i++;
    } else {
      const operator = /^(&&|\|\||!=|<=|>=|=|<|>)/.exec(source.slice(i));
      if (operator) {
        tokens.push(operator[0]);
        i += operator[0].length;
      } else {
        const word = /^[^\s()"=!<>&|]+/.exec(source.slice(i));
        if (!word) throw new Error(`unexpected ${c} in: {${source}}`);
        tokens.push(word[0]);
        i += word[0].length;
      }
    }
  }
  return tokens;
}
