// The registry API as a hand-written OpenAPI 3.1 document, served at /openapi.json.
// Kept next to server.ts; test/integration/registry-api checks every path here is routed.

const error = { $ref: '#/components/schemas/Error' };
const json = (schema: object) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(error) });
const pathParams = [
  { name: 'service', in: 'path', required: true, description: 'Service name (a DNS label).', schema: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' } },
  { name: 'id', in: 'path', required: true, description: 'Instance id: the container name, DNS-safe.', schema: { type: 'string', maxLength: 253 } },
];
const bearer = [{ bearer: [] }];

export function openApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Portico service registry',
      version,
      description:
        'Which instances of which service are alive in a Portico stack. Instances register themselves, heartbeat within a TTL and are probed on their health path (HTTP) or port (TCP). Status: warning (not yet proven healthy), passing, critical. Writes need the stack token.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The per-stack token (env PORTICO_REGISTRY_TOKEN).' } },
      schemas: {
        Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string', description: 'Machine-readable code.' }, message: { type: 'string', description: 'The reason, for humans.' } } },
        Registration: {
          type: 'object',
          additionalProperties: false,
          required: ['address', 'port'],
          properties: {
            address: { type: 'string', maxLength: 253, description: 'IP on the stack network, loopback, or a container name of the project.' },
            port: { type: 'integer', minimum: 1, maximum: 65535 },
            version: { type: 'string', maxLength: 64 },
            metadata: { type: 'object', maxProperties: 32, additionalProperties: { type: 'string', maxLength: 256 } },
            healthPath: { type: 'string', maxLength: 256, description: 'Overrides the service health path from discovery.json.' },
            ttlMs: { type: 'integer', minimum: 1000, maximum: 600000, description: 'Heartbeat TTL; defaults to the service TTL.' },
          },
        },
        Instance: {
          type: 'object',
          required: ['service', 'id', 'address', 'port', 'version', 'metadata', 'status', 'source', 'registeredAt', 'lastCheck'],
          properties: {
            service: { type: 'string' },
            id: { type: 'string' },
            address: { type: 'string' },
            port: { type: 'integer' },
            version: { type: ['string', 'null'] },
            metadata: { type: 'object', additionalProperties: { type: 'string' } },
            status: { $ref: '#/components/schemas/Status' },
            source: { enum: ['self', 'static'], description: 'self = registered by the instance; static = seeded from discovery.json.' },
            registeredAt: { type: 'string', format: 'date-time' },
            lastCheck: {
              oneOf: [{ type: 'null' }, { type: 'object', required: ['at', 'status', 'output'], properties: { at: { type: 'string', format: 'date-time' }, status: { $ref: '#/components/schemas/Status' }, output: { type: 'string' } } }],
            },
          },
        },
        Status: { enum: ['passing', 'warning', 'critical'] },
        Snapshot: { type: 'object', required: ['index', 'services'], properties: { index: { type: 'integer' }, services: { type: 'object', additionalProperties: { type: 'array', items: { $ref: '#/components/schemas/Instance' } } } } },
        Change: { type: 'object', required: ['index', 'service', 'instances'], properties: { index: { type: 'integer' }, service: { type: 'string' }, instances: { type: 'array', items: { $ref: '#/components/schemas/Instance' } } } },
      },
    },
    paths: {
      '/v1/services': {
        get: { summary: 'Every service with its instances', responses: { '200': { description: 'The catalog', content: json({ $ref: '#/components/schemas/Snapshot' }) } } },
      },
      '/v1/services/{service}': {
        parameters: [pathParams[0]],
        get: {
          summary: 'One service with its instances, their status and last check',
          responses: {
            '200': { description: 'The service', content: json({ type: 'object', required: ['index', 'service', 'instances'], properties: { index: { type: 'integer' }, service: { type: 'string' }, instances: { type: 'array', items: { $ref: '#/components/schemas/Instance' } } } }) },
            '404': errorResponse('No such service'),
          },
        },
      },
      '/v1/services/{service}/instances/{id}': {
        parameters: pathParams,
        get: { summary: 'One instance', responses: { '200': { description: 'The instance', content: json({ type: 'object', properties: { index: { type: 'integer' }, instance: { $ref: '#/components/schemas/Instance' } } }) }, '404': errorResponse('Not registered') } },
        put: {
          summary: 'Register or refresh an instance',
          description: 'Creates the instance (201) or refreshes it (200). A new instance is `warning` until its first health probe passes; it is probed right away. Answer includes the TTL to heartbeat within.',
          security: bearer,
          requestBody: { required: true, content: json({ $ref: '#/components/schemas/Registration' }) },
          responses: {
            '200': { description: 'Refreshed', content: json({ type: 'object', properties: { index: { type: 'integer' }, instance: { $ref: '#/components/schemas/Instance' }, ttlMs: { type: 'integer' } } }) },
            '201': { description: 'Registered', content: json({ type: 'object', properties: { index: { type: 'integer' }, instance: { $ref: '#/components/schemas/Instance' }, ttlMs: { type: 'integer' } } }) },
            '400': errorResponse('Invalid name, address, port, metadata or body (nothing changed)'),
            '401': errorResponse('Missing or wrong token'),
          },
        },
        delete: { summary: 'Deregister an instance', security: bearer, responses: { '204': { description: 'Removed' }, '401': errorResponse('Missing or wrong token'), '404': errorResponse('Not registered') } },
      },
      '/v1/services/{service}/instances/{id}/heartbeat': {
        parameters: pathParams,
        put: {
          summary: 'Renew the TTL',
          security: bearer,
          responses: {
            '200': { description: 'Renewed', content: json({ type: 'object', properties: { index: { type: 'integer' }, status: { $ref: '#/components/schemas/Status' }, ttlMs: { type: 'integer' } } }) },
            '401': errorResponse('Missing or wrong token'),
            '404': errorResponse('Not registered (e.g. the registry restarted): register again'),
          },
        },
      },
      '/v1/watch': {
        get: {
          summary: 'Server-sent events: a snapshot, then one event per change',
          description:
            'Every event carries `id: <index>` (monotonic, starting at the registry boot time in ms so it keeps increasing across restarts). First `event: snapshot` with a Snapshot; with a `Last-Event-ID` header (or `lastEventId` query parameter) still covered by the history, only the `event: change` events after it. Then one `event: change` (a Change: the service\'s full instance list) per change. `: ping` comments keep the stream alive.',
          parameters: [
            { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } },
            { name: 'lastEventId', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
        },
      },
      '/v1/health': {
        get: { summary: "The registry's own health", responses: { '200': { description: 'Up', content: json({ type: 'object', properties: { status: { const: 'ok' }, version: { type: 'string' }, index: { type: 'integer' }, watchers: { type: 'integer' } } }) } } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
    },
  };
}
