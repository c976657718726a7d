// The images a Dockerfile needs before it can build: its FROM images (and COPY --from of an
// image), with ARG values substituted the way Docker does, minus `scratch` and references to
// earlier stages. Pure: the Dockerfile's text and the build args in, image references out.
// Portico checks these up front so a base image that is absent and cannot be pulled is one
// clear message (exit 3) instead of a raw engine error halfway through a build.

export interface DockerfileImages {
  /** External images, in the order the Dockerfile uses them, without duplicates. */
  images: string[];
  /** Stage names (lower case), in order. */
  stages: string[];
}

interface Instruction {
  keyword: string;
  args: string;
}

/** Lines joined at the escape character, comments and blank lines dropped. */
export function instructions(text: string): Instruction[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // A parser directive on the first lines may change the escape character (Windows images use `).
  let escape = '\\';
  for (const line of lines) {
    const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'escape') escape = directive[2]!;
  }
  const out: Instruction[] = [];
  let pending = '';
  for (const line of lines) {
    if (/^\s*#/.test(line)) continue; // comments (also inside a continued instruction)
    const trimmed = line.replace(/\s+$/, '');
    if (trimmed.endsWith(escape)) {
      pending += trimmed.slice(0, -escape.length) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '') continue;
    const m = /^(\S+)\s*(.*)$/s.exec(full)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]! });
  }
  if (pending.trim() !== '') {
    const m = /^(\S+)\s*(.*)$/s.exec(pending.trim())!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

/** $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alternative}, as Docker expands them in FROM. */
export function substitute(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced, op, word, bare) => {
    if (match === '\\$') return '$';
    const value = vars[braced ?? bare];
    if (op === '-') return value ? value : word;
    if (op === '+') return value ? word : '';
    return value ?? '';
  });
}

/** The images `text` pulls in, for a build with `buildArgs` up to `target` (all stages without one). */
export function dockerfileImages(text: string, buildArgs: Record<string, string> = {}, target?: string): DockerfileImages {
  const globals: Record<string, string | undefined> = {};
  const stages: string[] = [];
  const images: string[] = [];
  const add = (ref: string) => {
    if (ref && ref.toLowerCase() !== 'scratch' && !stages.includes(ref.toLowerCase()) && !images.includes(ref)) images.push(ref);
  };
  let seenFrom = false;
  for (const { keyword, args } of instructions(text)) {
    if (keyword === 'ARG' && !seenFrom) {
      // Only ARGs before the first FROM are visible to FROM; a build arg overrides the default.
      for (const decl of args.split(/\s+/).filter(Boolean)) {
        const [name, ...rest] = decl.split('=');
        const fallback = rest.length > 0 ? unquote(rest.join('=')) : undefined;
        globals[name!] = name! in buildArgs ? buildArgs[name!] : fallback;
      }
    } else if (keyword === 'FROM') {
      if (target !== undefined && stages.includes(target.toLowerCase())) break; // stages after the target are not built
      seenFrom = true;
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      add(substitute(words[0] ?? '', globals));
      stages.push(words.length >= 3 && words[1]!.toUpperCase() === 'AS' ? words[2]!.toLowerCase() : `#${stages.length}`);
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      const from = /(?:^|\s)--from=(\S+)/.exec(args)?.[1];
      if (from !== undefined && !/^\d+$/.test(from)) add(unquote(from));
    }
  }
  return { images, stages: stages.filter((s) => !s.startsWith('#')) };
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}
