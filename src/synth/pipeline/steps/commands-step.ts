import { CfnOutput } from 'aws-cdk-lib';
import * as cp from 'aws-cdk-lib/aws-codepipeline';
import * as cpa from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { NODE_MAJOR } from '../../../shared/versions/toolchain';

/**
 * Limits of the Commands action, from AWS's documentation:
 * - "The timeout for builds with the Commands action is 55 minutes" (CodePipeline User Guide,
 *   "Commands action reference", docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Commands.html);
 * - commands: "Minimum number of 1 item. Maximum number of 50 items. Length Constraints: ...
 *   Maximum length of 1000" (CodePipeline API Reference, ActionDeclaration `commands`);
 * - "All formats are supported except multi-line formats" (same user guide page);
 * - output variables: 1 to 15 (aws-cdk-lib 2.257 CommandsAction validates it).
 */
export const COMMANDS_ACTION_LIMITS = { timeoutMinutes: 55, commands: 50, commandLength: 1000, outputVariables: 15 } as const;

/**
 * The first command of a Commands action that runs Node.js: switch the image to the project's
 * Node.js, offline. The Commands action "runs CodeBuild managed on-demand EC2 compute, and uses
 * an Amazon Linux 2023 standard 5.0 image" (AWS What's New, 2024-10-04, "AWS CodePipeline
 * introduces a new general purpose compute action"); that image activates Node.js 18 by default
 * and keeps 20, 22 and 24 installed through `n`, switching with `n $NODE_24_VERSION` for
 * `runtime-versions: nodejs: 24` (aws/aws-codebuild-docker-images, al/x86_64/standard/5.0:
 * Dockerfile `ENV NODE_24_VERSION`, `RUN n $NODE_24_VERSION`, and runtimes.yml). The Commands
 * action has no runtime-versions, so the step runs that command itself, with `--offline` so `n`
 * never downloads (it resolves the version against its installed cache), then checks the major.
 */
export const USE_PROJECT_NODEJS = `n --offline "$NODE_${NODE_MAJOR}_VERSION" > /dev/null && node -e "process.exit(process.versions.node.split('.')[0] === '${NODE_MAJOR}' ? 0 : 1)"`;

/** Props of a CommandsStep. */
export interface CommandsStepProps {
  /** The files the commands read: the synth output (cdk.out with `.delivery-tools/`). */
  readonly input: pipelines.FileSet;
  /** Shell commands, one line each, run in order in one shell; the first that fails fails the action. */
  readonly commands: readonly string[];
  /**
   * Environment variables of the action (values may name pipeline variables, e.g. a source
   * attribute).
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment variables read from stack outputs of earlier deploys. @default - none */
  readonly envFromCfnOutputs?: Readonly<Record<string, CfnOutput>>;
  /** Variables the commands export for later actions (`#{<variablesNamespace>.<name>}`). @default - none */
  readonly outputVariables?: readonly string[];
  /** Namespace of the exported variables (required with `outputVariables`). @default - none */
  readonly variablesNamespace?: string;
  /**
   * The fixed name of the step's own role in the pipeline account (pipelineStepRoleName): the
   * stage account's role names it in its trust policy.
   */
  readonly roleName: string;
  /** What the role may do beyond what CodePipeline's Commands action needs (logs, input artifacts). */
  readonly rolePolicyStatements: readonly iam.PolicyStatement[];
  /** Whether the commands run Node.js: the project's Node.js is switched on first. @default false */
  readonly nodejs?: boolean;
  /**
   * Whether the action takes a run order of its own. With false, the action that follows it in
   * the stage (e.g. the Assertions deploy) runs beside it.
   * @default true
   */
  readonly consumesRunOrder?: boolean;
}

/**
 * A Commands action that carries environment variables. aws-cdk-lib 2.257's CommandsAction has
 * no `environmentVariables` prop and Stage.renderAction renders none, while CloudFormation's
 * ActionDeclaration has `EnvironmentVariables` (AWS::CodePipeline::Pipeline ActionDeclaration,
 * CloudFormation Template Reference); renderCommandsEnvironments writes them into the template.
 */
export class CommandsActionWithEnvironment extends cpa.CommandsAction {
  constructor(props: cpa.CommandsActionProps, public readonly environmentVariables: Readonly<Record<string, string>>) {
    super(props);
  }
}

/**
 * A pipeline step that runs as CodePipeline's own Commands action (category Compute, provider
 * Commands) instead of a CodeBuild project: no project exists, so nobody can start it with a
 * buildspec, image or role override (`codebuild:StartBuild` on a project is what made that
 * possible: issue 33, point 1), and its commands are part of the pipeline's structure.
 *
 * It runs as a role of its own (`roleName`), trusted by the pipeline's service role only, which
 * CodePipeline assumes for the action. The Commands action "is not supported for cross-account
 * or cross-Region actions" (user guide, as read in the China-partition copy; a newer global copy
 * may allow a cross-account role), so a step that works in a stage account assumes that
 * account's role for the step inside its commands, through an AWS CLI profile whose credential
 * source is the container's role.
 */
