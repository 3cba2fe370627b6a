/** The panel's HTML and CSP, exports, panel keys and restored state. */
import * as assert from 'node:assert/strict';
import { dashboardCsp, dashboardHtml, makeNonce } from '../../../../src/extension/dashboard/dashboard-html';
import { exportBytes, exportFileName } from '../../../../src/extension/dashboard/export-file';
import { distinctRunDirs, panelKey, restoredRuns } from '../../../../src/extension/dashboard/panel-keys';

const SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';

describe('dashboard panel HTML', () => {
  it('has a strict nonce CSP: nothing by default, no remote source, no eval, no inline script', () => {
    assert.equal(
      dashboardCsp(SOURCE, 'abc'),
      `default-src 'none'; img-src ${SOURCE} data: blob:; style-src ${SOURCE} 'nonce-abc'; font-src ${SOURCE}; script-src 'nonce-abc'`,
    );
    const csp = dashboardCsp(SOURCE, 'abc');
    for (const bad of ['unsafe-eval', 'unsafe-inline', 'http:', 'https: ', '*', 'connect-src'])
      assert.ok(!csp.includes(bad), bad);
  });

  it('loads one script and one stylesheet with the nonce, into #app', () => {
    const html = dashboardHtml({
      cspSource: SOURCE,
      scriptUri: `${SOURCE}/ext/dist/webview/main.js`,
      styleUri: `${SOURCE}/ext/media/dashboard.css`,
      title: 'SPT: <run> "1"',
      nonce: 'N0nce+/=',
    });
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; [^"]*script-src 'nonce-N0nce\+\/='">/,
    );
    assert.match(
      html,
      /<script nonce="N0nce\+\/=" src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\/main\.js"><\/script>/,
    );
    assert.match(html, /<link rel="stylesheet" nonce="N0nce\+\/=" href="[^"]*\/ext\/media\/dashboard\.css">/);
    assert.match(html, /<div id="app"><\/div>/);
    assert.match(html, /<title>SPT: &lt;run&gt; &quot;1&quot;<\/title>/);
    assert.equal(html.match(/<script/g)?.length, 1, 'one script, no inline script');
  });

  it('makes a fresh 128-bit nonce each time', () => {
    const a = makeNonce();
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.notEqual(a, makeNonce());
    const html = dashboardHtml({ cspSource: SOURCE, scriptUri: 's', styleUri: 'c', title: 't' });
    const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
    assert.ok(nonce && html.includes(`<script nonce="${nonce}"`));
  });
});

describe('dashboard exports and panels', () => {
  it('decodes PNG exports and writes SVG and CSV as text', () => {
    assert.deepEqual(
      [...exportBytes({ fileName: 'a.png', mime: 'image/png', data: 'iVBORw==' })],
      [0x89, 0x50, 0x4e, 0x47],
    );
    assert.equal(
      Buffer.from(exportBytes({ fileName: 'a.csv', mime: 'text/csv', data: 'é,1' })).toString('utf8'),
      'é,1',
    );
    assert.equal(exportFileName({ fileName: 'loss', mime: 'image/svg+xml', data: '' }), 'loss.svg');
    assert.equal(exportFileName({ fileName: 'loss.PNG', mime: 'image/png', data: '' }), 'loss.PNG');
  });

  it('keys a run panel by its folder and a compare panel by the sorted set of folders', () => {
    assert.equal(panelKey('run', ['/a/b/../c']), 'run:/a/c');
    assert.equal(panelKey('compare', ['/z', '/a', '/z/']), panelKey('compare', ['/a', '/z']));
    assert.notEqual(panelKey('compare', ['/a']), panelKey('run', ['/a']));
    assert.deepEqual(distinctRunDirs(['/b', '/a', '/b/']), ['/b', '/a']);
  });

  it('reads the runs a restored panel names from its webview state', () => {
    assert.deepEqual(restoredRuns({ mode: 'run', runDirs: ['/r'], tab: 'curves' }), {
      mode: 'run',
      runDirs: ['/r'],
    });
    assert.deepEqual(restoredRuns({ mode: 'compare', runDirs: ['/a', 3, 'rel', '/b'] }), {
      mode: 'compare',
      runDirs: ['/a', '/b'],
    });
    for (const bad of [
      undefined,
      null,
      'x',
      { mode: 'run' },
      { mode: 'x', runDirs: ['/r'] },
      { mode: 'run', runDirs: [] },
    ])
      assert.equal(restoredRuns(bad), null);
    assert.equal(restoredRuns({ mode: 'run', runDirs: ['/a', '/b'] }), null);
  });
});
