import { CodePipelineClient, GetPipelineStateCommand, ListActionExecutionsCommand, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { CodePipelineApi } from './codepipeline-reader';

/**
 * The real CodePipeline reads (SDK v3) behind CodePipelineApi, for the function and the CLI.
 * Loaded only by their entry points, so unit tests never touch the SDK or the network.
 */
export function awsCodePipeline(region: string): CodePipelineApi {
  const client = new CodePipelineClient({ region });
  return {
    listPipelineExecutions: (input) => client.send(new ListPipelineExecutionsCommand(input)),
    listActionExecutions: (input) => client.send(new ListActionExecutionsCommand(input)),
    getPipelineState: (input) => client.send(new GetPipelineStateCommand(input)),
  };
}
