import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ChecksCredentials } from './checks-credentials';
import { TokenIssuer } from './token-issuer';
import { checksClientSecretNameOf, issuerDomainPrefixOf, issuerRegionOf, ISSUER_SECRET_KEY_PURPOSE, tokenUrlOf } from '../../config/issuer';
import { EnvironmentConfig } from '../../config/schema';
import { applicationSlug } from '../../shared/aws-names';
import { awsCustomResourceFunction } from '../constructs/aws-custom-resource-function';

/** The issuer of an environment, seen from a stage in another region: every name derived from the config. */
export interface RemoteIssuer {
  /** The issuer region (`issuerRegionOf`). */
  readonly region: string;
  /** The account (the environment's). */
  readonly account: string;
  /** The Cognito domain prefix (`issuerDomainPrefixOf`). */
  readonly domainPrefix: string;
  /** The token endpoint. */
  readonly tokenUrl: string;
  /** The checks' credentials secret's name (`checksClientSecretNameOf`). */
  readonly secretName: string;
  /** Alias (without `alias/`) of the key encrypting it: `<app>-<env>-<issuer region>/issuer-secret`. */
  readonly keyAlias: string;
}

/** The environment's issuer as a stage in `region` reaches it: its own TokenIssuer, or the issuer region's by derived names. */
export type IssuerReference = { readonly local: TokenIssuer } | { readonly remote: RemoteIssuer };

/** The derived names of an environment's issuer. */
export function remoteIssuerOf(application: string, environment: EnvironmentConfig): RemoteIssuer {
  const region = issuerRegionOf(environment);
  const domainPrefix = issuerDomainPrefixOf(application, environment.name, environment.account);
  return {
    region,
    account: environment.account,
    domainPrefix,
    tokenUrl: tokenUrlOf(domainPrefix, region),
    secretName: checksClientSecretNameOf(application, environment.name, region),
    keyAlias: `${applicationSlug(application)}-${environment.name}-${region}/${ISSUER_SECRET_KEY_PURPOSE}`,
  };
}

/** Props of IssuerLookup. */
export interface IssuerLookupProps {
  /** The issuer to look up. */
  readonly issuer: RemoteIssuer;
  /**
   * Changes with every release (the commit): the lookup runs again on every deploy of its stack,
   * so a re-created user pool (a new pool id) reaches this region's tasks with the next release.
   */
  readonly salt: string;
}

/**
 * The issuer URL of the environment's user pool, read in another region at deploy time: a custom
 * resource asks Cognito in the issuer region for the pool behind the derivable domain prefix
 * (DescribeUserPoolDomain, `DomainDescription.UserPoolId`,
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeUserPoolDomain.html)
 * and the issuer is `https://cognito-idp.<issuer region>.amazonaws.com/<pool id>`, the `iss`
 * Cognito writes (the `userPoolProviderUrl` of the issuer region's stage). A pool id is generated,
 * so it cannot be derived; its domain prefix can.
 *
 * Order: the issuer region's Platform stack creates the domain; this resource lives in a Service
 * stack, which deploys after every Platform stack of its wave (parallel rollout) or after the
 * whole issuer region's stage (sequential rollout): test/synth/issuer/issuer-order.test.ts
 * checks the rendered pipeline. If the domain does not exist, Cognito answers with an empty
 * description and the missing `UserPoolId` fails the deploy, naming the attribute.
 */
export class IssuerLookup extends Construct {
  /** `https://cognito-idp.<issuer region>.amazonaws.com/<pool id>`. */
  public readonly issuerUrl: string;
  /** The custom resource. */
  public readonly resource: cr.AwsCustomResource;
  /** The issuer region. */
  public readonly issuerRegion: string;
  /** The function CDK shares among the stack's AwsCustomResources. */
  public readonly handler: lambda.CfnFunction;

  constructor(scope: Construct, id: string, props: IssuerLookupProps) {
    super(scope, id);
    const { issuer } = props;
    this.issuerRegion = issuer.region;
    const call: cr.AwsSdkCall = {
      service: 'CognitoIdentityServiceProvider',
      action: 'describeUserPoolDomain',
      region: issuer.region,
      parameters: { Domain: issuer.domainPrefix },
      // A new physical id per release: CloudFormation updates (runs) the lookup on every deploy;
      // replacing it deletes nothing (there is no onDelete call).
      physicalResourceId: cr.PhysicalResourceId.of(`${issuer.domainPrefix}@${issuer.region}@${props.salt}`),
      outputPaths: ['DomainDescription.UserPoolId'],
    };
    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::IssuerLookup',
      onCreate: call,
      onUpdate: call,
      installLatestAwsSdk: false,
      // DescribeUserPoolDomain takes no resource (Service Authorization Reference, Amazon Cognito
      // User Pools: no resource type listed for it), so the statement names none.
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        sid: 'DescribeTheIssuerDomain',
        actions: ['cognito-idp:DescribeUserPoolDomain'],
        resources: ['*'],
      })]),
    });
    this.handler = awsCustomResourceFunction(Stack.of(this), this.node.path);
    this.issuerUrl = Fn.join('', [`https://cognito-idp.${issuer.region}.amazonaws.com/`, this.resource.getResponseField('DomainDescription.UserPoolId')]);
  }
}

/** What a stage's service and checks need of the issuer. */
export interface IssuerAccess {
  /** AUTH_ISSUER of the service. */
  readonly issuerUrl: string;
  /** How the checks read their credentials. */
  readonly checks: ChecksCredentials;
  /** The lookup (another region only). */
  readonly lookup?: IssuerLookup;
}

/** The issuer as `scope` (a Service stack) uses it: the stage's own, or looked up in the issuer region. */
export function issuerAccess(scope: Construct, reference: IssuerReference, salt: string): IssuerAccess {
  if ('local' in reference) return { issuerUrl: reference.local.issuerUrl, checks: reference.local.checksCredentials };
  const { remote } = reference;
  const lookup = new IssuerLookup(scope, 'IssuerLookup', { issuer: remote, salt });
  return {
    issuerUrl: lookup.issuerUrl,
    checks: ChecksCredentials.byName({ secretName: remote.secretName, keyAlias: remote.keyAlias, region: remote.region, account: remote.account }),
    lookup,
  };
}
