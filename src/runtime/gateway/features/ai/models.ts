// Model names on AI routes: `<provider>/<model>` (openai/gpt-4.1-mini), the route's allow list
// (globs with `*`), and the order models are tried in (the requested or default one, then the
// fallbacks). Pure.
import type { AiRouteConfig } from '../../../contract/index.js';

export interface ModelRef {
  /** `<provider>/<model>` as written. */
  id: string;
  provider: string;
  /** The provider's own model name (sent to it). */
  model: string;
}

export function parseModelRef(id: string): ModelRef | null {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) return null;
  return { id, provider: id.slice(0, slash), model: id.slice(slash + 1) };
}

/** `*` matches any run of characters (slashes included); everything else is literal. */
export function globMatch(glob: string, text: string): boolean {
  const parts = glob.split('*');
  if (parts.length === 1) return glob === text;
  if (!text.startsWith(parts[0]!) || !text.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  const end = text.length - parts[parts.length - 1]!.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = text.indexOf(parts[i]!, at);
    if (found === -1 || found + parts[i]!.length > end) return false;
    at = found + parts[i]!.length;
  }
  return at <= end;
}

/** The default and the fallbacks are always allowed; anything else must match an `allow` glob. */
export function isAllowed(config: AiRouteConfig, id: string): boolean {
  if (id === config.models.default || config.fallback.includes(id)) return true;
  return config.models.allow.some((glob) => globMatch(glob, id));
}

/** The models to try, in order: the one asked for (or the default), then the fallbacks not yet in the list. */
export function attemptOrder(config: AiRouteConfig, requested: string): string[] {
  const order = [requested];
  for (const f of config.fallback) if (!order.includes(f)) order.push(f);
  return order;
}
