/**
 * The exact log events the Lambda Node.js runtime writes to the function's log group, in both log formats, for what a
 * handler does: `console.log(...)` and throwing an error. Modelled on the runtime interface client
 * (aws/aws-lambda-nodejs-runtime-interface-client: `src/logging/formatter.ts` `formatTextMessage` and
 * `formatJsonMessage` with `jsonErrorReplacer`, `src/logging/log-patch.ts` `textErrorLogger`/`jsonErrorLogger`,
 * `src/utils/error.ts` `toFormatted`), so that tests can put the lines the function really produces through the
 * metric filters the construct synthesizes.
 *
 * - Text: `<timestamp>\t<requestId>\t<LEVEL>\t<util.format(...args)>`; a thrown error is
 *   `console.error('Invoke Error', '\t' + JSON.stringify(error with its own enumerable properties))`.
 * - JSON: `{"timestamp":...,"level":...,"requestId":...,"message":...}`, where `message` is the single argument as
 *   is (a string stays a string, an object is nested, an error becomes `{errorType, errorMessage, stackTrace, ...own
 *   properties}`), or `util.format(...args)` for several arguments; a thrown error is `console.error(error)`.
 */
import { format } from 'node:util';

/** Lambda's two log formats (`LoggingConfig.LogFormat`, `AWS_LAMBDA_LOG_FORMAT`). */
export type LogFormat = 'Text' | 'JSON';

/** The log levels a line can carry. */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

/** Per-line values the runtime adds. */
export interface LineContext {
  readonly timestamp?: string;
  readonly requestId?: string;
}

const DEFAULT_TIMESTAMP = '2026-12-02T08:00:00.000Z';
const DEFAULT_REQUEST_ID = '0f9e4a6c-1b2d-4c3e-8f70-9a1b2c3d4e5f';

/** The log event for `console.log(...args)` (`console.log` is `console.info`: level INFO), or another level. */
export function consoleLine(logFormat: LogFormat, args: readonly unknown[], level: LogLevel = 'INFO', context: LineContext = {}): string {
  const timestamp = context.timestamp ?? DEFAULT_TIMESTAMP;
  const requestId = context.requestId ?? DEFAULT_REQUEST_ID;
  if (logFormat === 'Text') return [timestamp, requestId, level, format(...args)].join('\t');
  const result: Record<string, unknown> = { timestamp, level, requestId };
  if (args.length === 1) {
    result.message = args[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch {
      result.message = format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = format(...args);
  for (const arg of args) {
    if (arg instanceof Error) {
      result.errorType = arg.constructor?.name ?? 'UnknownError';
      result.errorMessage = arg.message;
      result.stackTrace = typeof arg.stack === 'string' ? arg.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

/** The ERROR log event the runtime writes when the handler throws (or rejects with) `thrown`. */
export function invokeErrorLine(logFormat: LogFormat, thrown: unknown, context: LineContext = {}): string {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  if (logFormat === 'JSON') return consoleLine('JSON', [error], 'ERROR', context);
  return consoleLine('Text', ['Invoke Error', toFormatted(error)], 'ERROR', context);
}

/** The runtime's `toFormatted`: a tab, then the error as JSON with its own enumerable properties and split stack. */
function toFormatted(error: Error): string {
  return '\t' + JSON.stringify(error, (_key, value: unknown) => {
    if (!(value instanceof Error)) return value;
    const out: Record<string, unknown> = {
      errorType: value.name,
      errorMessage: value.message,
      code: (value as Error & { code?: unknown }).code,
      ...value,
    };
    if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
    return out;
  });
}

/** The runtime's `jsonErrorReplacer`. */
function jsonErrorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return Object.assign(
    {
      errorType: value.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
    },
    value,
  );
}
