import * as path from 'path';
import { permissionsBoundaryArn } from '../../../src/shared/aws-names';
import { renderPolicy } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { generatePolicy, wildcardReasonOf } from '../../../src/terminal/execution-policy/generate-policy';
import { HandlerPermissions } from '../../../src/terminal/execution-policy/handler-permissions';
import { PolicyStatement } from '../../../src/terminal/execution-policy/iam-evaluator';
import { REGISTRY_LEVEL_ACTIONS } from '../../../src/terminal/execution-policy/policy-rules';
import { checkSufficiency, describeGaps, stacksOfAssembly } from '../../../src/terminal/execution-policy/sufficiency';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * Images in every region add registry settings to the pipeline account: the replication
 * configuration (pipeline stack) and a repository creation template per destination region
 * (DeliveryPipeline-Images-<region>). Their registry-level calls take no repository ARN, so
 * the generator grants them on `*` in a statement of their own, and keeps every repository
 * action inside the pipeline's namespace.
 */
describe('the pipeline policy as generated now covers the image replication stacks', () => {
  const ROOT = REPO_ROOT;
  const permissions = HandlerPermissions.load(ROOT);
  const stacks = stacksOfAssembly(sampleAssembly().directory).pipeline;
  const types = new Set(stacks.flatMap((s) => Object.values(s.template.Resources ?? {}).map((r) => r.Type)));
  const generated = generatePolicy('pipeline', types, permissions);
  const statements = [generated.Statement].flat() as PolicyStatement[];

  test('every request of the pipeline account\'s stacks is allowed by the generated (and rendered) policy', () => {
    expect(stacks.map((s) => s.stackName).sort()).toEqual(['DeliveryPipeline', 'DeliveryPipeline-Images-us-east-2', 'DeliveryPipeline-support-us-east-2']);
    const boundaries = ['us-east-1', 'us-east-2'].map((region) => permissionsBoundaryArn('111111111111', region));
    const rendered = renderPolicy(generated, { stages: [], pipeline: 'cdk-delivery-pipeline', boundaries }) as typeof generated;
    const result = checkSufficiency(stacks, () => [rendered], permissions);
    expect(describeGaps([...result.missing, ...result.unevaluable])).toEqual([]);
    expect(result.unknownTypes).toEqual([]);
  });

  test('registry settings on `*` with their reason; repository actions stay in the pipeline namespace', () => {
    const registry = statements.find((s) => s.Sid === 'EcrRegistry')!;
    expect(registry).toEqual({ Sid: 'EcrRegistry', Effect: 'Allow', Resource: '*', Action: [...REGISTRY_LEVEL_ACTIONS['ecr-registry'].actions].sort() });
    expect(wildcardReasonOf('pipeline', registry)).toBe(REGISTRY_LEVEL_ACTIONS['ecr-registry'].reason);
    const ecr = statements.find((s) => s.Sid === 'Ecr')!;
    expect(ecr.Resource).toBe('arn:*:ecr:*:*:repository/{pipeline}/*');
    expect(ecr.Action).toEqual(expect.arrayContaining(['ecr:DeleteRepository', 'ecr:PutImageTagMutability', 'ecr:TagResource']));
    expect([ecr.Action].flat().filter((a) => REGISTRY_LEVEL_ACTIONS['ecr-registry'].actions.includes(a as string))).toEqual([]);
  });

  test('the checks ECR makes on whoever writes a creation template (no documented ARN) are granted on `*`, and nothing else of ECR', () => {
    const checks = statements.find((s) => s.Sid === 'EcrTemplateChecks')!;
    expect(checks).toEqual({ Sid: 'EcrTemplateChecks', Effect: 'Allow', Resource: '*', Action: ['ecr:CreateRepository', 'ecr:PutLifecyclePolicy', 'ecr:SetRepositoryPolicy'] });
    expect(wildcardReasonOf('pipeline', checks)).toBe(REGISTRY_LEVEL_ACTIONS['ecr-template-checks'].reason);
    // The template's requests for them are on `*`: a policy scoping them to the namespace denies them.
    const scoped = statements.map((s) => (s.Sid === 'EcrTemplateChecks' ? { ...s, Resource: 'arn:*:ecr:*:*:repository/{pipeline}/*' } : s));
    const rendered = renderPolicy({ Version: '2012-10-17', Statement: scoped }, { stages: [], pipeline: 'cdk-delivery-pipeline' }) as typeof generated;
    const images = stacks.filter((s) => s.stackName.startsWith('DeliveryPipeline-Images-'));
    const gaps = describeGaps(checkSufficiency(images, () => [rendered], permissions).missing);
    expect(gaps).toEqual(expect.arrayContaining([expect.stringMatching(/ReplicaTemplate \(AWS::ECR::RepositoryCreationTemplate\): ecr:SetRepositoryPolicy on \* -> implicit-deny/)]));
  });

  test('the ECR service-linked roles only, by service name', () => {
    const linked = statements.find((s) => s.Sid === 'ServiceLinkedRoles')!;
    expect((linked.Condition as any).StringEquals['iam:AWSServiceName']).toEqual(expect.arrayContaining(['ecr.amazonaws.com', 'replication.ecr.amazonaws.com']));
  });
});
