import { plainHttpProblems } from './plain-http';

/**
 * Rules that relate several fields of the delivery config. They read the raw input tolerantly
 * (applying the schema's defaults) so that they are reported in the same run as per-field
 * problems: a user fixes everything in one pass.
 */

/** One problem: the field path and what to do about it. */
export interface RelationProblem {
  /** e.g. `environments[2].requireApproval` */
  readonly field: string;
  /** What is wrong and the fix. */
  readonly message: string;
}

interface LooseEnv {
  name?: unknown;
  account?: unknown;
  regions?: unknown;
  production?: unknown;
  requireApproval?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Cross-field rules: duplicate names and regions, prod approval, prod account isolation. */
export function relationProblems(raw: unknown): RelationProblem[] {
  if (!isObject(raw) || !Array.isArray(raw.environments)) return [];
  const envs = raw.environments.map((e): LooseEnv => (isObject(e) ? e : {}));
  const problems: RelationProblem[] = [];

  const firstByName = new Map<unknown, number>();
  envs.forEach((env, i) => {
    if (typeof env.name === 'string') {
      const first = firstByName.get(env.name);
      if (first !== undefined) {
        problems.push({ field: `environments[${i}].name`, message: `"${env.name}" is already used by environments[${first}]; give each environment its own name` });
      } else {
        firstByName.set(env.name, i);
      }
    }
    if (Array.isArray(env.regions)) {
      const seen = new Set<unknown>();
      env.regions.forEach((r, j) => {
        if (seen.has(r)) {
          problems.push({ field: `environments[${i}].regions[${j}]`, message: `lists ${JSON.stringify(r)} twice; keep each region once` });
        }
        seen.add(r);
      });
    }
    if (env.production === true && env.requireApproval !== true) {
      problems.push({
        field: `environments[${i}].requireApproval`,
        message: `is not true for production environment ${JSON.stringify(env.name)}; set "requireApproval": true so nothing reaches prod without a manual approval`,
      });
    }
  });

  problems.push(...plainHttpProblems(raw.environments));

  if (envs.length > 0 && !envs.some((e) => e.production === true)) {
    problems.push({ field: 'environments', message: 'has no production environment; mark the last one with "production": true' });
  }

  if (raw.allowSharedProdAccount !== true) {
    envs.forEach((env, i) => {
      if (env.production !== true || typeof env.account !== 'string') return;
      for (const other of envs) {
        if (other.production !== true && other.account === env.account) {
          problems.push({
            field: `environments[${i}].account`,
            message: `${env.account} is also the account of non-production ${JSON.stringify(other.name)}; give ${JSON.stringify(env.name)} its own account, or set "allowSharedProdAccount": true to accept the shared blast radius`,
          });
        }
      }
    });
  }
  return problems;
}
