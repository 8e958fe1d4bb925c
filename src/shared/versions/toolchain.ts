/**
 * The Node.js and build-image pins of the delivery toolchain, in one place. Every one of them is
 * listed, with its end-of-support date, in versions/calendar.json (a test fails on a pin the
 * calendar does not list; `npx projen doctor` warns 90 days before a date and fails after it).
 *
 * Node.js 24 is the active LTS line (end of life 30 April 2028). It is used everywhere the
 * project runs JavaScript outside the service container: the root package `engines` and
 * `@types/node` (.projenrc.ts), the GitHub workflows, `runtime-versions` of every CodeBuild
 * action, the esbuild targets of the synth bundle and of the CLIs that run in CodeBuild, and the
 * Lambda runtime of every function in the templates (src/synth/constructs/lambda-runtime.ts). The
 * service image (app/Dockerfile) follows its own pin.
 */
export const NODE_MAJOR = 24;

/**
 * The CodeBuild image of every CodeBuild action: Ubuntu 24.04 `standard:8.0`. Its runtimes.yml
 * (aws/aws-codebuild-docker-images, read 2026-12-01) offers `nodejs: 24` and `nodejs: 22`;
 * `standard:7.0` (Ubuntu 22.04, the CDK default) offers 24 as well, but its base OS leaves
 * standard support in April 2027, two years before 24.04 does. aws-cdk-lib 2.257 has no
 * constant for 8.0, hence the image id.
 */
export const CODEBUILD_IMAGE_ID = 'aws/codebuild/standard:8.0';
