import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { plotLines, plotTrainingCurves } from '../../bench/plot';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('plot: charts rendered to PNG without a browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ig-plot-'));

  it('writes a line chart as a valid PNG', async () => {
    const file = join(dir, 'sub', 'lines.png');
    await plotLines(file, {
      title: 'Recall by k',
      x: 'k',
      yLabel: 'Recall@20',
      series: [
        { name: 'a', points: [1, 2, 3].map((x) => ({ x, y: x / 10 })) },
        { name: 'b', points: [1, 2, 3].map((x) => ({ x, y: 0.3 - x / 20 })) },
      ],
    });
    const png = readFileSync(file);
    expect(Array.from(png.subarray(0, 8))).toEqual(PNG_MAGIC);
    expect(png.length).toBeGreaterThan(1024);
    // IHDR width/height at bytes 16..24: the default 640 × 360 canvas at scale 2, plus axes and legend
    expect(png.readUInt32BE(16)).toBeGreaterThan(1280);
    expect(png.readUInt32BE(20)).toBeGreaterThan(720);
  });

  it('writes the two-panel training curve (loss, validation Recall@20)', async () => {
    const file = join(dir, 'curve.png');
    const curve = Array.from({ length: 10 }, (_, k) => ({ epoch: k + 1, loss: 1 / (k + 1), valRecall20: k % 2 ? k / 100 : undefined }));
    await plotTrainingCurves(file, [{ model: 'm', curve }]);
    const png = readFileSync(file);
    expect(Array.from(png.subarray(0, 8))).toEqual(PNG_MAGIC);
    expect(png.length).toBeGreaterThan(1024);
  });

  it('rejects an empty chart', async () => {
    await expect(plotLines(join(dir, 'x.png'), { title: 't', x: 'x', yLabel: 'y', series: [] })).rejects.toThrow(
      'plotLines: series must not be empty',
    );
  });
});
