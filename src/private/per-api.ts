import { createHash } from 'node:crypto';
import { Stack, Stage } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

/**
 * Where an authorizer's per-API resources live, for both constructs: in the API's stack, so one authorizer construct
 * can protect APIs of other stacks without a cyclic reference.
 */

/** A parent and an id for a per-API resource (see {@link perApiPlacement}). */
export interface PerApiPlacement {
  readonly scope: IConstruct;
  readonly id: string;
}

/**
 * Under `owner` as `<sameStackPrefix><id of the API>` when both share a stack, else under the API as
 * `<otherStackPrefix><id of the owner>`. The ids are derived from construct paths below the enclosing Stage
 * ({@link idWithinStage}), so every stage of a pipeline gets the same logical ids. The ids are public contract:
 * they are in deployed templates.
 */
export function perApiPlacement(owner: IConstruct, api: IConstruct, sameStackPrefix: string, otherStackPrefix: string): PerApiPlacement {
  return Stack.of(api) === Stack.of(owner)
    ? { scope: owner, id: `${sameStackPrefix}${idWithinStage(api)}` }
    : { scope: api, id: `${otherStackPrefix}${idWithinStage(owner)}` };
}

/**
 * A new, empty construct placed by {@link perApiPlacement}, to hold several per-API resources (the Lambda
 * authorizer's `Authorizer` and `InvokePermission`): `<sameStackPrefix><id of the API>` under `owner`, or
 * `<otherStackPrefix><id of the owner>` under the API.
 */
export function perApiScope(owner: IConstruct, api: IConstruct, sameStackPrefix: string, otherStackPrefix: string): Construct {
  const { scope, id } = perApiPlacement(owner, api, sameStackPrefix, otherStackPrefix);
  return new Construct(scope, id);
}

/**
 * A construct-id fragment unique to `construct` within its Stage: the alphanumerics of its path below the Stage plus
 * a hash of that path (readable like `Names.uniqueId`, but independent of the Stage, so every stage of a pipeline
 * gets the same logical ids).
 */
export function idWithinStage(construct: IConstruct): string {
  const stagePath = Stage.of(construct)?.node.path ?? '';
  const relative = construct.node.path.slice(stagePath === '' ? 0 : stagePath.length + 1);
  const readable = relative.replace(/[^A-Za-z0-9]/g, '').slice(0, 200);
  const hash = createHash('sha256').update(relative).digest('hex').slice(0, 8).toUpperCase();
  return `${readable}${hash}`;
}
