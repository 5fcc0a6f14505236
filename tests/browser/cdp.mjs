// A minimal Chrome DevTools Protocol client over Node's built-in WebSocket: launches the Debian
// chromium headless, opens pages, records console errors, exceptions and network requests, runs
// expressions and takes screenshots. No npm packages.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function findChromium() {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser',
                   '/usr/bin/google-chrome']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('no chromium found (Debian: apt-get install chromium)');
}

export async function launch() {
  if (typeof WebSocket === 'undefined') {
    throw new Error('this Node has no WebSocket; run node with --experimental-websocket (Node 20)');
  }
  const profile = mkdtempSync(join(tmpdir(), 'tokenfab-chromium-'));
  const proc = spawn(findChromium(), [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--no-first-run', '--no-default-browser-check', '--disable-extensions',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--metrics-recording-only', '--remote-debugging-port=0', `--user-data-dir=${profile}`,
    '--window-size=1100,900', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr.on('data', () => {});
  const portFile = join(profile, 'DevToolsActivePort');
  for (let i = 0; i < 300 && !existsSync(portFile); ++i) await sleep(100);
  if (!existsSync(portFile)) throw new Error('chromium did not start');
  const port = readFileSync(portFile, 'utf8').split('\n')[0];
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const page = targets.find((t) => t.type === 'page');
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  const browser = new Browser(ws, proc, profile);
  await browser.send('Page.enable');
  await browser.send('Runtime.enable');
  await browser.send('Log.enable');
  await browser.send('Network.enable');
  return browser;
}

class Browser {
  constructor(ws, proc, profile) {
    this.ws = ws; this.proc = proc; this.profile = profile;
    this.nextId = 1; this.pending = new Map(); this.listeners = [];
    this.consoleErrors = []; this.requests = [];
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result);
        return;
      }
      this.onEvent(msg.method, msg.params);
    };
  }
  onEvent(method, params) {
    if (method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'assert')) {
      this.consoleErrors.push(params.args.map((a) => a.value ?? a.description).join(' '));
    } else if (method === 'Runtime.exceptionThrown') {
      this.consoleErrors.push(params.exceptionDetails.text);
    } else if (method === 'Log.entryAdded' && params.entry.level === 'error') {
      this.consoleErrors.push(params.entry.text + ' ' + (params.entry.url ?? ''));
    } else if (method === 'Network.requestWillBeSent') {
      this.requests.push(params.request.url);
    }
    for (const l of this.listeners) l(method, params);
  }
  send(method, params = {}) {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  waitFor(method, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${method}`)), timeoutMs);
      const l = (m, p) => {
        if (m !== method) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((x) => x !== l);
        resolve(p);
      };
      this.listeners.push(l);
    });
  }
  reset() { this.consoleErrors = []; this.requests = []; }
  async open(url) {
    this.reset();
    const loaded = this.waitFor('Page.loadEventFired');
    await this.send('Page.navigate', { url });
    await loaded;
    await sleep(150);  // let late console messages arrive
  }
  async eval(expression) {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`evaluate failed: ${r.exceptionDetails.text}`);
    return r.result.value;
  }
  // Runs `expression` (which navigates, e.g. a form submit) and waits for the next page load.
  async evalAndWaitForLoad(expression) {
    this.reset();
    const loaded = this.waitFor('Page.loadEventFired', 120000);
    await this.eval(expression);
    await loaded;
    await sleep(150);
  }
  async screenshot(path) {
    const { cssContentSize } = await this.send('Page.getLayoutMetrics');
    const r = await this.send('Page.captureScreenshot', {
      format: 'png', captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: Math.ceil(cssContentSize.width), height: Math.min(Math.ceil(cssContentSize.height), 6000), scale: 1 } });
    writeFileSync(path, Buffer.from(r.data, 'base64'));
  }
  async close() {
    try { await this.send('Browser.close'); } catch (e) { /* already gone */ }
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill();
      await exited;
    }
    try {
      rmSync(this.profile, { recursive: true, force: true, maxRetries: 5 });
    } catch (e) { /* a leftover temp profile is harmless */ }
  }
}
