import { createHmac } from 'node:crypto';
import { signToken, verifyToken } from './jwt';

const SECRET = 'a-test-secret-that-is-long-enough-123';
const now = new Date('2026-11-27T10:00:00Z');

function forge(header: object, payload: object, secret = SECRET): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}

describe('HS256 bearer tokens', () => {
  it('round-trips subject and roles', () => {
    const token = signToken(SECRET, { sub: 'user-1', roles: ['customer'] }, { now });
    expect(verifyToken(SECRET, token, now)).toEqual({ userId: 'user-1', roles: ['customer'] });
  });

  it('refuses a token signed with another secret', () => {
    const token = signToken('another-secret-that-is-long-enough-xx', { sub: 'u', roles: ['admin'] }, { now });
    expect(() => verifyToken(SECRET, token, now)).toThrow('bad token signature');
  });

  it('refuses a token whose payload was changed after signing', () => {
    const [h, , s] = signToken(SECRET, { sub: 'u', roles: ['customer'] }, { now }).split('.');
    const p = Buffer.from(JSON.stringify({ sub: 'u', roles: ['admin'], exp: 9999999999 })).toString('base64url');
    expect(() => verifyToken(SECRET, `${h}.${p}.${s}`, now)).toThrow('bad token signature');
  });

  it('refuses alg none and any algorithm but HS256', () => {
    const payload = { sub: 'u', roles: ['admin'], exp: 9999999999 };
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    expect(() => verifyToken(SECRET, none, now)).toThrow('HS256');
    expect(() => verifyToken(SECRET, forge({ alg: 'HS512' }, payload), now)).toThrow('HS256');
  });

  it('refuses expired, not-yet-valid and exp-less tokens', () => {
    expect(() =>
      verifyToken(SECRET, signToken(SECRET, { sub: 'u', roles: ['customer'] }, { now, expiresInSeconds: -1 }), now),
    ).toThrow('expired');
    const seconds = Math.floor(now.getTime() / 1000);
    expect(() =>
      verifyToken(
        SECRET,
        forge({ alg: 'HS256' }, { sub: 'u', roles: ['customer'], exp: seconds + 60, nbf: seconds + 30 }),
        now,
      ),
    ).toThrow('not valid yet');
    expect(() => verifyToken(SECRET, forge({ alg: 'HS256' }, { sub: 'u', roles: ['customer'] }), now)).toThrow(
      'no exp',
    );
  });

  it('requires a subject and known roles', () => {
    const exp = Math.floor(now.getTime() / 1000) + 60;
    expect(() => verifyToken(SECRET, forge({ alg: 'HS256' }, { roles: ['customer'], exp }), now)).toThrow('sub');
    expect(() => verifyToken(SECRET, forge({ alg: 'HS256' }, { sub: 'u', roles: [], exp }), now)).toThrow('roles');
    expect(() => verifyToken(SECRET, forge({ alg: 'HS256' }, { sub: 'u', roles: ['root'], exp }), now)).toThrow(
      'roles',
    );
  });

  it('refuses garbage', () => {
    expect(() => verifyToken(SECRET, 'not-a-token', now)).toThrow('malformed');
    expect(() => verifyToken(SECRET, 'a.b.c', now)).toThrow();
  });
});
