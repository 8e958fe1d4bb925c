/**
 * The exit codes of every command in this repository: the CLIs bundled into the pipeline's
 * CodeBuild actions (src/codebuild) and the commands a person runs (src/terminal). A buildspec,
 * a script or a person reads only these:
 *
 * | code | name     | meaning |
 * | ---- | -------- | ------- |
 * | 0    | `OK`     | done: the check passed, the plan was printed, every step ran |
 * | 1    | `FAILED` | the command ran and found a problem, or a step it ran failed: an image gate or the bake failed, the change report refused, a doctor, policy or guard check failed, a bootstrap or failover step failed, a budget was exceeded; in the ops commands also a delivery config they cannot use, a broken version calendar or a failover request the config does not allow (the problem doctor exists to find) |
 * | 2    | `USAGE`  | nothing was evaluated: the command line (`UsageError`) or an input the command reads (`InputError`: a report, an allowlist, a cloud assembly, a recording, an answer from AWS) cannot be used. The image gate also ends with 2 on an unexpected error: it fails closed |
 * | 3    | `AWS`    | the change report only: an AWS call failed (a stack could not be compared, or the upload failed), so the report is incomplete |
 * | 4    | `BUG`    | an unexpected error: a bug, or a failure the command does not handle; its stack is printed |
 *
 * Codes 1 and 2 are what scripts and buildspecs branch on; each command's usage text names the
 * codes it uses.
 */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  AWS: 3,
  BUG: 4,
} as const;

/** One of {@link EXIT}'s codes. */
export type ExitCode = typeof EXIT[keyof typeof EXIT];
