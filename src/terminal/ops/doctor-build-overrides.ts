import type { CheckResult } from './doctor';
import { DoctorClients, IamApi, IamPrincipal, SimulationContextEntry, Where } from './doctor-clients';
import { DeliveryConfig } from '../../config/schema';
import { errorText, isStackMissingError } from '../../shared/aws-errors';
import { partitionOf } from '../../shared/aws-names';
import { PIPELINE_STACK_NAME } from '../execution-policy/bootstrap-plan';
import { wildcardMatch } from '../execution-policy/iam-evaluator';
import { pipelineBuildActionRolePattern, scpDocumentFile } from '../execution-policy/pipeline-guardrail-scp';

/**
 * `doctor --aws`: may any principal of the pipeline account but the pipeline start one of the
 * pipeline's CodeBuild projects with a buildspec override? IAM cannot list who may call an
 * action, so this asks IAM's policy simulator for every role and user of the account
 * (`iam:SimulatePrincipalPolicy`: their identity policies, permissions boundary and the
 * organization's SCPs, whose effect it reports as `OrganizationsDecisionDetail`; IAM API
 * reference, EvaluationResult), with the override present (`codebuild:source.buildspec`, the
 * key AWS documents for it; CodeBuild user guide, condition keys). What it cannot see: resource
 * policies of the projects (the project stack sets none) and principals of other accounts
 * (none can reach the projects without a resource policy).
 */

/** The override doctor simulates: the buildspec, the one that runs arbitrary commands. */
const OVERRIDE_CONTEXT: SimulationContextEntry[] = [{ ContextKeyName: 'codebuild:source.buildspec', ContextKeyValues: ['true'], ContextKeyType: 'boolean' }];
/** How many offenders a report line names. */
const NAMED = 10;

async function allPrincipals(iam: IamApi): Promise<IamPrincipal[]> {
  const out: IamPrincipal[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.listRoles({ Marker: marker });
    out.push(...(page.Roles ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  do {
    const page = await iam.listUsers({ Marker: marker });
    out.push(...(page.Users ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

/** The pipeline's CodeBuild projects, as ARNs (from its stack's resources). */
async function pipelineProjects(clients: DoctorClients, where: Where): Promise<string[] | undefined> {
  const names: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await clients.cloudFormation(where).listStackResources({ StackName: PIPELINE_STACK_NAME, NextToken: token });
      for (const r of page.StackResourceSummaries ?? []) if (r.ResourceType === 'AWS::CodeBuild::Project' && r.PhysicalResourceId) names.push(r.PhysicalResourceId);
      token = page.NextToken;
    } while (token);
  } catch (err) {
    if (isStackMissingError(err)) return undefined;
    throw err;
  }
  return names.map((n) => `arn:${partitionOf(where.region)}:codebuild:${where.region}:${where.account}:project/${n}`);
}

/** The check, one result. */
export async function checkBuildOverrides(config: DeliveryConfig, clients: DoctorClients): Promise<CheckResult> {
  const where: Where = { account: config.pipeline.account, region: config.pipeline.region };
  const base = { check: 'build overrides', where: `${where.account}/${where.region}` };
  const scpFix = `attach the pipeline account SCP (npx projen bootstrap renders it to ${scpDocumentFile(where.account)}; README "Pipeline account guardrails"), `
    + 'or remove codebuild:StartBuild on the pipeline projects from these principals';
  try {
    const projects = await pipelineProjects(clients, where);
    if (!projects) return { ...base, status: 'warn', message: `${PIPELINE_STACK_NAME} is not deployed yet: build overrides are checked once it is` };
    const exempt = pipelineBuildActionRolePattern(partitionOf(where.region), where.account);
    const iam = clients.iam(where);
    const principals = (await allPrincipals(iam)).filter((p) => p.Arn && !p.Path?.startsWith('/aws-service-role/') && !wildcardMatch(exempt, p.Arn));
    const offenders: string[] = [];
    let bySCP = 0;
    for (const principal of principals) {
      const results = (await iam.simulatePrincipalPolicy({
        PolicySourceArn: principal.Arn!, ActionNames: ['codebuild:StartBuild'], ResourceArns: projects, ContextEntries: OVERRIDE_CONTEXT,
      })).EvaluationResults ?? [];
      if (results.some((r) => r.EvalDecision === 'allowed')) offenders.push(principal.Arn!);
      else if (results.some((r) => r.OrganizationsDecisionDetail?.AllowedByOrganizations === false)) bySCP++;
    }
    if (offenders.length) {
      const named = offenders.slice(0, NAMED).join(', ');
      return {
        ...base,
        status: 'fail',
        message: `${offenders.length} principal(s) of ${where.account} may start a pipeline build with a buildspec override, outside the pipeline `
          + `(their commands then run with the project's role): ${named}${offenders.length > NAMED ? ', ...' : ''}`,
        fix: scpFix,
      };
    }
    return {
      ...base,
      status: 'ok',
      message: `${principals.length} role(s) and user(s) checked with IAM's policy simulator: none may override a build of the ${projects.length} pipeline projects`
        + `${bySCP ? ` (${bySCP} of them stopped by the organization's SCP)` : ''}`,
    };
  } catch (err) {
    return {
      ...base,
      status: 'fail',
      message: `cannot check who may override the pipeline's builds (${errorText(err)})`,
      fix: `run doctor with credentials of ${where.account} that may call cloudformation:ListStackResources, iam:ListRoles, iam:ListUsers and `
        + 'iam:SimulatePrincipalPolicy (IAMReadOnlyAccess has the IAM ones)',
    };
  }
}
