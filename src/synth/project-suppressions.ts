import { assertionSuppressions } from './assertions/suppressions';
import { auditSuppressions } from './audit/suppressions';
import { Suppressor } from './compliance/suppressions';
import { constructSuppressions } from './constructs/suppressions';
import { issuerSuppressions } from './issuer/suppressions';
import { pipelineSuppressions } from './pipeline/suppressions';
import { progressiveDeploymentSuppressions } from './progressive-deployment/suppressions';
import { workloadSuppressions } from './workload/suppressions';

/**
 * Every folder's compliance exceptions, as ComplianceChecks applies them to the App and to each
 * Stage. Each one lives beside the constructs it concerns; a new folder with exceptions adds its
 * Suppressor here.
 */
export const PROJECT_SUPPRESSIONS: readonly Suppressor[] = [
  constructSuppressions,
  workloadSuppressions,
  progressiveDeploymentSuppressions,
  issuerSuppressions,
  pipelineSuppressions,
  assertionSuppressions,
  auditSuppressions,
];
