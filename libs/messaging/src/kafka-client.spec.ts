import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kafkaSettings, kafkaSettingsFromEnv } from './kafka-client';

describe('kafkaSettings', () => {
  const base = { KAFKA_BROKERS: 'a:9093, b:9093', KAFKA_TOPIC_PREFIX: 'shop' };

  it('is plaintext without SASL by default', () => {
    expect(kafkaSettings(base, 'svc')).toEqual({ brokers: ['a:9093', 'b:9093'], clientId: 'svc', topicPrefix: 'shop' });
  });

  it('trusts the system CAs with KAFKA_SSL alone, and exactly the given CA with KAFKA_SSL_CA', () => {
    expect(kafkaSettings({ ...base, KAFKA_SSL: true }, 'svc').ssl).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-ca-'));
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(kafkaSettings({ ...base, KAFKA_SSL: 'true', KAFKA_SSL_CA: ca }, 'svc').ssl).toEqual({
      ca: fs.readFileSync(ca, 'utf8'),
    });
    fs.rmSync(dir, { recursive: true });
  });

  it('maps each SASL mechanism, case-insensitively', () => {
    for (const mechanism of ['plain', 'SCRAM-SHA-256', 'scram-sha-512']) {
      const settings = kafkaSettings(
        { ...base, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
        'svc',
      );
      expect(settings.sasl).toEqual({ mechanism: mechanism.toLowerCase(), username: 'u', password: 'p' });
    }
  });

  it('refuses incomplete SASL settings without echoing the password', () => {
    const call = () =>
      kafkaSettings({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'hunter2-secret' }, 'svc');
    expect(call).toThrow('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required');
    expect(() => kafkaSettings({ ...base, KAFKA_SASL_MECHANISM: 'oauthbearer' }, 'svc')).toThrow(
      'KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512',
    );
  });

  it('reads the scripts settings from the same variable names as the services', () => {
    const settings = kafkaSettingsFromEnv(
      { KAFKA_SSL: '1', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'dlq',
    );
    expect(settings).toMatchObject({ brokers: ['127.0.0.1:9092'], ssl: true, sasl: { mechanism: 'plain' } });
  });
});
