/**
 * Extension start-up without VS Code: require() of dist/extension.js with a stub `vscode` module
 * (every API a no-op that returns another stub), then activate() on a stub context. It times the
 * bundle's load and the synchronous part of activate(), and when the last command was registered
 * (`commandsMs`, from the start of the require: when the palette's SPT commands can run). VS Code's own
 * work (the extension host, reading package.json) is not included; `languageClientStarted` says whether
 * activate() started the language server (it should not: it starts with the first experiment file).
 * Prints `BENCH_RESULT {...}`. Run by bench/run.ts: node bench/activate.cjs
 */
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const bundle = path.join(root, 'dist', 'extension.js');

function stub(name) {
  // A function, not an arrow: the bundle's classes extend stubs (`class X extends vscode.CompletionItem`).
  function fn() {}
  const own = new Map();
  return new Proxy(fn, {
    set(_t, prop, value) {
      own.set(prop, value);
      return true;
    },
    defineProperty(_t, prop, desc) {
      own.set(prop, desc.value);
      return true;
    },
    get(_t, prop) {
      if (own.has(prop)) return own.get(prop);
      if (prop === 'then') return undefined; // not a thenable: `await stub` resolves to the stub
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === 'toString') return () => name;
      return stub(`${name}.${String(prop)}`);
    },
    apply() {
      if (name === 'vscode.workspace.getConfiguration') {
        return { get: (_k, d) => d, has: () => false, inspect: () => undefined, update: async () => {} };
      }
      return stub(`${name}()`);
    },
    construct() {
      return stub(`new ${name}`);
    },
  });
}

async function main() {
  if (!fs.existsSync(bundle)) return { error: `${bundle} is missing: run npm run build` };
  // The bundle reads the module through esbuild's ESM interop, which copies its own keys: list
  // the API's top-level names from @types/vscode.
  const vscode = {};
  const dts = path.join(root, 'node_modules', '@types', 'vscode', 'index.d.ts');
  const names = fs.existsSync(dts)
    ? [
        ...fs
          .readFileSync(dts, 'utf8')
          .matchAll(/^\texport (?:namespace|class|enum|const|function|let) (\w+)/gm),
      ].map((m) => m[1])
    : [
        'window',
        'workspace',
        'commands',
        'languages',
        'env',
        'extensions',
        'Uri',
        'EventEmitter',
        'Disposable',
      ];
  for (const n of names) vscode[n] = stub(`vscode.${n}`);
  const registered = [];
  const commands = stub('vscode.commands');
  vscode.commands = new Proxy(
    {
      registerCommand: (id) => {
        registered.push({ id, at: performance.now() });
        return { dispose() {} };
      },
    },
    { get: (t, p) => (p in t ? t[p] : commands[p]) },
  );
  vscode.version = require(path.join(root, 'node_modules', '@types', 'vscode', 'package.json')).version;
  // An empty window: no folders, no editors, nothing open.
  vscode.workspace = new Proxy(
    { workspaceFolders: undefined, textDocuments: [], name: undefined, isTrusted: true },
    { get: (t, p) => (p in t ? t[p] : stub(`vscode.workspace.${String(p)}`)) },
  );
  vscode.window = new Proxy(
    { visibleTextEditors: [], activeTextEditor: undefined, terminals: [] },
    { get: (t, p) => (p in t ? t[p] : stub(`vscode.window.${String(p)}`)) },
  );
  const origLoad = Module._load;
  let languageClientStarted = false;
  Module._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode;
    if (request === 'child_process' || request === 'node:child_process') {
      // The language client forks dist/server.js: record it instead of starting a process.
      const cp = origLoad.call(this, request, parent, isMain);
      return {
        ...cp,
        fork: (...args) => {
          if (String(args[0]).includes('server.js')) languageClientStarted = true;
          return cp.fork(...args);
        },
      };
    }
    return origLoad.call(this, request, parent, isMain);
  };
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-bench-activate-'));
  const uri = (p) => ({ fsPath: p, path: p, scheme: 'file', toString: () => `file://${p}` });
  const memento = () => {
    const m = new Map();
    return {
      get: (k, d) => (m.has(k) ? m.get(k) : d),
      update: async (k, v) => void m.set(k, v),
      keys: () => [...m.keys()],
      setKeysForSync() {},
    };
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const context = new Proxy(
    {
      subscriptions: [],
      extensionPath: root,
      extensionUri: uri(root),
      extension: {
        id: 'spt-studio.spt-studio',
        packageJSON: pkg,
        extensionPath: root,
        extensionUri: uri(root),
      },
      extensionMode: 3,
      globalStorageUri: uri(storage),
      globalStoragePath: storage,
      storageUri: uri(path.join(storage, 'ws')),
      storagePath: path.join(storage, 'ws'),
      logUri: uri(path.join(storage, 'log')),
      globalState: memento(),
      workspaceState: memento(),
      secrets: {
        get: async () => undefined,
        store: async () => {},
        delete: async () => {},
        onDidChange: () => ({ dispose() {} }),
      },
      environmentVariableCollection: stub('env'),
      asAbsolutePath: (p) => path.join(root, p),
    },
    { get: (t, p) => (p in t ? t[p] : stub(`context.${String(p)}`)) },
  );
  const t0 = performance.now();
  let ext;
  try {
    ext = require(bundle);
  } catch (err) {
    if (process.env.SPT_BENCH_DEBUG) console.error(err);
    throw err;
  }
  const requireMs = performance.now() - t0;
  const t1 = performance.now();
  let activateError;
  try {
    ext.activate(context);
  } catch (err) {
    activateError = err instanceof Error ? err.message : String(err);
    if (process.env.SPT_BENCH_DEBUG) console.error(err);
  }
  const activateMs = performance.now() - t1;
  const commandsMs = registered.length ? registered[registered.length - 1].at - t0 : null;
  // The language client forks its server asynchronously: give it the time to (not) do so.
  await new Promise((r) => setTimeout(r, 500));
  try {
    ext.deactivate?.();
  } catch {}
  fs.rmSync(storage, { recursive: true, force: true });
  return {
    bundleBytes: fs.statSync(bundle).size,
    requireMs,
    activateMs,
    totalMs: requireMs + activateMs,
    subscriptions: context.subscriptions.length,
    commands: registered.length,
    commandsMs,
    languageClientStarted,
    activateError,
    note: 'stub vscode module: APIs are no-ops; VS Code host work and the language server start are not included',
  };
}

main()
  .catch((err) => ({ error: err instanceof Error ? err.message : String(err) }))
  .then((out) => {
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
    process.exit(0);
  });
