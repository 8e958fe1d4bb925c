import { parse } from 'yaml';
import { UsedPin } from './calendar';

/**
 * Collect the pins the synthesized templates and the repository actually use, for the version
 * calendar's test (test/shared/versions/calendar.test.ts): what CloudFormation will be asked to create
 * is read from the templates themselves, not from the constants that are meant to produce it.
 */

/** A synthesized template and a name that says where it is (`<stage>/<stack>`). */
export interface NamedTemplate {
  readonly name: string;
  readonly template: { Resources?: Record<string, { Type: string; Properties?: Record<string, any> }> };
}

/** A buildspec kept as a file in the assembly (CDK Pipelines writes large ones there). */
export interface NamedBuildSpec {
  readonly name: string;
  readonly text: string;
}

const ENGINE_TYPES = new Set(['AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::RDS::GlobalCluster']);

/** `runtime-versions` of a buildspec (JSON or YAML text), as `nodejs 24` pins. */
function runtimeVersions(text: unknown, where: string): UsedPin[] {
  if (typeof text !== 'string') return [];
  const spec = parse(text);
  if (!spec || typeof spec !== 'object') return []; // the name of a buildspec file, read separately
  const runtimes = (spec as any).phases?.install?.['runtime-versions'] ?? {};
  return Object.entries(runtimes).map(([runtime, version]) => ({ kind: 'codebuild-runtime' as const, pin: `${runtime} ${String(version)}`, where }));
}

/**
 * A container image a task definition names literally (a sidecar such as the AppConfig agent),
 * without its digest: `public.ecr.aws/aws-appconfig/aws-appconfig-agent:2.x`. The service's own
 * image is a token (the gated repository, by commit tag) and is not a pin.
 */
function sidecarImages(resource: { Properties?: Record<string, any> }, where: string): UsedPin[] {
  return ((resource.Properties?.ContainerDefinitions ?? []) as Array<{ Image?: unknown }>)
    .filter((c) => typeof c.Image === 'string')
    .map((c) => ({ kind: 'sidecar-image' as const, pin: (c.Image as string).replace(/@sha256:[0-9a-f]+$/, ''), where }));
}

/**
 * Lambda runtimes, database engine versions, CodeBuild images and CodeBuild runtime versions
 * of every template and buildspec file, and the sidecar images of its task definitions.
 */
export function pinsInTemplates(templates: readonly NamedTemplate[], buildSpecs: readonly NamedBuildSpec[] = []): UsedPin[] {
  const out: UsedPin[] = [];
  for (const { name, template } of templates) {
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      const where = `${name}/${id}`;
      const p = resource.Properties ?? {};
      if (resource.Type === 'AWS::Lambda::Function' && p.Runtime !== undefined) {
        out.push({ kind: 'lambda-runtime', pin: String(p.Runtime), where });
      } else if (ENGINE_TYPES.has(resource.Type) && p.EngineVersion !== undefined) {
        out.push({ kind: 'database-engine', pin: `${String(p.Engine)} ${String(p.EngineVersion)}`, where });
      } else if (resource.Type === 'AWS::ECS::TaskDefinition') {
        out.push(...sidecarImages(resource, where));
      } else if (resource.Type === 'AWS::CodeBuild::Project') {
        if (p.Environment?.Image !== undefined) out.push({ kind: 'codebuild-image', pin: String(p.Environment.Image), where });
        out.push(...runtimeVersions(p.Source?.BuildSpec, where));
      }
    }
  }
  for (const spec of buildSpecs) out.push(...runtimeVersions(spec.text, spec.name));
  return out;
}

/**
 * The base images of a Dockerfile (`FROM`, with `ARG` defaults substituted), without their
 * digest: `public.ecr.aws/docker/library/node:20.20.2-bookworm-slim`. Earlier build stages and
 * `scratch` are not images.
 */
export function dockerBaseImages(dockerfile: string): string[] {
  const args = new Map<string, string>();
  const stages = new Set<string>();
  const images = new Set<string>();
  for (const raw of dockerfile.split(/\r?\n/)) {
    const line = raw.trim();
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/i.exec(line);
    if (arg) args.set(arg[1], arg[2].replace(/^"(.*)"$/, '$1'));
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!from) continue;
    const image = from[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => args.get(name) ?? '');
    if (image !== 'scratch' && !stages.has(image)) images.add(image.replace(/@sha256:[0-9a-f]+$/, ''));
    if (from[2]) stages.add(from[2]);
  }
  return [...images];
}
