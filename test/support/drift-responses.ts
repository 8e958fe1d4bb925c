import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './repo-root';
import { CloudFormationDriftApi } from '../../src/shared/drift/drift-check';

/** A file of test/fixtures/drift/ (see its README). */
export function driftFixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'drift', `${name}.json`), 'utf8'));
}

/** The call made, with the account and region it went to. */
export interface DriftCall { readonly where: string; readonly op: string; readonly input: unknown }

/**
 * CloudFormation answering from recorded files: `world` maps a stack name to a fixture file;
 * a stack not in it does not exist. Polls get the recorded statuses in order (the last repeats).
 */
export function recordedDriftApi(world: Record<string, string>): {
  clients: (where: { account: string; region: string }) => CloudFormationDriftApi; calls: DriftCall[];
} {
  const calls: DriftCall[] = [];
  const polls = new Map<string, number>();
  const missing = driftFixture('stack-missing').detectStackDrift.error;
  const clients = (w: { account: string; region: string }): CloudFormationDriftApi => {
    const where = `${w.account}/${w.region}`;
    const byId = new Map<string, any>();
    return {
      detectStackDrift: async (input) => {
        calls.push({ where, op: 'DetectStackDrift', input });
        const file = world[input.StackName];
        if (!file) throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), { ...missing, message: `Stack with id ${input.StackName} does not exist` });
        const f = driftFixture(file);
        if (f.detectStackDrift.error) throw Object.assign(new Error(f.detectStackDrift.error.message), f.detectStackDrift.error);
        byId.set(f.detectStackDrift.StackDriftDetectionId, f);
        return f.detectStackDrift;
      },
      describeStackDriftDetectionStatus: async (input) => {
        calls.push({ where, op: 'DescribeStackDriftDetectionStatus', input });
        const statuses = byId.get(input.StackDriftDetectionId).describeStackDriftDetectionStatus;
        const n = polls.get(input.StackDriftDetectionId) ?? 0;
        polls.set(input.StackDriftDetectionId, n + 1);
        return statuses[Math.min(n, statuses.length - 1)];
      },
      describeStackResourceDrifts: async (input) => {
        calls.push({ where, op: 'DescribeStackResourceDrifts', input });
        const pages = driftFixture(world[input.StackName]).describeStackResourceDrifts;
        return pages[input.NextToken ? pages.findIndex((p: any, i: number) => i > 0 && pages[i - 1].NextToken === input.NextToken) : 0];
      },
    };
  };
  return { clients, calls };
}

/** The sample's prod: one drifted stack (expected and unexpected differences), the rest in sync or expected only, one stack not deployed. */
export const PROD_WORLD: Record<string, string> = {
  'prod-us-east-1-Platform': 'drifted-platform',
  'prod-us-east-1-Service': 'clean-service',
  'prod-us-east-1-Assertions': 'in-sync-assertions',
  'prod-us-east-2-Platform': 'in-sync-assertions',
  'prod-us-east-2-Service': 'clean-service',
};
