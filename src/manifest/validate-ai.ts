// Semantic checks of `gateway.ai` (docs/ai.md): what the schema cannot say on its own. Models
// name configured providers, AI paths collide neither with each other nor with service routes,
// auth and quotas have credentials to key by, prompt templates parse and input schemas are
// JSON Schemas the gateway can check. Pure; each problem names its manifest path.
import Handlebars from 'handlebars';
import * as z from 'zod';
import { AI_SERVICE } from '../runtime/contract/index.js';
import { normalizeRoutePath } from './routes.js';
import type { Manifest } from './schema.js';

type ManifestPath = (string | number)[];
interface Problem {
  path: ManifestPath;
  message: string;
}


export function checkAi(m: Manifest): Problem[] {
  const ai = m.gateway.ai;
  if (ai === undefined) return [];
  const problems: Problem[] = [];
  const providers = Object.keys(ai.providers);
  const { apiKeys, jwt } = m.gateway.auth;
  const modelNeeds = (id: string, at: ManifestPath): void => {
    const provider = id.slice(0, id.indexOf('/'));
    if (!providers.includes(provider)) problems.push({ path: at, message: `model "${id}" names provider "${provider}", which gateway.ai.providers does not define (known: ${providers.join(', ') || 'none'}).` });
  };
  const callNeeds = (spec: { auth: string; fallback: string[]; tokenLimit?: { by: string } }, at: ManifestPath): void => {
    spec.fallback.forEach((f, i) => modelNeeds(f, [...at, 'fallback', i]));
    if (spec.auth !== 'none' && apiKeys.length === 0 && !jwt) problems.push({ path: [...at, 'auth'], message: `auth: ${spec.auth} needs credentials to check: add gateway.auth.apiKeys or gateway.auth.jwt, or set auth: none.` });
    const by = spec.tokenLimit?.by;
    if (by === 'apiKey' && apiKeys.length === 0) problems.push({ path: [...at, 'tokenLimit', 'by'], message: 'a token limit by apiKey needs API keys: add gateway.auth.apiKeys, or use by: ip.' });
    if (by === 'subject' && !jwt) problems.push({ path: [...at, 'tokenLimit', 'by'], message: 'a token limit by subject needs JWT: configure gateway.auth.jwt, or use by: ip.' });
  };
  if (m.services[AI_SERVICE] !== undefined) problems.push({ path: ['services', AI_SERVICE], message: 'the service name "ai" is taken by gateway.ai routes (their ids are ai#<n>); rename the service.' });

  const servicePaths = new Map<string, string>();
  for (const [name, spec] of Object.entries(m.services)) spec.routes.forEach((r, i) => servicePaths.set(normalizeRoutePath(r.path), `services.${name}.routes.${i}`));
  const aiPaths = new Map<string, string>();
  const claimPath = (path: string, at: ManifestPath): void => {
    const clash = servicePaths.get(path) ?? aiPaths.get(path);
    if (clash !== undefined) problems.push({ path: at, message: `path ${path} collides with ${clash}; give one of them another path.` });
    aiPaths.set(path, at.join('.'));
  };

  ai.routes.forEach((r, i) => {
    const at = ['gateway', 'ai', 'routes', i];
    claimPath(normalizeRoutePath(r.path), [...at, 'path']);
    modelNeeds(r.models.default, [...at, 'models', 'default']);
    r.models.allow.forEach((glob, j) => {
      if (!glob.includes('/')) problems.push({ path: [...at, 'models', 'allow', j], message: `"${glob}" must be <provider>/<model> (globs: openai/*, anthropic/claude-*).` });
    });
    callNeeds(r, at);
  });
  for (const [name, p] of Object.entries(ai.prompts)) {
    const at = ['gateway', 'ai', 'prompts', name];
    claimPath(`/ai/${name}`, at);
    modelNeeds(p.model, [...at, 'model']);
    callNeeds(p, at);
    for (const key of ['prompt', 'system'] as const) {
      const template = p[key];
      if (template === undefined) continue;
      try {
        Handlebars.parse(template);
      } catch (error) {
        problems.push({ path: [...at, key], message: `the handlebars template does not parse: ${(error as Error).message.split('\n')[0]}` });
      }
    }
    try {
      z.fromJSONSchema(p.input as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (error) {
      problems.push({ path: [...at, 'input'], message: `not a JSON Schema the gateway can check: ${(error as Error).message}` });
    }
  }
  return problems;
}
