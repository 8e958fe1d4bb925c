import { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildStage, CfnResource, resources, sampleEnvironment, tierTemplate } from './support';
import { vpcCidrOf } from '../../../src/config/vpc-cidrs';
import { SERVICE_INTERNET_NEEDS } from '../../../src/synth/workload/network-tier';
import { ServiceStage } from '../../../src/synth/workload/service-stage';

/** Network: VPC tiers, NAT, flow logs, endpoints and every security group rule of the stage. */
describe.each([
  ['dev', 'us-east-1'],
  ['prod', 'us-east-1'],
  ['prod', 'us-east-2'],
])('NetworkTier %s %s', (envName, region) => {
  const environment = sampleEnvironment(envName);
  let stage: ServiceStage;
  let template: Template;
  let all: Template[];

  beforeAll(() => {
    stage = buildStage(environment, region);
    template = tierTemplate(stage.network);
    all = stage.stacks.stacks.map((s) => Template.fromStack(s));
  });

  const subnetsOfType = (type: string) => Object.entries(resources(template, 'AWS::EC2::Subnet'))
    .filter(([, s]) => s.Properties!.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === type));

  test('spans sizing.maxAzs AZs with public, private-with-egress and isolated subnets', () => {
    const { maxAzs } = environment.sizing;
    expect(maxAzs).toBeGreaterThanOrEqual(2);
    for (const type of ['Public', 'Private', 'Isolated']) {
      const subnets = subnetsOfType(type);
      expect(subnets).toHaveLength(maxAzs);
      const azs = new Set(subnets.map(([, s]) => s.Properties!.AvailabilityZone));
      expect(azs.size).toBe(maxAzs);
      for (const az of azs) expect(az).toMatch(new RegExp(`^${region}[a-z]$`));
    }
  });

  test('has sizing.natGateways NAT gateways, all in public subnets', () => {
    const nats = Object.values(resources(template, 'AWS::EC2::NatGateway'));
    expect(nats).toHaveLength(environment.sizing.natGateways);
    const publicIds = subnetsOfType('Public').map(([id]) => id);
    for (const nat of nats) expect(publicIds).toContain(nat.Properties!.SubnetId.Ref);
  });

  test('isolated subnets have no route to a NAT gateway or internet gateway', () => {
    const isolatedIds = subnetsOfType('Isolated').map(([id]) => id);
    const associations = Object.values(resources(template, 'AWS::EC2::SubnetRouteTableAssociation'));
    const isolatedTables = associations
      .filter((a) => isolatedIds.includes(a.Properties!.SubnetId.Ref))
      .map((a) => a.Properties!.RouteTableId.Ref);
    expect(isolatedTables).toHaveLength(isolatedIds.length);
    const routes = Object.values(resources(template, 'AWS::EC2::Route'));
    const isolatedRoutes = routes.filter((r) => isolatedTables.includes(r.Properties!.RouteTableId.Ref));
    expect(isolatedRoutes).toEqual([]);
    // ...while the private subnets do route through NAT (the check above is not vacuous).
    const privateIds = subnetsOfType('Private').map(([id]) => id);
    const privateTables = associations.filter((a) => privateIds.includes(a.Properties!.SubnetId.Ref)).map((a) => a.Properties!.RouteTableId.Ref);
    const natRoutes = routes.filter((r) => privateTables.includes(r.Properties!.RouteTableId.Ref) && r.Properties!.NatGatewayId);
    expect(natRoutes).toHaveLength(privateIds.length);
  });

  test('flow logs (ALL traffic) go to a KMS-encrypted log group with the configured retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: stage.platform.getLogicalId(stage.network.flowLogGroup.node.defaultChild as any) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [stage.platform.getLogicalId(stage.network.logsKey.node.defaultChild as any), 'Arn'] },
      RetentionInDays: environment.sizing.logRetentionDays,
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: `logs.${region}.amazonaws.com` } })]) },
    });
  });

  test('S3 gateway endpoint and ECR API, ECR DKR, Logs, Secrets Manager interface endpoints', () => {
    const endpoints = Object.values(resources(template, 'AWS::EC2::VPCEndpoint'));
    const serviceOf = (e: CfnResource) => JSON.stringify(e.Properties!.ServiceName);
    const gateway = endpoints.filter((e) => e.Properties!.VpcEndpointType === 'Gateway');
    expect(gateway).toHaveLength(1);
    expect(serviceOf(gateway[0])).toContain('.s3');
    const iface = endpoints.filter((e) => e.Properties!.VpcEndpointType === 'Interface').map(serviceOf);
    expect(iface.sort()).toEqual([
      `"com.amazonaws.${region}.ecr.api"`,
      `"com.amazonaws.${region}.ecr.dkr"`,
      `"com.amazonaws.${region}.logs"`,
      `"com.amazonaws.${region}.secretsmanager"`,
    ]);
    const endpointSg = stage.platform.getLogicalId(stage.network.securityGroups.endpoints.node.defaultChild as any);
    for (const e of endpoints.filter((x) => x.Properties!.VpcEndpointType === 'Interface')) {
      expect(e.Properties!.PrivateDnsEnabled).toBe(true);
      expect(e.Properties!.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [endpointSg, 'GroupId'] }]);
    }
  });

  test('the endpoint security group admits 443 from the VPC CIDR only', () => {
    const sg = resources(template, 'AWS::EC2::SecurityGroup')[stage.platform.getLogicalId(stage.network.securityGroups.endpoints.node.defaultChild as any)];
    expect(sg.Properties!.SecurityGroupIngress).toEqual([expect.objectContaining({
      CidrIp: vpcCidrOf(environment, region), FromPort: 443, ToPort: 443, IpProtocol: 'tcp',
    })]);
  });

  test('the default security group is stripped of its rules', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('no security group allows all outbound traffic', () => {
    for (const sg of Object.values(resources(template, 'AWS::EC2::SecurityGroup'))) {
      for (const rule of sg.Properties!.SecurityGroupEgress ?? []) {
        expect(rule.IpProtocol === '-1' && rule.CidrIp === '0.0.0.0/0').toBe(false);
      }
    }
  });

  test('no ingress from 0.0.0.0/0 or ::/0 in any stack except the ALB on 80 and 443', () => {
    const sgId = (c: any) => stage.platform.getLogicalId(c.node.defaultChild);
    const open: string[] = [];
    for (const t of all) {
      for (const [id, r] of Object.entries(resources(t))) {
        const rules = r.Type === 'AWS::EC2::SecurityGroup' ? (r.Properties!.SecurityGroupIngress ?? []).map((x: any) => ({ ...x, owner: id }))
          : r.Type === 'AWS::EC2::SecurityGroupIngress' ? [{ ...r.Properties, owner: r.Properties!.GroupId?.['Fn::GetAtt']?.[0] }] : [];
        for (const rule of rules) {
          if (rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0') open.push(`${rule.owner}:${rule.FromPort}-${rule.ToPort}`);
        }
      }
    }
    const alb = sgId(stage.network.securityGroups.loadBalancer);
    expect(open.sort()).toEqual([`${alb}:443-443`, `${alb}:80-80`]);
  });

  test('tier rules: ALB -> service 8080, service/rotation -> database 5432, nothing else between groups', () => {
    const id = (c: any) => stage.platform.getLogicalId(c.node.defaultChild);
    const groups = stage.network.securityGroups;
    const name = new Map([
      [id(groups.loadBalancer), 'alb'], [id(groups.service), 'service'], [id(groups.database), 'database'],
      [id(groups.rotation), 'rotation'], [id(groups.endpoints), 'endpoints'],
    ]);
    const edges: string[] = [];
    for (const t of all) {
      for (const r of Object.values(resources(t))) {
        const p = r.Properties!;
        if (r.Type === 'AWS::EC2::SecurityGroupIngress' && p.SourceSecurityGroupId) {
          edges.push(`in ${name.get(p.GroupId['Fn::GetAtt'][0])} <- ${name.get(p.SourceSecurityGroupId['Fn::GetAtt'][0])}:${p.FromPort}`);
        }
        if (r.Type === 'AWS::EC2::SecurityGroupEgress' && p.DestinationSecurityGroupId) {
          edges.push(`out ${name.get(p.GroupId['Fn::GetAtt'][0])} -> ${name.get(p.DestinationSecurityGroupId['Fn::GetAtt'][0])}:${p.FromPort}`);
        }
      }
    }
    expect(edges.sort()).toEqual([
      'in database <- rotation:5432',
      'in database <- service:5432',
      'in service <- alb:8080',
      'out alb -> service:8080',
      'out rotation -> database:5432',
      'out rotation -> endpoints:443',
      'out service -> database:5432',
      'out service -> endpoints:443',
    ]);
  });

  test('the only egress to a CIDR of the workload\'s groups: the service tasks\' 443 out of the VPC, named for what no endpoint serves', () => {
    const groups = stage.network.securityGroups;
    const owners = new Map(([['alb', groups.loadBalancer], ['service', groups.service], ['database', groups.database], ['rotation', groups.rotation], ['endpoints', groups.endpoints]] as const)
      .map(([n, g]) => [stage.platform.getLogicalId(g.node.defaultChild as unknown as CfnElement), n]));
    const toCidr: string[] = [];
    for (const t of all) {
      for (const [id, r] of Object.entries(resources(t))) {
        const rules = r.Type === 'AWS::EC2::SecurityGroup' ? (r.Properties!.SecurityGroupEgress ?? []).map((x: any) => ({ ...x, owner: id }))
          : r.Type === 'AWS::EC2::SecurityGroupEgress' ? [{ ...r.Properties, owner: r.Properties!.GroupId?.['Fn::GetAtt']?.[0] }] : [];
        for (const rule of rules) {
          // CDK's placeholder for "no egress" (allowAllOutbound: false): ICMP to 255.255.255.255/32.
          if (rule.CidrIp === '255.255.255.255/32') continue;
          // The workload's groups (the progressive-deployment hook's own group is its construct's concern).
          if (!owners.has(rule.owner)) continue;
          if (rule.CidrIp || rule.CidrIpv6 || rule.DestinationPrefixListId) {
            toCidr.push(`${owners.get(rule.owner)} ${rule.IpProtocol}:${rule.FromPort} -> ${rule.CidrIp ?? rule.CidrIpv6 ?? rule.DestinationPrefixListId}: ${rule.Description}`);
          }
        }
      }
    }
    expect(toCidr).toEqual([`service tcp:443 -> 0.0.0.0/0: HTTPS out of the VPC, only for: ${SERVICE_INTERNET_NEEDS.map((n) => n.what).join('; ')}`]);
    expect(SERVICE_INTERNET_NEEDS.map((n) => n.what)).toEqual(['S3 image layers', 'the token issuer JWKS']);
    // EC2 refuses any other character in a rule description (IpRange.Description, EC2 API Reference).
    for (const rule of toCidr) expect(rule.split(': ').slice(1).join(': ')).toMatch(/^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{1,255}$/);
    for (const need of SERVICE_INTERNET_NEEDS) expect(need.why).toMatch(/^[A-Z].{60,}https:\/\/docs\.aws\.amazon\.com\/.*\.$/s);
  });

  test('the database group has no CIDR ingress at all', () => {
    const db = resources(template, 'AWS::EC2::SecurityGroup')[stage.platform.getLogicalId(stage.network.securityGroups.database.node.defaultChild as any)];
    expect(db.Properties!.SecurityGroupIngress).toBeUndefined();
  });

  test('termination protection follows environment.production', () => {
    expect(stage.platform.terminationProtection).toBe(environment.production);
  });
});
