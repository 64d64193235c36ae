import { Resvg } from '@resvg/resvg-js';
import { execFileSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { dirname } from 'path';
import { pathToFileURL } from 'url';

/**
 * Charts to PNG without a browser: a Vega-Lite spec is compiled with vega-lite, rendered to SVG by a headless
 * vega View (renderer 'none'), and rasterised with @resvg/resvg-js.
 */

/** One named line of (x, y) points. */
export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

/** A line chart: one line per series, coloured and named in a legend. */
export interface LinePlot {
  title: string;
  /** Label of the x axis. */
  x: string;
  yLabel: string;
  series: Series[];
  /** Pixels; default 640 × 360. */
  width?: number;
  height?: number;
  /** Logarithmic y axis; default false. */
  logY?: boolean;
}

/** A chart of stacked panels sharing the x axis (e.g. loss and validation Recall@20 by epoch). */
export interface PanelPlot {
  title: string;
  x: string;
  panels: { yLabel: string; series: Series[]; logY?: boolean }[];
  width?: number;
  /** Height of each panel; default 220. */
  panelHeight?: number;
}

// vega and vega-lite ship as ES modules only, with top-level await (so no require(esm) either); tsconfig emits
// CommonJS, which would rewrite `import()` to `require()`, so the dynamic import is hidden from the compiler.
const importEsm = new Function('m', 'return import(m)') as (m: string) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// The same compile-and-render step as a child process, for hosts whose VM forbids dynamic import (Jest without
// --experimental-vm-modules): reads the Vega-Lite spec on stdin, writes the SVG on stdout.
const CHILD_RENDER = `
const [vegaUrl, vlUrl, scale] = process.argv.slice(1);
const vega = await import(vegaUrl);
const vl = await import(vlUrl);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const view = new vega.View(vega.parse(vl.compile(JSON.parse(input)).spec), { renderer: 'none' });
process.stdout.write(await view.toSVG(Number(scale)));
view.finalize();
`;

async function vegaLiteToSvg(spec: Record<string, unknown>, scale: number): Promise<string> {
  let vega;
  let vl;
  try {
    [vega, vl] = await Promise.all([importEsm('vega'), importEsm('vega-lite')]);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' && !/dynamic import/i.test(String(err))) throw err;
    const url = (m: string) => pathToFileURL(require.resolve(m)).href;
    return execFileSync(process.execPath, ['--input-type=module', '-e', CHILD_RENDER, url('vega'), url('vega-lite'), String(scale)], {
      input: JSON.stringify(spec),
      maxBuffer: 256 * 1024 * 1024,
      encoding: 'utf8',
    });
  }
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG(scale);
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite spec to PNG bytes (scale 2 for crisp text). */
export async function renderVegaLitePng(spec: Record<string, unknown>, scale = 2): Promise<Buffer> {
  const svg = await vegaLiteToSvg(spec, scale);
  const resvg = new Resvg(svg, {
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}

function rows(series: Series[], panel?: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      out.push({ x: p.x, y: p.y, series: s.name, ...(panel !== undefined ? { panel } : {}) });
    }
  }
  return out;
}

function lineLayer(xLabel: string, yLabel: string, logY: boolean, width: number, height: number): Record<string, unknown> {
  return {
    width,
    height,
    mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xLabel },
      y: { field: 'y', type: 'quantitative', title: yLabel, scale: { zero: false, ...(logY ? { type: 'log' } : {}) } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'right' } },
    },
  };
}

function validate(name: string, series: Series[]): void {
  if (series.length === 0) throw new Error(`${name}: series must not be empty`);
  for (const s of series) {
    if (!Array.isArray(s.points)) throw new Error(`${name}: series "${s.name}" has no points array`);
  }
}

/** Writes a line chart of `plot` as a PNG to `file` (directories created as needed). */
export async function plotLines(file: string, plot: LinePlot): Promise<void> {
  validate('plotLines', plot.series);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: plot.title,
    data: { values: rows(plot.series) },
    config: { font: 'DejaVu Sans' },
    ...lineLayer(plot.x, plot.yLabel, plot.logY ?? false, plot.width ?? 640, plot.height ?? 360),
  };
  const png = await renderVegaLitePng(spec);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, png);
}

/**
 * Writes stacked panels sharing the x axis as a PNG to `file`, e.g. training loss over validation Recall@20 by
 * epoch; each panel has its own y axis and its own series.
 */
export async function plotPanels(file: string, plot: PanelPlot): Promise<void> {
  if (plot.panels.length === 0) throw new Error('plotPanels: panels must not be empty');
  plot.panels.forEach((p) => validate(`plotPanels (${p.yLabel})`, p.series));
  const width = plot.width ?? 640;
  const height = plot.panelHeight ?? 220;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: plot.title,
    config: { font: 'DejaVu Sans' },
    resolve: { scale: { color: 'shared' } },
    vconcat: plot.panels.map((p) => ({
      data: { values: rows(p.series) },
      ...lineLayer(plot.x, p.yLabel, p.logY ?? false, width, height),
    })),
  };
  const png = await renderVegaLitePng(spec);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, png);
}

/**
 * The training-curve chart of the benchmark: loss (top) and validation Recall@20 (bottom) by epoch, one line per
 * model that reported a curve.
 */
export async function plotTrainingCurves(
  file: string,
  curves: { model: string; curve: { epoch: number; loss?: number; valRecall20?: number }[] }[],
  title = 'Training curves',
): Promise<void> {
  const loss: Series[] = [];
  const val: Series[] = [];
  for (const c of curves) {
    loss.push({ name: c.model, points: c.curve.filter((p) => p.loss !== undefined).map((p) => ({ x: p.epoch, y: p.loss! })) });
    val.push({ name: c.model, points: c.curve.filter((p) => p.valRecall20 !== undefined).map((p) => ({ x: p.epoch, y: p.valRecall20! })) });
  }
  await plotPanels(file, {
    title,
    x: 'epoch',
    panels: [
      { yLabel: 'training loss', series: loss },
      { yLabel: 'validation Recall@20', series: val },
    ],
  });
}
