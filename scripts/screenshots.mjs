// `make screenshots`: the README's pictures, rendered by headless chromium from --html pages.
// usage: node scripts/screenshots.mjs TOKENFAB OUT_DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launch } from '../tests/browser/cdp.mjs';

const [tokenfab, outDir] = process.argv.slice(2).map((p) => resolve(p));
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'tokenfab-shots-'));
const shots = {
  // The README's demo: Llama 3.1 405B on 16,384 H100s.
  'train-405b': ['train', '--model', 'llama-3.1-405b', '--system', 'dgx-h100', '--gpus', '16384',
                 '--tp', '8', '--pp', '16', '--vpp', '2', '--cp', '1', '--mbs', '1', '--zero', '1',
                 '--pp-first-layers', '7', '--pp-last-layers', '7', '--recompute', 'selective',
                 '--gbs', '2048', '--seq', '8192', '--tokens', '15.6T'],
  'serve-pareto': ['serve', '--model', 'llama-3.1-70b', '--system', 'dgx-h100', '--gpus', '8',
                   '--pareto', '--ttft-slo', '2', '--tpot-slo', '0.1'],
};
const browser = await launch();
try {
  for (const [name, args] of Object.entries(shots)) {
    const page = join(work, `${name}.html`);
    execFileSync(tokenfab, [...args, '--html', page], { stdio: ['ignore', 'ignore', 'inherit'] });
    await browser.open('file://' + page);
    // The charts section only: from the "Charts" heading to the end of the last figure.
    const clip = await browser.eval(`(() => {
      const figures = [...document.querySelectorAll('figure')];
      const top = document.evaluate("//h2[text()='Charts']", document, null, 9, null)
                      .singleNodeValue.getBoundingClientRect().top + window.scrollY;
      const last = figures[figures.length - 1].getBoundingClientRect();
      return { x: 0, y: top - 8, width: document.documentElement.scrollWidth,
               height: Math.min(last.bottom + window.scrollY - top + 16, 1800), scale: 1 };
    })()`);
    const r = await browser.send('Page.captureScreenshot', { format: 'png', clip,
                                                             captureBeyondViewport: true });
    writeFileSync(join(outDir, `${name}.png`), Buffer.from(r.data, 'base64'));
    console.log(`wrote ${join(outDir, name + '.png')}`);
  }
} finally {
  await browser.close();
}
