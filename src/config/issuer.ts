import type { RelationProblem } from './relations';
import { primaryRegionOf } from './resilience';
import type { EnvironmentConfig } from './schema';
import { tagsSchema } from './tags';
import { isObject, valid } from './valid-input';
import { applicationSlug } from '../shared/aws-names';

/**
 * The token issuer of an environment: one Amazon Cognito user pool, in the environment's primary
 * region, that every region of the environment trusts. One issuer per environment, not per
 * region, because the service keys data ownership on the token's `client_id` (app/README.md,
 * "Who owns what"): a client must have the same id in every region, so that it finds its
 * transactions after a failover, and so that a secondary region's checks can read back what the
 * primary region's checks wrote. Cognito user pools (and their client ids) are regional, and
 * stages cannot reference each other across regions, so every name another region (or the
 * failover command) needs is derived here from the config, like the global database's names
 * (resilience.ts).
 */

/** The region of the environment's user pool: its primary region (`primaryRegionOf`). */
export function issuerRegionOf(environment: Pick<EnvironmentConfig, 'regions' | 'primaryRegion'>): string {
  return primaryRegionOf(environment);
}

/**
 * Prefix of the user pool's Cognito domain, `<application>-<env>-<account>`: the token endpoint
 * is `https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token`. A prefix is unique among
 * all AWS customers in a region, so it carries the account id; it is fixed (a derivable name
 * rather than a generated one) so runbooks and the failover command can name the endpoint.
 */
export function issuerDomainPrefixOf(application: string, environmentName: string, account: string): string {
  return `${applicationSlug(application)}-${environmentName}-${account}`;
}

/** The token endpoint of a Cognito prefix domain (`UserPoolDomain.baseUrl()` + `/oauth2/token`). */
export function tokenUrlOf(domainPrefix: string, region: string): string {
  return `https://${domainPrefix}.auth.${region}.amazoncognito.com/oauth2/token`;
}

/**
 * Name of the Secrets Manager secret (in the issuer region) holding the checks' own app client:
 * `<application>-<env>-<issuer region>/checks-client`, JSON `client_id`, `client_secret`,
 * `token_url`, `user_pool_id`, `client_secret_id`. Fixed, so the other regions' checks can read
 * it by name.
 */
export function checksClientSecretNameOf(application: string, environmentName: string, issuerRegion: string): string {
  return `${applicationSlug(application)}-${environmentName}-${issuerRegion}/checks-client`;
}

/**
 * Name of the function the post-deploy assertions of one stage invoke for their access token:
 * `<application>-<env>-<region>-checks-token` (the application part shortened when the name would
 * pass Lambda's 64 characters). Fixed rather than generated so the assertion stack names it
 * without importing it, and so the permission integ-tests-alpha adds for it names a function of
 * the stage (the execution policy scopes Lambda calls to `<application>-<stage>-*`).
 */
export function checksTokenFunctionNameOf(application: string, environmentName: string, region: string): string {
  const rest = `-${environmentName}-${region}-checks-token`;
  return `${applicationSlug(application).slice(0, 64 - rest.length).replace(/-+$/, '')}${rest}`;
}

/** Purpose (alias suffix) of the key encrypting the checks' credentials secret: `alias/<namePrefix of the issuer region>/issuer-secret`. */
export const ISSUER_SECRET_KEY_PURPOSE = 'issuer-secret';

/**
 * Cognito's rules for a prefix domain (CreateUserPoolDomain, `Domain`: 1 to 63 characters,
 * `^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`,
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolDomain.html;
 * and "You can't use the text aws, amazon, or cognito in the domain prefix", Developer Guide,
 * "Using the Amazon Cognito domain",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html).
 */
const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RESERVED_WORDS = ['aws', 'amazon', 'cognito'] as const;

/** What is wrong with a derived domain prefix, or undefined. */
export function domainPrefixProblem(prefix: string): string | undefined {
  const word = RESERVED_WORDS.find((w) => prefix.includes(w));
  if (word) return `contains "${word}", which Cognito refuses in a domain prefix (aws, amazon and cognito are reserved)`;
  if (!DOMAIN_PREFIX.test(prefix)) return 'is not 1 to 63 lowercase letters, digits or hyphens starting and ending with a letter or digit';
  return undefined;
}

/**
 * The user pool's domain prefix of every environment (`<Application tag>-<env>-<account>`) must
 * be one Cognito accepts: checked before synth, naming the field to change. Only environments
 * whose name and account passed their own rules are checked.
 */
export function issuerProblems(
  rawTags: unknown, environments: ReadonlyArray<{ readonly index: number; readonly name?: string; readonly account?: string }>,
): RelationProblem[] {
  const application = isObject(rawTags) ? valid(tagsSchema.shape.Application, rawTags.Application) : undefined;
  if (application === undefined) return [];
  const problems: RelationProblem[] = [];
  for (const env of environments) {
    if (env.name === undefined || env.account === undefined) continue;
    const prefix = issuerDomainPrefixOf(application, env.name, env.account);
    const problem = domainPrefixProblem(prefix);
    if (!problem) continue;
    const inApplication = RESERVED_WORDS.some((w) => applicationSlug(application).includes(w));
    problems.push(inApplication
      ? {
        field: 'tags.Application',
        message: `${JSON.stringify(application)} makes the token issuer's domain prefix "${prefix}" (environment "${env.name}"), which ${problem}; choose an Application tag without those words`,
      }
      : {
        field: `environments[${env.index}].name`,
        message: `"${env.name}" makes the token issuer's domain prefix "${prefix}", which ${problem}; rename the environment`,
      });
    if (inApplication) break;
  }
  return problems;
}
