import * as fs from 'fs';
import * as path from 'path';
import {
  CalendarError, calendarStatus, loadCalendar, parseCalendar, UsedPin, unlistedPins, unusedPins,
} from '../../../src/shared/versions/calendar';
import { dockerBaseImages, NamedTemplate, pinsInTemplates } from '../../../src/shared/versions/pins-in-use';
import { NODE_MAJOR } from '../../../src/shared/versions/toolchain';
import { TRIVY_VERSION } from '../../../src/synth/pipeline/steps/image-gate-step';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

const ROOT = REPO_ROOT;
const calendar = loadCalendar(ROOT);

/** Every template of the sample assembly (pipeline, support stacks, every stage) and its buildspec files. */
function sampleTemplates(): { templates: NamedTemplate[]; buildSpecs: { name: string; text: string }[] } {
  const { pipeline, supportStacks, stages, directory } = sampleAssembly();
  const templates = [
    { name: pipeline.stackName, template: pipeline.template },
    ...supportStacks.map((s) => ({ name: s.stackName, template: s.template })),
    ...stages.flatMap((stage) => Object.values(stage.stacks).map((s) => ({ name: `${stage.name}/${s.stackName}`, template: s.template }))),
  ];
  const buildSpecs = fs.readdirSync(directory).filter((f) => /^buildspec-.*\.ya?ml$/.test(f))
    .map((f) => ({ name: f, text: fs.readFileSync(path.join(directory, f), 'utf8') }));
  return { templates, buildSpecs };
}

/** The pins the repository sets outside the templates. */
function repositoryPins(): UsedPin[] {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'app', 'Dockerfile'), 'utf8');
  return [
    { kind: 'nodejs', pin: String(NODE_MAJOR), where: 'src/shared/versions/toolchain.ts' },
    { kind: 'trivy', pin: TRIVY_VERSION, where: 'src/synth/pipeline/steps/image-gate-step.ts' },
    ...dockerBaseImages(dockerfile).map((pin) => ({ kind: 'container-base-image' as const, pin, where: 'app/Dockerfile' })),
  ];
}

describe('the committed calendar covers every pin in use', () => {
  const { templates, buildSpecs } = sampleTemplates();
  const used = [...pinsInTemplates(templates, buildSpecs), ...repositoryPins()];

  test('the walk sees every kind of pin in the synthesized templates', () => {
    expect(templates.length).toBeGreaterThanOrEqual(17);
    const kinds = new Set(used.map((u) => u.kind));
    expect([...kinds].sort()).toEqual(['codebuild-image', 'codebuild-runtime', 'container-base-image', 'database-engine', 'lambda-runtime', 'nodejs', 'sidecar-image', 'trivy']);
    // The AppConfig agent of every stage's task (the service's own image is the gated repository, not a pin).
    expect(used.filter((u) => u.kind === 'sidecar-image').length).toBe(sampleAssembly().stages.length);
    expect(used.filter((u) => u.kind === 'database-engine').length).toBe(sampleAssembly().stages.length);
  });

  test('no template, buildspec or repository pin is missing from versions/calendar.json', () => {
    expect(unlistedPins(calendar, used)).toEqual([]);
  });

  test('no calendar entry is stale (listed but used nowhere)', () => {
    expect(unusedPins(calendar, used)).toEqual([]);
  });

  test('a sidecar image without a calendar row fails the check; the service image (a token) is no pin', () => {
    const service = templates.find((t) => /prod-us-east-1\/\S*Service/.test(t.name))!;
    const task = Object.entries(service.template.Resources!).find(([, r]) => r.Type === 'AWS::ECS::TaskDefinition')!;
    const pins = pinsInTemplates([{ name: service.name, template: { Resources: Object.fromEntries([task]) } }]);
    expect(pins).toEqual([{ kind: 'sidecar-image', pin: 'public.ecr.aws/aws-appconfig/aws-appconfig-agent:2.x', where: `${service.name}/${task[0]}` }]);
    const bumped = JSON.parse(JSON.stringify(task[1]));
    bumped.Properties.ContainerDefinitions.find((c: any) => typeof c.Image === 'string').Image = 'public.ecr.aws/aws-appconfig/aws-appconfig-agent:3.x@sha256:00';
    expect(unlistedPins(calendar, pinsInTemplates([{ name: 'x', template: { Resources: { Task: bumped } } }]))).toEqual([
      expect.stringMatching(/^sidecar-image public\.ecr\.aws\/aws-appconfig\/aws-appconfig-agent:3\.x \(used in x\/Task\): add it to versions\/calendar\.json/),
    ]);
  });

  test('a template with an unlisted runtime, engine, image or buildspec runtime fails the check, naming where', () => {
    const changed = JSON.parse(JSON.stringify(templates)) as NamedTemplate[];
    const platform = changed.find((t) => t.name.startsWith('prod-us-east-2/') && /Platform/.test(t.name))!;
    const resources = Object.values(platform.template.Resources!);
    resources.find((r) => r.Type === 'AWS::RDS::DBCluster')!.Properties!.EngineVersion = '16.6';
    resources.find((r) => r.Type === 'AWS::Lambda::Function')!.Properties!.Runtime = 'nodejs22.x';
    const pipelineTemplate = changed.find((t) => t.name === 'DeliveryPipeline')!;
    const project = Object.values(pipelineTemplate.template.Resources!).find((r) => r.Type === 'AWS::CodeBuild::Project' && /runtime-versions/.test(r.Properties!.Source.BuildSpec))!;
    project.Properties!.Environment.Image = 'aws/codebuild/standard:7.0';
    project.Properties!.Source.BuildSpec = project.Properties!.Source.BuildSpec.replace(/"nodejs": "24"/, '"nodejs": "20"');
    const problems = unlistedPins(calendar, [...pinsInTemplates(changed, buildSpecs), ...repositoryPins()]);
    expect(problems).toEqual([
      expect.stringMatching(/^codebuild-image aws\/codebuild\/standard:7\.0 \(used in DeliveryPipeline\/\w+\): add it to versions\/calendar\.json/),
      expect.stringMatching(/^codebuild-runtime nodejs 20 \(used in DeliveryPipeline\/\w+\)/),
      expect.stringMatching(/^lambda-runtime nodejs22\.x \(used in prod-us-east-2\/\S+Platform\S*\/\w+\)/),
      expect.stringMatching(/^database-engine aurora-postgresql 16\.6 \(used in prod-us-east-2\/\S+\/DataCluster\w+\)/),
    ]);
  });
});

