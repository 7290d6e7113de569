import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ProviderName } from '@shop/contracts';
import { Money } from '@shop/money';
import {
  AlipaySimulator,
  StripeSimulator,
  UnionPaySimulator,
  WechatPaySimulator,
  generateAlipayKeys,
  generateStripeSecrets,
  generateUnionPayCertificates,
  generateWechatPayKeys,
  randomAlphanumeric,
  stripeSignatureHeader,
} from '@shop/provider-simulators';
import {
  AlipayClient,
  StripeClient,
  UnionPayClient,
  WechatPayClient,
  decryptWechatpayResource,
  encryptWechatpayResource,
  signUnionPayFields,
  signWechatpayMessage,
} from '@shop/providers';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CallbackHarness } from '../../test/callback-harness';

// Fuzzing of every callback route on the real Kafka and PostgreSQL: the simulators sign genuine deliveries for
// known orders (captured, then sent once as the baseline), and thousands of seeded mutations of them must never
// earn a 5xx, store a notification, write a PaymentSucceeded or change an order.

const SEED = Number(process.env.CALLBACK_FUZZ_SEED ?? 0x5eed_c0de) >>> 0;
const CASES_PER_PROVIDER = Number(process.env.CALLBACK_FUZZ_CASES ?? 2_000);
const RESIGNED_CASES_PER_PROVIDER = Number(process.env.CALLBACK_FUZZ_RESIGNED_CASES ?? 500);
const PARALLEL = 16;
const ALIPAY_APP_ID = '2021000000000001';
const ALIPAY_SELLER_ID = '2088000000000001';
const UNIONPAY_MER_ID = '777290058110048';
const WECHAT_APP_ID = 'wx8888888888888888';
const WECHAT_MCH_ID = '1900000109';
const WECHAT_API_V3_KEY = randomAlphanumeric(32);
const FORM = 'application/x-www-form-urlencoded';
const SUBJECT = 'Tea+Cake 100% 龙井茶 & more=1';
const PROVIDERS: readonly ProviderName[] = ['alipay', 'wechatpay', 'unionpay', 'stripe'];
const ACKS: Record<string, { status: number; type: string; body: string }> = {
  alipay: { status: 200, type: 'text/plain', body: 'success' },
  unionpay: { status: 200, type: 'text/plain', body: 'ok' },
  wechatpay: { status: 204, type: 'text/plain', body: '' },
  stripe: { status: 200, type: 'application/json', body: '{"received":true}' },
};
/** Headers the transport sets itself: never copied from a captured delivery. */
const TRANSPORT_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);

/** A genuine delivery as the provider sent it. */
interface Delivery {
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** One generated request. `raw` sends it over a bare socket (header oddities fetch refuses to produce). */
interface FuzzCase {
  readonly label: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  readonly raw: boolean;
}

interface Failure {
  readonly provider: string;
  readonly index: number;
  readonly label: string;
  readonly status: number | string;
  readonly answer: string;
}

/** mulberry32: small, fast and reproducible from one 32-bit seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations

const INTERESTING_VALUES: readonly string[] = [
  '',
  '0',
  '-1',
  '0.00',
  '0.001',
  '-0.01',
  '1e308',
  '1e-7',
  'NaN',
  'Infinity',
  '99999999999999999999999999',
  '9007199254740993',
  '00000000001',
  '1,00',
  ' 1.00',
  '1.00 ',
  '１００',
  'USD',
  'usd',
  'XXX',
  'CN',
  'TRADE_SUCCESS',
  'TRADE_FINISHED',
  'TRADE_CLOSED',
  'WAIT_BUYER_PAY',
  'SUCCESS',
  'REFUND',
  'CLOSED',
  '00',
  '01',
  '04',
  '31',
  'checkout.session.completed',
  'payment_intent.succeeded',
  'charge.refunded',
  'ORD000000000000',
  'ORD\u0000X',
  '\u0000',
  '\ud800',
  '😀',
  '龙井茶',
  "' OR 1=1 --",
  '%s%n%x',
  '../../etc/passwd',
  'x'.repeat(300),
  'x'.repeat(70_000),
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
];

const JSON_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -0,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  '0',
  '0.01',
  'USD',
  'CNY',
  [],
  {},
  [1, 2],
  { amount: 1 },
  { __proto__: { polluted: true } },
  'x'.repeat(70_000),
  '\u0000',
  '\ud800',
];

const ODD_ENCODINGS: readonly Buffer[] = [
  Buffer.from('%zz'),
  Buffer.from('%'),
  Buffer.from('%4'),
  Buffer.from('%00'),
  Buffer.from([0]),
  Buffer.from([0xd6, 0xd0, 0xce, 0xc4]), // "中文" in GBK
  Buffer.from([0xc0, 0xaf]), // overlong "/"
  Buffer.from([0xe0, 0x80, 0xaf]), // overlong "/"
  Buffer.from('%C0%AF'),
  Buffer.from('%E0%80%AF'),
  Buffer.from('%ED%A0%80'), // a lone surrogate
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from('%FF%FE'),
  Buffer.from('+'),
  Buffer.from('%2B'),
  Buffer.from('&'),
  Buffer.from('='),
  Buffer.from('=='),
  Buffer.from('&&'),
  Buffer.from('%26'),
  Buffer.from('%3D'),
  Buffer.from('\r\n'),
  Buffer.from('\\u0000'),
  Buffer.from('\\ud800'),
  Buffer.from('\\'),
  Buffer.from('"'),
  Buffer.from('\u2028'),
  Buffer.from([0xef, 0xbb, 0xbf]), // a BOM
];

const CONTENT_TYPES: readonly string[] = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=GBK',
  'application/x-www-form-urlencoded; charset=gb2312',
  'application/x-www-form-urlencoded; charset=nonsense',
  'application/x-www-form-urlencoded; charset="utf-8"',
  'application/x-www-form-urlencoded;charset=utf-8;charset=gbk',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=ISO-8859-1',
  'application/json; charset=',
  'application/JSON',
  'application/merge-patch+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'text/html',
  'text/xml',
  'application/xml',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'multipart/form-data',
  '*/*',
  'application/',
  '/',
  ';',
  'application/json, application/x-www-form-urlencoded',
  'a'.repeat(2_000),
  'application/json; charset=utf-8; boundary=x; q=1; a=b; c=d',
];

