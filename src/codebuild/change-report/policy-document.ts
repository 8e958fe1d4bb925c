import { stableJson } from './template';

/**
 * One Allow (or Deny) grant: a single principal x action x resource under one condition. A policy
 * document is exploded into grants so that "does the new document allow something the old
 * one did not?" is a set difference, independent of statement order, Sid or how statements
 * are merged. Intrinsics (Ref, Fn::GetAtt, Fn::Join ...) are compared structurally.
 */
export interface Grant {
  readonly key: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly condition?: string;
  /** `*` in Action, Resource or Principal, a whole-service action (`s3:*`), or NotAction/NotResource/NotPrincipal. */
  readonly wildcard: boolean;
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : stableJson(v);
}

function principals(statement: Record<string, unknown>): string[] {
  if ('NotPrincipal' in statement) return [`NOT ${str(statement.NotPrincipal)}`];
  const p = statement.Principal;
  if (p === undefined) return ['(identity policy)'];
  if (typeof p === 'string') return [p === '*' ? '*' : p];
  if (p && typeof p === 'object' && !Array.isArray(p) && !isIntrinsic(p)) {
    return Object.entries(p).flatMap(([kind, values]) => asArray(values).map((v) => `${kind}:${str(v)}`));
  }
  return [str(p)];
}

function isIntrinsic(v: object): boolean {
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isWildPrincipal(p: string): boolean {
  return p === '*' || p === 'AWS:*' || p.startsWith('NOT ');
}

function isWildAction(a: string): boolean {
  return a === '*' || /^[A-Za-z0-9-]+:\*$/.test(a) || a.startsWith('NOT ');
}

function isWildResource(r: string): boolean {
  return r === '*' || r.startsWith('NOT ');
}

/** Parse a policy document given as an object or as a JSON string (ECR RepositoryPolicyText may be either). */
export function policyStatements(doc: unknown): Record<string, unknown>[] {
  let d = doc;
  if (typeof d === 'string') {
    try {
      d = JSON.parse(d);
    } catch {
      return [];
    }
  }
  if (!d || typeof d !== 'object') return [];
  return asArray((d as Record<string, unknown>).Statement)
    .filter((s): s is Record<string, unknown> => !!s && typeof s === 'object' && !Array.isArray(s));
}

/** All Allow grants of a policy document (or of several, e.g. a role's inline policies). */
export function allowGrants(...docs: unknown[]): Map<string, Grant> {
  return grantsOf('Allow', docs);
}

/**
 * All Deny "grants" of a policy document: each principal x action x resource x condition a Deny
 * statement refuses. A Deny that disappears or changes is a protection lifted (deniesLifted).
 */
export function denyGrants(...docs: unknown[]): Map<string, Grant> {
  return grantsOf('Deny', docs);
}

/** Deny grants of `before` that `after` no longer has (removed, or changed in action, resource, principal or condition). */
export function deniesLifted(before: Map<string, Grant>, after: Map<string, Grant>): Grant[] {
  return [...before.values()].filter((g) => !after.has(g.key));
}

function grantsOf(effect: 'Allow' | 'Deny', docs: unknown[]): Map<string, Grant> {
  const out = new Map<string, Grant>();
  for (const statement of docs.flatMap(policyStatements)) {
    if (statement.Effect !== effect) continue;
    const actions = 'NotAction' in statement
      ? [`NOT ${str(statement.NotAction)}`]
      : asArray(statement.Action).map((a) => (typeof a === 'string' ? a.toLowerCase() : str(a)));
    const resources = 'NotResource' in statement
      ? [`NOT ${str(statement.NotResource)}`]
      : statement.Resource === undefined ? ['(this resource)'] : asArray(statement.Resource).map(str);
    const condition = statement.Condition === undefined ? undefined : stableJson(statement.Condition);
    for (const principal of principals(statement)) {
      for (const action of actions) {
        for (const resource of resources) {
          const key = stableJson([principal, action, resource, condition ?? null]);
          out.set(key, {
            key,
            principal,
            action,
            resource,
            condition,
            wildcard: isWildPrincipal(principal) || isWildAction(action) || isWildResource(resource),
          });
        }
      }
    }
  }
  return out;
}

function actionCovers(old: string, act: string): boolean {
  if (old === act || old === '*') return true;
  return old.endsWith(':*') && !act.startsWith('NOT ') && act.startsWith(old.slice(0, -1));
}

/** Whether `old` already allowed everything `g` allows (only exact and full/service wildcards are understood). */
function covers(old: Grant, g: Grant): boolean {
  return (old.condition === undefined || old.condition === g.condition)
    && (old.principal === g.principal || old.principal === '*' || (old.principal === 'AWS:*' && g.principal.startsWith('AWS:')))
    && actionCovers(old.action, g.action)
    && (old.resource === g.resource || old.resource === '*');
}

/** Grants in `after` that `before` did not have (a narrowing from `*` to a specific ARN is not one). */
export function addedGrants(before: Map<string, Grant>, after: Map<string, Grant>): Grant[] {
  const old = [...before.values()];
  return [...after.values()].filter((g) => !before.has(g.key) && !old.some((o) => covers(o, g)));
}

/** `3 new grants (1 with wildcard: kms:* on * to AWS:*)`, short enough for one report line. */
export function describeGrants(grants: readonly Grant[], max = 3, kind = 'new Allow grant'): string {
  const wild = grants.filter((g) => g.wildcard);
  const shown = (wild.length ? wild : grants).slice(0, max).map(formatGrant);
  const more = (wild.length ? wild : grants).length - shown.length;
  const head = `${grants.length} ${kind}${grants.length === 1 ? '' : 's'}`;
  const detail = wild.length
    ? `, ${wild.length} with WILDCARD: ${shown.join('; ')}${more > 0 ? `; +${more} more` : ''}`
    : `: ${shown.join('; ')}${more > 0 ? `; +${more} more` : ''}`;
  return head + detail;
}

function formatGrant(g: Grant): string {
  const who = g.principal === '(identity policy)' ? '' : ` to ${g.principal}`;
  const cond = g.condition ? ' (with condition)' : '';
  return `${g.action} on ${g.resource}${who}${cond}`;
}
