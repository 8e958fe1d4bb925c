import * as fs from 'fs';
import * as path from 'path';
import { failedActionOf, PipelineState, stageExecutionTypeOf } from '../../../src/codebuild/bake/stage-state';
import { REPO_ROOT } from '../../support/repo-root';

const STATE: PipelineState = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'bake', 'get-pipeline-state-assertions-failed.json'), 'utf8'));

describe('reading GetPipelineState for the bake', () => {
  test('the execution type of the bake\'s stage', () => {
    expect(stageExecutionTypeOf(STATE, 'prod-us-east-1')).toBe('STANDARD');
    expect(stageExecutionTypeOf(STATE, 'nope')).toBeUndefined();
  });

  test('an action of the stage that failed since the bake started ends it; older failures and other stages do not', () => {
    const bakeStarted = new Date('2026-12-02T01:10:01Z');
    expect(failedActionOf(STATE, 'prod-us-east-1', bakeStarted)).toBe('Assertions.Deploy');
    // A failure before the bake started belongs to an earlier run.
    expect(failedActionOf(STATE, 'prod-us-east-1', new Date('2026-12-02T01:20:00Z'))).toBeUndefined();
    // Another stage's failure is not this stage's.
    expect(failedActionOf({ stageStates: STATE.stageStates!.slice(1) }, 'prod-us-east-1', bakeStarted)).toBeUndefined();
    // Epoch seconds (the SDK's shape through some tools) read the same.
    expect(failedActionOf({ stageStates: [{ stageName: 's', actionStates: [{ actionName: 'a', latestExecution: { status: 'Failed', lastStatusChange: Date.parse('2026-12-02T01:14:27Z') / 1000 } }] }] },
      's', bakeStarted)).toBe('a');
  });
});
