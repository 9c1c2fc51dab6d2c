/**
 * The harness of the differential tests: the shipped handler bundle against a reference built from Clerk's own SDK,
 * over a corpus of tokens, under every (configuration, predicate) pair, through the three event kinds in turn.
 *
 * `describeDifferential` registers, inside the caller's `describe`, the run (a `beforeAll`, with the clock fixed at
 * `NOW` for both sides) and the tests every differential suite makes:
 * - the corpus is large enough to matter;
 * - the handler never answers 500 and logs exactly one decision per call;
 * - on allow, the handler's context says what the reference says of the caller;
 * - decisions agree, except the suite's named differences: a `stricter` entry explains a case that carries its tag,
 *   where the handler refused (401) with one of its reasons and the reference let the token in; a `laxer` entry one
 *   that carries its tag, where the handler let the token in and the reference refused. Every entry must explain at
 *   least one case, so the lists cannot rot.
 *
 * It returns the run's results, for the tests only one suite makes. Failures name cases by id, never by token.
 */
import { bearer, eventFor, fixTime, invoke, KINDS, loadHandler, TestClock } from './handler';
import { b64url, NOW, signatureFor, TestKeys } from './tokens';
import { ClaimPredicate } from '../../src/claim-predicate';

/** What API Gateway does with a request: let it in, refuse it (403), or ask for credentials (401). */
export type Decision = 'allow' | 'deny' | 'unauthorized';

/** How far a decision lets a request in: a handler decision above the reference's is laxer than it. */
export const PERMISSIVENESS: Record<Decision, number> = { unauthorized: 0, deny: 1, allow: 2 };

/** A deliberate difference from the reference, named so that a disagreement it explains does not fail the suite. */
export interface Difference {
  /** The corpus tag that marks the cases showing this difference. */
  readonly tag: string;
  /** The handler's reason codes for such a case. */
  readonly reasons: readonly string[];
  /** Why the handler differs (README text). */
  readonly why: string;
}

/** One token of the corpus. */
export interface TokenCase {
  readonly id: string;
  readonly token: string;
  /** The deviations from a plain valid token this token carries (the tags of the suite's differences). */
  readonly tags: ReadonlySet<string>;
}

/** One configuration: the handler's environment and whatever the reference needs to be configured the same way. */
export interface DifferentialConfig {
  readonly id: string;
  readonly env: Record<string, string>;
}

/** One predicate: the handler's (none for `none`) and the check the reference asks of its auth object. */
export interface DifferentialPredicate<Check> {
  readonly id: string;
  readonly predicate?: ClaimPredicate;
  readonly check: Check;
}

/** The reference's decision for one check. */
export interface Verdict {
  readonly decision: Decision;
  readonly reason: string;
}

/** What the reference made of one token under one configuration. */
export interface ReferenceSession<Check, V extends Verdict> {
  decide(check: Check): V;
}

/** One case as both sides decided it. */
export interface Outcome {
  readonly caseId: string;
  readonly tags: ReadonlySet<string>;
  readonly ours: Decision;
  readonly ourReason: string;
  readonly clerk: Decision;
  readonly clerkReason: string;
}

/** A decided case, with what made it, for a suite's own per-case checks (`onCase`). */
export interface DecidedCase<Cfg, Check, V extends Verdict> extends Outcome {
  readonly token: TokenCase;
  readonly config: Cfg;
  readonly predicate: DifferentialPredicate<Check>;
  readonly expected: V;
}

