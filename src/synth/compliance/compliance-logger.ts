import { Stack } from 'aws-cdk-lib';
import {
  INagLogger, NagLoggerComplianceData, NagLoggerErrorData, NagLoggerNonComplianceData,
  NagLoggerNotApplicableData, NagLoggerSuppressedData, NagLoggerSuppressedErrorData, NagMessageLevel,
} from 'cdk-nag';

/** One cdk-nag result worth reporting. */
export interface ComplianceRecord {
  /** Pack name, e.g. AwsSolutions, NIST.800.53.R5. */
  readonly pack: string;
  /** Rule id, e.g. AwsSolutions-S1. */
  readonly ruleId: string;
  /** Finding id (the rule id plus the finding, for IAM wildcards). */
  readonly findingId: string;
  /** ERROR or WARN. */
  readonly level: string;
  /** Stack name (`<stage>-<stack>` for stage stacks). */
  readonly stack: string;
  /** Construct path of the resource. */
  readonly path: string;
  /** What the rule checks. */
  readonly info: string;
  /** The suppression's reason, for suppressed findings. */
  readonly reason?: string;
}

/**
 * Collects cdk-nag results from every pack over every stack (pipeline, cross-region support,
 * every stage stack) so synth can fail with ONE readable list and write the suppression report.
 */
export class ComplianceLogger implements INagLogger {
  /** Unsuppressed errors: synth fails when there is any. */
  public readonly errors: ComplianceRecord[] = [];
  /** Unsuppressed warnings: reported, do not fail. */
  public readonly warnings: ComplianceRecord[] = [];
  /** Suppressed findings with their reasons. */
  public readonly suppressions: ComplianceRecord[] = [];
  /** Rules that crashed (cdk-nag could not evaluate them). */
  public readonly ruleFailures: ComplianceRecord[] = [];
  /** Stacks the packs visited (proof that none was missed). */
  public readonly stacksChecked = new Set<string>();

  public onCompliance(data: NagLoggerComplianceData): void { this.visit(data); }
  public onNotApplicable(data: NagLoggerNotApplicableData): void { this.visit(data); }

  public onNonCompliance(data: NagLoggerNonComplianceData): void {
    const record = this.record(data, data.findingId);
    if (data.ruleLevel === NagMessageLevel.ERROR) this.errors.push(record);
    else this.warnings.push(record);
  }

  public onSuppressed(data: NagLoggerSuppressedData): void {
    this.suppressions.push({ ...this.record(data, data.findingId), reason: data.suppressionReason });
  }

  public onError(data: NagLoggerErrorData): void {
    this.ruleFailures.push({ ...this.record(data, data.ruleId), reason: data.errorMessage });
  }

  public onSuppressedError(data: NagLoggerSuppressedErrorData): void {
    this.suppressions.push({ ...this.record(data, data.ruleId), reason: data.errorSuppressionReason });
  }

  private visit(data: NagLoggerComplianceData): void {
    this.stacksChecked.add(Stack.of(data.resource).stackName);
  }

  private record(data: NagLoggerComplianceData, findingId: string): ComplianceRecord {
    this.visit(data);
    return {
      pack: data.nagPackName,
      ruleId: data.ruleId,
      findingId,
      level: data.ruleLevel,
      stack: Stack.of(data.resource).stackName,
      path: data.resource.node.path,
      info: data.ruleInfo,
    };
  }
}
