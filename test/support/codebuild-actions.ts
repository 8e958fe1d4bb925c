/**
 * Readers over a synthesized pipeline template for one CodeBuild action of it: its project, the
 * build commands of its buildspec, and the IAM statements of the project's role.
 */
export function codeBuildActions(resources: Record<string, any>) {
  const projectOf = (action: any) => resources[action.Configuration.ProjectName.Ref];
  const commandsOf = (action: any): string[] => JSON.parse(projectOf(action).Properties.Source.BuildSpec).phases.build.commands;
  const statementsOf = (action: any) => {
    const roleRef = projectOf(action).Properties.ServiceRole['Fn::GetAtt'][0];
    return Object.values(resources)
      .filter((r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleRef))
      .flatMap((pol: any) => pol.Properties.PolicyDocument.Statement);
  };
  return { projectOf, commandsOf, statementsOf };
}
