import { ParleyError } from '@parley/sdk';

/** A sentence for the user: the server's message, or the first validation issue. */
export function errorText(error: unknown): string {
  if (error instanceof ParleyError) {
    const issue = error.issues?.[0] as { path?: unknown[]; message?: string } | undefined;
    if (issue?.message) {
      const field = issue.path?.length ? `${issue.path.join('.')}: ` : '';
      return `${field}${issue.message}`;
    }
    if (error.code === 'NETWORK_ERROR') return 'The server cannot be reached. Try again.';
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
