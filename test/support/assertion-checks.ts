/**
 * The post-deploy checks of one synthesized assertion stack (integ-tests-alpha's
 * `Custom::DeployAssert@*` resources), reduced to what they check, keyed by their target:
 * `GET http://${...}/health`, or `ECS.describeServices {...parameters}`.
 *
 * Normalized so that only a change of what is checked changes the result: no salt, no logical
 * id of an assertion resource (they may change with every commit), the commit and the stage
 * name replaced by `<commit>` and `<stage>`, and CloudFormation references written as
 * `${import <export>}`, `${response of <target>: <attribute>}`.
 */
export interface AssertionCheck {
  /** The request beyond the target: the HTTP method's options (headers, body), if any. */
  readonly request?: unknown;
  /** What the response must match (integ-tests-alpha's matcher JSON), or none (a step). */
  readonly expected?: unknown;
  /** How it retries until it matches (from the waiter state machine), if it does. */
  readonly retry?: { readonly intervalSeconds: number; readonly maxAttempts: number; readonly backoffRate: number };
}

/** What identifies a stage's checks in their text. */
export interface Placeholders {
  /** The commit being delivered (replaced by `<commit>`). */
  readonly commit: string;
  /** The stage name, e.g. `dev-us-east-1` (replaced by `<stage>`). */
  readonly stage: string;
}

const ASSERTION_TYPE = /^Custom::DeployAssert@/;

/** The checks of an assertion template, by target. */
export function assertionChecks(template: any, placeholders: Placeholders): Record<string, AssertionCheck> {
  const resources: Record<string, any> = template.Resources ?? {};
  const targets = new Map<string, string>();
  const targetOf = (id: string): string => {
    const known = targets.get(id);
    if (known) return known;
    const props = resources[id].Properties;
    const target = resources[id].Type.startsWith('Custom::DeployAssert@HttpCall')
      ? `${props.parameters.fetchOptions?.method ?? 'GET'} ${render(props.parameters.url)}`
      : `${props.service}.${props.api} ${JSON.stringify(parameters(props.parameters ?? {}))}`;
    targets.set(id, target);
    return target;
  };

  // The stage first: integ's commit placeholder ("integ") is part of its stage name.
  const text = (value: string): string => value.split(placeholders.stage).join('<stage>').split(placeholders.commit).join('<commit>');
  /** A CloudFormation value as one string, references as readable placeholders. */
  const render = (value: any): string => {
    if (typeof value === 'string') return text(value);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (value?.['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
    if (value?.['Fn::ImportValue']) return `\${import ${render(value['Fn::ImportValue'])}}`;
    if (value?.['Fn::GetAtt']) {
      const [id, attribute] = value['Fn::GetAtt'];
      return ASSERTION_TYPE.test(resources[id]?.Type ?? '')
        ? `\${response of ${targetOf(id)}: ${attribute}}`
        : `\${${resources[id]?.Type ?? 'unknown'}.${attribute}}`;
    }
    if (value?.Ref) return `\${${resources[value.Ref]?.Type ?? value.Ref}}`;
    throw new Error(`assertion template: cannot render ${JSON.stringify(value)}`);
  };
  /** SDK call parameters are JSON text each (built with Fn::Join when they hold references). */
  const parameters = (params: Record<string, any>) => Object.fromEntries(Object.entries(params).map(([key, value]) => {
    const rendered = render(value);
    try {
      return [key, JSON.parse(rendered)];
    } catch {
      return [key, rendered];
    }
  }));
  /** A request value (headers, body) with every CloudFormation reference in it rendered (the token's header). */
  const renderDeep = (value: any): any => {
    if (value === null || typeof value !== 'object') return typeof value === 'string' ? text(value) : value;
    if (Array.isArray(value)) return value.map(renderDeep);
    if (Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'))) return render(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v)]));
  };
  const retryOf = (stateMachine: any): AssertionCheck['retry'] => {
    if (!stateMachine?.Ref) return undefined;
    const definition = JSON.parse(render(resources[stateMachine.Ref].Properties.DefinitionString));
    const [retry] = Object.values<any>(definition.States).flatMap((state) => state.Retry ?? []);
    return retry && { intervalSeconds: retry.IntervalSeconds, maxAttempts: retry.MaxAttempts, backoffRate: retry.BackoffRate };
  };

  const checks: Record<string, AssertionCheck> = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (!ASSERTION_TYPE.test(resource.Type)) continue;
    const props = resource.Properties;
    const target = targetOf(id);
    if (checks[target]) throw new Error(`two assertions check ${target}: key them by something more`);
    // The method is part of the target; the rest of the fetch options is the request.
    const request = Object.entries(props.parameters?.fetchOptions ?? {}).filter(([key]) => key !== 'method');
    checks[target] = JSON.parse(JSON.stringify({
      request: request.length ? renderDeep(Object.fromEntries(request)) : undefined,
      expected: props.expected === undefined ? undefined : JSON.parse(text(props.expected)),
      retry: retryOf(props.stateMachineArn),
    }));
  }
  return Object.fromEntries(Object.entries(checks).sort(([a], [b]) => a.localeCompare(b)));
}
