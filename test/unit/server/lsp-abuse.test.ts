/**
 * Issue 14, item 17: the language server under abuse, over its real stdio connection (dist/server.js).
 * Malformed frames are skipped without losing the next message; a burst of 1 MB full-text changes is
 * validated once, at its last version; a 6 MB document gets one diagnostic saying it is too large, in
 * bounded time and memory; with 2,000 documents open, hover, completion and shutdown still answer at
 * once. FrameFilter itself is tested on split and glued chunks.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  LogMessageNotification,
  ShutdownRequest,
} from 'vscode-languageserver-protocol';
import { FrameFilter } from '../../../src/server/frame-filter';
import { MAX_VALIDATED_CHARS } from '../../../src/server/server';
import { ensureServerBuilt, LspClient, ROOT } from './lsp-client';

const EXPERIMENT = fs.readFileSync(path.join(ROOT, 'test/fixtures/cli/parity-deep-mean.spt.yaml'), 'utf8');
/** Hover and completion must answer within this, whatever is open (the bound). */
const INTERACTIVE_MS = 100;

const uriOf = (name: string) => pathToFileURL(path.join(ROOT, '.test-output', 'lsp-abuse', name)).toString();
const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
/** An experiment padded with comment lines to `bytes`. */
function padded(bytes: number, tag: string): string {
  let text = `${EXPERIMENT}# ${tag}\n`;
  const line = `# ${'x'.repeat(78)}\n`;
  text += line.repeat(Math.max(0, Math.ceil((bytes - text.length) / line.length)));
  return text;
}
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}
async function timed<T>(p: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await p();
  return [r, performance.now() - t0];
}
const hoverOn = (client: LspClient, uri: string) =>
  client.connection.sendRequest(HoverRequest.type, {
    textDocument: { uri },
    position: { line: 4, character: 3 }, // on `arch`
  });

describe('FrameFilter (stdio framing)', () => {
  /** Runs chunks through a filter; the frames it passes on and what it skipped. */
  function filter(chunks: string[]): { out: string; skipped: string[] } {
    const skipped: string[] = [];
    const f = new FrameFilter((why) => skipped.push(why), 1000);
    let out = '';
    f.on('data', (b: Buffer) => {
      out += b.toString('latin1');
    });
    for (const c of chunks) f.write(Buffer.from(c, 'latin1'));
    return { out, skipped };
  }
  const ok = frame('{"a":1}');

  it('passes good frames on, split anywhere', () => {
    const two = ok + frame('{"b":2}');
    for (let cut = 0; cut <= two.length; cut++) {
      const r = filter([two.slice(0, cut), two.slice(cut)]);
      assert.equal(r.out, two, `cut at ${cut}`);
      assert.deepEqual(r.skipped, []);
    }
  });

  for (const [what, bad, why] of [
    [
      'a non-numeric Content-Length',
      'Content-Length: abc\r\n\r\n{"x":1}',
      /Content-Length 'abc' is not a number/,
    ],
    ['a negative one', 'Content-Length: -5\r\n\r\n{"x":1}', /'-5' is not a number/],
    ['digits then letters', 'Content-Length: 12abc\r\n\r\n{"x":1}', /'12abc'/],
    ['no Content-Length', 'Content-Type: application/json\r\n\r\n{"x":1}', /no Content-Length header/],
    ['a line that is not a header', 'hello world\r\n\r\n', /not "Name: value"/],
    ['a length over the limit', 'Content-Length: 99999999999\r\n\r\n{"x":1}', /is over 1000/],
    ['garbage without a header end', 'z'.repeat(9000), /a header block with no end/],
  ] as const) {
    it(`skips ${what} and keeps the next frame`, () => {
      const r = filter([bad, ok]);
      assert.equal(r.out, ok);
      assert.equal(r.skipped.length, 1);
      assert.match(r.skipped[0], why);
      // Byte by byte, the same.
      const bytes = filter([...bad, ...ok]);
      assert.equal(bytes.out, ok);
    });
  }
});

