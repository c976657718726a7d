// A small JSON logger: one object per line on stdout ({"level","time","msg",...}), the same
// shape pino writes, so `portico logs` and log collectors read every service alike.
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function createLogger(options: { level?: string; write?: (line: string) => void } = {}): Logger {
  const min = LEVELS[(options.level ?? 'info') as Level] ?? LEVELS.info;
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const at = (level: Level) => (obj: object, msg?: string) => {
    if (LEVELS[level] < min) return;
    write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), pid: process.pid, ...obj, msg })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger({ write: () => {} });