export abstract class CommandsStep extends pipelines.Step implements pipelines.ICodePipelineActionFactory {
  /** The commands, in order, as the action runs them (the Node.js switch first when needed). */
  public readonly commands: readonly string[];
  /** The fixed name of the step's role in the pipeline account. */
  public readonly roleName: string;
  private readonly props: CommandsStepProps;

  constructor(id: string, props: CommandsStepProps) {
    super(id);
    this.props = props;
    this.roleName = props.roleName;
    this.commands = [...(props.nodejs ? [USE_PROJECT_NODEJS] : []), ...props.commands];
    const limits = COMMANDS_ACTION_LIMITS;
    if (this.commands.length > limits.commands) throw new Error(`${id}: ${this.commands.length} commands; a Commands action runs at most ${limits.commands}`);
    for (const command of this.commands) {
      if (command.length > limits.commandLength) throw new Error(`${id}: a command of ${command.length} characters; a Commands action allows ${limits.commandLength}: ${command.slice(0, 80)}...`);
      if (/[\r\n]/.test(command)) throw new Error(`${id}: a Commands action takes single-line commands only: ${JSON.stringify(command.slice(0, 80))}`);
    }
    if ((props.outputVariables?.length ?? 0) > limits.outputVariables) throw new Error(`${id}: a Commands action exports at most ${limits.outputVariables} variables`);
    if (props.outputVariables?.length && !props.variablesNamespace) throw new Error(`${id}: exported variables need a variablesNamespace`);
    this.addDependencyFileSet(props.input);
    this.discoverReferencedOutputs(props.env ?? {});
  }

  /** The stack outputs the step reads: the pipeline captures them and orders the step after their stacks. */
  public get consumedStackOutputs(): pipelines.StackOutputReference[] {
    return Object.values(this.props.envFromCfnOutputs ?? {}).map((o) => pipelines.StackOutputReference.fromCfnOutput(o));
  }

  /** `#{<namespace>.<name>}` of an exported variable. */
  protected variable(name: string): string {
    if (!this.props.outputVariables?.includes(name)) throw new Error(`${this.id} does not export ${name}`);
    return `#{${this.props.variablesNamespace}.${name}}`;
  }

  public produceAction(stage: cp.IStage, options: pipelines.ProduceActionOptions): pipelines.CodePipelineActionFactoryResult {
    const role = new iam.Role(options.scope, `${options.actionName}Role`, {
      roleName: this.props.roleName,
      // CodePipeline assumes the action's role with the pipeline's service role.
      assumedBy: options.pipeline.pipeline.role,
      description: `Role of the pipeline's ${options.actionName} step (a Commands action)`,
    });
    for (const statement of this.props.rolePolicyStatements) role.addToPrincipalPolicy(statement);
    const env: Record<string, string> = { ...this.props.env };
    for (const [name, output] of Object.entries(this.props.envFromCfnOutputs ?? {})) {
      env[name] = options.stackOutputsMap.toCodePipeline(pipelines.StackOutputReference.fromCfnOutput(output));
    }
    stage.addAction(new CommandsActionWithEnvironment({
      actionName: options.actionName,
      runOrder: options.runOrder,
      input: options.artifacts.toCodePipeline(this.props.input),
      commands: [...this.commands],
      outputVariables: this.props.outputVariables ? [...this.props.outputVariables] : undefined,
      variablesNamespace: this.props.variablesNamespace,
      role,
    }, env));
    return { runOrdersConsumed: this.props.consumesRunOrder === false ? 0 : 1 };
  }
}

/**
 * Writes the environment variables of every CommandsActionWithEnvironment of a built pipeline
 * into its template (`Stages.<i>.Actions.<j>.EnvironmentVariables`, PLAINTEXT; values may name
 * pipeline variables, which CodePipeline resolves when the action runs). Call it once, after
 * every action was added.
 */
export function renderCommandsEnvironments(pipeline: cp.Pipeline): void {
  const cfn = pipeline.node.defaultChild as cp.CfnPipeline;
  pipeline.stages.forEach((stage, i) => stage.actions.forEach((action, j) => {
    if (!(action instanceof CommandsActionWithEnvironment)) return;
    const variables = Object.entries(action.environmentVariables).map(([name, value]) => ({ Name: name, Value: value, Type: 'PLAINTEXT' }));
    if (variables.length > 0) cfn.addPropertyOverride(`Stages.${i}.Actions.${j}.EnvironmentVariables`, variables);
  }));
}