describe('language server under abuse (issue 14, item 17)', function () {
  this.timeout(120_000);
  let client: LspClient;
  const logs: string[] = [];
  let version = 1;

  before(async function () {
    const skip = ensureServerBuilt();
    if (skip) {
      console.warn(`skipping the protocol tests: ${skip}`);
      this.skip();
    }
    client = (await LspClient.start({ fileChecks: false })).client;
    client.connection.onNotification(LogMessageNotification.type, (m) => logs.push(m.message));
  });
  after(async () => {
    if (client) assert.equal(await client.stop(), 0);
  });

  it('skips malformed frames without losing the next request', async () => {
    const uri = uriOf('frames.spt.yaml');
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: version++, text: EXPERIMENT },
    });
    const bad = [
      'Content-Length: abc\r\n\r\n{"jsonrpc":"2.0","id":90001,"method":"shutdown"}',
      'Content-Type: application/json\r\n\r\n{"jsonrpc":"2.0","id":90002,"method":"shutdown"}',
      'Content-Length: 12abc\r\n\r\n{"jsonrpc":"2.0"}',
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      frame('this is not JSON'),
    ];
    for (const b of bad) {
      client.process.stdin!.write(b);
      const [h, ms] = await timed(() => hoverOn(client, uri));
      assert.match(
        (h?.contents as { value: string } | undefined)?.value ?? '',
        /backbone\.arch/,
        JSON.stringify(b),
      );
      assert.ok(ms < 2000, `${ms} ms after ${JSON.stringify(b)}`);
    }
    assert.ok(client.alive);
    assert.ok(
      logs.some((l) => /skipped malformed input \(Content-Length 'abc' is not a number of bytes\)/.test(l)),
      logs.join('\n'),
    );
  });

  it('a burst of 100 full-text 1 MB changes: validated at the last version only, hover at once', async () => {
    const uri = uriOf('burst.spt.yaml');
    const seen = client.diagnostics.length;
    const t0 = performance.now();
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: version++, text: EXPERIMENT },
    });
    const big = padded(2 ** 20, 'v');
    let last = 0;
    for (let k = 0; k < 100; k++) {
      last = version++;
      // The last change is a real experiment with one error, so its validation is a real one.
      const text = k === 99 ? EXPERIMENT.replace('method: vpt', 'method: vtp') : `${big}# ${k}\n`;
      await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version: last },
        contentChanges: [{ text }],
      });
    }
    const [published, ms] = await timed(() => client.nextDiagnostics(uri, seen, (p) => p.version === last));
    assert.ok(ms < 15_000, `${ms} ms`);
    assert.deepEqual(
      published.diagnostics.map((d) => d.code),
      ['enum'],
    );
    // Versions in between are validated only when the burst outlasts the longest wait (1 s), and then
    // only the version current at that moment, at the cost of one size check.
    const others = client.diagnostics.slice(seen).filter((p) => p.uri === uri && p.version !== last);
    for (const p of others)
      assert.ok(
        p.diagnostics.length === 0 || p.diagnostics.every((d) => d.code === 'too-large'),
        JSON.stringify(p.diagnostics.map((d) => d.code)),
      );
    const total = performance.now() - t0;
    assert.ok(others.length <= 1 + total / 1000, `${others.length} publishes in ${total} ms`);
    const [, hoverMs] = await timed(() => hoverOn(client, uri));
    assert.ok(hoverMs < INTERACTIVE_MS, `hover took ${hoverMs} ms`);
  });

  it('a 6 MB document: one diagnostic saying it is too large, in bounded time and memory', async () => {
    const uri = uriOf('huge.spt.yaml');
    const before = rssMiB(client.process.pid!);
    const seen = client.diagnostics.length;
    const text = padded(6 * 2 ** 20, 'huge');
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: version++, text },
    });
    const [published, ms] = await timed(() => client.nextDiagnostics(uri, seen));
    assert.ok(ms < 5000, `${ms} ms`);
    assert.equal(published.diagnostics.length, 1);
    const [d] = published.diagnostics;
    assert.equal(d.code, 'too-large');
    assert.equal(d.severity, 2);
    assert.match(
      d.message,
      new RegExp(
        `^this file has ${text.length} characters \\(6\\d{3} KiB\\); the editor checks files up to ${MAX_VALIDATED_CHARS / 1024} KiB .*run \`spt validate\` on it$`,
      ),
    );
    assert.deepEqual(d.range, {
      start: { line: 0, character: 0 },
      end: { line: 0, character: EXPERIMENT.indexOf('\n') },
    });
    const [h, hoverMs] = await timed(() => hoverOn(client, uri));
    assert.equal(h, null);
    assert.ok(hoverMs < INTERACTIVE_MS, `hover took ${hoverMs} ms`);
    const grown = rssMiB(client.process.pid!) - before;
    assert.ok(grown < 150, `the server grew by ${grown} MiB`);
  });

  it('2,000 open documents: hover and completion answer within 100 ms throughout, shutdown at once', async () => {
    const seen = client.diagnostics.length;
    const uris = Array.from({ length: 2000 }, (_, i) => uriOf(`many/doc${i}.spt.yaml`));
    for (const [i, uri] of uris.entries())
      void client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: {
          uri,
          languageId: 'yaml',
          version: 1,
          text: EXPERIMENT.replace('seed: 0', `seed: ${i}`),
        },
      });
    // Ask while the 2,000 validations run (they start 200 ms after the opens).
    const latencies: number[] = [];
    const done = () => new Set(client.diagnostics.slice(seen).map((p) => p.uri)).size >= uris.length;
    const t0 = performance.now();
    while (!done() && performance.now() - t0 < 60_000) {
      const uri = uris[Math.floor(Math.random() * uris.length)];
      const [h, ms] = await timed(() => hoverOn(client, uri));
      assert.ok(h);
      latencies.push(ms);
      const [c, cms] = await timed(() =>
        client.connection.sendRequest(CompletionRequest.type, {
          textDocument: { uri },
          position: { line: 13, character: 10 },
        }),
      );
      assert.ok(c);
      latencies.push(cms);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(done(), 'every document was validated');
    const sorted = [...latencies].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)];
    assert.ok(latencies.length >= 10, `${latencies.length} requests`);
    assert.ok(p95 < INTERACTIVE_MS, `p95 ${p95.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`);
    const [, shutdownMs] = await timed(() => client.connection.sendRequest(ShutdownRequest.type));
    assert.ok(shutdownMs < 1000, `shutdown took ${shutdownMs} ms`);
    const exited = new Promise<number | null>((resolve) => client.process.once('exit', resolve));
    await client.connection.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0);
  });
});