describe('the calendar file', () => {
  const entry = calendar[0];

  test('every entry has a kind, the pin, where it is used, an end of support, a source and a read date', () => {
    expect(calendar.length).toBeGreaterThanOrEqual(7);
    for (const p of calendar) expect(p.source.length).toBeGreaterThan(20);
  });

  test('a bad entry is refused with every problem named by field', () => {
    const text = JSON.stringify({ pins: [{ ...entry, kind: 'runtime', endOfSupport: '2029-02-30' }, { ...entry, source: '' }, entry] });
    expect(() => parseCalendar(text)).toThrow(CalendarError);
    let message = '';
    try {
      parseCalendar(text);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('pins[0].kind: "runtime" is not one of database-engine, lambda-runtime');
    expect(message).toContain('pins[0].endOfSupport: "2029-02-30" is not a date written YYYY-MM-DD');
    expect(message).toContain('pins[1].source: must be a non-empty text');
    expect(message).toContain(`pins[2]: ${entry.kind} ${entry.pin} is listed twice`);
    expect(() => parseCalendar('{"pins": {}}')).toThrow('"pins" must be a list of pins.');
    expect(() => parseCalendar('not json')).toThrow(/not valid JSON/);
  });
});

describe('status on an injected day', () => {
  const pin = { ...calendar[0], endOfSupport: '2027-03-31' };
  const on = (iso: string) => calendarStatus([pin], new Date(iso))[0];

  test('OK more than 90 days ahead, WARN from 90 days to the last day, FAIL the day after', () => {
    expect(on('2026-12-30T23:59:59Z')).toMatchObject({ status: 'ok', daysLeft: 91 });
    expect(on('2026-12-31T00:00:00Z')).toMatchObject({ status: 'warn', daysLeft: 90 });
    expect(on('2027-03-31T23:00:00Z')).toMatchObject({ status: 'warn', daysLeft: 0 });
    expect(on('2027-04-01T00:00:00Z')).toMatchObject({ status: 'fail', daysLeft: -1 });
  });
});

test('Dockerfile base images: ARG defaults substituted, digest and build stages dropped', () => {
  const dockerfile = [
    'ARG NODE_IMAGE=public.ecr.aws/docker/library/node:24.11.1-trixie-slim@sha256:0123abcd',
    'FROM ${NODE_IMAGE} AS deps',
    'FROM deps AS build',
    'FROM --platform=linux/amd64 $NODE_IMAGE',
    'FROM scratch',
  ].join('\n');
  expect(dockerBaseImages(dockerfile)).toEqual(['public.ecr.aws/docker/library/node:24.11.1-trixie-slim']);
});
