/**
 * Rules that relate several fields of the delivery config. They read the raw input tolerantly
 * (applying the schema's defaults) so that they are reported in the same run as per-field
 * problems: a user fixes everything in one pass.
 */
import { plainHttpProblems } from './plain-http';
import { regionProblems } from './region-rules';
import { KNOWN_REGIONS } from './schema';
import { tagKeyProblems } from './tags';
import { partitionOf } from '../shared/aws-names';

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
  allowSharedProdAccount?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Cross-field rules: duplicate names and regions, prod approval and order, prod account
 * isolation, one partition, duplicate e-mails, tag keys.
 */
export function relationProblems(raw: unknown): RelationProblem[] {
  if (!isObject(raw)) return [];
  const problems: RelationProblem[] = [
    ...tagKeyProblems(raw.tags).map(([field, message]) => ({ field, message })),
    ...duplicateEmailProblems(raw.notifications),
    ...partitionProblems(raw),
  ];
  if (!Array.isArray(raw.environments)) return problems;
  problems.push(...environmentProblems(raw.environments));
  return problems;
}

/** The same address twice would subscribe it twice: SNS (and CloudFormation) refuse that. */
function duplicateEmailProblems(notifications: unknown): RelationProblem[] {
  if (!isObject(notifications) || !Array.isArray(notifications.emails)) return [];
  const first = new Map<string, number>();
  const problems: RelationProblem[] = [];
  notifications.emails.forEach((e, i) => {
    if (typeof e !== 'string') return;
    const key = e.trim().toLowerCase();
    const j = first.get(key);
    if (j === undefined) {
      first.set(key, i);
    } else {
      problems.push({ field: `notifications.emails[${i}]`, message: `${JSON.stringify(e)} is already listed as notifications.emails[${j}]; list each address once` });
    }
  });
  return problems;
}

/**
 * One pipeline deploys into one partition: its cross-account roles, artifact buckets and
 * connection are ARNs of the pipeline's partition (aws, aws-cn, aws-us-gov, ...).
 */
function partitionProblems(raw: Record<string, unknown>): RelationProblem[] {
  const home = isObject(raw.pipeline) && typeof raw.pipeline.region === 'string' && KNOWN_REGIONS.has(raw.pipeline.region) ? raw.pipeline.region : undefined;
  if (!home || !Array.isArray(raw.environments)) return [];
  const partition = partitionOf(home);
  const problems: RelationProblem[] = [];
  raw.environments.forEach((env, i) => {
    if (!isObject(env) || !Array.isArray(env.regions)) return;
    env.regions.forEach((r, j) => {
      if (typeof r === 'string' && KNOWN_REGIONS.has(r) && partitionOf(r) !== partition) {
        problems.push({
          field: `environments[${i}].regions[${j}]`,
          message: `"${r}" is in partition ${partitionOf(r)}, but the pipeline (pipeline.region "${home}") is in ${partition}; a pipeline deploys only within its own partition: use a region in ${partition}, or run a separate pipeline in ${partitionOf(r)}`,
        });
      }
    });
  });
  const arn = isObject(raw.source) && typeof raw.source.connectionArn === 'string' ? /^arn:([a-z-]+):/.exec(raw.source.connectionArn)?.[1] : undefined;
  if (arn && arn !== partition) {
    problems.push({
      field: 'source.connectionArn',
      message: `is in partition ${arn}, but the pipeline (pipeline.region "${home}") is in ${partition}; create the connection in the pipeline's account and region and use its ARN`,
    });
  }
  return problems;
}

function environmentProblems(rawEnvs: unknown[]): RelationProblem[] {
  const envs = rawEnvs.map((e): LooseEnv => (isObject(e) ? e : {}));
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

  problems.push(...plainHttpProblems(rawEnvs));
  problems.push(...regionProblems(rawEnvs));

  if (envs.length > 0 && !envs.some((e) => e.production === true)) {
    problems.push({ field: 'environments', message: 'has no production environment; mark the last one with "production": true' });
  }

  // The pipeline deploys in list order: a non-production environment after a production one
  // would receive a change only after production had it.
  const firstProd = envs.findIndex((e) => e.production === true);
  if (firstProd >= 0) {
    envs.forEach((env, i) => {
      if (i > firstProd && env.production !== true) {
        problems.push({
          field: `environments[${i}]`,
          message: `non-production ${JSON.stringify(env.name)} comes after production ${JSON.stringify(envs[firstProd].name)} (environments[${firstProd}]), so production would be deployed first; move it before ${JSON.stringify(envs[firstProd].name)}: environments deploy in list order`,
        });
      }
    });
  }

  envs.forEach((env, i) => {
    if (env.production !== true || typeof env.account !== 'string' || env.allowSharedProdAccount === true) return;
    for (const other of envs) {
      if (other.production !== true && other.account === env.account) {
        problems.push({
          field: `environments[${i}].account`,
          message: `${env.account} is also the account of non-production ${JSON.stringify(other.name)}; give ${JSON.stringify(env.name)} its own account, or accept the shared blast radius with "allowSharedProdAccount": true in environments[${i}] (the ${JSON.stringify(env.name)} environment)`,
        });
      }
    }
  });
  return problems;
}
