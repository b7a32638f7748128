import pino from 'pino';

/** JSON logs. Redaction is a safety net; the code never logs tokens, passwords or text. */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  const options = {
    level,
    base: { service: 'parley' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.token',
        '*.accessToken',
        '*.refreshToken',
        '*.text',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type AppLogger = ReturnType<typeof createLogger>;
