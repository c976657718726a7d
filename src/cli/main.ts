// The one file that registers every command. Each command's code is lazy-imported from
// cli/commands/<name>.ts so `portico --help` loads nothing but commander.
import { Argument, Command, CommanderError, Option } from 'commander';
import { createContext, type CommandContext } from './context.js';
import { ExitCode, InterruptedError } from '../core/errors.js';
import { handleError } from './handle-error.js';
import { VERSION } from '../core/version.js';
import { writeJsonError } from './json-error.js';

export interface MainOptions {
  programName?: string;
  /** Test hooks: run in-process with captured streams and a scripted environment. */
  context?: Partial<Pick<CommandContext, 'env' | 'stdout' | 'stderr' | 'cwd'>> & { stdinIsTTY?: boolean };
}

/** Every command module exports `run(options, ctx)`; a number return is the exit code. */
type CommandModule = { run: (options: any, ctx: CommandContext) => Promise<number | void> };
type Loader = () => Promise<CommandModule>;

const EXAMPLES = `
Examples:
  $ portico init shop && cd shop          create a workspace
  $ portico create orders --route /api/orders
  $ portico up                            build, start and wait until healthy
  $ portico status --json                 what is running, as JSON
  $ portico down                          remove everything 'up' created

Exit codes: 0 ok, 1 operation failed, 2 invalid usage or manifest, 3 environment not ready.
Docs: README.md`;

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const programName = options.programName ?? 'portico';
  const abort = new AbortController();
  let exitCode: number = ExitCode.OK;
  let ctxForErrors: CommandContext | undefined;

  const onSigint = () => {
    if (abort.signal.aborted) process.exit(ExitCode.INTERRUPTED); // second Ctrl-C: leave now
    abort.abort(new InterruptedError());
  };
  process.on('SIGINT', onSigint);

  const program = new Command(programName)
    .description('Scaffold microservices, generate gateway and discovery config from portico.yaml, and run the whole stack on Docker.')
    .version(VERSION, '-v, --version', 'print the version')
    .option('-C, --cwd <dir>', 'run as if started in <dir>')
    .option('--no-color', 'disable colours (NO_COLOR is honoured too)')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride();

  const contextFor = (cmd: Command): CommandContext => {
    const globals = cmd.optsWithGlobals() as { cwd?: string; color?: boolean };
    const ctx = createContext({
      ...options.context,
      cwd: globals.cwd ?? options.context?.cwd,
      colorFlag: globals.color,
      programName,
      signal: abort.signal,
    });
    ctxForErrors = ctx;
    return ctx;
  };

  /** Registers the action of a command whose code lives in commands/<name>.ts. */
  const lazy = (load: Loader) =>
    async function (this: Command, ...args: unknown[]) {
      const cmd = args[args.length - 1] as Command;
      const ctx = contextFor(cmd);
      const opts = { ...cmd.opts(), args: cmd.args, ...namedArgs(cmd, args) };
      const mod = await load();
      let code: number | void;
      try {
        code = await mod.run(opts, ctx);
      } catch (error) {
        if (cmd.opts().json === true) writeJsonError(error, ctx.stdout);
        throw error;
      }
      exitCode = typeof code === 'number' ? code : ExitCode.OK;
    };

  program
    .command('init')
    .description('create a new workspace: portico.yaml, README, .gitignore, .env.example and a CI workflow')
    .argument('[dir]', 'directory to create the workspace in', '.')
    .option('--name <project>', 'project name (default: the directory name)')
    .option('-y, --yes', 'never prompt; take defaults')
    .option('--force', 'overwrite files that already exist')
    .action(lazy(() => import('./commands/init.js')));

  const create = program
    .command('create')
    .description('scaffold services/<name> from a template and add it to portico.yaml')
    .argument('<name>', 'service name (lowercase letters, digits and dashes)')
    .option('-t, --template <id>', 'template id (see `portico templates`)')
    .option('-p, --port <n>', 'port the service listens on inside its container')
    .option('-r, --route <path>', 'gateway route prefix, e.g. /api/orders')
    .option('--replicas <n>', 'number of containers to run')
    .option('--no-install', 'skip `npm install` in the new service')
    .option('-y, --yes', 'never prompt; take defaults')
    .option('--dry-run', 'print what would be written, write nothing')
    .option('--force', 'overwrite files that already exist')
    .addHelpText(
      'after',
      programName === 'create-service'
        ? '\nExamples:\n  $ npx create-service orders --route /api/orders\n  $ npx create-service users --template node-express --port 3001 --yes\n\nOutside a workspace it offers to create one in the current folder (--yes: creates it).'
        : '\nExample:\n  $ portico create orders --template node-fastify --route /api/orders --replicas 2',
    )
    .action(lazy(() => import('./commands/create.js')));
  // `create-service` runs this command as its whole program: its usage line says so.
  if (programName === 'create-service') {
    create.configureHelp({ commandUsage: () => 'create-service [options] <name>' }).version(VERSION, '-v, --version', 'print the version');
  }

  program
    .command('templates')
    .description('list the service templates')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/templates.js')));

  program
    .command('generate')
    .description('write .portico/gateway.json, .portico/discovery.json and .portico/portico.schema.json')
    .option('--check', 'write nothing; exit 1 if the generated files are stale')
    .action(lazy(() => import('./commands/generate.js')));

  program
    .command('validate')
    .description('check portico.yaml: schema and semantic checks')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/validate.js')));

  program
    .command('up')
    .description('build what changed, start the stack and wait until it is healthy')
    .argument('[service...]', 'only these services (and what they depend on)')
    .option('--wait', 'wait for health checks (default when not a TTY)')
    .option('--no-wait', 'return once containers are started')
    .option('--timeout <seconds>', 'how long to wait for health', '120')
    .option('--build', 'rebuild images even when sources did not change')
    .option('--watch', 'then watch and reload like `portico dev`')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/up.js')));

  program
    .command('dev')
    .description('up, then watch sources and portico.yaml: rebuild and replace what changed without failing a request')
    .option('--timeout <seconds>', 'how long to wait for health', '120')
    .option('--build', 'rebuild images even when sources did not change')
    .option('--down-on-exit', 'remove the stack when watching stops (default: leave it running)')
    .action(lazy(() => import('./commands/dev.js')));

  program
    .command('down')
    .description("remove everything 'up' created (containers, network)")
    .option('--volumes', 'also remove the named volumes of the project')
    .option('--remove-orphans', 'also remove containers of services no longer in portico.yaml')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/down.js')));

  program
    .command('gateway')
    .description('start or stop only the registry and the gateway (for services run elsewhere)')
    .addArgument(new Argument('<action>', 'up or down').choices(['up', 'down']))
    .option('--timeout <seconds>', 'how long to wait for health', '120')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/gateway.js')));

  program
    .command('status')
    .alias('ps')
    .description('every container: service, replica, state, health, uptime; and the gateway URL')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/status.js')));

  program
    .command('catalog')
    .description("the API catalog of the running stack: each service's operations, auth, health and OpenAPI state")
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/catalog.js')));

  program
    .command('dashboard')
    .description('the developer portal of the running stack: prints its URL and a login link, opens a browser when there is a display')
    .option('--no-open', 'print the link only, do not open a browser')
    .option('--json', 'print JSON: { project, url, login, opened }')
    .action(lazy(() => import('./commands/dashboard.js')));

  program
    .command('openapi')
    .description('the merged OpenAPI document of the running stack, as the gateway serves it (for client generators)')
    .option('-o, --output <file>', 'write it to this file instead of stdout')
    .action(lazy(() => import('./commands/openapi.js')));

  program
    .command('analytics')
    .description("the gateway's API analytics: requests, errors, 429s, cache hits, bytes and latency percentiles per route, consumer, service or status")
    .option('--window <duration>', 'how far back: 1m to 24h (5m, 15m, 1h, 24h)', '15m')
    .option('--by <grouping>', 'route, consumer, service, status or model (AI routes)', 'route')
    .option('--json', "print the gateway's JSON document")
    .action(lazy(() => import('./commands/analytics.js')));

  program
    .command('top')
    .description('a live view of the traffic per route, refreshed every second: req/s, p50/p99, error % (q to quit)')
    .option('--once', 'print one snapshot and exit (the default when stdout is not a terminal)')
    .action(lazy(() => import('./commands/top.js')));

  program
    .command('logs')
    .description('show container logs, prefixed per container')
    .argument('[service...]', 'only these services')
    .option('-f, --follow', 'keep streaming new lines')
    .option('--tail <n>', 'lines from the end of each log', '100')
    .action(lazy(() => import('./commands/logs.js')));

  const deploy = program
    .command('deploy')
    .description('deploy the stack to a Docker Swarm: overlay network, one Swarm service per service, configs, secrets, rolling updates')
    .addOption(new Option('--target <target>', 'where to deploy').choices(['swarm']).default('swarm'))
    .option('--timeout <seconds>', 'how long to wait for the swarm to converge', '180')
    .option('--build', 'rebuild images even when sources did not change')
    .option('--push <registry>', 'push the built images to <registry> first (multi-node swarms)')
    .option('--gateway-replicas <n>', 'gateway tasks behind the routing mesh', '2')
    .addOption(new Option('--publish <mode>', 'ingress: the routing mesh; host: the port of each node (one gateway per node; for kernels without IPVS)').choices(['ingress', 'host']).default('ingress'))
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ docker swarm init --advertise-addr 127.0.0.1   # once, on a laptop\n  $ portico deploy --target swarm\n  $ portico deploy status --json\n  $ portico undeploy\n\nDocs: docs/deploy-swarm.md')
    .action(lazy(() => import('./commands/deploy.js')));
  deploy
    .command('status')
    .description('Swarm services of the project: desired and running tasks, update state')
    .option('--json', 'print JSON')
    // `deploy` has a --json of its own, which commander gives `deploy status --json` to.
    .action(lazy(async () => ({ run: async (o, ctx) => (await import('./commands/deploy.js')).status({ json: o.json ?? deploy.opts().json }, ctx) })));
  deploy
    .command('logs')
    .description('logs of the deployed services, prefixed per Swarm service')
    .argument('[service...]', 'only these services')
    .option('-f, --follow', 'keep streaming new lines')
    .option('--tail <n>', 'lines from the end of each log', '100')
    .action(lazy(async () => ({ run: (await import('./commands/deploy.js')).logs })));

  program
    .command('undeploy')
    .description("remove everything 'deploy' created on the swarm (services, configs, secrets, network)")
    .option('--timeout <seconds>', 'how long to wait for tasks to stop', '60')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/undeploy.js')));

  program
    .command('restart')
    .description("replace every container of the services one at a time (rolling: no request fails)")
    .argument('<service...>', 'services to restart')
    .option('--timeout <seconds>', 'how long each new container may take to be healthy', '120')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/restart.js')));

  program
    .command('scale')
    .description('change the number of running replicas of a service (new ones serve before they count; surplus ones drain)')
    .argument('<assignment>', '<service>=<replicas>, e.g. orders=3')
    .option('--save', 'also write replicas into portico.yaml (comments kept)')
    .option('--timeout <seconds>', 'how long each new container may take to be healthy', '120')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/scale.js')));

  program
    .command('exec')
    .description("run a command in a service's container; exits with the command's exit code")
    .argument('<service>', 'service name (or registry, gateway)')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('--replica <n>', 'which replica (default: the first running one)')
    .option('-i, --interactive', 'pass stdin to the command when it is not a terminal')
    .addHelpText(
      'after',
      "\nWith a terminal on stdin and stdout the command gets a TTY (interactive shells work).\nExamples:\n  $ portico exec orders -- sh\n  $ portico exec orders --replica 2 -- node -e 'console.log(process.env.PORT)'\n  $ echo 'select 1' | portico exec db -i -- psql",
    )
    .action(lazy(() => import('./commands/exec.js')));

  program
    .command('mcp')
    .description('serve the workspace\'s stack to an AI agent as an MCP server (stdio; --http on 127.0.0.1 with the admin token)')
    .option('--http', 'serve Streamable HTTP on 127.0.0.1 instead of stdio')
    .option('--port <n>', 'port for --http (default 7412)')
    .action(lazy(() => import('./commands/mcp.js')));

  program
    .command('doctor')
    .description('check Docker, Node, the runtime image and the gateway port; say how to fix each problem')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/doctor.js')));

  program
    .command('quickstart')
    .description('create a demo workspace with two services and boot it')
    .argument('[dir]', 'directory for the demo workspace', 'portico-demo')
    .option('-y, --yes', 'never prompt')
    .option('--no-up', 'create the workspace but do not start it')
    .option('-p, --port <n>', 'gateway host port (default 8080, or the next free port)')
    .option('--timeout <seconds>', 'how long `up` waits for health', '120')
    .addHelpText('after', '\nRe-run on its own workspace, it finishes what is missing and starts it again.\nExample:\n  $ portico quickstart --yes && curl http://127.0.0.1:8080/api/catalog/items')
    .action(lazy(() => import('./commands/quickstart.js')));

  program
    .command('export')
    .description('write the stack for another engine: Kubernetes manifests + kustomization, or a docker-compose.yml')
    .addArgument(new Argument('<target>', 'kubernetes or compose').choices(['kubernetes', 'compose']))
    .option('-o, --output <path>', 'compose: the file (default docker-compose.yml); kubernetes: the folder (default deploy/kubernetes)')
    .option('--force', 'overwrite an existing output')
    .option('--build', 'rebuild images even when sources did not change')
    .option('--host <name>', 'kubernetes: host name the Ingress/HTTPRoute matches')
    .option('--ingress-class <name>', 'kubernetes: ingressClassName of the Ingress')
    .option('--http-route <gateway>', 'kubernetes: a Gateway API HTTPRoute attached to this Gateway instead of an Ingress')
    .option('--hpa-max <n>', 'kubernetes: a HorizontalPodAutoscaler per template service, up to n replicas')
    .option('--registry <prefix>', 'kubernetes: pull Portico-built images from <prefix>/portico/... (kustomize images)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nImages are built first (as `portico up` does; nothing is rebuilt after an `up`).\nExamples:\n  $ portico export compose && docker-compose up -d\n  $ portico export kubernetes -o k8s --host shop.example.com && kubectl apply -k k8s')
    .action(lazy(() => import('./commands/export.js')));

  program
    .command('import')
    .description('turn a docker-compose file into portico.yaml, with a warning for every key that does not map')
    .addArgument(new Argument('<format>', 'compose').choices(['compose']))
    .argument('<file>', 'the compose file, e.g. docker-compose.yml')
    .option('-o, --output <file>', 'where to write the manifest', 'portico.yaml')
    .option('--name <project>', 'project name (default: the compose `name:`, else the folder name)')
    .option('--force', 'overwrite an existing manifest')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/import.js')));

  program
    .command('ci')
    .description('print a GitHub Actions workflow for this workspace')
    .action(lazy(() => import('./commands/ci.js')));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; everything else is bad usage.
      exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    } else {
      exitCode = handleError(error, ctxForErrors ?? createContext({ ...options.context, programName }));
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return exitCode;
}

/** Maps positional arguments onto the names declared with .argument(). */
function namedArgs(cmd: Command, args: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = (cmd as unknown as { registeredArguments: { name(): string }[] }).registeredArguments ?? [];
  declared.forEach((arg, i) => {
    out[arg.name()] = args[i];
  });
  return out;
}
