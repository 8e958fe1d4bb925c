import { CfnOutput, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ChecksCredentials } from './checks-credentials';
import { ClientSecretRotation } from './client-secret-rotation';
import { checksClientSecretNameOf, issuerDomainPrefixOf, ISSUER_SECRET_KEY_PURPOSE, tokenUrlOf } from '../../config/issuer';
import { EnvironmentConfig } from '../../config/schema';
import { API_RESOURCE_SERVER, API_SCOPE_NAMES } from '../../shared/client-credentials';
import { awsCustomResourceFunction } from '../constructs/aws-custom-resource-function';
import { WorkloadKey } from '../constructs/encryption';
import { fixedNameRemovalPolicy, statefulRemovalPolicy } from '../constructs/removal-policies';

/**
 * Minutes an access token of the checks' own app client is valid. The checks hold one token for
 * their whole run: the post-deploy assertions fetch it once and retry their reads with it for up
 * to 10 minutes (service-assertions.ts), the pre-traffic hook keeps it across ECS's calls for up
 * to its 20-minute deadline; 30 minutes covers both (test/synth/issuer/token-issuer.test.ts),
 * and is all a copied token is worth. Cognito allows 5 minutes to 1 day.
 */
export const CHECKS_TOKEN_VALIDITY_MINUTES = 30;

/** Days between automatic rotations of the checks' app client secret. */
export const CHECKS_SECRET_ROTATION_DAYS = 30;

/** Props of the TokenIssuer. */
export interface TokenIssuerProps {
  /** The environment (production data rules: retention, deletion protection). */
  readonly environment: EnvironmentConfig;
  /** The `Application` tag: the domain prefix and the checks' secret name derive from it. */
  readonly application: string;
  /** Name prefix of this stage (`<app>-<env>-<region>`): the key alias. */
  readonly namePrefix: string;
  /** The stage VPC: the rotation function runs in its private subnets and leaves through the NAT. */
  readonly vpc: ec2.IVpc;
}

/**
 * The environment's OAuth 2.0 token issuer, in its issuer region (`issuerRegionOf`, the primary
 * region): an Amazon Cognito user pool used for machine-to-machine tokens only.
 * - no users: self sign-up off, no account recovery; a password policy and TOTP-only MFA are set
 *   anyway (nothing signs in with them, and they keep the pool safe should someone add a user);
 *   feature plan Lite (threat protection, the Plus plan's, judges user sign-ins, not client
 *   credentials; Cognito bills M2M by app client and token request on every plan);
 * - a resource server `transactions` with the scopes `read` and `write`, which Cognito writes
 *   into tokens as `transactions/read` and `transactions/write` (the service's AUTH_RESOURCE_SERVER
 *   and scopes, app/README.md "Scopes");
 * - a Cognito prefix domain `issuerDomainPrefixOf`: the client-credentials token endpoint exists
 *   only on a user pool domain
 *   (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html);
 * - the checks' own app client (client credentials, generated secret, both scopes, tokens valid
 *   CHECKS_TOKEN_VALIDITY_MINUTES) and its credentials in a Secrets Manager secret with the
 *   derivable name `checksClientSecretNameOf`, encrypted with this stage's `issuer-secret` key and
 *   rotated every CHECKS_SECRET_ROTATION_DAYS days by ClientSecretRotation, without a redeploy.
 * Other API clients are added with the AWS CLI (RUNBOOKS.md "Add an API client").
 *
 * Production keeps the pool and its clients (RETAIN, deletion protection): replacing either would
 * give every client a new id, and a client's data belongs to its id. The secret has a fixed name,
 * so it is deleted after a failed first create (fixedNameRemovalPolicy).
 *
 * The secret's value is written by CloudFormation once, when the client is created (the client
 * secret read by CDK's DescribeUserPoolClient custom resource), and from then on only by the
 * rotation: CloudFormation writes it again only if the client is replaced, and then the old
 * client's secrets are void anyway.
 */
export class TokenIssuer extends Construct {
  /** The user pool. */
  public readonly userPool: cognito.UserPool;
  /** The resource server `transactions`. */
  public readonly resourceServer: cognito.UserPoolResourceServer;
  /** The Cognito prefix domain (the token endpoint's host). */
  public readonly domain: cognito.UserPoolDomain;
  /** The checks' app client. */
  public readonly checksClient: cognito.UserPoolClient;
  /** Its credentials (`client_id`, `client_secret`, `token_url`, `user_pool_id`, `client_secret_id`). */
  public readonly checksSecret: secretsmanager.Secret;
  /** The key encrypting the secret. */
  public readonly secretKey: WorkloadKey;
  /** The rotation of the checks' client secret. */
  public readonly rotation: ClientSecretRotation;
  /** `iss` of every token: `https://cognito-idp.<region>.amazonaws.com/<pool id>` (the service's AUTH_ISSUER). */
  public readonly issuerUrl: string;
  /** The token endpoint. */
  public readonly tokenUrl: string;
  /** The domain prefix. */
  public readonly domainPrefix: string;
  /** How the checks read their credentials (in this stage: by ARN). */
  public readonly checksCredentials: ChecksCredentials;
  /** Outputs for the runbooks: the pool id (`IssuerUserPoolId…`), the issuer URL, the token endpoint, the checks' client id. */
  public readonly outputs: {
    readonly userPoolId: CfnOutput; readonly issuerUrl: CfnOutput; readonly tokenUrl: CfnOutput; readonly checksClientId: CfnOutput;
  };

