/**
 * The accuracy–coverage frontier as a PNG: one point per policy setting (coverage on x, Recall@20 on y), the
 * pure-exploitation point and the chosen default highlighted. A scatter with labels, which a line plot does
 * not draw, so it is its own small vega-lite spec, rendered to SVG by vega and to PNG by resvg (the route the
 * project's other plots take).
 */
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import type * as Vega from 'vega';

/**
 * vega and vega-lite are ES modules (vega-canvas even uses top-level await), which this CommonJS build cannot
 * require(); a real dynamic import() does load them, so keep TypeScript from rewriting it into require().
 */
/** The part of vega-lite used here (its types do not resolve under this project's "node" module resolution). */
interface VegaLiteModule {
  compile(spec: Record<string, unknown>): { spec: Vega.Spec };
}

const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

/** One setting's point on the frontier. */
export interface FrontierPoint {
  diversity: number;
  exploration: number;
  recall20: number;
  coverage20: number;
}

/** Draws the frontier of `points` to `pngPath`; `chosen` and the (0, 0) setting are highlighted. */
export async function plotFrontier(pngPath: string, title: string, points: readonly FrontierPoint[], chosen: { diversity: number; exploration: number }): Promise<void> {
  const rows = points.map((p) => ({
    ...p,
    label: `d=${p.diversity}, e=${p.exploration}`,
    role: p.diversity === chosen.diversity && p.exploration === chosen.exploration
      ? 'default'
      : p.diversity === 0 && p.exploration === 0 ? 'pure exploitation' : 'other settings',
  }));
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 380,
    background: 'white',
    data: { values: rows },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 80 },
        encoding: {
          x: { field: 'coverage20', type: 'quantitative', title: 'catalogue coverage@20', scale: { zero: false, padding: 24 } },
          y: { field: 'recall20', type: 'quantitative', title: 'Recall@20', scale: { zero: false } },
          color: {
            field: 'role',
            type: 'nominal',
            title: null,
            legend: { orient: 'bottom' },
            scale: { domain: ['pure exploitation', 'default', 'other settings'], range: ['#1f77b4', '#d62728', '#9e9e9e'] },
          },
          shape: { field: 'exploration', type: 'nominal', title: 'exploration', legend: { orient: 'bottom' } },
        },
      },
      {
        mark: { type: 'text', dx: 6, dy: -7, align: 'left', fontSize: 8 },
        encoding: {
          x: { field: 'coverage20', type: 'quantitative' },
          y: { field: 'recall20', type: 'quantitative' },
          text: { field: 'label' },
          color: { value: '#555' },
        },
      },
    ],
  };
  const vega = await importEsm<typeof Vega>('vega');
  const vegaLite = await importEsm<VegaLiteModule>('vega-lite');
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
  writeFileSync(pngPath, png);
}
