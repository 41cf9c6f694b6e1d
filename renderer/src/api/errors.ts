import type { ApiErrorCode } from '../../../shared/api/contract';

/** Every failed call the UI sees: a host error, a lost connection or a timeout, with a readable message. */
export class ApiCallError extends Error {
  constructor(
    readonly code: ApiErrorCode | 'disconnected' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/** A short text for a toast or an inline error, whatever was thrown. */
export function errorText(err: unknown): string {
  if (err instanceof ApiCallError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
