// A minimal Chrome DevTools Protocol client over a pipe: launches the Debian chromium headless,
// opens pages, records console errors, exceptions and network requests, runs expressions and takes
// screenshots. No npm packages.
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

// Chromium speaks the protocol over a pipe (--remote-debugging-pipe: it reads fd 3 and writes
// fd 4, messages NUL-terminated), so any Node version works, Debian bookworm's 18 included.
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'tokenfab-chromium-'));
  const proc = spawn(findChromium(), [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--no-first-run', '--no-default-browser-check', '--disable-extensions',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--metrics-recording-only', '--remote-debugging-pipe', `--user-data-dir=${profile}`,
    '--window-size=1100,900', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  proc.stderr.on('data', () => {});
  const browser = new Browser(proc, profile);
  let page;
  for (let i = 0; i < 300 && !page; ++i) {
    const { targetInfos } = await browser.send('Target.getTargets', {}, null);
    page = targetInfos.find((t) => t.type === 'page');
    if (!page) await sleep(100);
  }
  if (!page) throw new Error('chromium opened no page');
  const { sessionId } = await browser.send('Target.attachToTarget',
                                           { targetId: page.targetId, flatten: true }, null);
  browser.session = sessionId;
  await browser.send('Page.enable');
  await browser.send('Runtime.enable');
  await browser.send('Log.enable');
  await browser.send('Network.enable');
  return browser;
}

class Browser {
  constructor(proc, profile) {
    this.proc = proc; this.profile = profile; this.session = null;
    this.nextId = 1; this.pending = new Map(); this.listeners = [];
    this.consoleErrors = []; this.requests = [];
    let buffer = '';
    proc.stdio[4].on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end;
      while ((end = buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        this.onMessage(msg);
      }
    });
    proc.on('exit', () => {
      for (const { reject } of this.pending.values()) reject(new Error('chromium exited'));
      this.pending.clear();
    });
  }
  onMessage(msg) {
    if (msg.id && this.pending.has(msg.id)) {
      const { resolve, reject } = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result);
      return;
    }
    if (msg.method) this.onEvent(msg.method, msg.params);
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
  // Page-level commands go to the attached page's session; pass session null for the browser.
  send(method, params = {}, session = this.session) {
    const id = this.nextId++;
    const msg = { id, method, params };
    if (session) msg.sessionId = session;
    this.proc.stdio[3].write(JSON.stringify(msg) + '\0');
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
    try { await this.send('Browser.close', {}, null); } catch (e) { /* already gone */ }
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
