import * as fs from 'fs';
import * as path from 'path';
import { lockedPackage } from '../../shared/versions/npm-lock';

/**
 * The exact versions of the two npm CLIs CDK Pipelines installs inside the pipeline's own
 * CodeBuild actions, read from the repository's package-lock.json at synth:
 * - `aws-cdk`: the self-mutation action runs `npm install -g aws-cdk@<cliVersion>`; aws-cdk-lib
 *   2.257 defaults `cliVersion` to "2", the newest 2.x on the day of the run
 *   (`this.cliVersion=props.cliVersion??"2"`, pipelines/lib/codepipeline/codepipeline.js);
 * - `cdk-assets`: the asset action runs `npm install -g cdk-assets@<cdkAssetsCliVersion>`, by
 *   default `latest` (`props.cdkAssetsCliVersion??"latest"`, same file).
 * Pinned, a bad npm release cannot reach the actions that hold the pipeline's and the stage
 * accounts' publishing roles without a commit that moves the lock (issue 33, point 2).
 *
 * Why an exact version is enough here: both packages ship bundled, without dependencies of
 * their own (checked below: a lock entry with dependencies fails the synth, because `npm
 * install -g name@x.y.z` would then resolve those freshly), and the registry never serves
 * other bytes for a published version: npm refuses to republish a name@version, even after
 * an unpublish ("you cannot reuse a version number", npm Docs, "npm-unpublish"), and npm checks
 * the tarball against the integrity the registry lists for that version.
 */
export interface PipelineToolVersions {
  /** aws-cdk (the CDK CLI) for the self-mutation action. */
  readonly awsCdk: LockedTool;
  /** cdk-assets for the asset-publishing action. */
  readonly cdkAssets: LockedTool;
}

/** One pinned CLI: its exact version and the integrity the lock recorded for it. */
export interface LockedTool {
  /** The npm package. */
  readonly name: string;
  /** Exact version. */
  readonly version: string;
  /** `sha512-<base64>` of the registry tarball, as package-lock.json recorded it. */
  readonly integrity: string;
}

/**
 * The command that refuses to go on unless the registry still lists, for the pinned version, the
 * tarball integrity the lock recorded: `npm install -g name@version` then checks the tarball it
 * downloads against that same registry value ("npm ... verifies the integrity of downloaded
 * packages" against the packument's `dist.integrity`, npm Docs, "package-lock.json: integrity").
 * So what the action installs is, byte for byte, what the lock file names.
 */
export function integrityCheckCommand(tool: LockedTool): string {
  return `test "$(npm view ${tool.name}@${tool.version} dist.integrity)" = "${tool.integrity}" `
    + `|| { echo "${tool.name}@${tool.version}: the registry's tarball integrity is not the one package-lock.json recorded"; exit 1; }`;
}

/** The packages pinned, with the lock file they are read from. */
export const PINNED_TOOLS = { awsCdk: 'aws-cdk', cdkAssets: 'cdk-assets' } as const;

/**
 * The tool versions the lock file at `root` resolves (default: the working directory, which is
 * the repository root for `npx projen synth`, jest and the pipeline's synth action).
 */
export function lockedToolVersions(root: string = process.cwd()): PipelineToolVersions {
  const file = path.join(root, 'package-lock.json');
  if (!fs.existsSync(file)) throw new Error(`${file} not found: the pipeline pins its CLIs to the lock file's versions; synthesize from the repository root`);
  const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
  const read = (name: string): LockedTool => {
    const entry = lockedPackage(lock, name);
    if (entry.dependencies.length > 0) {
      throw new Error(`package-lock.json: ${name}@${entry.version} has dependencies (${entry.dependencies.join(', ')}), so \`npm install -g ${name}@${entry.version}\` `
        + 'would resolve them anew in the pipeline: install it from a lock file instead of pinning its version alone');
    }
    return { name, version: entry.version, integrity: entry.integrity };
  };
  return { awsCdk: read(PINNED_TOOLS.awsCdk), cdkAssets: read(PINNED_TOOLS.cdkAssets) };
}
