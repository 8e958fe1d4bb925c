import {
  AddUserPoolClientSecretCommand, CognitoIdentityProviderClient, DeleteUserPoolClientSecretCommand, ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { ClientSecretsApi, rotate, RotationEvent, RotationSecretsApi } from './rotation';
import { requestAccessToken } from '../../shared/client-credentials';

/** Both clients in the function's own region (the issuer region): bounded, so a step fails instead of hanging. */
const options = { maxAttempts: 3, requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 } };
const sm = new SecretsManagerClient(options);
const cognito = new CognitoIdentityProviderClient(options);

const secrets: RotationSecretsApi = {
  describe: (secretId) => sm.send(new DescribeSecretCommand({ SecretId: secretId })),
  getValue: (secretId, stage, versionId) => sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage, VersionId: versionId })),
  putPending: async (secretId, versionId, secretString) => {
    await sm.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: versionId, SecretString: secretString, VersionStages: ['AWSPENDING'] }));
  },
  moveCurrent: async (secretId, toVersion, fromVersion) => {
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: toVersion, RemoveFromVersionId: fromVersion }));
  },
};

const clientSecrets: ClientSecretsApi = {
  list: async (userPoolId, clientId) => {
    const listed = await cognito.send(new ListUserPoolClientSecretsCommand({ UserPoolId: userPoolId, ClientId: clientId }));
    return (listed.ClientSecrets ?? []).flatMap((s) => (s.ClientSecretId ? [{ id: s.ClientSecretId, createdAt: s.ClientSecretCreateDate }] : []));
  },
  add: async (userPoolId, clientId) => {
    const added = await cognito.send(new AddUserPoolClientSecretCommand({ UserPoolId: userPoolId, ClientId: clientId }));
    const d = added.ClientSecretDescriptor;
    if (!d?.ClientSecretId || !d.ClientSecretValue) throw new Error('AddUserPoolClientSecret answered without the new secret\'s id and value');
    return { id: d.ClientSecretId, value: d.ClientSecretValue };
  },
  remove: async (userPoolId, clientId, secretId) => {
    await cognito.send(new DeleteUserPoolClientSecretCommand({ UserPoolId: userPoolId, ClientId: clientId, ClientSecretId: secretId }));
  },
};

/** The Secrets Manager rotation function of the checks' app client secret (logic: rotation.ts). */
export async function handler(event: RotationEvent): Promise<void> {
  await rotate(event, {
    secrets,
    cognito: clientSecrets,
    requestToken: (credentials) => requestAccessToken(credentials, [], { timeoutMs: 5000 }),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(JSON.stringify({ secretId: event.SecretId, step: event.Step, message: line })),
  });
}
