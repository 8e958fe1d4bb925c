import * as fs from 'fs';
import * as path from 'path';
import { layoutFromEnvironment } from '../../../src/lambda/delivery-metrics/layout-env';
import { bundledHandlerCode } from '../../../src/synth/constructs/bundled-handler';
import { SAMPLE_LAYOUT } from '../../support/delivery-history';

/** The bundles the Lambda assets hold (esbuild at synth), loaded as Lambda loads them. */
describe('the bundled handlers', () => {
  test.each([
    ['delivery-metrics', 'delivery-metrics.handler.ts'],
    ['drift-detection', 'drift-detection.handler.ts'],
  ])('%s bundles into one index.js with its SDK clients and exports handler', (folder, file) => {
    const dir = bundledHandlerCode(path.join('src', 'lambda', folder, file));
    expect(fs.readdirSync(dir)).toEqual(['index.js']);
    expect(bundledHandlerCode(path.join('src', 'lambda', folder, file))).toBe(dir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, 'index.js'));
    expect(typeof mod.handler).toBe('function');
  });

  test('the metrics function refuses to run without its layout, with one clear error', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(path.join(bundledHandlerCode(path.join('src', 'lambda', 'delivery-metrics', 'delivery-metrics.handler.ts')), 'index.js'));
    delete process.env.PIPELINE_LAYOUT;
    await expect(handler({ 'detail-type': 'x', 'time': '', 'detail': {} })).rejects.toThrow('PIPELINE_LAYOUT is not set');
  });

  test('the layout in the environment: read back, or a clear error naming the fix', () => {
    expect(layoutFromEnvironment({ PIPELINE_LAYOUT: JSON.stringify(SAMPLE_LAYOUT) })).toEqual(SAMPLE_LAYOUT);
    expect(() => layoutFromEnvironment({ PIPELINE_LAYOUT: '{' })).toThrow(/^PIPELINE_LAYOUT is not JSON/);
    expect(() => layoutFromEnvironment({ PIPELINE_LAYOUT: JSON.stringify({ ...SAMPLE_LAYOUT, prodStages: [] }) })).toThrow(/must be \{"pipelineName", "prodStages": \[at least one\]/);
  });
});
