import { createPrivateKey, createPublicKey, createSign } from 'node:crypto';
import {
  parseUnionPayAnswer,
  signUnionPayFields,
  unionPayDigestHex,
  unionPaySigningString,
  verifyUnionPayFields,
} from './unionpay-signer';

// A fixed key, and the expected digest and signature computed outside this code base with the openssl CLI:
//   printf %s "$SIGNING_STRING" | openssl dgst -sha256 -r                      -> HEX
//   printf %s "$HEX" | openssl dgst -sha256 -sign key.pem | base64 -w0       -> SIGNATURE
const PRIVATE_KEY = createPrivateKey(`-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDoPgWgWs51dNcj
uw0AshcmNHgYbu66dP+yiPGJJi6EiqdS1S2auZnmL90bhvvYQf9LOkgDZWoZwU/w
qs7U1gjuxD3+JxHsX5kif/VqrnSQBCoshQZBczcD409pq1U26MF9+L/6qYEF8JAU
YwaIaO1YcgyB1YnrvEAc2pHoskCu8hEqvGtqg2NV1QAwS467I+Bv2VRI0ecIXxBo
kXEhlAS+EZp/DlgHnUHKMCHN3Fy/F3AEF5eGMNo2UAGZuRro2yC1oiLBVk+AsyU3
LXr6tFPGVKvDEjx6oVXlNnFVhNptRKZd3EsSKhy9p2UWLwUTpOu6xpr2KEPvkJHG
7+cQDsOXAgMBAAECggEAFPvho0MBK5CyjaptetYcjFmqTj7buCIxJk8ET+mQw24J
v0y+sZ+6fZduiXmxULFp4UCzWAc2Rnx2fh7Y0FdEeFpn5YpfLrXWjszz/j8kDg0q
SFp+nbRM0L+docUWzn7KWNj8c6gUHdbGFel6oiGk7Fxlr+d87j1Up6bCDz3n5UaS
2RWPdNTymsjoVrItmNMKKjoVTU6AoZv/sMWA4YqplIDtO8j5DnLYQrHgYcidwk0n
YLtQfbkh1zuJRBQDaETreYMfx/vSymx/6bHWSB2uJTggH4Rmyl1QftapzIxocZgG
DlTmjLBdVAzEXTQ3m8mKQbGZpqJc3QtU3HvvBioQmQKBgQD9ZFf0Cku4c43CGQxV
yfSfOspHr0NJyfGkifjrU1Qx2XWSkUXbDBFw+/1fSNeBdOcicCb8pEpGhlQ9Oq5+
uPn9d752Il+hXjoxHlqN6FRKxgDFG0m1FDNH/fVBO4E7uTR1+4va5g2W4ove06t8
gXYHGshHefT+12dYd4zhNZMPTwKBgQDqofObTnmI3yS3Wle+fI9AojswKcRPuTke
c051jGIO+oyx4y6ssV0jKUhk77dh6zCC7nXANj3WqPwzEAW5uV2Xxv8MnRQWgiIK
w48eA0Rgdux/BXz9IbqwiV5tuFfsWTZFKdVGRr8IRRDUA6wSZTcVbJMo9MC/Zw0x
GpvqjEs1OQKBgAjyZBCf1HCc0+KIk+DrkpGUt9O0IoIWeUu/+2QDuzNPZFFag8bq
NCtzGk0k+0b847RZlWbSPjUjRRIsYkDjMyB5++Wb7Rh7hT56vePI0kEZoKlU/1M/
dVgTZXd6LGP5dBq+WP/Po6cyNJIXkzSANbSmg2/SpI3i+Sksf3LsO1cNAoGBAIsO
iqsb2km1PjRwlZouhlQfEgccad16ABE8814VYjRQZ7wx0YLF51YkbGRt8fhVhD3F
CAJv4zxqkHXO5CXLZ13BsX0PR02DuJs6hYKbGxY0xTsOzKHVMKjZ8R4D6BAKW3Co
N19cJHHJRQzyVDPeysOmwpy+WdHWSGo2w/tBRH15AoGBANimY135JsoCAdN7aFi+
nh/I6G+15fK3rJUSuiYvfMBKNOp/CNQXyuORHk+orXyc1VwoEJF9AZXBtZIkJHKJ
4NE6On1A0Co5qYbFrwjV1WNfJfF62f07EMn6TRbusFFgwKvYpFjQBCRPHNCQNhyZ
reHtndC+e4c1ezMegvoW6gFa
-----END PRIVATE KEY-----`);
const PUBLIC_KEY = createPublicKey(PRIVATE_KEY);

