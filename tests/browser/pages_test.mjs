// Browser test of the --html pages: renders each command's page in headless chromium and checks
// that every chart has a title, a text alternative, labelled axes (or a legend) and data points
// with data-* values, that nothing logs an error and that the page requests nothing from the
// network. Screenshots go to OUT_DIR as test artefacts (not goldens).
// usage: node pages_test.mjs TOKENFAB OUT_DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './cdp.mjs';

const [tokenfab, outDir] = process.argv.slice(2).map((p) => resolve(p));
mkdirSync(outDir, { recursive: true });

// name -> [command args, the charts expected (at least), one chart title that must be there]
const cases = {
  train: [['train', '--model', 'llama-3.1-8b', '--system', 'dgx-h100', '--gpus', '64', '--tp', '8',
           '--pp', '2', '--vpp', '2', '--cp', '1', '--mbs', '1', '--recompute', 'selective', '--zero', '1',
           '--tokens', '1T'], 3, 'Step timeline'],
  // Uneven first/last stages and DualPipe: the timeline works for any valid plan.
  train_dualpipe: [['train', '--model', 'deepseek-v3', '--system', 'gb200-nvl72', '--gpus', '512', '--tp', '1',
                    '--pp', '8', '--ep', '64', '--cp', '1', '--mbs', '1', '--gbs', '512', '--seq', '4096',
                    '--schedule', 'dualpipe', '--pp-first-layers', '7', '--pp-last-layers', '6',
                    '--recompute', 'full', '--zero', '1'], 3, 'Step timeline'],
  train_search: [['train', '--model', 'llama-3.1-8b', '--system', 'dgx-h100', '--gpus', '64',
                  '--tp', '8', '--mbs', '1'], 4, "winning plan's step timeline"],
  serve: [['serve', '--model', 'llama-3.1-70b', '--system', 'dgx-h100', '--gpus', '8'], 1,
          'Decode step'],
  serve_pareto: [['serve', '--model', 'llama-3.1-70b', '--system', 'dgx-h100', '--gpus', '8',
                  '--pareto', '--ttft-slo', '2', '--tpot-slo', '0.1'], 2, 'frontier'],
  serve_simulate: [['serve', '--model', 'llama-3.1-8b', '--system', 'dgx-h100', '--gpus', '8',
                    '--simulate', '--requests', '200', '--qps', '5', '--ttft-slo', '1', '--tpot-slo', '0.05'],
                   4, 'TTFT cumulative distribution'],
  plan: [['plan', fileURLToPath(new URL('../../examples/fleet-yearly.yaml', import.meta.url))], 3,
         'Fleet mix'],
  pipeline: [['pipeline', fileURLToPath(new URL('../../examples/pipelines/rag.yaml', import.meta.url))], 3,
             'Utilisation of each stage'],
  collective: [['collective', '--system', 'dgx-h100', '--gpus', '16', '--op', 'all_reduce', '-b',
                '1M', '-e', '1G'], 2, 'bus bandwidth'],
  compare: [['compare', '--model', 'llama-3.1-8b', '--systems', 'dgx-h100,dgx-b200', '--gpus', '512',
             '--tokens', '1T'], 1, 'side by side'],
  factory: [['factory', '--system', 'dgx-h100', '--gpus', '1024'], 3, 'Power'],
  validate: [['validate', '--suite', 'training-mbridge'], 1, 'Predicted against published'],
};

const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const browser = await launch();
try {
  for (const [name, [args, minCharts, titleWord]] of Object.entries(cases)) {
    const file = join(outDir, `${name}.html`);
    execFileSync(tokenfab, [...args, '--html', file], { stdio: ['ignore', 'ignore', 'inherit'] });
    await browser.open('file://' + file);
    const r = await browser.eval(`(() => {
      const charts = [...document.querySelectorAll('svg.chart')];
      return {
        charts: charts.length,
        titles: charts.map((c) => c.querySelector('title')?.textContent ?? ''),
        descs: charts.filter((c) => (c.querySelector('desc')?.textContent ?? '').length > 10).length,
        axes: charts.filter((c) => c.querySelector('.x-axis .axis-label')?.textContent.length > 0).length,
        points: charts.map((c) => c.querySelectorAll('.point').length),
        numeric: [...document.querySelectorAll('.point')].every((p) =>
          ['data-value', 'data-y', 'data-end'].some((a) => p.hasAttribute(a) && isFinite(+p.getAttribute(a)))),
        report: document.querySelector('pre.text-report')?.textContent.length ?? 0,
        inputs: document.querySelectorAll('table.inputs tr').length,
        sources: document.querySelectorAll('ul.sources li').length,
      };
    })()`);
    const tag = `${name}:`;
    check(r.charts >= minCharts, `${tag} ${r.charts} charts, expected at least ${minCharts}`);
    check(r.titles.some((t) => t.toLowerCase().includes(titleWord.toLowerCase())),
          `${tag} no chart titled '${titleWord}' (have: ${r.titles.join(' | ')})`);
    check(r.descs === r.charts, `${tag} ${r.charts - r.descs} charts without a <desc>`);
    check(r.axes === r.charts, `${tag} ${r.charts - r.axes} charts without a labelled x axis`);
    check(r.points.every((n) => n > 0), `${tag} a chart without data points (${r.points})`);
    check(r.numeric, `${tag} a data point without a numeric data-* value`);
    check(r.report > 0 || name === 'validate', `${tag} no text report`);
    check(r.inputs > 0 && r.sources > 0, `${tag} inputs or sources missing`);
    check(browser.consoleErrors.length === 0, `${tag} console errors: ${browser.consoleErrors}`);
    const remote = browser.requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'));
    check(remote.length === 0, `${tag} network requests: ${remote}`);
    await browser.screenshot(join(outDir, `${name}.png`));
    console.log(`${name}: ${r.charts} charts, ${r.points.reduce((a, b) => a + b, 0)} points`);
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.log('FAILED\n  ' + failures.join('\n  '));
  process.exitCode = 1;
} else {
  console.log(`all ${Object.keys(cases).length} pages pass; screenshots in ${outDir}`);
}
