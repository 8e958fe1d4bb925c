import { Template } from 'aws-cdk-lib/assertions';
import { DATABASE_ENGINE_VERSION } from '../../../src/synth/workload/database-engine';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * The engine version policy (src/synth/workload/database-engine.ts) as synthesized: the LTS minor
 * 16.8 in every stage and region, automatic minor upgrades off on every cluster and instance.
 */
describe('database engine version policy (sample assembly, every stage)', () => {
  const { stages } = sampleAssembly();
  const platforms = stages.map((stage) => ({ stage: stage.name, template: Template.fromJSON(stage.stacks.Platform.template) }));
  const all = (type: string) => platforms.flatMap(({ stage, template }) =>
    Object.entries(template.findResources(type)).map(([id, r]) => ({ stage, id, props: r.Properties })));

  test('the pinned version is the Aurora PostgreSQL 16 long-term-support minor', () => {
    expect(DATABASE_ENGINE_VERSION.auroraPostgresFullVersion).toBe('16.8');
    expect(DATABASE_ENGINE_VERSION.auroraPostgresMajorVersion).toBe('16');
  });

  test('every stage and region runs exactly that minor (a global database needs one version everywhere)', () => {
    const clusters = all('AWS::RDS::DBCluster');
    expect(clusters.length).toBe(stages.length);
    expect(new Set(clusters.map((c) => `${c.props.Engine} ${c.props.EngineVersion}`))).toEqual(new Set(['aurora-postgresql 16.8']));
    const families = all('AWS::RDS::DBClusterParameterGroup').map((g) => g.props.Family);
    expect(new Set(families)).toEqual(new Set(['aurora-postgresql16']));
  });

  test('automatic minor version upgrades are off on every cluster and every instance (AWS requires it to stay on an LTS minor)', () => {
    const clusters = all('AWS::RDS::DBCluster');
    const instances = all('AWS::RDS::DBInstance');
    expect(instances.length).toBeGreaterThanOrEqual(stages.length);
    const on = [...clusters, ...instances].filter((r) => r.props.AutoMinorVersionUpgrade !== false).map((r) => `${r.stage}/${r.id}`);
    expect(on).toEqual([]);
  });
});
