import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DataTier } from './data-tier';
import { DeletionProtectionTargets } from './deletion-protection';
import { EdgeTier } from './edge-tier';
import { NetworkTier } from './network-tier';
import { PipelineAccess, PipelineAccessRoles } from './pipeline-access';
import { StageSettings } from './stage-settings';
import { TokenIssuer } from '../issuer/token-issuer';

/** Props of the PlatformStack. */
export interface PlatformStackProps extends StackProps {
  /** The settings of the stage (environment, region and its role, name prefix, deployment strategy). */
  readonly settings: StageSettings;
  /**
   * CIDR of the stage VPC (`vpcCidrOf`).
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * The pipeline steps that reach this stage (change report, protection, bake): the stack
   * creates the role each one assumes here (PipelineAccessRoles).
   * @default - no pipeline step reaches the stage (integ tests)
   */
  readonly pipelineAccess?: PipelineAccess;
}

/**
 * What the service runs on, in one stage, as one stack of three tiers:
 * - `Network` (NetworkTier): VPC, endpoints, flow logs, every security group;
 * - `Data` (DataTier): Aurora PostgreSQL, its keys, rotated secret and logs;
 * - `Edge` (EdgeTier): ALB, target group, listeners, certificate and DNS, WAF, access logs;
 * and, in the environment's issuer region only, `Issuer` (TokenIssuer): the Cognito user pool
 * every region of the environment trusts, its domain and the checks' app client.
 *
 * One stack, not three: the data and edge tiers both need the network, so as separate stacks
 * they deployed in two sequential pipeline actions (network, then data and edge), and the
 * pipeline spent a CloudFormation action slot per wave waiting for them. As one stack,
 * CloudFormation orders the resources itself and builds the database and the load balancer in
 * parallel. These tiers change rarely; the ServiceStack, which changes with every commit,
 * stays separate, so a service deployment never touches (or rolls back) stateful resources.
 *
 * Production stacks have termination protection; stateful resources are retained; deletion
 * protection is turned on after the first successful create (DeletionProtectionTargets).
 */
export class PlatformStack extends Stack {
  /** Whether this is a production stage (termination protection, retention). */
  public readonly production: boolean;
  /** The VPC, its endpoints and the security groups. */
  public readonly network: NetworkTier;
  /** The database tier. */
  public readonly data: DataTier;
  /** The load balancer, WAF, TLS and DNS. */
  public readonly edge: EdgeTier;
  /**
   * The environment's token issuer.
   * @default - none: a stage outside the issuer region uses the issuer region's (IssuerLookup)
   */
  public readonly issuer?: TokenIssuer;
  /**
   * Production: the permissions and outputs the post-deploy step turns deletion protection on with.
   * @default - undefined outside production
   */
  public readonly deletionProtection?: DeletionProtectionTargets;
  /**
   * The roles the pipeline's steps assume in this stage, one per step.
   * @default - undefined when no pipeline step reaches the stage
   */
  public readonly pipelineAccess?: PipelineAccessRoles;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    const { settings } = props;
    const { environment, namePrefix } = settings;
    super(scope, id, { ...props, terminationProtection: environment.production });
    this.production = settings.production;

    this.network = new NetworkTier(this, 'Network', { environment, namePrefix, cidr: props.cidr });
    const { vpc, securityGroups } = this.network;
    this.data = new DataTier(this, 'Data', { settings, vpc, securityGroups });
    this.edge = new EdgeTier(this, 'Edge', { settings, vpc, securityGroups });
    if (settings.region === settings.issuerRegion) {
      this.issuer = new TokenIssuer(this, 'Issuer', { environment, application: settings.application, namePrefix, vpc });
    }
    if (this.production) this.deletionProtection = new DeletionProtectionTargets(this, 'DeletionProtection', { data: this.data, edge: this.edge });
    // The first stack of the stage, so each role exists before its step's first use
    // (the change report's first run is the exception PipelineAccessRoles explains).
    if (props.pipelineAccess && props.pipelineAccess.steps.length > 0) {
      this.pipelineAccess = new PipelineAccessRoles(this, 'PipelineAccess', {
        ...props.pipelineAccess,
        stageId: settings.stageId,
        deletionProtection: this.deletionProtection,
      });
    }
  }
}