/** A differential suite. */
export interface DifferentialSuite<Cfg extends DifferentialConfig, Check, V extends Verdict, S extends ReferenceSession<Check, V>> {
  /** How the reference is named in test titles (`verifyToken + has()`, `Clerk`). */
  readonly referenceName: string;
  /** Whom the context describes, in the context test's title (`session (orgId, orgRole, orgPermissions)`, `caller`). */
  readonly contextSubject: string;
  /** The least number of cases the run must make. */
  readonly minCases: number;
  readonly configs: readonly Cfg[];
  readonly predicates: ReadonlyArray<DifferentialPredicate<Check>>;
  /** Deliberately stricter than the reference. */
  readonly stricter: readonly Difference[];
  /** Deliberately laxer than the reference. @default - none */
  readonly laxer?: readonly Difference[];
  /** Makes the corpus (called once, in the run). */
  corpus(): TokenCase[];
  /** The reference's view of a token under a configuration. */
  reference(token: TokenCase, config: Cfg): Promise<S>;
  /** The case's tags under this configuration. @default - the token's own */
  tags?(token: TokenCase, config: Cfg, session: S): Promise<ReadonlySet<string>> | ReadonlySet<string>;
  /**
   * What the handler's context must say when both sides allow: context member → value, compared as JSON in this
   * order; undefined when the verdict carries nothing to compare.
   */
  expectedContext(verdict: V): Record<string, unknown> | undefined;
  /** Called for every decided case, in order, for checks only this suite makes. */
  onCase?(decided: DecidedCase<Cfg, Check, V>): Promise<void>;
}

/** What a run found; filled by the `beforeAll` that `describeDifferential` registers. */
export interface DifferentialRun {
  readonly outcomes: Outcome[];
  /** Cases the handler answered 500, or logged other than one decision for. */
  readonly defects: string[];
  /** Allowed cases whose context differs from the reference's view. */
  readonly contextMismatches: string[];
  readonly counts: { tokens: number; cases: number };
}

/** The three event kinds, taken in turn so that every kind meets every token and predicate over the corpus. */
const EVENTS = KINDS.map((kind) => (token: string) => eventFor(kind, bearer(token)));

/** Registers the run and the common tests in the current `describe`; returns the run's results. */
export function describeDifferential<Cfg extends DifferentialConfig, Check, V extends Verdict, S extends ReferenceSession<Check, V>>(
  suite: DifferentialSuite<Cfg, Check, V, S>,
): DifferentialRun {
  const run: DifferentialRun = { outcomes: [], defects: [], contextMismatches: [], counts: { tokens: 0, cases: 0 } };

  let clock: TestClock;
  beforeAll(() => {
    clock = fixTime(NOW);
  });
  afterAll(() => clock.restore());

  beforeAll(async () => {
    const tokens = suite.corpus();
    run.counts.tokens = tokens.length;
    for (const config of suite.configs) {
      const handlers = suite.predicates.map((p) => loadHandler(p.predicate ? { ...config.env, CLERK_PREDICATE: p.predicate.toJson() } : config.env));
      for (const [ti, token] of tokens.entries()) {
        const session = await suite.reference(token, config);
        const tags = suite.tags ? await suite.tags(token, config, session) : token.tags;
        for (const [pi, predicate] of suite.predicates.entries()) {
          run.counts.cases++;
          const caseId = `${token.id} | config=${config.id} | predicate=${predicate.id}`;
          const inv = await invoke(handlers[pi], EVENTS[(ti + pi) % EVENTS.length](token.token));
          if (inv.status === 500 || inv.logs.length !== 1) {
            run.defects.push(`${caseId}: handler answered ${inv.status} with ${inv.logs.length} log lines`);
            continue;
          }
          const ours = inv.logs[0].decision as Decision;
          const ourReason = String(inv.logs[0].reason);
          const expected = session.decide(predicate.check);
          const outcome: Outcome = { caseId, tags, ours, ourReason, clerk: expected.decision, clerkReason: expected.reason };
          run.outcomes.push(outcome);
          const want = ours === 'allow' ? suite.expectedContext(expected) : undefined;
          if (want !== undefined) {
            const context = (inv.result as { context?: Record<string, unknown> }).context ?? {};
            const got = Object.fromEntries(Object.keys(want).map((k) => [k, context[k]]));
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              run.contextMismatches.push(`${caseId}: context ${JSON.stringify(got)}, Clerk ${JSON.stringify(want)}`);
            }
          }
          await suite.onCase?.({ ...outcome, token, config, predicate, expected });
        }
      }
    }
  });

  test('the corpus is large enough to matter', () => {
    // Printed for the record; the corpus is deterministic.
    const { tokens, cases } = run.counts;
    const shape = `${tokens} tokens x ${suite.configs.length} configurations x ${suite.predicates.length} predicates`;
    console.info(`differential vs ${suite.referenceName}: ${shape} = ${cases} cases`);
    expect(cases).toBeGreaterThan(suite.minCases);
  });

  test('the handler never answers 500, and logs exactly one decision per call', () => {
    expect(run.defects).toEqual([]);
  });

  test(`on allow, the context is Clerk's own view of the ${suite.contextSubject}`, () => {
    expect(run.contextMismatches).toEqual([]);
  });

  test(`decisions agree with ${suite.referenceName}, except the deliberate, named differences`, () => {
    const laxer = suite.laxer ?? [];
    const unexplained: string[] = [];
    const used = new Map<string, number>();
    for (const o of run.outcomes) {
      if (o.ours === o.clerk) continue;
      // Stricter: the handler refused (401) for the entry's own reason, where the reference let the token in.
      const stricterEntry = suite.stricter.find(
        (d) => o.tags.has(d.tag) && o.ours === 'unauthorized' && d.reasons.includes(o.ourReason) && o.clerk !== 'unauthorized',
      );
      // Laxer: the handler let the token in (allow or deny), where the reference refused it.
      const laxerEntry = laxer.find((d) => o.tags.has(d.tag) && o.ours !== 'unauthorized' && o.clerk === 'unauthorized');
      const entry = stricterEntry ?? laxerEntry;
      if (entry) {
        used.set(entry.tag, (used.get(entry.tag) ?? 0) + 1);
        continue;
      }
      unexplained.push(`${o.caseId}: handler ${o.ours} (${o.ourReason}), Clerk ${o.clerk} (${o.clerkReason})`);
    }
    console.info(`deliberate differences exercised (cases): ${JSON.stringify(Object.fromEntries(used))}`);
    expect(unexplained).toEqual([]);
    // Every deliberate difference is shown by at least one case (no dead allow-list entries).
    expect([...suite.stricter, ...laxer].filter((d) => !used.has(d.tag)).map((d) => d.tag)).toEqual([]);
  });

  return run;
}

