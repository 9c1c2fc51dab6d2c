/**
 * The reason codes of the decision log (a contract: dashboards and alarms match on them). Every rejection names
 * exactly one; `ok` is the allow.
 */
export type Reason =
  | 'ok'
  | 'predicate_failed'
  | 'token_missing'
  | 'token_malformed'
  | 'token_too_large'
  | 'alg_not_allowed'
  | 'header_key_not_trusted'
  | 'crit_unsupported'
  | 'category_not_session'
  | 'kid_unknown'
  | 'jwks_unavailable'
  | 'signature_invalid'
  | 'iss_mismatch'
  | 'exp_missing'
  | 'expired'
  | 'not_yet_valid'
  | 'iat_in_future'
  | 'sub_missing'
  | 'sid_missing'
  | 'session_pending'
  | 'azp_mismatch'
  | 'aud_mismatch'
  | 'event_unsupported'
  // Not in the contract's list: a defect in the handler itself, caught so it still answers 401 and never a 500.
  | 'internal_error';

/**
 * A refusal: the token (or event) is not acceptable, for this reason. Returned, not thrown: a rejection is an
 * ordinary answer, and refusing must cost no more than accepting (nothing is allocated, no stack trace captured).
 */
export interface Rejection {
  readonly reason: Reason;
}

const REJECTIONS: Partial<Record<Reason, Rejection>> = {};

/** The (shared, immutable) rejection for `reason`. */
export function reject(reason: Reason): Rejection {
  return (REJECTIONS[reason] ??= Object.freeze({ reason }));
}
