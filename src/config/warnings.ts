import { secondaryRegionsOf } from './resilience';
import { DeliveryConfig } from './schema';

/**
 * Things in a valid config that may still be wrong: printed by `doctor` and `synth`, which
 * still succeed (exit 0). Each names the field and what to check.
 */
export function configWarnings(config: DeliveryConfig): string[] {
  const warnings: string[] = [];
  const connectionAccount = config.source.connectionArn.split(':')[4];
  if (connectionAccount !== config.pipeline.account) {
    // A warning, not an error: the pipeline's role is granted UseConnection on this ARN, which
    // works only if the connection is shared with (or owned by) the pipeline account.
    warnings.push(`source.connectionArn: the connection is in account ${connectionAccount}, not the pipeline account ${config.pipeline.account}; `
      + 'the pipeline can use it only if that account shares it with the pipeline account. Usually the fix is to create the connection in the pipeline account '
      + '(console: Developer Tools > Settings > Connections) and use its ARN');
  }
  config.environments.forEach((env, i) => {
    // A choice, not an error: a team may watch the first region by other means.
    if (env.production && env.rollout === 'sequential' && env.regions.length > 1 && env.bakeMinutes === 0) {
      warnings.push(`environments[${i}].bakeMinutes: 0 turns the bake off, so ${env.name}'s next region starts right after the previous one's assertions, `
        + 'without watching its alarms; set e.g. 10 (the default) unless something else watches the first region');
    }
    // A choice, not an error: the audit evidence of a one-region production environment has no
    // copy in a second region (src/synth/audit/).
    if (env.production && env.regions.length === 1) {
      warnings.push(`environments[${i}].regions: production "${env.name}" runs in one region, so its audit bucket (trail and transaction records) `
        + 'has no copy in a second region and a regional loss takes that evidence with it; add a second region to replicate it');
    }
    // Harmless but misleading: only the secondaries of a global database have a replication-lag alarm.
    if (env.replicationLagAlarmSeconds !== undefined && secondaryRegionsOf(env).length === 0) {
      warnings.push(`environments[${i}].replicationLagAlarmSeconds: ${env.name} has no secondary region of a global database, so there is no replication-lag alarm `
        + 'for this threshold to set; remove the field, or make the environment "resilience": "global" over two regions');
    }
  });
  return warnings;
}

/** The warnings as printed: a heading and one line each, or nothing. */
export function formatWarnings(warnings: readonly string[]): string {
  return warnings.length === 0 ? '' : `Config warnings (synth continues):\n${warnings.map((w) => `  - ${w}`).join('\n')}\n`;
}