/** How a corpus token is made: header and payload (objects, or exact JSON text), signing and encoding variants. */
export interface SignedTokenSpec {
  readonly header: Record<string, unknown> | string;
  readonly payload: Record<string, unknown> | string;
  /** @default 'RS256' */
  readonly alg?: string;
  /** The signing key. @default - `keys.publicKeyPem` for HS* (the confusion attack), else `keys.privateKey` */
  readonly key?: Parameters<typeof signatureFor>[2];
  /** Segment bytes instead of the payload's UTF-8 JSON text (BOM, invalid UTF-8). */
  readonly payloadBytes?: Buffer;
  /** Append `=` padding to the header and payload segments (and sign over them, as Clerk's verifier would read). */
  readonly padded?: boolean;
}

/** Encodes and signs a corpus token exactly as `spec` says (the header as given: its `alg` is the caller's to set). */
export function signedToken(spec: SignedTokenSpec, keys: Pick<TestKeys, 'privateKey' | 'publicKeyPem'>): string {
  const alg = spec.alg ?? 'RS256';
  let h = b64url(typeof spec.header === 'string' ? spec.header : JSON.stringify(spec.header));
  let p = spec.payloadBytes ? b64url(spec.payloadBytes) : b64url(typeof spec.payload === 'string' ? spec.payload : JSON.stringify(spec.payload));
  if (spec.padded) {
    h += '='.repeat((4 - (h.length % 4)) % 4);
    p += '='.repeat((4 - (p.length % 4)) % 4);
  }
  const key = spec.key ?? (alg.startsWith('HS') ? keys.publicKeyPem : keys.privateKey);
  return `${h}.${p}.${signatureFor(alg, `${h}.${p}`, key)}`;
}

/** A token's payload as JSON (whatever it is: object, array, string, null); undefined when it does not parse. */
export function decodePayload(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
