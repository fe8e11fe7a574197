/**
 * Loads the deployed Function App bundle (package.json `main`) the way the Azure Functions Node worker does, and
 * lets tests and benchmarks invoke what it registered. The worker hands the app a built-in module,
 * `@azure/functions-core`, on which `@azure/functions` calls `setProgrammingModel` and `registerFunction(metadata,
 * handler)` for every `app.timer` / `app.storageQueue` / `app.http`; this module provides one that records them.
 * So a test sees exactly the registrations the host would index, and runs the handlers as bundled.
 *
 * In-process: `await loadFunctionApp(bundlePath)`. As a process (tests):
 *   node dist/lab/functions-host.js <bundle> [--invoke NAME JSON-INPUT]…   → one JSON line per step on stdout
 */
import Module from 'node:module';
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import azureFunctions from '@azure/functions';

export interface RegisteredFunction {
  name: string;
  /** The core metadata the worker sends to the host: bindings by name with type, direction and options. */
  metadata: {
    name: string;
    bindings: Record<string, { type: string; direction: string; [k: string]: unknown }>;
    [k: string]: unknown;
  };
  handler: (input: unknown, context: unknown) => Promise<unknown>;
}

export interface LoadedApp {
  functions: Map<string, RegisteredFunction>;
  programmingModel: { name?: string; version?: string } | undefined;
  /** Runs a registered handler with a fresh InvocationContext, as the worker does for one invocation. */
  invoke(name: string, input: unknown, triggerMetadata?: Record<string, unknown>): Promise<unknown>;
}

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Loader };
let installed: LoadedApp | null = null;

/** Imports the bundle with a recording `@azure/functions-core` in place (once per process). */
export async function loadFunctionApp(bundlePath: string): Promise<LoadedApp> {
  if (installed) return installed;
  const functions = new Map<string, RegisteredFunction>();
  let programmingModel: LoadedApp['programmingModel'];
  const core = {
    setProgrammingModel(model: { name?: string; version?: string }) {
      programmingModel = { name: model.name, version: model.version };
    },
    registerFunction(metadata: RegisteredFunction['metadata'], handler: RegisteredFunction['handler']) {
      if (functions.has(metadata.name)) throw new Error(`function "${metadata.name}" registered twice`);
      functions.set(metadata.name, { name: metadata.name, metadata, handler });
      return { dispose() {} };
    },
    registerHook() {
      return { dispose() {} };
    },
    log() {},
  };
  const original = moduleInternals._load;
  moduleInternals._load = function (request, parent, isMain) {
    if (request === '@azure/functions-core') return core;
    return original.call(this, request, parent, isMain);
  };
  await import(pathToFileURL(resolve(bundlePath)).href);
  installed = {
    functions,
    programmingModel,
    async invoke(name, input, triggerMetadata = {}) {
      const fn = functions.get(name);
      if (!fn)
        throw new Error(`no function "${name}" registered (have: ${[...functions.keys()].join(', ')})`);
      const context = new azureFunctions.InvocationContext({
        invocationId: randomUUID(),
        functionName: name,
        triggerMetadata,
        logHandler: () => {},
      });
      return fn.handler(input, context);
    },
  };
  return installed;
}

async function main(argv: string[]): Promise<void> {
  const [bundle, ...rest] = argv;
  if (!bundle) throw new Error('usage: functions-host <bundle> [--invoke NAME JSON]…');
  // Which of the bundle's files each step loaded (the deployed entry defers the mail libraries to first use).
  const files = new Set<string>();
  const bundleDir = pathToFileURL(dirname(resolve(bundle))).href + '/';
  Module.registerHooks({
    resolve(specifier, context, next) {
      const r = next(specifier, context);
      if (r.url.startsWith(bundleDir)) files.add(r.url.slice(bundleDir.length));
      return r;
    },
  });
  const loadedFiles = () => [...files].sort();
  const app = await loadFunctionApp(bundle);
  const out = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
  out({
    programmingModel: app.programmingModel,
    functions: [...app.functions.values()].map((f) => f.metadata),
    files: loadedFiles(),
  });
  for (let i = 0; i < rest.length; i += 3) {
    if (rest[i] !== '--invoke' || rest[i + 1] === undefined || rest[i + 2] === undefined) {
      throw new Error(`expected --invoke NAME JSON at ${rest.slice(i).join(' ')}`);
    }
    const result = await app.invoke(rest[i + 1]!, JSON.parse(rest[i + 2]!));
    out({ invoked: rest[i + 1], result: result ?? null });
  }
  // Which optional SDKs the run loaded (they must load only when configured).
  const cjsLoaded = Object.keys((Module as unknown as { _cache: Record<string, unknown> })._cache);
  out({
    loaded: ['applicationinsights', '@azure/identity', '@azure/data-tables', '@opentelemetry'].filter((p) =>
      cjsLoaded.some((f) => f.includes(`/node_modules/${p}/`)),
    ),
    files: loadedFiles(),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `functions-host: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
