import { approvalParameterName, judgeApproval } from '../../../src/codebuild/gate-integrity/approval-record';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const GATES = ['approval:444444444444'];
/** A GetParameterHistory answer with one version per [writer, value]. */
const history = (...versions: [string, unknown][]) => ({
  Parameters: versions.map(([writer, value], i) => ({
    Name: approvalParameterName('DeliveryPipeline', COMMIT), Version: i + 1, LastModifiedUser: writer, Value: typeof value === 'string' ? value : JSON.stringify(value),
  })),
});
const RELEASE_MANAGER = 'arn:aws:sts::111111111111:assumed-role/GateChangeApprover/jane.doe@example.com';

describe('the named approval of a gate change', () => {
  test('names the commit and every weakened gate, written by someone outside the pipeline: approved, with who', () => {
    expect(judgeApproval(history([RELEASE_MANAGER, { commit: COMMIT, gates: GATES, reason: 'prod approval moves to a change window' }]), COMMIT, GATES, 'DeliveryPipeline'))
      .toEqual({ approved: true, approver: RELEASE_MANAGER, reason: 'prod approval moves to a change window' });
    expect(approvalParameterName('DeliveryPipeline', COMMIT)).toBe(`/DeliveryPipeline/gate-change-approvals/${COMMIT}`);
  });

  test('refused: no record, another commit, a gate it does not name, not JSON', () => {
    const judge = (h: any) => judgeApproval(h, COMMIT, GATES, 'DeliveryPipeline');
    expect(judge(undefined)).toEqual({ approved: false, why: 'no approval record exists for this commit' });
    expect(judge(history([RELEASE_MANAGER, { commit: 'ffff', gates: GATES }]))).toMatchObject({ approved: false, why: expect.stringMatching(/names commit ffff/) });
    expect(judge(history([RELEASE_MANAGER, { commit: COMMIT, gates: ['bake:prod-us-east-1'] }]))).toMatchObject({ approved: false, why: 'the approval record does not name approval:444444444444' });
    expect(judge(history([RELEASE_MANAGER, 'yes']))).toMatchObject({ approved: false, why: expect.stringMatching(/not JSON/) });
  });

  test('refused: written by a role of the pipeline (its synth or any step), by the root, or by no one known', () => {
    const judge = (writer: string) => judgeApproval(history([writer, { commit: COMMIT, gates: GATES }]), COMMIT, GATES, 'DeliveryPipeline');
    expect(judge('arn:aws:sts::111111111111:assumed-role/DeliveryPipeline-PipelineBuildSynthCdkBuildProjectRole-AbC/AWSCodeBuild-1')).toMatchObject({ approved: false, why: expect.stringMatching(/a role of the pipeline itself/) });
    expect(judge('arn:aws:iam::111111111111:role/DeliveryPipeline-report-prod')).toMatchObject({ approved: false });
    expect(judge('arn:aws:iam::111111111111:root')).toMatchObject({ approved: false, why: expect.stringMatching(/account root/) });
    expect(judge('')).toMatchObject({ approved: false, why: expect.stringMatching(/does not say who/) });
  });

  test('the newest version decides: a later rewrite by the pipeline does not keep an earlier approval', () => {
    const later = history(
      [RELEASE_MANAGER, { commit: COMMIT, gates: GATES }],
      ['arn:aws:sts::111111111111:assumed-role/DeliveryPipeline-SelfMutation-X/1', { commit: COMMIT, gates: GATES }],
    );
    expect(judgeApproval(later, COMMIT, GATES, 'DeliveryPipeline').approved).toBe(false);
  });
});