  constructor(scope: Construct, id: string, props: TokenIssuerProps) {
    super(scope, id);
    const { environment } = props;
    const stateful = statefulRemovalPolicy(environment);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      featurePlan: cognito.FeaturePlan.LITE,
      selfSignUpEnabled: false,
      accountRecovery: cognito.AccountRecovery.NONE,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      passwordPolicy: {
        minLength: 16,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(1),
      },
      deletionProtection: environment.production,
      removalPolicy: stateful,
    });
    const scopes = API_SCOPE_NAMES.map((name) => new cognito.ResourceServerScope({ scopeName: name, scopeDescription: `${name} transactions` }));
    this.resourceServer = this.userPool.addResourceServer('Api', {
      identifier: API_RESOURCE_SERVER, scopes, userPoolResourceServerName: `${props.namePrefix}-${API_RESOURCE_SERVER}`,
    });
    this.domainPrefix = issuerDomainPrefixOf(props.application, environment.name, environment.account);
    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: this.domainPrefix } });
    // UserPoolDomain.baseUrl() + /oauth2/token, written out so that the template (and the other
    // regions, which derive it) read the URL itself rather than a reference.
    this.tokenUrl = tokenUrlOf(this.domainPrefix, Stack.of(this).region);
    this.issuerUrl = this.userPool.userPoolProviderUrl;

    this.checksClient = this.userPool.addClient('ChecksClient', {
      generateSecret: true,
      // No user sign-in flow (only the refresh-token flow, which client credentials never use).
      authFlows: { userSrp: false },
      oAuth: { flows: { clientCredentials: true }, scopes: scopes.map((s) => cognito.OAuthScope.resourceServer(this.resourceServer, s)) },
      accessTokenValidity: Duration.minutes(CHECKS_TOKEN_VALIDITY_MINUTES),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    this.checksClient.applyRemovalPolicy(stateful);

    this.secretKey = new WorkloadKey(this, 'SecretKey', { environment, namePrefix: props.namePrefix, purpose: ISSUER_SECRET_KEY_PURPOSE });
    this.checksSecret = new secretsmanager.Secret(this, 'ChecksClientSecret', {
      secretName: checksClientSecretNameOf(props.application, environment.name, Stack.of(this).region),
      description: `Client credentials of the post-deploy checks of ${environment.name} (Cognito app client, rotated)`,
      encryptionKey: this.secretKey,
      secretObjectValue: {
        client_id: SecretValue.unsafePlainText(this.checksClient.userPoolClientId),
        client_secret: this.checksClient.userPoolClientSecret,
        token_url: SecretValue.unsafePlainText(this.tokenUrl),
        user_pool_id: SecretValue.unsafePlainText(this.userPool.userPoolId),
      },
    });
    // A fixed name must not survive a failed first create (the retry would find it taken).
    this.checksSecret.applyRemovalPolicy(fixedNameRemovalPolicy(environment));
    // Its token URL is written out (not a reference): the domain must exist before anyone reads it.
    this.checksSecret.node.addDependency(this.domain);
    awsCustomResourceFunction(Stack.of(this), this.node.path);

    this.rotation = new ClientSecretRotation(this, 'Rotation', {
      environment,
      namePrefix: props.namePrefix,
      vpc: props.vpc,
      userPool: this.userPool,
      secret: this.checksSecret,
      rotationDays: CHECKS_SECRET_ROTATION_DAYS,
    });
    this.checksCredentials = ChecksCredentials.ofSecret(this.checksSecret, this.secretKey, Stack.of(this).region);
    this.outputs = {
      userPoolId: new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: 'The token issuer\'s user pool (RUNBOOKS.md "Add an API client")' }),
      issuerUrl: new CfnOutput(this, 'IssuerUrl', { value: this.issuerUrl, description: 'iss of every token: AUTH_ISSUER of every region\'s service' }),
      tokenUrl: new CfnOutput(this, 'TokenUrl', { value: this.tokenUrl, description: 'The client-credentials token endpoint' }),
      checksClientId: new CfnOutput(this, 'ChecksClientId', { value: this.checksClient.userPoolClientId, description: 'The post-deploy checks\' own app client' }),
    };
  }
}
