import jwt from 'jsonwebtoken';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, requireAdmin, requireSelfOrAdmin, signToken, viewerFromHeader } from '../../src/api/auth';

const SECRET = 'unit-secret';
const code = (f: () => unknown): unknown => {
  try {
    f();
  } catch (err) {
    return (err as GraphQLError).extensions?.code;
  }
  return 'no error';
};

describe('api/auth: bearer tokens and roles', () => {
  it('reads sub and role from a valid HS256 token; no header is anonymous', () => {
    expect(viewerFromHeader(`Bearer ${signToken({ sub: 'u1', role: 'user' }, SECRET)}`, SECRET)).toEqual({ userId: 'u1', role: 'user' });
    expect(viewerFromHeader(undefined, SECRET)).toBe(ANONYMOUS);
  });

  it('rejects wrong secrets, expired tokens, missing claims, other algorithms and malformed headers with UNAUTHENTICATED', () => {
    expect(code(() => viewerFromHeader(`Bearer ${signToken({ sub: 'u1', role: 'user' }, 'other')}`, SECRET))).toBe('UNAUTHENTICATED');
    expect(code(() => viewerFromHeader(`Bearer ${jwt.sign({ role: 'user', sub: 'u1', exp: 1 }, SECRET)}`, SECRET))).toBe('UNAUTHENTICATED');
    expect(code(() => viewerFromHeader(`Bearer ${jwt.sign({ role: 'root' }, SECRET, { subject: 'u1' })}`, SECRET))).toBe('UNAUTHENTICATED');
    expect(code(() => viewerFromHeader(`Bearer ${jwt.sign({ role: 'user' }, SECRET, { subject: 'u1', algorithm: 'HS512' })}`, SECRET))).toBe('UNAUTHENTICATED');
    expect(code(() => viewerFromHeader('Basic abc', SECRET))).toBe('UNAUTHENTICATED');
  });

  it('remembers a verified token only until it expires, and only for the secret that verified it', () => {
    const t0 = Date.now();
    const token = jwt.sign({ role: 'user' }, SECRET, { algorithm: 'HS256', subject: 'carol', expiresIn: 60 });
    expect(viewerFromHeader(`Bearer ${token}`, SECRET)).toEqual({ userId: 'carol', role: 'user' });
    expect(viewerFromHeader(`Bearer ${token}`, SECRET)).toEqual({ userId: 'carol', role: 'user' }); // from the cache
    expect(code(() => viewerFromHeader(`Bearer ${token}`, 'another-secret'))).toBe('UNAUTHENTICATED');
    const now = jest.spyOn(Date, 'now').mockReturnValue(t0 + 61_000);
    try {
      expect(code(() => viewerFromHeader(`Bearer ${token}`, SECRET))).toBe('UNAUTHENTICATED');
      expect(code(() => viewerFromHeader(`Bearer ${token}`, SECRET))).toBe('UNAUTHENTICATED'); // not cached again
    } finally {
      now.mockRestore();
    }
  });

  it('lets a user act on itself, admins on anyone, and nobody anonymous', () => {
    const user = { userId: 'u1', role: 'user' as const };
    const admin = { userId: 'ops', role: 'admin' as const };
    expect(code(() => requireSelfOrAdmin(user, 'u1', 'x'))).toBe('no error');
    expect(code(() => requireSelfOrAdmin(user, 'u2', 'x'))).toBe('FORBIDDEN');
    expect(code(() => requireSelfOrAdmin(admin, 'u2', 'x'))).toBe('no error');
    expect(code(() => requireSelfOrAdmin(ANONYMOUS, 'u1', 'x'))).toBe('UNAUTHENTICATED');
    expect(code(() => requireAdmin(user, 'x'))).toBe('FORBIDDEN');
    expect(code(() => requireAdmin(admin, 'x'))).toBe('no error');
  });
});
