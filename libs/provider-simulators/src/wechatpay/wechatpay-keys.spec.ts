import { X509Certificate, createSign, createVerify } from 'node:crypto';
import { generateWechatPayKeys } from './wechatpay-keys';

describe('generateWechatPayKeys', () => {
  it('makes a merchant pair with a 40-hex certificate serial and a platform pair with a PUB_KEY_ID', async () => {
    const keys = await generateWechatPayKeys();
    expect(keys.merchant.certSerial).toMatch(/^[0-9A-F]{40}$/);
    expect(keys.platform.publicKeyId).toMatch(/^PUB_KEY_ID_\d{32}$/);
    expect(keys.merchant.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(keys.platform.publicKeyPem).toContain('-----BEGIN PUBLIC KEY-----');
    expect(keys.merchant.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(keys.platformCertificate).toBeUndefined();
  });

  it('optionally makes a platform certificate whose serial and key node reads back', async () => {
    const { platformCertificate, platform } = await generateWechatPayKeys({ platformCertificate: true });
    const certificate = new X509Certificate(platformCertificate!.certificatePem);
    expect(certificate.serialNumber).toBe(platformCertificate!.serial);
    expect(platformCertificate!.serial).toMatch(/^[0-9A-F]{40}$/);
    expect(certificate.checkPrivateKey(platformCertificate!.privateKey)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    const signature = createSign('RSA-SHA256').update('x').sign(platformCertificate!.privateKey);
    expect(createVerify('RSA-SHA256').update('x').verify(certificate.publicKey, signature)).toBe(true);
    // A key pair of its own, not the public-key-mode one.
    expect(createVerify('RSA-SHA256').update('x').verify(platform.publicKey, signature)).toBe(false);
  });
});
