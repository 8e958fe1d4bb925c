import { awscdk } from 'projen';
import { runTs } from './run-ts';

/**
 * Compliance tasks beyond the cdk-nag packs that run inside synth.
 *
 * `compliance:guard` runs the AWS Control Tower proactive controls (cfn-guard rules bundled
 * with @cdklabs/cdk-validator-cfnguard) over EVERY template in cdk.out, including the nested
 * stage assemblies (cdk.out/assembly-*). It is a task of its own, not a synth plugin: the
 * guard binary costs ~15 s and synth has a 10 s budget. Run it after `synth`; it prints one
 * readable list and exits non-zero on any unsuppressed failure.
 *
 * @param project the root project
 */
export function addComplianceTasks(project: awscdk.AwsCdkTypeScriptApp): void {
  // 0.0.x: the caret pins the exact release; it bundles the cfn-guard binary and rule files.
  project.addDevDeps('@cdklabs/cdk-validator-cfnguard@^0.0.62');
  project.addTask('compliance:guard', {
    description: 'Run the Control Tower guard rules over every template in cdk.out (run synth first)',
    exec: runTs('src/terminal/guard/guard-cli.ts'),
    receiveArgs: true,
  });
}
