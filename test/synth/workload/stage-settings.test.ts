import { buildStage, sampleEnvironment } from './support';
import { stageSettingsOf } from '../../../src/synth/workload/stage-settings';

describe('stageSettingsOf', () => {
  test('the secondary region of a global environment writes through the primary', () => {
    const prod = sampleEnvironment('prod');
    const { environment, ...settings } = stageSettingsOf(prod, 'Transactions API', 'us-east-2');
    expect(environment).toBe(prod);
    expect(settings).toEqual({
      application: 'Transactions API',
      region: 'us-east-2',
      stageId: 'prod-us-east-2',
      namePrefix: 'transactions-api-prod-us-east-2',
      production: true,
      deployment: { strategy: 'canary', progressive: true, bakeMinutes: 10, canary: { percent: 10, bakeMinutes: 10 } },
      role: 'secondary',
      primaryRegion: 'us-east-1',
      writerRegion: 'us-east-1',
      issuerRegion: 'us-east-1',
    });
  });

  test('a primary or independent region writes to itself', () => {
    expect(stageSettingsOf(sampleEnvironment('prod'), 'app', 'us-east-1')).toMatchObject({ role: 'primary', writerRegion: 'us-east-1' });
    expect(stageSettingsOf(sampleEnvironment('test'), 'app', 'us-east-2')).toMatchObject({
      role: 'independent',
      primaryRegion: 'us-east-1',
      writerRegion: 'us-east-2',
      production: false,
      deployment: { strategy: 'rolling' },
      // One token issuer per environment, in its primary region, also for independent regions.
      issuerRegion: 'us-east-1',
    });
  });

  test('a stage derives them once, and its tiers follow them', () => {
    const stage = buildStage(sampleEnvironment('prod'), 'us-east-2');
    const { settings } = stage.stacks;
    expect([stage.data.role, stage.data.writerRegion, stage.edge.trafficSwitch !== undefined]).toEqual(['secondary', 'us-east-1', true]);
    expect(settings.stageId).toBe(stage.stageName);
  });
});
