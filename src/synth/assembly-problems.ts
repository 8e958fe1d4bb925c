import { CloudAssembly } from 'aws-cdk-lib/cx-api';

/**
 * What makes a synthesized assembly unusable, as readable lines: context lookups that are not
 * committed (synth would silently use dummy AZs), and error annotations on any stack,
 * including the stacks of nested stage assemblies that the CDK CLI does not check.
 */
export function assemblyProblems(assembly: CloudAssembly): string[] {
  const problems: string[] = [];
  for (const missing of assembly.manifest.missing ?? []) {
    problems.push(`context "${missing.key}" is not in cdk.context.json: run \`npx cdk synth -c lookups=true\` (with DELIVERY_CONFIG set) `
      + `once with credentials that can assume ${String((missing.props as { lookupRoleArn?: string }).lookupRoleArn ?? 'the lookup role').replace('${AWS::Partition}', 'aws')}, then commit cdk.context.json`);
  }
  const visit = (a: CloudAssembly) => {
    for (const stack of a.stacks) {
      for (const message of stack.messages) {
        if (message.level === 'error') problems.push(`${message.id}: ${String(message.entry.data)}`);
      }
    }
    for (const nested of a.nestedAssemblies) visit(nested.nestedAssembly);
  };
  visit(assembly);
  return problems;
}
