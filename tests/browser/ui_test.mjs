// Browser test of `tokenfab ui`: starts it on a free loopback port, fills the factory and train
// forms in headless chromium, runs them and checks the result pages; a bad value must show the
// CLI's exact error text. The result page's scenario downloads, replays with `tokenfab run`, and
// uploads back through the file form; an upload naming a file is refused. Then the security checks over raw HTTP: path-traversal requests get no
// file, a huge body is refused, and a non-loopback --host is refused without --allow-remote.
// usage: node ui_test.mjs TOKENFAB OUT_DIR
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { launch } from './cdp.mjs';

const [tokenfab, outDir] = process.argv.slice(2).map((p) => resolve(p));
mkdirSync(outDir, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

// Raw request with the path sent as is (no URL normalisation).
function raw(port, method, path, body) {
  return new Promise((resolveRequest) => {
    const req = request({ host: '127.0.0.1', port, method, path,
                          headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded',
                                            'Content-Length': body.length } : {} }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolveRequest({ status: res.statusCode, body: data }));
    });
    req.on('error', (e) => resolveRequest({ status: 0, body: String(e) }));
    if (body) req.write(body);
    req.end();
  });
}

const remote = spawnSync(tokenfab, ['ui', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8' });
check(remote.status === 2 && remote.stderr.includes('--allow-remote'),
      `non-loopback --host not refused: exit ${remote.status} ${remote.stderr}`);

const server = spawn(tokenfab, ['ui', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolvePort, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/127\.0\.0\.1:(\d+)/);
    if (m) resolvePort(+m[1]);
  });
  server.on('exit', () => reject(new Error('tokenfab ui exited: ' + out)));
});
const base = `http://127.0.0.1:${port}`;
const browser = await launch();
try {
  await browser.open(base + '/');
  const forms = await browser.eval(`document.querySelectorAll('form').length`);
  check(forms >= 7, `configurator has ${forms} forms`);
  check(browser.consoleErrors.length === 0, `configurator console errors: ${browser.consoleErrors}`);
  await browser.screenshot(join(outDir, 'ui.png'));

  // Fill and run the factory form.
  await browser.evalAndWaitForLoad(`(() => {
    document.querySelector('#form-factory [name="--system"]').value = 'dgx-h100';
    document.querySelector('#form-factory [name="--gpus"]').value = '2048';
    document.querySelector('#run-factory').click();
  })()`);
  const factory = await browser.eval(`({ charts: document.querySelectorAll('svg.chart').length,
    text: document.querySelector('pre.text-report')?.textContent ?? '' })`);
  check(factory.charts >= 3, `factory result has ${factory.charts} charts`);
  const cli = spawnSync(tokenfab, ['factory', '--system', 'dgx-h100', '--gpus', '2048'],
                        { encoding: 'utf8' });
  check(factory.text === cli.stdout, 'factory result text differs from the CLI output');
  await browser.screenshot(join(outDir, 'ui_factory_result.png'));

  // The result page links its scenario: downloaded, `tokenfab run` answers it with the same text.
  const href = await browser.eval(`document.querySelector('#download-scenario')?.href ?? ''`);
  const yaml = decodeURIComponent(href.slice(href.indexOf(',') + 1));
  check(yaml.includes('command: factory'), `download link holds no factory scenario: ${href.slice(0, 80)}`);
  const saved = join(outDir, 'factory-scenario.yaml');
  writeFileSync(saved, yaml);
  const replay = spawnSync(tokenfab, ['run', saved], { encoding: 'utf8' });
  check(replay.status === 0 && replay.stdout === cli.stdout, 'the downloaded scenario does not replay');

  // Uploaded through the configurator's file form, the same scenario gives the same report.
  await browser.open(base + '/');
  const { root } = await browser.send('DOM.getDocument', {});
  const { nodeId } = await browser.send('DOM.querySelector', { nodeId: root.nodeId, selector: '#upload-scenario' });
  await browser.send('DOM.setFileInputFiles', { nodeId, files: [saved] });
  await browser.evalAndWaitForLoad(`document.querySelector('#run-upload').click()`);
  const uploaded = await browser.eval(`document.querySelector('pre.text-report')?.textContent ?? ''`);
  check(uploaded === cli.stdout, 'the uploaded scenario\'s report differs from the CLI output');
  // A scenario that names a file is refused with file:line and the key.
  const bad = join(outDir, 'bad-scenario.yaml');
  writeFileSync(bad, 'command: train\nmodel: llama-3.1-8b\ntrace: /tmp/x.json\n');
  await browser.open(base + '/');
  const doc = await browser.send('DOM.getDocument', {});
  const input = await browser.send('DOM.querySelector', { nodeId: doc.root.nodeId, selector: '#upload-scenario' });
  await browser.send('DOM.setFileInputFiles', { nodeId: input.nodeId, files: [bad] });
  await browser.evalAndWaitForLoad(`document.querySelector('#run-upload').click()`);
  const refused = await browser.eval(`document.querySelector('.error')?.textContent ?? ''`);
  check(refused.includes('uploaded scenario:3') && refused.includes('trace: names a file'),
        `file-naming upload not refused: ${refused}`);

  // Train with a bad GPU count: the page must show the CLI's error text.
  await browser.open(base + '/');
  await browser.evalAndWaitForLoad(`(() => {
    document.querySelector('#form-train [name="--gpus"]').value = '6x4';
    document.querySelector('#run-train').click();
  })()`);
  const shown = await browser.eval(`document.querySelector('.error')?.textContent ?? ''`);
  const model = await browser.eval(`'llama-3.1-8b'`);
  const expected = spawnSync(tokenfab, ['train', '--model', model, '--system', 'dgx-h100',
                                        '--gpus', '6x4', '--precision', 'bf16'], { encoding: 'utf8' });
  check(shown.length > 0 && shown === expected.stderr.trim(),
        `error text differs:\n    ui:  ${shown}\n    cli: ${expected.stderr.trim()}`);

  // Train: a single pinned plan gives the waterfall, memory and pipeline timeline.
  await browser.open(base + '/');
  await browser.evalAndWaitForLoad(`(() => {
    const f = (n, v) => { document.querySelector('#form-train [name="' + n + '"]').value = v; };
    f('--gpus', '64'); f('--tp', '8'); f('--pp', '2'); f('--vpp', '2'); f('--cp', '1'); f('--mbs', '1');
    f('--recompute', 'selective'); f('--zero', '1');
    document.querySelector('#run-train').click();
  })()`);
  const train = await browser.eval(`[...document.querySelectorAll('svg.chart title')].map((t) => t.textContent)`);
  check(train.some((t) => t.includes('Step timeline')), `train result charts: ${train}`);

  // The sweep form: one model on two systems, run in-process; the page charts each point.
  await browser.open(base + '/');
  await browser.evalAndWaitForLoad(`(() => {
    const f = (n, v) => { document.querySelector('#form-sweep [name="' + n + '"]').value = v; };
    f('models', 'llama-3.1-8b'); f('systems', 'dgx-h100, dgx-b200'); f('gpus', '64'); f('seq', '8192');
    document.querySelector('#run-sweep').click();
  })()`);
  const sweep = await browser.eval(`({ titles: [...document.querySelectorAll('svg.chart title')].map((t) => t.textContent),
    points: document.querySelectorAll('svg.chart .point').length,
    text: document.querySelector('pre.text-report')?.textContent ?? '' })`);
  check(sweep.titles.some((t) => t.includes('Best plan per point')) && sweep.points >= 2,
        `sweep result: ${sweep.titles} (${sweep.points} points)`);
  check(sweep.text.includes('dgx-b200'), 'sweep report does not name the second system');
  await browser.screenshot(join(outDir, 'ui_sweep_result.png'));

  // The validate form: one suite, predicted against published.
  await browser.open(base + '/');
  await browser.evalAndWaitForLoad(`(() => {
    document.querySelector('#form-validate [name="--suite"]').value = 'training-lora';
    document.querySelector('#run-validate').click();
  })()`);
  const validate = await browser.eval(`[...document.querySelectorAll('svg.chart title')].map((t) => t.textContent)`);
  check(validate.some((t) => t.includes('Predicted against published')), `validate result charts: ${validate}`);
  await browser.screenshot(join(outDir, 'ui_validate_result.png'));

  // A model or system value that names a file is refused (the catalog would read it), with the
  // form's key; nothing of the file comes back.
  for (const [command, field, value] of [['train', '--model', '/etc/passwd'],
                                         ['serve', '--system', '../../../etc/passwd'],
                                         ['compare', '--systems', 'dgx-h100,/etc/passwd'],
                                         ['train', '--model', 'x.yaml'],
                                         ['sweep', 'models', '/etc/passwd'],
                                         ['sweep', 'systems', 'dgx-h100]\ngbs: [1']]) {
    const body = `command=${command}&${encodeURIComponent(field)}=${encodeURIComponent(value)}`;
    const r = await raw(port, 'POST', '/run', body);
    check(r.status === 400 && !r.body.includes('root:') && r.body.includes(field),
          `${command} ${field}=${value}: ${r.status} ${r.body.slice(0, 200)}`);
  }
  const foreign = browser.requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'));
  check(foreign.length === 0, `requests outside the server: ${foreign}`);

  // Security over raw HTTP.
  for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
                      '/..%2f..%2f..%2fetc%2fpasswd', '/run/../../etc/passwd', '/CMakeCache.txt']) {
    const r = await raw(port, 'GET', path);
    check(r.status !== 200 && !r.body.includes('root:'), `GET ${path}: ${r.status}`);
  }
  const huge = 'command=factory&--system=' + 'x'.repeat(8 * 1024 * 1024);
  const big = await raw(port, 'POST', '/run', huge);
  check(big.status === 413 || big.status === 0 || big.status === 400, `huge body got ${big.status}`);
  const after = await raw(port, 'GET', '/');
  check(after.status === 200, `server not answering after the huge body: ${after.status}`);
} finally {
  await browser.close();
  server.kill();
}
if (failures.length) {
  console.log('FAILED\n  ' + failures.join('\n  '));
  process.exitCode = 1;
} else {
  console.log(`ui passes on port ${port}; screenshots in ${outDir}`);
}
