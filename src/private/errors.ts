import { IConstruct } from 'constructs';

/**
 * A synth-time error: the user asked for something this library cannot build.
 *
 * Like aws-cdk-lib's own `ValidationError`, it carries the path of the construct that refused (`constructPath`) as
 * a property, not in the message: messages keep the house shape `` `<prop>` <rule>, got: <value> ``, which tests
 * and users match on.
 */
export class ClerkValidationError extends Error {
  /** The construct whose input was refused; undefined for a check without a construct (a predicate factory). */
  public readonly constructPath?: string;

  constructor(message: string, scope?: IConstruct) {
    super(message);
    Object.setPrototypeOf(this, ClerkValidationError.prototype);
    this.name = 'ValidationError';
    this.constructPath = scope?.node.path;
  }
}

/**
 * The error every construct-side check throws: `throw validationError(this, `...`)`. `scope` is the construct whose
 * props (or method arguments) are refused, undefined where there is none (the `ClaimPredicate` factories).
 */
export function validationError(scope: IConstruct | undefined, message: string): ClerkValidationError {
  return new ClerkValidationError(message, scope);
}