const FIELDS = {
  version: '5.1.0',
  merId: '777290058110048',
  orderId: 'ORD20261127001',
  txnTime: '20261127100000',
  txnAmt: '1230',
  reqReserved: 'A+B 100% 测试',
  certId: '68759663125',
  bizType: '000201',
  accessType: '0',
  frontUrl: '',
  payTimeout: '   ',
  backUrl: undefined,
  signature: 'ignored-by-the-signing-string',
};
const SIGNING_STRING =
  'accessType=0&bizType=000201&certId=68759663125&merId=777290058110048&orderId=ORD20261127001' +
  '&reqReserved=A+B 100% 测试&txnAmt=1230&txnTime=20261127100000&version=5.1.0';
const HEX = '7e266c10a03d2d0090bdd6d65869007267cda45bc51a3861021b3b5d816b6f5c';
const SIGNATURE =
  'BbPOoNaWTGQGzQdVlfX90kw3XigwvcyYI92X8ZLFUieT2WoeJfJjJWHtAXT0I04cQFXCv/CVHwfqYrQ5J9JrtyUJoRebi40gaavlU0ML/BJZ9CckxN4NG/Ef7nAUnth9jEYRgS4xpo6PlLpYRI3+pSoItzoRLJjj4Lu70rV9gq5W2jbit2PncCYYVO/CrxyHhxcA29Cq4n9m5K3De+RvxYniBLaMxKaIvAT8zGtDr6whgxlZ1OuYZZ9NbStaNpLPAJwrGe1xxnIvflBZVq6PC/dlzFONOhDrYgpeX+cedPMkXBVWuRWvuKjQAAxVl/2lRGMOyh7RDh9WxNkFl8FHSg==';

describe('UnionPay signMethod 01 (double hash)', () => {
  it('builds the signing string: blanks dropped, signature excluded, ASCII order, raw values', () => {
    expect(unionPaySigningString(FIELDS)).toBe(SIGNING_STRING);
  });

  it('hashes the string to lowercase hex, then signs the hex text, matching openssl', () => {
    expect(unionPayDigestHex(SIGNING_STRING)).toBe(HEX);
    expect(signUnionPayFields(FIELDS, PRIVATE_KEY)).toBe(SIGNATURE);
  });

  it('is not a single hash over the string', () => {
    // The signature over the raw string (what a single-hash implementation makes) does not verify.
    const singleHash = createSign('RSA-SHA256').update(SIGNING_STRING, 'utf8').sign(PRIVATE_KEY, 'base64');
    expect(verifyUnionPayFields({ ...FIELDS, signature: singleHash }, PUBLIC_KEY)).toBe(false);
  });

  it('verifies its own signature and refuses any change, an absent or a malformed signature', () => {
    const signed = { ...FIELDS, signature: SIGNATURE };
    expect(verifyUnionPayFields(signed, PUBLIC_KEY)).toBe(true);
    expect(verifyUnionPayFields({ ...signed, txnAmt: '1231' }, PUBLIC_KEY)).toBe(false);
    expect(verifyUnionPayFields({ ...signed, reqReserved: 'A B 100% 测试' }, PUBLIC_KEY)).toBe(false);
    expect(verifyUnionPayFields({ ...signed, extra: 'x' }, PUBLIC_KEY)).toBe(false);
    expect(verifyUnionPayFields({ ...signed, signature: undefined }, PUBLIC_KEY)).toBe(false);
    expect(verifyUnionPayFields({ ...signed, signature: '!!!' }, PUBLIC_KEY)).toBe(false);
    // A blank field added later changes nothing: blanks are not signed.
    expect(verifyUnionPayFields({ ...signed, settleDate: '' }, PUBLIC_KEY)).toBe(true);
  });
});

describe('parseUnionPayAnswer', () => {
  it('reads raw k=v&k=v without URL-decoding: "+", "%", "=" and line breaks survive', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIB+/a=\n-----END CERTIFICATE-----';
    const text = `respCode=00&signature=ab+/cd==&signPubKeyCert=${cert}&reqReserved=A+B 100% 测试&empty=`;
    expect(parseUnionPayAnswer(text)).toEqual({
      respCode: '00',
      signature: 'ab+/cd==',
      signPubKeyCert: cert,
      reqReserved: 'A+B 100% 测试',
      empty: '',
    });
  });

  it('keeps "&" inside {...} and [...] values, as the official SDK does', () => {
    expect(parseUnionPayAnswer('a={x=1&y=2}&b=[1&2]&c=3')).toEqual({ a: '{x=1&y=2}', b: '[1&2]', c: '3' });
  });

  it('refuses a repeated key and a key without "="', () => {
    expect(() => parseUnionPayAnswer('a=1&a=2')).toThrow(/repeats a/);
    expect(() => parseUnionPayAnswer('a=1&junk&b=2')).toThrow(/without "="/);
    expect(parseUnionPayAnswer('__proto__=x&a=1')).toEqual({ ['__proto__']: 'x', a: '1' });
  });
});
