// Defaults the schema fills in and compile/ falls back on when a block is absent: written once
// so the JSON Schema editors see, the parsed Manifest and the generated files cannot disagree.

/** A service's health check when its `health` block (or one of its keys) is absent. */
export const HEALTH_DEFAULTS = { path: '/healthz', interval: '2s', timeout: '1s', retries: 3, startPeriod: '10s' } as const;

/** The gateway's upstream timeouts when `gateway.timeouts` (or one of its keys) is absent. */
export const TIMEOUT_DEFAULTS = { connect: '2s', header: '30s', body: '30s' } as const;

/** The gateway's circuit breaker when `gateway.circuitBreaker` (or one of its keys) is absent. */
export const CIRCUIT_BREAKER_DEFAULTS = { failureThreshold: 5, resetAfter: '10s' } as const;
