import { createPrivateKey, createPublicKey } from 'node:crypto';
import { generateAlipayKeys } from './alipay-keys';

describe('generateAlipayKeys', () => {
  it('gives RSA-2048 pairs in the forms merchants see', async () => {
    const { app, alipay } = await generateAlipayKeys();
    expect(app.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(app.privateKeyPkcs1Pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(app.privateKeyPkcs8Pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    for (const raw of [
      app.privateKeyPkcs1Base64,
      app.privateKeyPkcs8Base64,
      app.publicKeyBase64,
      alipay.publicKeyBase64,
    ]) {
      expect(raw).toMatch(/^[A-Za-z0-9+/]+=*$/);
    }
    const der = (text: string) => Buffer.from(text, 'base64');
    expect(
      createPrivateKey({ key: der(app.privateKeyPkcs1Base64), format: 'der', type: 'pkcs1' }).equals(app.privateKey),
    ).toBe(true);
    expect(
      createPrivateKey({ key: der(app.privateKeyPkcs8Base64), format: 'der', type: 'pkcs8' }).equals(app.privateKey),
    ).toBe(true);
    expect(
      createPublicKey({ key: der(alipay.publicKeyBase64), format: 'der', type: 'spki' }).equals(alipay.publicKey),
    ).toBe(true);
    expect(alipay.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(app.publicKey.equals(alipay.publicKey)).toBe(false);
  });
});
