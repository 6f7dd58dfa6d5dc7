import { pino, type Logger } from 'pino';

// One root logger, JSON to stderr (stdout carries results). Modules take a child: log.child({ module: 'sadp' }).
// Credentials never reach a log line.
export function createRootLogger(level: string = process.env.CAMAUDIT_LOG_LEVEL ?? 'warn'): Logger {
  return pino(
    {
      level,
      base: { app: 'camaudit' },
      redact: { paths: ['password', '*.password', 'token', '*.token', 'credentials', '*.credentials', 'headers.authorization'], censor: '[redacted]' },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

export type { Logger };
