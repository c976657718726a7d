// A realistic manifest used by the compile snapshot tests: two template services (one with
// two replicas), a redis image, API keys and JWT, a gateway rate limit, CORS and a cached route.
export const SAMPLE_MANIFEST = `# yaml-language-server: $schema=./.portico/portico.schema.json
version: 1
name: shop
gateway:
  port: 8080
  auth:
    apiKeys: [{ name: ci, env: SHOP_CI_KEY }]
    jwt: { secretEnv: SHOP_JWT_SECRET, issuer: shop, algorithms: [HS256] }
  rateLimit: { requests: 600, per: 1m, by: ip }
  cors: { origins: ["http://localhost:5173"], credentials: true }
  trustedProxies: [10.0.0.0/8]
services:
  orders:
    template: node-fastify
    path: services/orders
    port: 3000
    replicas: 2
    routes:
      - { path: /api/orders, stripPrefix: true, auth: required, cache: { ttl: 10s } }
      - path: /api/orders/export
        methods: [POST]
        auth: required
        timeouts: { header: 2m }
        retries: 0
        maxBodySize: 10mb
        rateLimit: { requests: 10, per: 1h, by: apiKey }
    health: { path: /healthz, interval: 5s, timeout: 1s, retries: 3, startPeriod: 10s }
    env: { LOG_LEVEL: info }
    dependsOn: [users, cache]
  users:
    template: node-express
    path: services/users
    port: 4000
    routes:
      - { path: /api/users, auth: optional, rateLimit: false, cors: false }
    dependsOn: [cache]
  cache:
    image: redis:7
    port: 6379
`;
