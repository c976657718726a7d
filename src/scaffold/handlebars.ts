// Handlebars set up for source files, not HTML: no HTML escaping, `strict: true` so a missing
// variable is an error instead of an empty string, and the prototype-access protections left
// at their safe defaults. Values reach the output through format-aware helpers
// ({{json x}}, {{yaml x}}, {{oneline x}}) or are validated DNS-safe names and numbers.
import Handlebars from 'handlebars';
import { PorticoError } from '../core/errors.js';

const hb = Handlebars.create();

/** JSON value (string quoted and escaped); safe inside .json, .ts and .js files. */
hb.registerHelper('json', (value: unknown) => {
  if (value === undefined) throw new Error('json helper: value is undefined');
  return JSON.stringify(value);
});

/**
 * YAML scalar. JSON is a subset of YAML 1.2, so a JSON string is a double-quoted YAML scalar
 * with every special character escaped: quotes, newlines, `#`, `: ` cannot break the document.
 */
hb.registerHelper('yaml', (value: unknown) => {
  if (value === undefined) throw new Error('yaml helper: value is undefined');
  return JSON.stringify(value);
});

/** Text on one line (newlines and runs of whitespace collapsed), for Markdown headings and comments. */
hb.registerHelper('oneline', (value: unknown) => String(value).replace(/\s+/g, ' ').trim());

const cache = new Map<string, HandlebarsTemplateDelegate>();

/** Renders `text` with `vars`; `source` names the template file in error messages. */
export function renderTemplateText(text: string, vars: Record<string, unknown>, source: string): string {
  // Most template files (the services' source code) hold no mustache at all: compiling them
  // would cost handlebars' parser for an identical result, and most of `create`'s time.
  if (!text.includes('{{')) return text;
  let template = cache.get(text);
  if (!template) {
    template = hb.compile(text, { strict: true, noEscape: true });
    cache.set(text, template);
  }
  try {
    return template(vars);
  } catch (error) {
    // A template bug (unknown variable or helper), not a user mistake: exit 1 with the file.
    throw new PorticoError(`cannot render template file ${source}: ${(error as Error).message}`, {
      hint: 'The template is broken; report it (or fix it if it is your own template).',
      cause: error,
    });
  }
}
