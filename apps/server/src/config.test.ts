import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configVariables, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has working defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: './data', MESSAGE_MAX_LENGTH: 5000 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.CORS_ORIGINS).toEqual([]);
  });

  it('reads the OpenTelemetry variables: off by default, headers parsed, grpc refused', () => {
    const off = loadConfig({});
    expect(off.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(off.OTEL_SERVICE_NAME).toBe('parley');
    expect(off.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/protobuf');
    const on = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%2Cb%3Dc, x-team=chat',
    });
    expect(on.OTEL_EXPORTER_OTLP_HEADERS).toEqual({ 'api-key': 'a,b=c', 'x-team': 'chat' });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/4318/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toThrow(
      /OTEL_EXPORTER_OTLP_HEADERS/,
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://x:4317' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });

  it('names every invalid variable', () => {
    const attempt = () =>
      loadConfig({
        PORT: 'x',
        DATABASE_URL: 'mysql://db',
        JWT_SECRET: 'short',
        TRUST_PROXY: 'maybe',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*JWT_SECRET[\s\S]*DATABASE_URL[\s\S]*TRUST_PROXY/);
  });

  it('requires JWT_SECRET in production and parses lists', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });

  it('keeps S3 settings consistent and defaults file limits', () => {
    const defaults = loadConfig({});
    expect(defaults.UPLOAD_MAX_BYTES).toBe(26_214_400);
    expect(defaults.S3_BUCKET).toBeUndefined();
    expect(() => loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(
      /S3_ENDPOINT: needs S3_BUCKET/,
    );
    expect(() => loadConfig({ S3_BUCKET: 'files', S3_ACCESS_KEY_ID: 'key' })).toThrow(
      /S3_ACCESS_KEY_ID: set together with S3_SECRET_ACCESS_KEY/,
    );
    expect(() => loadConfig({ UPLOAD_MAX_BYTES: '0' })).toThrow(/UPLOAD_MAX_BYTES/);
    const s3 = loadConfig({ S3_BUCKET: 'files', S3_ENDPOINT: 'http://127.0.0.1:9000' });
    expect(s3).toMatchObject({ S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: true });
  });

  it('bounds the group and broadcast limits', () => {
    expect(loadConfig({})).toMatchObject({
      GROUP_MAX_MEMBERS: 1000,
      BROADCAST_MAX_RECIPIENTS: 256,
    });
    expect(() => loadConfig({ BROADCAST_MAX_RECIPIENTS: '5000' })).toThrow(
      /BROADCAST_MAX_RECIPIENTS/,
    );
    expect(() => loadConfig({ GROUP_MAX_MEMBERS: '0' })).toThrow(/GROUP_MAX_MEMBERS/);
  });

  it('bounds the group-commit window: 0 (commit at once) to 100 ms', () => {
    expect(loadConfig({}).SEND_BATCH_WINDOW_MS).toBe(4);
    expect(loadConfig({ SEND_BATCH_WINDOW_MS: '0' }).SEND_BATCH_WINDOW_MS).toBe(0);
    expect(() => loadConfig({ SEND_BATCH_WINDOW_MS: '101' })).toThrow(/SEND_BATCH_WINDOW_MS/);
    expect(() => loadConfig({ SEND_BATCH_WINDOW_MS: '-1' })).toThrow(/SEND_BATCH_WINDOW_MS/);
    expect(() => loadConfig({ SEND_BATCH_WINDOW_MS: '2.5' })).toThrow(/SEND_BATCH_WINDOW_MS/);
  });

  it('opens loopback to the link-preview fetcher only for test suites', () => {
    expect(loadConfig({}).LINK_PREVIEWS).toBe(true);
    expect(loadConfig({}).LINK_PREVIEW_TEST_ALLOW).toEqual([]);
    expect(
      loadConfig({ NODE_ENV: 'test', LINK_PREVIEW_TEST_ALLOW: '127.0.0.1:8080' })
        .LINK_PREVIEW_TEST_ALLOW,
    ).toEqual(['127.0.0.1:8080']);
    for (const NODE_ENV of ['production', 'development']) {
      expect(() =>
        loadConfig({
          NODE_ENV,
          JWT_SECRET: 'x'.repeat(32),
          METRICS_TOKEN: 'x'.repeat(32),
          LINK_PREVIEW_TEST_ALLOW: '127.0.0.1:8080',
        }),
      ).toThrow(/LINK_PREVIEW_TEST_ALLOW: only allowed when NODE_ENV=test/);
    }
    // Only loopback pairs, even in tests: private ranges stay closed.
    expect(() => loadConfig({ NODE_ENV: 'test', LINK_PREVIEW_TEST_ALLOW: '10.0.0.1:80' })).toThrow(
      /LINK_PREVIEW_TEST_ALLOW/,
    );
  });

  it('checks mail, webhook and Web Push settings, which only work together', () => {
    const vapid = {
      VAPID_PUBLIC_KEY: Buffer.alloc(65, 4).toString('base64url'),
      VAPID_PRIVATE_KEY: Buffer.alloc(32, 1).toString('base64url'),
      VAPID_SUBJECT: 'mailto:ops@example.com',
    };
    const config = loadConfig({
      SMTP_URL: 'smtps://u:p@mail.example.com',
      MAIL_FROM: 'a@b.c',
      ...vapid,
    });
    expect(config).toMatchObject({ NOTIFICATION_PREVIEW: false, NOTIFY_MAX_ATTEMPTS: 12 });
    expect(config.PUSH_ENDPOINT_HOSTS).toContain('fcm.googleapis.com');
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example.com' })).toThrow(/MAIL_FROM/);
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com', MAIL_FROM: 'a@b.c' })).toThrow(
      /SMTP_URL/,
    );
    expect(() => loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/parley' })).toThrow(
      /WEBHOOK_SECRET/,
    );
    expect(() =>
      loadConfig({ WEBHOOK_URL: 'ftp://hooks.example.com', WEBHOOK_SECRET: 'x'.repeat(32) }),
    ).toThrow(/WEBHOOK_URL/);
    expect(() => loadConfig({ ...vapid, VAPID_SUBJECT: undefined })).toThrow(/VAPID_SUBJECT/);
    expect(() => loadConfig({ ...vapid, VAPID_PRIVATE_KEY: 'c2hvcnQ' })).toThrow(
      /VAPID_PRIVATE_KEY/,
    );
    expect(() => loadConfig({ NOTIFY_RETRY_BASE_MS: '5000', NOTIFY_RETRY_MAX_MS: '10' })).toThrow(
      /NOTIFY_RETRY_BASE_MS/,
    );
  });
});

describe('configuration docs', () => {
  it('lists every variable in .env.example and docs/configuration.md', () => {
    const root = new URL('../../../', import.meta.url);
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    const docs = readFileSync(new URL('docs/configuration.md', root), 'utf8');
    const missing = configVariables.filter(
      (name) => !new RegExp(`^#? ?${name}=`, 'm').test(example) || !docs.includes(`\`${name}\``),
    );
    expect(missing).toEqual([]);
  });
});