function contentTypeIndex(headers: readonly (readonly [string, string])[]): number {
  return headers.findIndex(([name]) => name === 'content-type');
}

function withHeader(
  headers: readonly (readonly [string, string])[],
  name: string,
  value: string | undefined,
): (readonly [string, string])[] {
  const kept = headers.filter(([n]) => n !== name);
  return value === undefined ? kept : [...kept, [name, value] as const];
}

/** Splits a form body into raw (still encoded) key/value pairs. */
function formPairs(body: Buffer): [string, string][] {
  return body
    .toString('latin1')
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    });
}

function formBody(pairs: readonly (readonly [string, string])[]): Buffer {
  return Buffer.from(pairs.map(([k, v]) => `${k}=${v}`).join('&'), 'latin1');
}

function insertAt(body: Buffer, at: number, inserted: Buffer): Buffer {
  return Buffer.concat([body.subarray(0, at), inserted, body.subarray(at)]);
}

/** Paths of every leaf (and object) in a parsed JSON value. */
function jsonPaths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): typeof out {
  if (value !== null && typeof value === 'object') {
    if (prefix.length > 0) out.push(prefix);
    for (const [k, v] of Object.entries(value)) jsonPaths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  } else {
    out.push(prefix);
  }
  return out;
}

function setPath(root: unknown, path: readonly (string | number)[], value: unknown, remove: boolean): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) delete node[last];
  else node[last] = value;
}

/** A body of exactly `size` bytes built from the original (padded in a place the format tolerates). */
function padded(original: Buffer, isJson: boolean, size: number): Buffer {
  if (isJson) {
    const head = Buffer.from('{"pad":"');
    const tail = Buffer.from('",');
    const rest = original.subarray(1);
    const fill = Math.max(0, size - head.length - tail.length - rest.length);
    return Buffer.concat([head, Buffer.alloc(fill, 'a'), tail, rest]);
  }
  const head = Buffer.from('pad=');
  const tail = Buffer.from('&');
  const fill = Math.max(0, size - head.length - tail.length - original.length);
  return Buffer.concat([head, Buffer.alloc(fill, 'a'), tail, original]);
}

