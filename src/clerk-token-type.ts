/**
 * The kinds of Clerk token an authorizer can accept, in Clerk's own vocabulary (`acceptsToken`, `auth().tokenType`).
 *
 * Only the JWT formats are verified: opaque OAuth access tokens (`oat_...`), opaque M2M tokens (`mt_...`) and API keys
 * (`ak_...`) need a call to Clerk's Backend API with a secret key, and are refused (`token_opaque`).
 *
 * @see https://clerk.com/docs/guides/development/machine-auth/overview
 */
export enum ClerkTokenType {
  /** A session token: a signed-in user of your frontend (`getToken()`). */
  SESSION_TOKEN = 'session_token',
  /**
   * An OAuth access token in JWT format, issued by Clerk as an OAuth/OIDC provider to an OAuth client (an MCP client,
   * a third-party app) acting for a user: header `typ: at+jwt`.
   *
   * @see https://clerk.com/docs/guides/configure/auth-strategies/oauth/how-clerk-implements-oauth
   */
  OAUTH_TOKEN = 'oauth_token',
  /**
   * A machine-to-machine token in JWT format (`createToken({ tokenFormat: 'jwt' })`): subject `mch_...`, listing the
   * machines it may call.
   *
   * @see https://clerk.com/docs/guides/development/machine-auth/m2m-tokens
   */
  M2M_TOKEN = 'm2m_token',
}
