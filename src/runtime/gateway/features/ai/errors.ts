// The errors AI routes answer with, in OpenAI's shape (`{"error":{"message","type","code"}}`),
// since their clients are OpenAI SDKs that parse exactly that. One table, so the statuses are
// documented in one place (docs/ai.md, "Errors"). Messages never carry a provider key or a stack.

export interface AiErrorKind {
  status: number;
  type: 'invalid_request_error' | 'rate_limit_error' | 'api_error' | 'timeout_error';
  code: string;
}

export const AiErrors = {
  invalidJson: { status: 400, type: 'invalid_request_error', code: 'invalid_json' },
  invalidRequest: { status: 400, type: 'invalid_request_error', code: 'invalid_request' },
  invalidModel: { status: 400, type: 'invalid_request_error', code: 'invalid_model' },
  modelNotAllowed: { status: 403, type: 'invalid_request_error', code: 'model_not_allowed' },
  modelNotFound: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  tooLarge: { status: 413, type: 'invalid_request_error', code: 'request_too_large' },
  quotaExceeded: { status: 429, type: 'rate_limit_error', code: 'token_quota_exceeded' },
  providerRateLimited: { status: 429, type: 'rate_limit_error', code: 'provider_rate_limited' },
  providerError: { status: 502, type: 'api_error', code: 'provider_error' },
  providerAuth: { status: 502, type: 'api_error', code: 'provider_auth_failed' },
  providerUnavailable: { status: 503, type: 'api_error', code: 'provider_unavailable' },
  providerTimeout: { status: 504, type: 'timeout_error', code: 'provider_timeout' },
} as const satisfies Record<string, AiErrorKind>;

export function aiErrorBody(kind: AiErrorKind, message: string): string {
  return JSON.stringify({ error: { message, type: kind.type, code: kind.code } });
}

/** A provider's own 4xx error relayed (its status kept), its message scrubbed by the caller. */
export function relayedErrorBody(status: number, message: string, code: string | null): string {
  return JSON.stringify({ error: { message, type: status === 429 ? 'rate_limit_error' : 'invalid_request_error', code: code ?? `provider_${status}` } });
}
