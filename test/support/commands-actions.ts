/**
 * Readers over a synthesized pipeline template for one Commands action of it (CommandsStep):
 * its commands, its environment variables and the IAM statements of its own role.
 */
export function commandsActions(resources: Record<string, any>) {
  const roleIdOf = (action: any): string => action.RoleArn['Fn::GetAtt'][0];
  const commandsOf = (action: any): string[] => action.Commands;
  const environmentOf = (action: any): Record<string, unknown> =>
    Object.fromEntries((action.EnvironmentVariables ?? []).map((v: any) => [v.Name, v.Value]));
  const roleOf = (action: any) => resources[roleIdOf(action)];
  const statementsOf = (action: any) => Object.values(resources)
    .filter((r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleIdOf(action)))
    .flatMap((pol: any) => pol.Properties.PolicyDocument.Statement);
  return { commandsOf, environmentOf, roleOf, statementsOf };
}

/** The first command of a Node.js Commands action switches to the project's Node.js (a stub `n` in tests). */
export const NODE_SWITCH = /^n --offline "\$NODE_24_VERSION" > \/dev\/null && node -e /;
