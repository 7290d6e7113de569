import { createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parsePrivateKey, parsePublicKey } from './keys';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: KeyObject, type: 'pkcs1' | 'pkcs8' | 'spki'): string =>
  key.export({ format: 'pem', type } as never) as unknown as string;
const raw = (key: KeyObject, type: 'pkcs1' | 'pkcs8' | 'spki'): string =>
  (key.export({ format: 'der', type } as never) as unknown as Buffer).toString('base64');

function signsWithPair(priv: KeyObject, pub: KeyObject): boolean {
  const sig = createSign('RSA-SHA256').update('x').sign(priv);
  return createVerify('RSA-SHA256').update('x').verify(pub, sig);
}

describe('parsePrivateKey', () => {
  it.each([
    ['PEM PKCS#1', pem(privateKey, 'pkcs1')],
    ['PEM PKCS#8', pem(privateKey, 'pkcs8')],
    ['raw base64 PKCS#1', raw(privateKey, 'pkcs1')],
    ['raw base64 PKCS#8', raw(privateKey, 'pkcs8')],
    ['raw base64 wrapped over lines', raw(privateKey, 'pkcs8').replace(/(.{64})/g, '$1\n')],
    ['PEM with literal \\n from an env var', pem(privateKey, 'pkcs8').replace(/\n/g, '\\n')],
  ])('accepts %s', (_name, text) => {
    const key = parsePrivateKey(text);
    expect(key.type).toBe('private');
    expect(signsWithPair(key, publicKey)).toBe(true);
  });

  it('refuses garbage, public keys and short keys with PROVIDER_KEY_INVALID and no key material', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const cases = [
      '',
      'not a key!',
      raw(publicKey, 'spki'),
      pem(publicKey, 'spki'),
      pem(small, 'pkcs8'),
      raw(privateKey, 'pkcs8').slice(0, 400),
    ];
    for (const text of cases) {
      let error: unknown;
      try {
        parsePrivateKey(text, 'Test key');
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'PROVIDER_KEY_INVALID' });
      const message = (error as Error).message;
      expect(message).toMatch(/^Test key /);
      if (text.length > 20) expect(message).not.toContain(text.replace(/-----[A-Z ]+-----|\s/g, '').slice(0, 20));
    }
  });

  it('refuses a non-RSA key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => parsePrivateKey(ec.export({ format: 'pem', type: 'pkcs8' }) as string)).toThrow(/RSA is required/);
  });
});

describe('parsePublicKey', () => {
  it.each([
    ['PEM SPKI', pem(publicKey, 'spki')],
    ['PEM PKCS#1', pem(publicKey, 'pkcs1')],
    ['raw base64 SPKI', raw(publicKey, 'spki')],
    ['raw base64 PKCS#1', raw(publicKey, 'pkcs1')],
  ])('accepts %s', (_name, text) => {
    const key = parsePublicKey(text);
    expect(key.type).toBe('public');
    expect(signsWithPair(privateKey, key)).toBe(true);
  });

  it('refuses a private key given as the public key, in any form', () => {
    for (const text of [
      pem(privateKey, 'pkcs1'),
      pem(privateKey, 'pkcs8'),
      raw(privateKey, 'pkcs1'),
      raw(privateKey, 'pkcs8'),
    ]) {
      expect(() => parsePublicKey(text)).toThrow(expect.objectContaining({ code: 'PROVIDER_KEY_INVALID' }));
    }
    expect(() => parsePublicKey(privateKey)).toThrow(expect.objectContaining({ code: 'PROVIDER_KEY_INVALID' }));
  });

  it('accepts KeyObjects of the right kind', () => {
    expect(parsePublicKey(publicKey)).toBe(publicKey);
    expect(parsePrivateKey(privateKey)).toBe(privateKey);
  });
});
