import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { SizingConfig } from '../config/schema';

/** Props of the NetworkStack. */
export interface NetworkStackProps extends StackProps {
  /** Sizing of the environment (NAT gateways, AZs, log retention). */
  readonly sizing: SizingConfig;
  /** Production data rules (retain flow logs, termination protection). */
  readonly production: boolean;
}

/** The VPC of one stage. (Placeholder: the workload issue fills it in.) */
export class NetworkStack extends Stack {
  /** The stage VPC. */
  public readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, { ...props, terminationProtection: props.production });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: props.sizing.maxAzs,
      natGateways: props.sizing.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
  }
}
