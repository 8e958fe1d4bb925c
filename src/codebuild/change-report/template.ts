import * as YAML from 'yaml';

/** A CloudFormation template as parsed JSON. Only the shape the report reads is typed. */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly [section: string]: unknown;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: unknown;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly DependsOn?: unknown;
  readonly Condition?: unknown;
  readonly [attribute: string]: unknown;
}

/**
 * JSON with object keys sorted at every level, so two structurally equal values (intrinsics
 * included: Ref, Fn::GetAtt, Fn::Join ...) give the same string. Array order is kept.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** CloudFormation YAML short forms (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) as their JSON long forms. */
const SHORT_FORMS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub',
  'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Contains', 'EachMemberEquals', 'EachMemberIn', 'RefAll',
  'ValueOf', 'ValueOfAll', 'Length', 'ToJsonString'];

const CFN_YAML_TAGS: YAML.Tags = [
  ...(['scalar', 'seq', 'map'] as const).flatMap((nodeClass) => [
    ...SHORT_FORMS.map((fn) => ({
      tag: `!${fn}`,
      collection: nodeClass === 'scalar' ? undefined : nodeClass,
      resolve: (v: unknown) => ({ [`Fn::${fn}`]: toJs(v) }),
    })),
    { tag: '!Ref', collection: nodeClass === 'scalar' ? undefined : nodeClass, resolve: (v: unknown) => ({ Ref: toJs(v) }) },
    { tag: '!Condition', collection: nodeClass === 'scalar' ? undefined : nodeClass, resolve: (v: unknown) => ({ Condition: toJs(v) }) },
    {
      tag: '!GetAtt',
      collection: nodeClass === 'scalar' ? undefined : nodeClass,
      resolve: (v: unknown) => {
        const js = toJs(v);
        if (typeof js !== 'string') return { 'Fn::GetAtt': js };
        const dot = js.indexOf('.');
        return { 'Fn::GetAtt': dot < 0 ? [js] : [js.slice(0, dot), js.slice(dot + 1)] };
      },
    },
  ]),
] as YAML.Tags;

function toJs(v: unknown): unknown {
  return v && typeof v === 'object' && 'toJSON' in v && typeof (v as { toJSON: unknown }).toJSON === 'function'
    ? (v as { toJSON(): unknown }).toJSON()
    : v;
}

/**
 * Parse a template body as CloudFormation returns it: JSON (what the CDK deploys) or YAML
 * (a stack once deployed by hand), with short-form intrinsics.
 */
export function parseTemplateBody(body: string): CfnTemplate {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) return JSON.parse(body) as CfnTemplate;
  const parsed = YAML.parse(body, { customTags: CFN_YAML_TAGS, uniqueKeys: false });
  if (!parsed || typeof parsed !== 'object') throw new Error('template body is neither a JSON nor a YAML object');
  return parsed as CfnTemplate;
}
