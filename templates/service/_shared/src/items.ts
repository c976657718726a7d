// The example resource: an in-memory list of items. Replace it with your own domain code.
// Kept framework-free so the HTTP layer (src/app.ts) stays thin and this is easy to test.
import { randomUUID } from 'node:crypto';

export interface Item {
  id: string;
  name: string;
  createdAt: string;
}

export type ParseResult = { ok: true; value: { name: string } } | { ok: false; error: string };

export const MAX_NAME_LENGTH = 200;

/** JSON schemas of an item and of an error answer, for the API document (and, on Fastify, validation). */
export const ITEM_JSON_SCHEMA = {
  type: 'object',
  required: ['id', 'name', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;
export const ERROR_JSON_SCHEMA = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } } as const;

/** Checks a POST /items body; returns a message for a 400 when it is not acceptable. */
export function parseItemInput(body: unknown): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'body must be a JSON object like {"name": "..."}' };
  }
  const name = (body as Record<string, unknown>).name;
  if (typeof name !== 'string' || name.trim() === '') return { ok: false, error: '"name" must be a non-empty string' };
  if (name.length > MAX_NAME_LENGTH) return { ok: false, error: `"name" must be at most ${MAX_NAME_LENGTH} characters` };
  return { ok: true, value: { name: name.trim() } };
}

export class ItemStore {
  private readonly items = new Map<string, Item>();

  list(): Item[] {
    return [...this.items.values()];
  }

  get(id: string): Item | undefined {
    return this.items.get(id);
  }

  add(input: { name: string }): Item {
    const item: Item = { id: randomUUID(), name: input.name, createdAt: new Date().toISOString() };
    this.items.set(item.id, item);
    return item;
  }

  remove(id: string): boolean {
    return this.items.delete(id);
  }
}
