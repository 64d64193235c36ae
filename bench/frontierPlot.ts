/**
 * The accuracy–coverage frontier as a PNG: one point per policy setting (coverage on x, Recall@20 on y), the
 * pure-exploitation point and the chosen default ringed and labelled. A scatter, which a line plot does
 * not draw, so it is its own small vega-lite spec, rendered to PNG by bench/plot.ts like the project's other plots.
 */
import { writeFileSync } from 'node:fs';
import { renderVegaLitePng } from './plot';

/** One setting's point on the frontier. */
export interface FrontierPoint {
  diversity: number;
  exploration: number;
  leastShown?: number;
  recall20: number;
  coverage20: number;
}

/** Draws the frontier of `points` to `pngPath`; `chosen` and the pure-exploitation setting (all 0) are ringed and labelled. */
export async function plotFrontier(pngPath: string, title: string, points: readonly FrontierPoint[], chosen: { diversity: number; exploration: number; leastShown?: number }): Promise<void> {
  const rows = points.map((p) => ({
    ...p,
    label: `diversity ${p.diversity}, exploration ${p.exploration}${p.leastShown !== undefined ? `, least-shown ${p.leastShown}` : ''}`,
    leastShown: p.leastShown ?? 0,
    role: p.diversity === chosen.diversity && p.exploration === chosen.exploration && (p.leastShown ?? 0) === (chosen.leastShown ?? 0)
      ? 'default'
      : p.diversity === 0 && p.exploration === 0 && !p.leastShown ? 'pure exploitation' : 'other settings',
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
        mark: { type: 'point', filled: true, size: 60, opacity: 0.85 },
        encoding: {
          x: { field: 'coverage20', type: 'quantitative', title: 'catalogue coverage@20', scale: { zero: false, padding: 24 } },
          y: { field: 'recall20', type: 'quantitative', title: 'Recall@20', scale: { zero: false, padding: 12 } },
          color: { field: 'leastShown', type: 'ordinal', title: 'least-shown share', scale: { scheme: 'viridis' }, legend: { orient: 'bottom' } },
          shape: { field: 'exploration', type: 'nominal', title: 'exploration', legend: { orient: 'bottom' } },
        },
      },
      {
        transform: [{ filter: "datum.role !== 'other settings'" }],
        mark: { type: 'point', filled: false, size: 320, strokeWidth: 2 },
        encoding: {
          x: { field: 'coverage20', type: 'quantitative' },
          y: { field: 'recall20', type: 'quantitative' },
          color: { value: '#d62728' },
        },
      },
      {
        transform: [{ filter: "datum.role !== 'other settings'" }, { calculate: "datum.role + ': ' + datum.label", as: 'text' }],
        mark: { type: 'text', dx: 10, dy: -12, align: 'left', fontSize: 11, fontWeight: 'bold' },
        encoding: {
          x: { field: 'coverage20', type: 'quantitative' },
          y: { field: 'recall20', type: 'quantitative' },
          text: { field: 'text' },
          color: { value: '#d62728' },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
  writeFileSync(pngPath, await renderVegaLitePng(spec));
}
