/**
 * Rules that relate several fields of the delivery config. They read the raw input tolerantly
 * (applying the schema's defaults) so that they are reported in the same run as per-field
 * problems: a user fixes everything in one pass. A rule whose inputs fail their own field rule
 * is skipped (valid-input.ts): the field rule reports them, once.
 */
import { deploymentProblems } from './deployment';
import { issuerProblems } from './issuer';
import { plainHttpProblems } from './plain-http';
import { regionProblems } from './region-rules';
import { deliveryConfigSchema, environmentFieldsSchema, KNOWN_REGIONS } from './schema';
import { sizingProblems } from './sizing-rules';
import { tagKeyProblems } from './tags';
import { flag, isObject, valid } from './valid-input';
import { partitionOf } from '../shared/aws-names';

/** One problem: the field path and what to do about it. */
export interface RelationProblem {
  /** e.g. `environments[2].requireApproval` */
  readonly field: string;
  /** What is wrong and the fix. */
  readonly message: string;
}

/** The fields of one raw environment the relation rules read: each undefined when it (or the environment) fails its own rule. */
interface CheckedEnv {
  /** The name as written, for messages (`"prod"`, or `undefined` when missing). */
  readonly label: string;
  readonly name?: string;
  readonly account?: string;
  readonly regions?: readonly unknown[];
  readonly production?: boolean;
  readonly requireApproval?: boolean;
  readonly allowSharedProdAccount?: boolean;
}

function checkedEnv(e: unknown): CheckedEnv {
  if (!isObject(e)) return { label: String(JSON.stringify(e)) };
  return {
    label: String(JSON.stringify(e.name)),
    name: valid(environmentFieldsSchema.shape.name, e.name),
    account: valid(environmentFieldsSchema.shape.account, e.account),
    regions: Array.isArray(e.regions) ? e.regions : undefined,
    production: flag(e.production),
    requireApproval: flag(e.requireApproval),
    allowSharedProdAccount: flag(e.allowSharedProdAccount),
  };
}

/**
 * Cross-field rules: duplicate names and regions, prod approval and order, prod account
 * isolation, one partition, duplicate e-mails, tag keys, and per environment its sizing,
 * deployment, HTTPS and region rules.
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
  problems.push(...issuerProblems(raw.tags, raw.environments.map(checkedEnv).map((e, index) => ({ index, name: e.name, account: e.account }))));
  return problems;
}

/** The same address twice would subscribe it twice: SNS (and CloudFormation) refuse that. */
function duplicateEmailProblems(notifications: unknown): RelationProblem[] {
  if (!isObject(notifications) || !Array.isArray(notifications.emails)) return [];
  const first = new Map<string, number>();
  const problems: RelationProblem[] = [];
  const address = deliveryConfigSchema.shape.notifications.shape.emails.element;
  notifications.emails.forEach((e, i) => {
    if (typeof e !== 'string' || valid(address, e) === undefined) return;
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
  const envs = rawEnvs.map(checkedEnv);
  const problems: RelationProblem[] = [];

  const firstByName = new Map<string, number>();
  envs.forEach((env, i) => {
    if (env.name !== undefined) {
      const first = firstByName.get(env.name);
      if (first !== undefined) {
        problems.push({ field: `environments[${i}].name`, message: `"${env.name}" is already used by environments[${first}]; give each environment its own name` });
      } else {
        firstByName.set(env.name, i);
      }
    }
    if (env.regions) {
      const seen = new Set<unknown>();
      env.regions.forEach((r, j) => {
        // An unknown region code is its own rule's to report.
        if (typeof r !== 'string' || !KNOWN_REGIONS.has(r)) return;
        if (seen.has(r)) {
          problems.push({ field: `environments[${i}].regions[${j}]`, message: `lists ${JSON.stringify(r)} twice; keep each region once` });
        }
        seen.add(r);
      });
    }
    if (env.production === true && env.requireApproval === false) {
      problems.push({
        field: `environments[${i}].requireApproval`,
        message: `is not true for production environment ${env.label}; set "requireApproval": true so nothing reaches prod without a manual approval`,
      });
    }
    const raw = rawEnvs[i];
    if (isObject(raw)) {
      problems.push(...sizingProblems(raw.sizing, `environments[${i}].sizing`));
      problems.push(...deploymentProblems(raw.deployment, `environments[${i}].deployment`));
    }
  });

  problems.push(...plainHttpProblems(rawEnvs));
  problems.push(...regionProblems(rawEnvs));
  problems.push(...orderProblems(envs));
  problems.push(...sharedAccountProblems(envs));
  return problems;
}

/**
 * At least one production environment, and every production environment after every
 * non-production one. Environments whose `production` failed its own rule (or that are not
 * objects) are left out: "no production environment" only when every one is known.
 */
function orderProblems(envs: readonly CheckedEnv[]): RelationProblem[] {
  const problems: RelationProblem[] = [];
  if (envs.length > 0 && envs.every((e) => e.production === false)) {
    problems.push({ field: 'environments', message: 'has no production environment; mark the last one with "production": true' });
  }
  // The pipeline deploys in list order: a non-production environment after a production one
  // would receive a change only after production had it.
  const firstProd = envs.findIndex((e) => e.production === true);
  if (firstProd >= 0) {
    envs.forEach((env, i) => {
      if (i > firstProd && env.production === false) {
        problems.push({
          field: `environments[${i}]`,
          message: `non-production ${env.label} comes after production ${envs[firstProd].label} (environments[${firstProd}]), so production would be deployed first; move it before ${envs[firstProd].label}: environments deploy in list order`,
        });
      }
    });
  }
  return problems;
}

/** A production environment does not share its account with a non-production one, unless it says so. */
function sharedAccountProblems(envs: readonly CheckedEnv[]): RelationProblem[] {
  const problems: RelationProblem[] = [];
  envs.forEach((env, i) => {
    if (env.production !== true || env.account === undefined || env.allowSharedProdAccount !== false) return;
    for (const other of envs) {
      if (other.production === false && other.account === env.account) {
        problems.push({
          field: `environments[${i}].account`,
          message: `${env.account} is also the account of non-production ${other.label}; give ${env.label} its own account, or accept the shared blast radius with "allowSharedProdAccount": true in environments[${i}] (the ${env.label} environment)`,
        });
      }
    }
  });
  return problems;
}