function deepJson(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

/** The headers a provider signs with, beside the body. */
const SIGNATURE_HEADERS: Record<string, readonly string[]> = {
  wechatpay: ['wechatpay-signature', 'wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-serial'],
  stripe: ['stripe-signature'],
  alipay: [],
  unionpay: [],
};

function headerValues(name: string, original: string, random: Random): string[] {
  const now = Math.floor(Date.now() / 1000);
  const common = ['', ' ', original.toUpperCase(), `${original} `, `${original}${original}`, original.slice(0, 3)];
  common.push('x'.repeat(10_000), '\u00ff\u00fe', original.slice(0, -1), `${original.slice(0, -1)}A`);
  switch (name) {
    case 'wechatpay-timestamp':
      return [
        ...common,
        '0',
        '-1',
        String(now + 10_000),
        String(now - 10_000),
        '1e3',
        `${now}.5`,
        'NaN',
        '9'.repeat(40),
      ];
    case 'wechatpay-signature':
      return [
        ...common,
        'AAAA',
        '====',
        '!!!!',
        Buffer.alloc(256).toString('base64'),
        `WECHATPAY2-SHA256-RSA2048 ${original}`,
      ];
    case 'wechatpay-serial':
      return [...common, 'PUB_KEY_ID_0000000000000000', '0'.repeat(40)];
    case 'stripe-signature': {
      const v1 = /v1=([0-9a-f]+)/.exec(original)?.[1] ?? '';
      const t = /t=(\d+)/.exec(original)?.[1] ?? String(now);
      return [
        ...common,
        `t=${t}`,
        `v1=${v1}`,
        `t=,v1=${v1}`,
        `t=abc,v1=${v1}`,
        `t=${t}.0,v1=${v1}`,
        `t=-${t},v1=${v1}`,
        `t=${'9'.repeat(400)},v1=${v1}`,
        `t=${t},v1=`,
        `t=${t},v1=${v1.toUpperCase()}`,
        `t=${t},v1=zz${v1.slice(2)}`,
        `t=${t},v0=${v1}`,
        `t=${t},t=${Number(t) + 1},v1=${v1}`,
        `t=${t},${Array.from({ length: 500 }, () => `v1=${v1}`).join(',')}`,
        `t=${t},v1=${v1},v1=${'0'.repeat(64)}`,
        `,,,,`,
        `t=${t};v1=${v1}`,
        `t = ${t} , v1 = ${v1}`,
        `=,=,=`,
      ];
    }
    default:
      return [...common, String(random.int(1e9))];
  }
}

/** One mutation of a genuine delivery. */
function mutate(provider: string, original: Delivery, random: Random, forcedKind?: number): FuzzCase {
  const isJson = provider === 'wechatpay' || provider === 'stripe';
  let headers: (readonly [string, string])[] = [...original.headers];
  let body: Buffer = Buffer.from(original.body);
  let raw = false;
  const labels: string[] = [];
  const rounds = forcedKind !== undefined || random.chance(0.8) ? 1 : 2 + random.int(2);
  for (let round = 0; round < rounds; round++) {
    const kind = forcedKind ?? random.int(16);
    switch (kind) {
      case 0: {
        const n = 1 + random.int(4);
        for (let i = 0; i < n && body.length > 0; i++) body[random.int(body.length)] ^= 1 << random.int(8);
        labels.push(`flip ${n} bits`);
        break;
      }
      case 1: {
        const bytes = Buffer.from(Array.from({ length: 1 + random.int(4) }, () => random.int(256)));
        body = insertAt(body, random.int(body.length + 1), bytes);
        labels.push(`insert ${bytes.toString('hex')}`);
        break;
      }
      case 2: {
        const at = random.int(Math.max(1, body.length));
        const n = 1 + random.int(8);
        body = Buffer.concat([body.subarray(0, at), body.subarray(at + n)]);
        labels.push(`delete ${n} at ${at}`);
        break;
      }
      case 3: {
        // One field set to an interesting value (the signature no longer matches).
        if (isJson) {
          try {
            const parsed: unknown = JSON.parse(body.toString('utf8'));
            const paths = jsonPaths(parsed);
            if (paths.length > 0) {
              const path = random.pick(paths);
              const value = random.chance(0.5) ? random.pick(JSON_VALUES) : random.pick(INTERESTING_VALUES);
              setPath(parsed, path, value, false);
              body = Buffer.from(JSON.stringify(parsed));
              labels.push(`set ${path.join('.')}=${JSON.stringify(value)?.slice(0, 40)}`);
            }
          } catch {
            labels.push('set (unparsable)');
          }
        } else {
          const pairs = formPairs(body);
          const at = random.int(pairs.length);
          const value = encodeURIComponent(random.pick(INTERESTING_VALUES).replace(/[\ud800-\udfff]/g, 'x'));
          pairs[at] = [pairs[at][0], value];
          body = formBody(pairs);
          labels.push(`set ${pairs[at][0]}=${value.slice(0, 40)}`);
        }
        break;
      }
      case 4: {
        // A key removed.
        if (isJson) {
          try {
            const parsed: unknown = JSON.parse(body.toString('utf8'));
            const paths = jsonPaths(parsed).filter((p) => p.length > 0);
            if (paths.length > 0) {
              const path = random.pick(paths);
              setPath(parsed, path, undefined, true);
              body = Buffer.from(JSON.stringify(parsed));
              labels.push(`remove ${path.join('.')}`);
            }
          } catch {
            labels.push('remove (unparsable)');
          }
        } else {
          const pairs = formPairs(body);
          const at = random.int(pairs.length);
          labels.push(`remove ${pairs[at][0]}`);
          pairs.splice(at, 1);
          body = formBody(pairs);
        }
        break;
      }
      case 5: {
        // A key repeated: with the same value, another value, first or last.
        if (isJson) {
          const text = body.toString('utf8');
          const keys = [...text.matchAll(/"([A-Za-z_]+)":/g)];
          if (keys.length > 0) {
            const match = random.pick(keys);
            const value = JSON.stringify(random.pick(JSON_VALUES)) ?? 'null';
            const start = random.chance(0.5);
            const objectStart = text.lastIndexOf('{', match.index);
            const at = start ? objectStart + 1 : (match.index ?? 0);
            const text2 = `${text.slice(0, at)}"${match[1]}":${value.slice(0, 100)},${text.slice(at)}`;
            body = Buffer.from(text2);
            labels.push(`duplicate json key ${match[1]}`);
          }
        } else {
          const pairs = formPairs(body);
          const pair = random.pick(pairs);
          const copy: [string, string] = random.chance(0.5)
            ? [pair[0], pair[1]]
            : [
                pair[0],
                encodeURIComponent(
                  random
                    .pick(INTERESTING_VALUES)
                    .replace(/[\ud800-\udfff]/g, 'x')
                    .slice(0, 50),
                ),
              ];
          if (random.chance(0.5)) pairs.push(copy);
          else pairs.unshift(copy);
          body = formBody(pairs);
          labels.push(`duplicate form key ${pair[0]}`);
        }
        break;
      }
      case 6: {
        const odd = random.pick(ODD_ENCODINGS);
        if (!isJson && random.chance(0.6)) {
          const pairs = formPairs(body);
          const at = random.int(pairs.length);
          const where = random.int(3);
          const value = Buffer.from(pairs[at][1], 'latin1');
          const oddValue = where === 0 ? odd : where === 1 ? Buffer.concat([value, odd]) : Buffer.concat([odd, value]);
          const key = random.chance(0.2) ? Buffer.concat([Buffer.from(pairs[at][0], 'latin1'), odd]) : null;
          pairs[at] = [key === null ? pairs[at][0] : key.toString('latin1'), oddValue.toString('latin1')];
          body = formBody(pairs);
          labels.push(`odd encoding ${odd.toString('hex')} in ${pairs[at][0]}`);
        } else {
          body = insertAt(body, random.int(body.length + 1), odd);
          labels.push(`odd bytes ${odd.toString('hex')}`);
        }
        break;
      }
      case 7: {
        const at = random.int(body.length);
        body = body.subarray(0, at);
        labels.push(`truncate at ${at}`);
        break;
      }
      case 8: {
        const sizes = [65_535, 65_536, 65_537, 64 * 1024 - 200, 64 * 1024 + 200, 1024 * 1024 + 1, 100_000];
        const size = random.pick(sizes);
        if (random.chance(0.2) && !isJson) {
          // Many small fields rather than one big one.
          const many = Buffer.from('a=1&'.repeat(Math.ceil(size / 4)));
          body = Buffer.concat([many.subarray(0, size - body.length), body]);
        } else {
          body = padded(body, isJson, size);
        }
        labels.push(`huge ${body.length}`);
        break;
      }
      case 9: {
        const depth = random.pick([64, 500, 5_000, 20_000]);
        const nested = random.chance(0.5) ? deepJson(depth, '[', ']') : deepJson(depth, '{"a":', '}');
        const text = body.toString('utf8');
        const keys = [...text.matchAll(/"([A-Za-z_]+)":/g)];
        if (isJson && keys.length > 0 && random.chance(0.7)) {
          const match = random.pick(keys);
          const at = (match.index ?? 0) + match[0].length;
          // Replace the value start with a nested document (the rest of the body stays, so often unparsable).
          body = Buffer.from(`${text.slice(0, at)}${nested},"z${text.slice(at)}`);
        } else {
          body = Buffer.from(isJson ? nested : `${body.toString('latin1')}&a=${encodeURIComponent(nested)}`, 'latin1');
        }
        labels.push(`nesting ${depth}`);
        break;
      }
      case 10: {
        const at = contentTypeIndex(headers);
        const choice = random.int(4);
        if (choice === 0) {
          headers = withHeader(headers, 'content-type', undefined);
          labels.push('no content-type');
        } else if (choice === 1 && at >= 0) {
          headers = [...headers, ['content-type', random.pick(CONTENT_TYPES)]];
          raw = true;
          labels.push('two content-types');
        } else {
          const type = random.pick(CONTENT_TYPES);
          headers = withHeader(headers, 'content-type', type);
          labels.push(`content-type ${type.slice(0, 60)}`);
        }
        break;
      }
      case 11: {
        const names = SIGNATURE_HEADERS[provider];
        if (names.length === 0) {
          // Alipay and UnionPay sign inside the form: mutate the signature fields.
          const pairs = formPairs(body);
          const signing = pairs.filter(([k]) =>
            /^(sign|sign_type|signature|signPubKeyCert|signMethod|certId|version|encoding|charset)$/.test(k),
          );
          if (signing.length > 0) {
            const pair = random.pick(signing);
            const index = pairs.indexOf(pair);
            const options = [
              '',
              'x',
              pair[1].slice(0, Math.floor(pair[1].length / 2)),
              `${pair[1]}${pair[1]}`,
              pair[1].replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A')),
              encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
              encodeURIComponent(`-----BEGIN CERTIFICATE-----\n${'A'.repeat(5_000)}\n-----END CERTIFICATE-----`),
              'RSA',
              'RSA2',
              'SHA256',
              '01',
              '5.1.0',
              '6.0.0',
              'GBK',
              'UTF-8',
              '%zz',
              '%',
              'A'.repeat(100_000),
            ];
            pairs[index] = [pair[0], random.pick(options)];
            body = formBody(pairs);
            labels.push(`signature field ${pair[0]}`);
          }
          break;
        }
        const name = random.pick(names);
        const current = headers.find(([n]) => n === name)?.[1] ?? '';
        const choice = random.int(4);
        if (choice === 0) {
          headers = withHeader(headers, name, undefined);
          labels.push(`no ${name}`);
        } else if (choice === 1) {
          headers = [
            ...headers,
            [name, random.chance(0.5) ? current : random.pick(headerValues(name, current, random))],
          ];
          raw = true;
          labels.push(`two ${name}`);
        } else {
          const value = random.pick(headerValues(name, current, random));
          headers = withHeader(headers, name, value);
          raw ||= /[^\t\x20-\x7e]/.test(value);
          labels.push(`${name}=${value.slice(0, 40)}`);
        }
        break;
      }
      case 12: {
        body = Buffer.alloc(0);
        labels.push('empty body');
        break;
      }
      case 13: {
        // Encodings of the whole body.
        const choice = random.int(4);
        if (choice === 0) body = Buffer.from(body.toString('utf8'), 'utf16le');
        else if (choice === 1) body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
        else if (choice === 2)
          body = Buffer.from(
            body.toString('latin1').replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
            'latin1',
          );
        else body = Buffer.from(encodeURIComponent(body.toString('utf8')));
        labels.push(`body encoding ${choice}`);
        break;
      }
      case 14: {
        // Header framing oddities on a bare socket.
        raw = true;
        const choice = random.int(4);
        if (choice === 0)
          headers = [...headers, ['content-encoding', random.pick(['gzip', 'deflate', 'br', 'identity', 'x'])]];
        else if (choice === 1)
          headers = [...headers, ['x-forwarded-for', random.pick(['', 'x', '1.2.3.4, ::1', '999.1.1.1'])]];
        else if (choice === 2) headers = headers.map(([n, v]) => [n.toUpperCase(), v] as const);
        else headers = [...headers, ['x-junk', Buffer.from([0x80, 0xff, 0xc0]).toString('latin1')]];
        labels.push(`framing ${choice}`);
        break;
      }
      default: {
        // Whitespace and JSON syntax noise around an otherwise intact body.
        const noise = random.pick([' ', '\n', '\t', '\r\n', ',', '}', ']', '\u0000', 'null', '{}']);
        body = random.chance(0.5)
          ? Buffer.concat([body, Buffer.from(noise)])
          : Buffer.concat([Buffer.from(noise), body]);
        labels.push(`noise ${JSON.stringify(noise)}`);
      }
    }
  }
  return { label: labels.join(' + '), headers, body, raw };
}

/** Form keys a provider's signature does not cover. */
const UNSIGNED_FORM_KEYS: Record<string, readonly string[]> = {
  alipay: ['sign', 'sign_type'],
  unionpay: ['signature'],
};

/**
 * What a provider's signature covers in a body: the raw bytes of JSON (WeChat Pay, Stripe); the decoded form
 * fields but the unsigned ones and blanks, in order of key (Alipay, UnionPay). A repeated key stays repeated.
 */
function signedContent(provider: string, body: Buffer): string {
  const unsigned = UNSIGNED_FORM_KEYS[provider];
  if (unsigned === undefined) return body.toString('latin1');
  const fields = [...new URLSearchParams(body.toString('utf8'))].filter(([k, v]) => v !== '' && !unsigned.includes(k));
  return JSON.stringify(fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One content mutation of the given kind (field set, removed, repeated, oddly encoded, nested). */
function mutateContent(provider: string, original: Delivery, random: Random, kind: number): FuzzCase {
  return mutate(provider, original, random, kind);
}

// ---------------------------------------------------------------------------------------------------------------
// Transport

const READ_TIMEOUT_MS = 20_000;

async function sendWithFetch(url: string, c: FuzzCase): Promise<{ status: number; answer: string }> {
  const headers = new Headers();
  for (const [name, value] of c.headers) headers.append(name, value);
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: c.body,
    signal: AbortSignal.timeout(READ_TIMEOUT_MS),
  });
  return { status: response.status, answer: (await response.text()).slice(0, 300) };
}

/** One request on a fresh socket, byte for byte as built: repeated headers and non-ASCII header bytes included. */
function sendRaw(url: string, c: FuzzCase): Promise<{ status: number; answer: string }> {
  const { hostname, port, pathname } = new URL(url);
  const head =
    `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nconnection: close\r\n` +
    c.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') +
    `content-length: ${c.body.length}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error('no answer in time')), READ_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      // A server that answered and then reset the connection still answered.
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      if (status !== undefined) resolve({ status: Number(status), answer: text.slice(0, 300) });
      else reject(error);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? 0 : Number(status), answer: text.slice(0, 300) });
    });
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), c.body]));
  });
}

// ---------------------------------------------------------------------------------------------------------------

/** Captures what the simulators deliver, answering each with its provider's acknowledgement. */
class CaptureServer {
  readonly deliveries: Record<string, Delivery[]> = {};
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const provider = (req.url ?? '').split('/').pop() ?? '';
        const headers: [string, string][] = [];
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          const name = req.rawHeaders[i].toLowerCase();
          if (!TRANSPORT_HEADERS.has(name)) headers.push([name, req.rawHeaders[i + 1]]);
        }
        (this.deliveries[provider] ??= []).push({ headers, body: Buffer.concat(chunks) });
        const ack = ACKS[provider];
        res.writeHead(ack.status, { 'content-type': ack.type }).end(ack.body);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/capture`;
  }

  notifyUrl(provider: string): string {
    return `${this.url}/${provider}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('callback fuzzing: every provider route', () => {
  let harness: CallbackHarness;
  const capture = new CaptureServer();
  const simulators: { stop(): Promise<void> }[] = [];
  const orders: Record<string, string[]> = {};
  const failures: Failure[] = [];
  /** Signs mutated content as the provider would (for the phase that fuzzes past the signature check). */
  const resign: Record<string, (c: FuzzCase) => FuzzCase> = {};
  /** What the re-signed phase mutates: the delivery itself, or for WeChat Pay its decrypted resource. */
  const plaintexts: Record<string, Delivery[]> = {};

  beforeAll(async () => {
    await capture.start();
    const [alipayKeys, wechatKeys, unionpayCerts, stripeSecrets] = await Promise.all([
      generateAlipayKeys(),
      generateWechatPayKeys(),
      generateUnionPayCertificates(),
      Promise.resolve(generateStripeSecrets()),
    ]);
    harness = await CallbackHarness.start({
      ALIPAY_APP_ID,
      ALIPAY_SELLER_ID,
      ALIPAY_PUBLIC_KEY: alipayKeys.alipay.publicKeyBase64,
      WECHATPAY_APP_ID: WECHAT_APP_ID,
      WECHATPAY_MCH_ID: WECHAT_MCH_ID,
      WECHATPAY_API_V3_KEY: WECHAT_API_V3_KEY,
      WECHATPAY_PUBLIC_KEY: wechatKeys.platform.publicKeyPem,
      WECHATPAY_PUBLIC_KEY_ID: wechatKeys.platform.publicKeyId,
      UNIONPAY_MER_ID,
      UNIONPAY_ROOT_CERT: unionpayCerts.root.certPem,
      UNIONPAY_MIDDLE_CERT: unionpayCerts.middle.certPem,
      STRIPE_WEBHOOK_SECRET: stripeSecrets.webhookSecret,
      CALLBACK_REJECTIONS_PER_MINUTE: '100000',
    });

    // Alipay: two trades paid (one TRADE_SUCCESS, one TRADE_FINISHED).
    const alipay = new AlipaySimulator({
      appId: ALIPAY_APP_ID,
      sellerId: ALIPAY_SELLER_ID,
      appPublicKey: alipayKeys.app.publicKeyBase64,
      alipayPrivateKey: alipayKeys.alipay.privateKey,
    });
    await alipay.start();
    simulators.push(alipay);
    const alipayMerchant = new AlipayClient({
      appId: ALIPAY_APP_ID,
      privateKey: alipayKeys.app.privateKeyPkcs8Pem,
      alipayPublicKey: alipayKeys.alipay.publicKeyBase64,
      gatewayUrl: alipay.gatewayUrl,
    });
    for (const tradeStatus of ['TRADE_SUCCESS', 'TRADE_FINISHED'] as const) {
      const orderNo = harness.newOrderNo();
      await harness.knownOrder(orderNo, 12_345);
      await alipayMerchant.createPayment({
        orderNo,
        amount: Money.of(12_345, 'CNY'),
        subject: SUBJECT,
        method: 'qr',
        notifyUrl: capture.notifyUrl('alipay'),
      });
      await alipay.pay(orderNo, { tradeStatus });
      (orders.alipay ??= []).push(orderNo);
    }

    // WeChat Pay: two Native trades paid.
    const wechat = new WechatPaySimulator({
      appId: WECHAT_APP_ID,
      mchId: WECHAT_MCH_ID,
      apiV3Key: WECHAT_API_V3_KEY,
      merchantPublicKey: wechatKeys.merchant.publicKeyPem,
      merchantCertSerial: wechatKeys.merchant.certSerial,
      platformPrivateKey: wechatKeys.platform.privateKeyPem,
      platformSerial: wechatKeys.platform.publicKeyId,
    });
    await wechat.start();
    simulators.push(wechat);
    const wechatMerchant = new WechatPayClient({
      appId: WECHAT_APP_ID,
      mchId: WECHAT_MCH_ID,
      privateKey: wechatKeys.merchant.privateKeyPem,
      certSerial: wechatKeys.merchant.certSerial,
      platformKeys: { [wechatKeys.platform.publicKeyId]: wechatKeys.platform.publicKeyPem },
      baseUrl: wechat.baseUrl,
    });
    for (const amount of [2_000, 1]) {
      const orderNo = harness.newOrderNo();
      await harness.knownOrder(orderNo, amount);
      await wechatMerchant.createPayment({
        orderNo,
        amount: Money.of(amount, 'CNY'),
        subject: '龙井茶 Tea+Cake 100%',
        method: 'native',
        notifyUrl: capture.notifyUrl('wechatpay'),
      });
      await wechat.pay(orderNo);
      (orders.wechatpay ??= []).push(orderNo);
    }

    // UnionPay: two consumes paid.
    const unionpay = new UnionPaySimulator({
      merId: UNIONPAY_MER_ID,
      merchantCert: unionpayCerts.merchant.certPem,
      signCert: unionpayCerts.sign.certPem,
      signKey: unionpayCerts.sign.privateKeyPem,
      middle: unionpayCerts.middle,
      root: unionpayCerts.root,
    });
    const gatewayUrl = await unionpay.start();
    simulators.push(unionpay);
    const unionpayMerchant = new UnionPayClient({
      merId: UNIONPAY_MER_ID,
      signPrivateKey: unionpayCerts.merchant.privateKeyPem,
      signCertId: unionpayCerts.merchant.certId,
      rootCert: unionpayCerts.root.certPem,
      middleCert: unionpayCerts.middle.certPem,
      gatewayUrl,
    });
    for (const amount of [12_345, 100]) {
      const orderNo = harness.newOrderNo();
      await harness.knownOrder(orderNo, amount);
      const form = await unionpayMerchant.createPayment({
        orderNo,
        amount: Money.of(amount, 'CNY'),
        subject: SUBJECT,
        method: 'page',
        notifyUrl: capture.notifyUrl('unionpay'),
      });
      if (form.kind !== 'form') throw new Error('expected a consume form');
      const opened = await fetch(form.action, {
        method: 'POST',
        headers: { 'content-type': FORM },
        body: new URLSearchParams(form.fields).toString(),
      });
      expect(opened.status).toBe(200);
      await unionpay.pay(orderNo);
      (orders.unionpay ??= []).push(orderNo);
    }

    resign.alipay = (c) => {
      const fields = Object.fromEntries(new URLSearchParams(c.body.toString('utf8')));
      const body = Buffer.from(new URLSearchParams(alipay.buildNotification(fields)).toString());
      return { ...c, body };
    };
    const unionpaySignKey: KeyObject = createPrivateKey(unionpayCerts.sign.privateKeyPem);
    resign.unionpay = (c) => {
      const { signature: _signature, ...fields } = Object.fromEntries(new URLSearchParams(c.body.toString('utf8')));
      const signed = { ...fields, signature: signUnionPayFields(fields, unionpaySignKey) };
      return { ...c, body: Buffer.from(new URLSearchParams(signed).toString()) };
    };
    resign.stripe = (c) => ({
      ...c,
      headers: withHeader(
        c.headers,
        'stripe-signature',
        stripeSignatureHeader(c.body.toString('utf8'), stripeSecrets.webhookSecret, Date.now() / 1000),
      ),
    });

    const wechatSignKey: KeyObject = createPrivateKey(wechatKeys.platform.privateKeyPem);
    resign.wechatpay = (c) => {
      // The (mutated) resource encrypted and signed afresh, under a new notification id half of the time.
      const envelope = JSON.parse(capture.deliveries.wechatpay[0].body.toString('utf8')) as Record<string, unknown>;
      const nonce = randomAlphanumeric(12);
      const id = c.label.length % 2 === 0 ? envelope.id : `fuzz-${randomAlphanumeric(16)}`;
      const resource = {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encryptWechatpayResource(c.body.toString('utf8'), WECHAT_API_V3_KEY, nonce, 'transaction'),
        associated_data: 'transaction',
        nonce,
      };
      const body = JSON.stringify({ ...envelope, id, resource });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headerNonce = randomAlphanumeric(32);
      let headers = withHeader(c.headers, 'wechatpay-timestamp', timestamp);
      headers = withHeader(headers, 'wechatpay-nonce', headerNonce);
      headers = withHeader(
        headers,
        'wechatpay-signature',
        signWechatpayMessage(timestamp, headerNonce, body, wechatSignKey),
      );
      return { ...c, headers, body: Buffer.from(body) };
    };

    // Stripe: one Checkout Session paid (both paid events).
    const stripe = new StripeSimulator({ ...stripeSecrets, webhookUrl: capture.notifyUrl('stripe') });
    const stripeMerchant = new StripeClient({
      secretKey: stripeSecrets.secretKey,
      apiBaseUrl: await stripe.start(),
      maxNetworkRetries: 0,
    });
    simulators.push(stripe);
    for (const amount of [2_599, 100]) {
      const orderNo = harness.newOrderNo();
      await harness.knownOrder(orderNo, amount, 'USD');
      await stripeMerchant.createPayment({
        orderNo,
        amount: Money.of(amount, 'USD'),
        subject: 'Gift box',
        method: 'checkout',
        notifyUrl: harness.url('stripe'),
      });
      await stripe.pay(orderNo);
      (orders.stripe ??= []).push(orderNo);
    }

    for (const provider of PROVIDERS) plaintexts[provider] = capture.deliveries[provider] ?? [];
    plaintexts.wechatpay = plaintexts.wechatpay.map((delivery) => {
      const { resource } = JSON.parse(delivery.body.toString('utf8')) as {
        resource: { ciphertext: string; nonce: string; associated_data: string };
      };
      const plaintext = decryptWechatpayResource(
        { ciphertext: resource.ciphertext, nonce: resource.nonce, associatedData: resource.associated_data },
        WECHAT_API_V3_KEY,
      );
      return { headers: delivery.headers, body: Buffer.from(plaintext) };
    });

    // The genuine deliveries, sent once: they are the baseline every mutation is compared with.
    for (const provider of PROVIDERS) {
      const deliveries = capture.deliveries[provider] ?? [];
      expect(deliveries.length).toBeGreaterThanOrEqual(2);
      for (const delivery of deliveries) {
        const { status } = await sendWithFetch(harness.url(provider), {
          label: 'original',
          headers: delivery.headers,
          body: delivery.body,
          raw: false,
        });
        expect([provider, status]).toEqual([provider, ACKS[provider].status]);
      }
    }
  }, 120_000);

  afterAll(async () => {
    for (const simulator of simulators) await simulator.stop();
    await capture.stop();
    await harness?.stop();
    if (failures.length > 0) {
      console.error(`callback fuzz seed ${SEED}: ${failures.length} failures`);
    }
  });

  /** What the service stored and published for the fuzzed orders, and the orders themselves. */
  async function snapshot(provider: ProviderName): Promise<unknown> {
    const orderNos = orders[provider];
    const notifications: unknown[] = await harness.db.query(
      `SELECT id, notification_key, raw_body, order_no, trade_status, amount, currency, classification
       FROM provider_notifications WHERE provider = $1 OR order_no = ANY($2) ORDER BY id`,
      [provider, orderNos],
    );
    const outbox: unknown[] = await harness.db.query(
      `SELECT id, event_id, topic, message_key FROM outbox_events WHERE message_key = ANY($1) ORDER BY id`,
      [orderNos],
    );
    const knownOrders: unknown[] = await harness.db.query(
      'SELECT * FROM known_orders WHERE order_no = ANY($1) ORDER BY order_no',
      [orderNos],
    );
    return { notifications, outbox, knownOrders };
  }

  it.each(PROVIDERS)('%s: never a 5xx, nothing stored, no order changes', async (provider) => {
    const started = Date.now();
    const before = await snapshot(provider);
    const originals = capture.deliveries[provider];
    const random = new Random((SEED ^ (PROVIDERS.indexOf(provider) * 0x9e3779b9)) >>> 0);
    const cases = Array.from({ length: CASES_PER_PROVIDER }, () => mutate(provider, random.pick(originals), random));
    const url = harness.url(provider);
    const genuine = new Set(originals.map((o) => signedContent(provider, o.body)));
    const statuses: Record<string, number> = {};
    let next = 0;
    async function worker(): Promise<void> {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index];
        try {
          const { status, answer } = c.raw ? await sendRaw(url, c) : await sendWithFetch(url, c);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status >= 500 || status === 0) failures.push({ provider, index, label: c.label, status, answer });
          // An answer of success is right only for a body whose signed content is that of a genuine delivery.
          if (status >= 200 && status < 300 && !genuine.has(signedContent(provider, c.body))) {
            failures.push({
              provider,
              index,
              label: c.label,
              status,
              answer: `accepted: ${c.body.toString('latin1').slice(0, 200)}`,
            });
          }
        } catch (error) {
          const reason =
            error instanceof Error
              ? `${error.message} ${error.cause instanceof Error ? error.cause.message : ''}`
              : String(error);
          failures.push({ provider, index, label: c.label, status: 'no answer', answer: reason });
        }
      }
    }
    await Promise.all(Array.from({ length: PARALLEL }, worker));

    const live = await fetch(`${harness.baseUrl}/health/live`);
    const after = await snapshot(provider);
    const mine = failures.filter((f) => f.provider === provider);
    console.log(
      `${provider}: ${cases.length} cases in ${Date.now() - started} ms (seed ${SEED}), answers ${JSON.stringify(statuses)}`,
    );
    expect(mine.map((f) => `seed ${SEED} case #${f.index} [${f.label}] -> ${f.status} ${f.answer}`)).toEqual([]);
    expect(live.status).toBe(200);
    expect(after).toEqual(before);
  });
  // Content mutations signed afresh with the test keys: what the service does with a genuinely signed but odd
  // notification (amounts, statuses, ids, missing or repeated fields). Such cases may be stored and may even pay
  // an order, so they run last, on the orders above, and only availability is asserted: never a 5xx.
  it.each(['alipay', 'wechatpay', 'unionpay', 'stripe'] as const)(
    '%s, re-signed content mutations: never a 5xx',
    async (provider) => {
      const started = Date.now();
      const originals = plaintexts[provider];
      const random = new Random((SEED ^ ((0x51 + PROVIDERS.indexOf(provider)) * 0x85ebca6b)) >>> 0);
      const cases = Array.from({ length: RESIGNED_CASES_PER_PROVIDER }, () => {
        const original = random.pick(originals);
        const kinds = [3, 3, 3, 4, 5, 6, 9];
        return resign[provider](mutateContent(provider, original, random, random.pick(kinds)));
      });
      const url = harness.url(provider);
      const statuses: Record<string, number> = {};
      let next = 0;
      async function worker(): Promise<void> {
        while (next < cases.length) {
          const index = next++;
          const c = cases[index];
          try {
            const { status, answer } = await sendWithFetch(url, c);
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status >= 500) failures.push({ provider: `${provider}/signed`, index, label: c.label, status, answer });
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            failures.push({
              provider: `${provider}/signed`,
              index,
              label: c.label,
              status: 'no answer',
              answer: reason,
            });
          }
        }
      }
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      const live = await fetch(`${harness.baseUrl}/health/live`);
      console.log(
        `${provider} re-signed: ${cases.length} cases in ${Date.now() - started} ms (seed ${SEED}), answers ${JSON.stringify(statuses)}`,
      );
      const mine = failures.filter((f) => f.provider === `${provider}/signed`);
      expect(mine.map((f) => `seed ${SEED} signed case #${f.index} [${f.label}] -> ${f.status} ${f.answer}`)).toEqual(
        [],
      );
      expect(live.status).toBe(200);
    },
  );
});
