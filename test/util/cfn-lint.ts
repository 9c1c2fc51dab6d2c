import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * Runs the `cfn-lint` CLI over synthesized templates and fails the calling test on findings that matter.
 *
 * Policy:
 * - `Error` findings (E-rules: invalid properties, values CloudFormation would reject, deprecated runtimes) always
 *   fail: the template would not deploy, or would not deploy for long.
 * - `Warning` findings (W-rules) fail too: the templates our constructs emit are small and fully under our control,
 *   and cfn-lint's warnings on such resources (a runtime nearing end of life, an unused parameter, a Sub with no
 *   variables, a DeletionPolicy without UpdateReplacePolicy) are the kind of sloppiness a security library should
 *   not ship. Exception: the rules in {@link CDK_OWN_WARNINGS}, which aws-cdk-lib's own L2 constructs trigger and no
 *   caller can avoid. A test that knowingly builds a template with another warning names the rule in
 *   `options.ignoreRules`, with the reason in a comment.
 * - `Informational` findings (I-rules) are style hints; they, and warnings waived by `ignoreRules`, are printed with
 *   `console.info` and never fail.
 *
 * One cfn-lint process costs about 2-3 s on this machine whatever the number of templates: lint every stack of a
 * test file in one call (`expectCfnLintClean([a, b])`, or {@link lintTemplates} once and {@link expectFindingsClean}
 * per stack). `spawnSync` blocks, so the Jest timeout does not fire mid-run; a hard 120 s limit guards against a hung
 * process.
 *
 * If `cfn-lint` is not installed (set `CFN_LINT` to its path to use another one), the test fails with a message saying
 * how to install it, rather than passing silently.
 */
export function expectCfnLintClean(stacks: Stack | Stack[], options: CfnLintOptions = {}): void {
  const all = Array.isArray(stacks) ? stacks : [stacks];
  const findings = lintTemplates(all);
  for (const stack of all) expectFindingsClean(stack, findings.get(stack) ?? [], options);
}

/** Runs one cfn-lint process over the templates of `stacks`; returns each stack's findings. */
export function lintTemplates(stacks: Stack[]): Map<Stack, CfnLintFinding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  try {
    const files = stacks.map((stack, i) => {
      const file = join(dir, `${i}-${stack.artifactId}.template.json`);
      writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), undefined, 1));
      return file;
    });
    const findings = runCfnLint(files);
    return new Map(stacks.map((stack, i) => [stack, findings.filter((f) => f.Filename === files[i])]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fails on the findings of one stack's template that matter (see {@link expectCfnLintClean}). */
export function expectFindingsClean(stack: Stack, findings: readonly CfnLintFinding[], options: CfnLintOptions = {}): void {
  const ignored = new Set([...CDK_OWN_WARNINGS, ...(options.ignoreRules ?? [])]);
  // An ignored rule never hides an Error: only warnings can be waived.
  const failing = findings.filter((f) => f.Level === 'Error' || (f.Level === 'Warning' && !ignored.has(f.Rule.Id)));
  const reported = findings.filter((f) => !failing.includes(f) && !CDK_OWN_WARNINGS.includes(f.Rule.Id));
  if (reported.length > 0) {
    console.info(`cfn-lint (not failing) on ${stack.stackName}:\n${reported.map(format).join('\n')}`);
  }
  if (failing.length > 0) {
    throw new Error(
      `cfn-lint found ${failing.length} problem(s) in the template of stack ${stack.stackName}:\n` +
        failing.map(format).join('\n'),
    );
  }
}

/**
 * Warnings aws-cdk-lib itself produces on every stack that uses its L2s; harmless, so never failing.
 *
 * - W3005: `lambda.Function` adds `DependsOn` on its service role (and default policy) although `Role: GetAtt` already
 *   orders them; the extra edge changes nothing.
 */
export const CDK_OWN_WARNINGS: readonly string[] = ['W3005'];

/** Options for {@link expectCfnLintClean}. */
export interface CfnLintOptions {
  /**
   * cfn-lint warning rule ids (`W2001`, ...) that must not fail this test; give the reason in a comment at the call.
   *
   * Errors cannot be waived.
   *
   * @default - every Error, and every Warning outside {@link CDK_OWN_WARNINGS}, fails
   */
  readonly ignoreRules?: string[];
}

/** One finding of `cfn-lint --format json`. */
export interface CfnLintFinding {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path?: Array<string | number> };
}

/** Every exit code made of cfn-lint's finding bits (2 error, 4 warning, 8 informational), 0 included. */
const FINDINGS_EXIT_CODES = new Set([0, 2, 4, 6, 8, 10, 12, 14]);

function runCfnLint(files: string[]): CfnLintFinding[] {
  const command = process.env.CFN_LINT ?? 'cfn-lint';
  const result = spawnSync(command, ['--format', 'json', '--', ...files], { encoding: 'utf8', timeout: 120_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(
        `cfn-lint is not installed (looked for \`${command}\` on PATH); install it with \`pip install cfn-lint\` ` +
          '(or set CFN_LINT to its path): templates must be linted, so this test cannot pass without it',
      );
    }
    throw new Error(`cfn-lint could not run (\`${command}\`): ${result.error.message}`);
  }
  // Any exit code outside the finding bits, or output that is not the JSON list, means cfn-lint itself failed (an
  // unreadable template, a crash, an unsupported version).
  const stdout = result.stdout.trim();
  let findings: unknown;
  try {
    findings = stdout === '' ? [] : JSON.parse(stdout);
  } catch {
    findings = undefined;
  }
  if (!Array.isArray(findings) || !FINDINGS_EXIT_CODES.has(result.status ?? -1)) {
    throw new Error(
      `cfn-lint failed (exit ${result.status ?? result.signal}): ${(result.stderr || stdout).trim().slice(0, 2000)}`,
    );
  }
  return findings as CfnLintFinding[];
}

function format(finding: CfnLintFinding): string {
  const path = (finding.Location.Path ?? []).join('/');
  return `  ${finding.Rule.Id} [${finding.Level}] ${path}: ${finding.Message}`;
}
