/**
 * The README is for people who install the library: it must stay within Construct Hub's reach (at most 30 KB), and
 * every synth error and warning its troubleshooting section quotes must still be one the source can produce.
 *
 * The quoted messages are the lines of the ```text blocks between `<!-- synth-messages:begin` and
 * `<!-- synth-messages:end -->`. The source side is every string the code under `src/` can build: each string
 * literal, template literal and `+` chain of them, read with the TypeScript parser (so line-wrapped concatenations and
 * escapes such as `\\n` read as they print), where every interpolated or computed part may stand for any text. A
 * quoted message is found when
 * - the whole message is one such string (e.g. `` `\`${prop}\` must ..., got: ${value}` ``), with enough literal
 *   text that it is not just placeholders; or
 * - the message has the house shape `` `<prop>` <rule>, got: <value> ``, the rule is one such string, and the prop's
 *   name is a string in the source (a message assembled by a helper from the prop and the rule).
 * A warning line is quoted as the CDK CLI prints it, `[Warning at <path>] <message> [ack: <id>]`: the message and
 * the id must each be found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Any text, where the source interpolates or computes a value. */
const HOLE = '\u0000';

/** The parsed source files under src/. */
function sourceFiles(dir: string): ts.SourceFile[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    if (!entry.name.endsWith('.ts')) return [];
    return [ts.createSourceFile(full, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, true)];
  });
}

const SOURCES = sourceFiles(path.join(ROOT, 'src'));

/** Whether a declaration list is `const` (its first token). */
function isConst(list: ts.VariableDeclarationList): boolean {
  return list.getFirstToken()?.kind === ts.SyntaxKind.ConstKeyword;
}

/** String constants (`const RULE = '...'`) by name, for those imported from another file. */
const CONSTANTS = new Map<string, ts.Expression>();
for (const source of SOURCES) {
  const collect = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer !== undefined &&
      ts.isVariableDeclarationList(node.parent) && isConst(node.parent)) {
      CONSTANTS.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, collect);
  };
  collect(source);
}

/** The initializer of the `const` an identifier names in an enclosing block or file, if any (lexical scope). */
function localConstant(identifier: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = identifier.parent; scope !== undefined; scope = scope.parent) {
    if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    for (const statement of scope.statements) {
      if (!ts.isVariableStatement(statement) || !isConst(statement.declarationList)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === identifier.text) return declaration.initializer;
      }
    }
  }
  return undefined;
}

/** The text of a string-building expression (HOLE for each computed part), or undefined when it builds no string. */
function textOf(node: ts.Node, depth = 0): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((span) => (textOf(span.expression, depth) ?? HOLE) + span.literal.text).join('');
  }
  if (ts.isParenthesizedExpression(node)) return textOf(node.expression, depth);
  if (ts.isIdentifier(node) && depth < 3) {
    const constant = localConstant(node) ?? CONSTANTS.get(node.text);
    return constant === undefined ? undefined : textOf(constant, depth + 1);
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = textOf(node.left, depth);
    const right = textOf(node.right, depth);
    if (left === undefined && right === undefined) return undefined;
    return (left ?? HOLE) + (right ?? HOLE);
  }
  return undefined;
}

/** Every string the source can build. */
function stringsOf(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (!ts.isIdentifier(node)) {
      const text = textOf(node);
      if (text !== undefined) found.push(text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const STRINGS = [...new Set(SOURCES.flatMap(stringsOf))];

/** Strings with this much literal text at least; shorter ones (`${a}: ${b}`) would match nearly anything. */
const MIN_LITERAL = 12;

const PATTERNS = STRINGS.filter((s) => s.replaceAll(HOLE, '').length >= MIN_LITERAL).map(
  (s) => new RegExp(`^${s.split(HOLE).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*?')}$`),
);

function isBuiltBySource(text: string): boolean {
  return PATTERNS.some((pattern) => pattern.test(text));
}

function isSynthMessage(message: string): boolean {
  const shaped = /^`([A-Za-z.]+)` ([\s\S]+?), got: [\s\S]*$/.exec(message);
  if (shaped === null) return isBuiltBySource(message);
  // The prop is often interpolated (`\`${prop}\``): its name must still be one the source writes.
  const prop = shaped[1];
  const propKnown = STRINGS.some((s) => s === prop || s.includes(`\`${prop}\``));
  return propKnown && (isBuiltBySource(message) || isBuiltBySource(shaped[2]));
}

/** The lines of the ```text blocks of the README's marked troubleshooting section. */
function quotedLines(): string[] {
  const begin = README.indexOf('<!-- synth-messages:begin');
  const end = README.indexOf('<!-- synth-messages:end -->');
  if (begin < 0 || end < begin) return [];
  const section = README.slice(begin, end);
  return [...section.matchAll(/```text\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n')).filter((l) => l.trim() !== '');
}

const WARNING = /^\[Warning at [^\]]+\] ([\s\S]+) \[ack: ([^\]]+)\]$/;

describe('README', () => {
  test('is at most 30 KB (30,000 bytes)', () => {
    expect(Buffer.byteLength(README, 'utf8')).toBeLessThanOrEqual(30_000);
  });

  test('quotes synth errors and warnings in its marked troubleshooting section', () => {
    const lines = quotedLines();
    expect(lines.filter((l) => !WARNING.test(l)).length).toBeGreaterThan(10);
    expect(lines.filter((l) => WARNING.test(l)).length).toBeGreaterThan(0);
  });

  test.each(quotedLines().map((line) => [line.length > 90 ? `${line.slice(0, 90)}...` : line, line]))(
    'quotes a message the source still produces: %s',
    (_name, line) => {
      const warning = WARNING.exec(line);
      if (warning !== null) {
        expect({ message: warning[1], found: isBuiltBySource(warning[1]) }).toEqual({ message: warning[1], found: true });
        expect({ id: warning[2], found: isBuiltBySource(warning[2]) || STRINGS.includes(warning[2]) })
          .toEqual({ id: warning[2], found: true });
      } else {
        expect({ message: line, found: isSynthMessage(line) }).toEqual({ message: line, found: true });
      }
    },
  );

  test('the check finds nothing that is not in the source', () => {
    expect(isSynthMessage('`issuer` must be an http URL without a trailing slash (Clerk\'s `iss` has none), got: x')).toBe(false);
    expect(isSynthMessage('`issuerr` must be an https URL without a trailing slash (Clerk\'s `iss` has none), got: x')).toBe(false);
    expect(isBuiltBySource('Route "ANY /x" sends OPTIONS requests through the Clerk Lambda authorizer, so nothing.')).toBe(false);
  });
});
