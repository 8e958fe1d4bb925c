import * as fs from 'fs';
import * as path from 'path';
import { GetTemplateInput, TemplateClientFactory } from '../../../src/codebuild/change-report/change-report-clients';
import { CfnTemplate } from '../../../src/codebuild/change-report/template';
import { REPO_ROOT } from '../../support/repo-root';

export const FIXTURE_ASSEMBLY = path.join(REPO_ROOT, 'test', 'fixtures', 'change-report', 'assembly');

const STACK_FILES: Record<string, string> = {
  'prod-us-east-1-Data': 'assembly-DeliveryPipeline-prod-us-east-1/DeliveryPipelineproduseast1Data05CAC7D8.template.json',
  'prod-us-east-1-Service': 'assembly-DeliveryPipeline-prod-us-east-1/DeliveryPipelineproduseast1ServiceEEDB226F.template.json',
  'prod-us-east-2-Data': 'assembly-DeliveryPipeline-prod-us-east-2/DeliveryPipelineproduseast2Data60469C48.template.json',
  'prod-us-east-2-Service': 'assembly-DeliveryPipeline-prod-us-east-2/DeliveryPipelineproduseast2Service9878AB52.template.json',
};

/** A fresh, mutable copy of a synthesized fixture template. */
export function fixtureTemplate(stackName: keyof typeof STACK_FILES | string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_ASSEMBLY, STACK_FILES[stackName]), 'utf8'));
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

/** A template with just these resources. */
export function template(resources: Record<string, unknown>): CfnTemplate {
  return { Resources: resources as CfnTemplate['Resources'] };
}

/** What CloudFormation (SDK v3) throws for GetTemplate on a stack that does not exist. */
export function stackMissingError(stackName: string): Error {
  const e = new Error(`Stack with id ${stackName} does not exist`);
  e.name = 'ValidationError';
  Object.assign(e, { $fault: 'client', $metadata: { httpStatusCode: 400 } });
  return e;
}

export interface RecordedCall { roleArn: string; region: string; input: GetTemplateInput }

/**
 * A GetTemplate client answering from recorded responses: a template (serialized as
 * CloudFormation returns it), or an error to throw. Unlisted stacks do not exist.
 */
export function fakeCloudFormation(
  deployed: Record<string, CfnTemplate | string | Error>,
): { factory: TemplateClientFactory; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const factory: TemplateClientFactory = ({ roleArn, region }) => ({
    getTemplate: async (input) => {
      calls.push({ roleArn, region, input });
      const answer = deployed[input.StackName];
      if (answer === undefined) throw stackMissingError(input.StackName);
      if (answer instanceof Error) throw answer;
      return { TemplateBody: typeof answer === 'string' ? answer : JSON.stringify(answer) };
    },
  });
  return { factory, calls };
}
