import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { apiError, clip, ErrorCode } from './errors';

/** The two roles a bearer token can carry. */
export type Role = 'user' | 'admin';

/** Who is calling: decoded from the bearer token, or anonymous (null userId, no role). */
export interface Viewer {
  userId: string | null;
  role: Role | null;
}

/** The caller without a token: may read public data (items, the model), never write. */
export const ANONYMOUS: Viewer = Object.freeze({ userId: null, role: null });

/** Signs an HS256 JWT with claims {sub, role}; used by the demo-token CLI and by tests. */
export function signToken(claims: { sub: string; role: Role }, secret: string, expiresIn: jwt.SignOptions['expiresIn'] = '7d'): string {
  return jwt.sign({ role: claims.role }, secret, { algorithm: 'HS256', subject: claims.sub, expiresIn });
}

const keys = new Map<string, KeyObject>();

/**
 * The verification key of a secret, made once: jsonwebtoken turns a string secret into a KeyObject on
 * every verify, which showed up as 3% of the API's CPU profile under load.
 */
function secretKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

/** A token whose signature and claims were checked, until its `exp` (seconds; none: no expiry). */
interface VerifiedToken {
  viewer: Viewer;
  exp: number | undefined;
}

/** Verified tokens per secret: a client sends the same token with every request. */
const verified = new Map<string, LRUCache<string, VerifiedToken>>();

function verifiedTokens(secret: string): LRUCache<string, VerifiedToken> {
  let cache = verified.get(secret);
  if (!cache) verified.set(secret, (cache = new LRUCache<string, VerifiedToken>({ max: 10_000 })));
  return cache;
}

/**
 * Reads the Authorization header: no header gives ANONYMOUS; a malformed, expired or wrongly signed
 * token, or one without sub/role claims, throws UNAUTHENTICATED (never silently anonymous). A token that
 * passed is remembered (the 10,000 most recent, per secret) until its expiry, so a client's later requests
 * skip the HMAC and the claim parsing (about 2% of the API's CPU under load); an expired one is checked
 * again, and fails, as on first sight.
 */
export function viewerFromHeader(header: string | undefined, secret: string): Viewer {
  if (header === undefined || header === '') return ANONYMOUS;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw apiError(ErrorCode.UNAUTHENTICATED, 'The Authorization header must be "Bearer <jwt>"; get a demo token with `npm run token -- --user <id>`.');
  const cache = verifiedTokens(secret);
  const known = cache.get(m[1]);
  if (known && (known.exp === undefined || Date.now() < known.exp * 1000)) return known.viewer;
  if (known) cache.delete(m[1]);
  let claims: jwt.JwtPayload | string;
  try {
    claims = jwt.verify(m[1], secretKey(secret), { algorithms: ['HS256'] });
  } catch (err) {
    throw apiError(ErrorCode.UNAUTHENTICATED, `The bearer token is not valid (${(err as Error).message}); get a new one.`);
  }
  if (typeof claims === 'string' || typeof claims.sub !== 'string' || (claims.role !== 'user' && claims.role !== 'admin')) {
    throw apiError(ErrorCode.UNAUTHENTICATED, 'The bearer token must carry claims sub (a user id) and role ("user" or "admin").');
  }
  const viewer: Viewer = Object.freeze({ userId: claims.sub, role: claims.role });
  cache.set(m[1], { viewer, exp: typeof claims.exp === 'number' ? claims.exp : undefined });
  return viewer;
}

/** Throws UNAUTHENTICATED for anonymous callers. */
export function requireViewer(viewer: Viewer, action: string): asserts viewer is { userId: string; role: Role } {
  if (viewer.role === null) {
    throw apiError(ErrorCode.UNAUTHENTICATED, `${action} needs a bearer token (Authorization: Bearer <jwt>).`);
  }
}

/** Throws unless the caller is an admin. */
export function requireAdmin(viewer: Viewer, action: string): void {
  requireViewer(viewer, action);
  if (viewer.role !== 'admin') throw apiError(ErrorCode.FORBIDDEN, `${action} needs an admin token.`);
}

/**
 * Throws unless the caller may act on `userId`'s own data: that user itself or an admin
 * (a user token may read only its own recommendations and write only its own interactions).
 */
export function requireSelfOrAdmin(viewer: Viewer, userId: string, action: string): void {
  requireViewer(viewer, action);
  if (viewer.role !== 'admin' && viewer.userId !== userId) {
    throw apiError(ErrorCode.FORBIDDEN, `${action} for user ${clip(userId)} is allowed only to that user or an admin; the token is for ${clip(viewer.userId)}.`);
  }
}
