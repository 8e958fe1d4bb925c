import { awscdk } from 'projen';
import { runTs } from './run-ts';

/**
 * The operator tasks: `bootstrap` (prepare every account/region of the delivery config),
 * `doctor` (preflight: config, bootstrap stacks, GitHub connection, approval e-mails) and
 * `failover` (move the writer of a global environment to another region: src/terminal/ops/failover-cli.ts).
 *
 * Both read the config like src/main.ts does: `--config path`, else $DELIVERY_CONFIG, else
 * config/delivery.sample.json. Arguments after the task name reach the CLI
 * (`npx projen bootstrap --run --profile-222222222222=dev`).
 *
 * @param project the root project
 */
export function addOpsTasks(project: awscdk.AwsCdkTypeScriptApp): void {
  project.addTask('bootstrap', {
    description: 'Print (or --run, or --json) the least-privilege policies and cdk bootstrap commands for every account/region of the config',
    exec: runTs('src/terminal/ops/bootstrap-cli.ts'),
    receiveArgs: true,
  });
  project.addTask('doctor', {
    description: 'Preflight: validate the config and print the plan; with --aws also check bootstrap, the GitHub connection and approval e-mails',
    exec: runTs('src/terminal/ops/doctor-cli.ts'),
    receiveArgs: true,
  });
  project.addTask('failover', {
    description: 'Print (or --run) the Aurora global database switchover (--planned) or failover (--unplanned) to --to <region> of --env <name>, the DNS step and the checks that prove the new writer serves',
    exec: runTs('src/terminal/ops/failover-cli.ts'),
    receiveArgs: true,
  });
  // The pipeline measures and watches itself (README "Delivery metrics" and "Drift detection").
  project.addTask('pipeline:metrics', {
    description: 'The four DORA keys (deployment frequency, lead time, change failure rate, time to restore) with their 2024 band, approval wait, bake and time per stage, from the pipeline\'s execution history (-- --days 30 --json)',
    exec: runTs('src/terminal/delivery-metrics/pipeline-metrics-cli.ts'),
    receiveArgs: true,
  });
  project.addTask('drift', {
    description: 'CloudFormation drift detection on every deployed stage stack (-- --env <name>) through the lookup roles; exit 1 on drift or a stack that could not be checked',
    exec: runTs('src/terminal/drift/drift-cli.ts'),
    receiveArgs: true,
  });
  // The execution policies, from CloudFormation's own handler data (src/terminal/execution-policy).
  project.addTask('policy:check', {
    description: 'Check the execution policies against every template of cdk.out and its variants (run synth first); prints the pairs checked',
    exec: runTs('src/terminal/execution-policy/policy-cli.ts check'),
  });
  project.addTask('policy:generate', {
    description: 'Regenerate bootstrap/*-execution-policy.json from the handler data for the resource types the templates use (run synth first)',
    exec: runTs('src/terminal/execution-policy/policy-cli.ts generate'),
  });
  project.addTask('policy:handlers', {
    description: 'Refresh bootstrap/handler-permissions.json from CloudFormation registry schemas (-- --schemas <dir> --source "<where from>")',
    exec: runTs('src/terminal/execution-policy/policy-cli.ts handlers'),
    receiveArgs: true,
  });
  // The rollback analysis (src/terminal/rollback): every template, created and updated, failing
  // at each resource in turn; fails on a rollback step AWS refuses or one that blocks the retry.
  project.addTask('rollback:check', {
    description: 'Check that every create and update of every template (sample and variants) rolls back to a state you can retry (run synth first; -- --templates <dir> for other templates)',
    exec: runTs('src/terminal/rollback/rollback-cli.ts'),
    receiveArgs: true,
  });
  project.addTask('bootstrap:template', {
    description: 'Regenerate bootstrap/bootstrap-template.yaml from the CDK CLI\'s own template (narrowed trust, permissions boundary)',
    exec: runTs('src/terminal/execution-policy/bootstrap-template.ts'),
  });
  // Per-account policy documents rendered by `bootstrap` from bootstrap/*.json.
  project.gitignore.exclude('/bootstrap/rendered/');
}
