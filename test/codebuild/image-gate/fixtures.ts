import * as fs from 'fs';
import * as path from 'path';
import { RecordedCall } from '../../../src/shared/cli/recorded-calls';
import { REPO_ROOT } from '../../support/repo-root';

/** Root of the recorded supply-chain fixtures. */
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'supply-chain');

/** The date every fixture-based test runs on (allowlist expiry is checked against it). */
export const TODAY = '2026-11-25';

/** Digest the ECR fixtures were recorded for. */
export const DIGEST = 'sha256:4a1f3c9b7e2d5f8a6c0b9e3d7f1a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a';

/** Text of a fixture file, e.g. fixture('trivy/clean.json'). */
export function fixture(rel: string): string {
  return fs.readFileSync(path.join(FIXTURES, rel), 'utf8');
}

/** Recorded DescribeImageScanFindings calls of an ECR fixture. */
export function ecrCalls(name: string): RecordedCall[] {
  return (JSON.parse(fixture(`ecr/${name}.json`)) as { calls: RecordedCall[] }).calls;
}
