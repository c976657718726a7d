// The OpenAPI validator (@readme/openapi-parser), kept in its own module: it is larger than
// the rest of the gateway, so the build emits it as a separate file (gateway-openapi.mjs)
// that the gateway imports only when a document needs validating (see scripts/build.mjs).
import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenApiDocument } from './public-document.js';

export type Validation = { ok: true; document: OpenApiDocument; warnings: string[] } | { ok: false; error: string };

/** Parser messages beyond this are cut: they are shown in the catalog and CLI. */
const MAX_ERROR_CHARS = 4000;

/** Validates an OpenAPI 3.0/3.1 document. External $refs are refused: the gateway never fetches what a document points at. */
export async function validateOpenApi(document: unknown): Promise<Validation> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return { ok: false, error: 'the document is not a JSON object' };
  const version = (document as Record<string, unknown>).openapi;
  if (typeof version !== 'string' || !/^3\.[01]\.\d+$/.test(version)) {
    return { ok: false, error: `not an OpenAPI 3.0 or 3.1 document ("openapi" is ${JSON.stringify(version ?? null)}; Swagger 2.0 is not supported)` };
  }
  try {
    // The parser dereferences in place: it gets a copy, the catalog keeps the original $refs.
    const result = await validate(structuredClone(document) as never, {
      resolve: { external: false },
      validate: { errors: { colorize: false } },
    });
    if (result.valid) return { ok: true, document: document as OpenApiDocument, warnings: result.warnings.map((w) => w.message) };
    return { ok: false, error: truncate(compileErrors(result)) };
  } catch (error) {
    return { ok: false, error: truncate(`the OpenAPI parser refused the document: ${(error as Error).message}`) };
  }
}

function truncate(message: string): string {
  return message.length <= MAX_ERROR_CHARS ? message : `${message.slice(0, MAX_ERROR_CHARS)}… (truncated)`;
}
