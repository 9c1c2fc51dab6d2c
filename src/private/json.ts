/**
 * JSON helpers for values decoded with `JSON.parse` from untrusted input: every read is an own-property read of a
 * plain object. Shared by the predicate wire format and the handler's verifier.
 */

/** A non-null, non-array object (what JSON.parse makes of `{...}`). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property's value, never an inherited one. */
export function own(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
