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

/**
 * Whether a decoded JSON value holds a number that is not finite anywhere inside it: JSON has no such number, but
 * `JSON.parse` reads a literal too large for a double (`1e400`) as Infinity, which `JSON.stringify` writes back as
 * `null`, so a consumer of the re-serialized value would see another value than the one that was checked. Iterative,
 * so no nesting depth can overflow the stack.
 */
export function hasNonFiniteNumber(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return true;
    } else if (typeof v === 'object' && v !== null) {
      for (const child of Object.values(v)) pending.push(child);
    }
  }
  return false;
}
