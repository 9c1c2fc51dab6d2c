import type { Reason } from '../contract';

export type { Reason };

/**
 * Which cause, within one reason code, refused a request: for the people reading the log, beside the reason code
 * (which stays the contract that alarms and metrics match on; details may be refined). Static strings only: never a
 * token, a signature, a key or a value from the request.
 */
export type Detail =
  // token_missing
  | 'authorization_absent'
  | 'bearer_empty'
  | 'session_cookie_absent'
  // token_malformed
  | 'authorization_repeated'
  | 'authorization_not_string'
  | 'session_cookie_repeated'
  | 'not_three_segments'
  | 'header_not_json_object'
  | 'kid_invalid'
  | 'payload_not_json_object'
  | 'nbf_not_number'
  | 'iat_not_number'
  | 'signature_not_base64url'
  | 'organization_claims'
  | 'claims_not_serializable'
  // token_too_large
  | 'authorization_too_long'
  | 'session_cookie_too_long'
  | 'jwt_too_long'
  // alg_not_allowed
  | 'alg_missing'
  | 'alg_none'
  | 'alg_hmac'
  | 'alg_other'
  // header_key_not_trusted: the header member
  | 'jwk'
  | 'jku'
  | 'x5u'
  | 'x5c'
  | 'x5t'
  | 'x5t#S256'
  // crit_unsupported
  | 'crit'
  | 'b64'
  // category_not_session
  | 'typ_not_jwt'
  | 'cat_jwt_template'
  | 'cat_m2m'
  | 'cat_unknown'
  // iss_mismatch
  | 'iss_missing'
  | 'iss_trailing_slash'
  | 'iss_other'
  // exp_missing
  | 'exp_absent'
  | 'exp_not_number'
  // session_pending
  | 'sts_pending'
  | 'sts_unknown'
  // azp_mismatch, aud_mismatch
  | 'azp_absent'
  | 'azp_not_listed'
  | 'aud_absent'
  | 'aud_not_listed'
  // kid_unknown
  | 'kid_not_in_jwks'
  | 'key_unusable'
  // jwks_unavailable: how the last fetch failed (the key set is then missing, or older than its stale bound, or
  // lacks the kid while fetches back off)
  | 'jwks_timeout'
  | 'jwks_http_status'
  | 'jwks_not_json'
  | 'jwks_invalid'
  | 'jwks_fetch_failed'
  // token_opaque: which of Clerk's opaque machine tokens
  | 'opaque_oauth_token'
  | 'opaque_m2m_token'
  | 'opaque_api_key'
  // token_type_ambiguous: the marker that contradicts the token's kind
  | 'machine_subject_with_oauth_typ'
  | 'm2m_cat_not_m2m'
  | 'oauth_cat_of_other_class'
  // token_malformed (machine tokens)
  | 'client_id_invalid'
  | 'scopes_invalid'
  | 'machine_list_invalid'
  // event_unsupported
  | 'event_shape'
  | 'method_arn';

/**
 * A refusal: the token (or event) is not acceptable, for this reason. Returned, not thrown: a rejection is an
 * ordinary answer, and refusing must cost no more than accepting (nothing is allocated, no stack trace captured).
 */
export interface Rejection {
  readonly reason: Reason;
  /** Which cause within the reason, when it has several. Always a member (maybe undefined): one object shape. */
  readonly detail: Detail | undefined;
}

/** The rejections made so far, by reason, then by detail ('' for none). */
const REJECTIONS: { [R in Reason]?: { [D in Detail | '']?: Rejection } } = {};

/**
 * The (shared, immutable) rejection for `reason` and `detail`: made once per pair, then looked up without building
 * anything (no key string, no object).
 */
export function reject(reason: Reason, detail?: Detail): Rejection {
  const byDetail = (REJECTIONS[reason] ??= {});
  return (byDetail[detail ?? ''] ??= Object.freeze({ reason, detail }));
}
