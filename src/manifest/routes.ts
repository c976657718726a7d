// Route prefixes as the gateway matches them. Here because three layers need the same answer:
// the semantic checks (two routes collide), `create` (a route is taken) and compile/ (the
// spelling gateway.json carries). Pure.

/**
 * "/api/orders/", "//api/orders" and "/api/orders" are the same prefix: gateway.json carries
 * one spelling, so the gateway matches prefixes without re-normalising them.
 */
export function normalizeRoutePath(p: string): string {
  const collapsed = p.replace(/\/{2,}/g, '/');
  return collapsed.length > 1 ? collapsed.replace(/\/+$/, '') : collapsed;
}
