/**
 * Starts a language server from a shell command line (exactly what a user pastes into a terminal or
 * an editor's config), sends `initialize` over stdio and resolves with the server's capabilities.
 * The process is killed afterwards. No `vscode`: used by the extension suite and the UI scenarios.
 */
import { spawn } from 'node:child_process';

export async function lspInitialize(
  commandLine: string,
  timeoutMs = 30_000,
): Promise<{ capabilities: Record<string, unknown>; serverInfo?: { name?: string } }> {
  const child = spawn('sh', ['-c', `exec ${commandLine}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no initialize answer from \`${commandLine}\` in ${timeoutMs} ms; stderr: ${stderr}`),
          ),
        timeoutMs,
      );
      let buf = Buffer.alloc(0);
      child.on('error', reject);
      child.on('exit', (code) =>
        reject(new Error(`\`${commandLine}\` exited with ${code} before answering; stderr: ${stderr}`)),
      );
      child.stdout.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const head = buf.indexOf('\r\n\r\n');
          if (head < 0) return;
          const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString())?.[1]);
          if (buf.length < head + 4 + len) return;
          const msg = JSON.parse(buf.subarray(head + 4, head + 4 + len).toString());
          buf = buf.subarray(head + 4 + len);
          if (msg.id === 1) {
            clearTimeout(timer);
            if (msg.error) reject(new Error(`initialize failed: ${JSON.stringify(msg.error)}`));
            else resolve(msg.result);
          }
        }
      });
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { processId: process.pid, rootUri: null, capabilities: {} },
      });
      child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  } finally {
    child.kill();
  }
}
