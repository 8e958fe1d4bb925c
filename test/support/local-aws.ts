import * as http from 'http';
import { AddressInfo } from 'net';
import { FakeCognitoClientSecrets, FakeSecretsManager } from './fake-secrets';

/**
 * Credentials for SDK clients that only ever talk to a local server: the SDK signs with them,
 * nothing checks them. Plainly not key-shaped, so no secret scanner mistakes them for real ones.
 */
export const LOCAL_AWS_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'local-test-access-key-id',
  AWS_SECRET_ACCESS_KEY: 'local-test-secret-access-key',
} as const;

/**
 * One local HTTP server that answers a bundled Lambda handler the way AWS would: Secrets
 * Manager and Cognito's JSON 1.1 APIs (the AWS SDK's `x-amz-target` requests, pointed here with
 * AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER), backed by the
 * in-memory models of test/support/fake-secrets.ts, and Cognito's token endpoint (`POST
 * /oauth2/token`: HTTP Basic client authentication, the client-credentials grant, a token for a
 * client id and secret Cognito holds, `{"error":"invalid_client"}` with 400 otherwise).
 */
export class LocalAws {
  public static async start(sm: FakeSecretsManager, cognito: FakeCognitoClientSecrets): Promise<LocalAws> {
    const local = new LocalAws(sm, cognito);
    await new Promise<void>((resolve) => local.server.listen(0, '127.0.0.1', resolve));
    return local;
  }

  /** Every request, as `<target or method path> <body>`. */
  public readonly calls: string[] = [];
  /** The tokens the token endpoint issued. */
  public readonly issued: string[] = [];
  private readonly server: http.Server;

  private constructor(public readonly sm: FakeSecretsManager, public readonly cognito: FakeCognitoClientSecrets) {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => { this.answer(req, body, res).catch((e) => this.send(res, 500, { __type: 'InternalFailure', message: String(e) })); });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The environment a bundled handler needs to talk to this server (fake credentials). */
  public environment(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.url,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: this.url,
      AWS_REGION: 'us-east-1',
      ...LOCAL_AWS_CREDENTIALS,
    };
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private send(res: http.ServerResponse, status: number, json: unknown): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(json));
  }

  private async answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string') {
      this.calls.push(`${req.method} ${req.url} ${body}`);
      if (req.method === 'POST' && req.url === '/oauth2/token') return this.token(req, body, res);
      return this.send(res, 404, { message: 'not found' });
    }
    this.calls.push(`${target} ${body}`);
    const input = JSON.parse(body || '{}');
    try {
      return this.send(res, 200, await this.call(target, input));
    } catch (e) {
      const err = e as Error;
      return this.send(res, 400, { __type: err.name, message: err.message });
    }
  }

  private async call(target: string, input: any): Promise<unknown> {
    const { sm, cognito } = this;
    switch (target) {
      case 'secretsmanager.GetSecretValue': {
        const value = await sm.getValue(input.SecretId, input.VersionStage ?? 'AWSCURRENT', input.VersionId);
        return { ARN: sm.secretId, Name: sm.secretId, SecretString: value.SecretString };
      }
      case 'secretsmanager.DescribeSecret': return { ARN: sm.secretId, ...(await sm.describe(input.SecretId)) };
      case 'secretsmanager.PutSecretValue':
        await sm.putPending(input.SecretId, input.ClientRequestToken, input.SecretString);
        return { ARN: sm.secretId, VersionId: input.ClientRequestToken, VersionStages: input.VersionStages };
      case 'secretsmanager.UpdateSecretVersionStage':
        await sm.moveCurrent(input.SecretId, input.MoveToVersionId, input.RemoveFromVersionId);
        return { ARN: sm.secretId };
      case 'AWSCognitoIdentityProviderService.ListUserPoolClientSecrets':
        const listed = await cognito.list(input.UserPoolId, input.ClientId);
        return { ClientSecrets: listed.map((s) => ({ ClientSecretId: s.id, ClientSecretCreateDate: s.createdAt!.getTime() / 1000 })) };
      case 'AWSCognitoIdentityProviderService.AddUserPoolClientSecret': {
        const added = await cognito.add(input.UserPoolId, input.ClientId);
        return { ClientSecretDescriptor: { ClientSecretId: added.id, ClientSecretValue: added.value, ClientSecretCreateDate: Date.now() / 1000 } };
      }
      case 'AWSCognitoIdentityProviderService.DeleteUserPoolClientSecret':
        await cognito.remove(input.UserPoolId, input.ClientId, input.ClientSecretId);
        return {};
      default: throw Object.assign(new Error(`the local AWS does not answer ${target}`), { name: 'UnknownOperationException' });
    }
  }

  private token(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const form = new URLSearchParams(body);
    const [id, secret] = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
    if (form.get('grant_type') !== 'client_credentials') return this.send(res, 400, { error: 'unsupported_grant_type' });
    if (!this.cognito.accepts(id, secret)) return this.send(res, 400, { error: 'invalid_client' });
    const token = `eyJ.local-token-${this.issued.length + 1}.sig`;
    this.issued.push(token);
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
    res.end(JSON.stringify({ access_token: token, expires_in: 1800, token_type: 'Bearer' }));
  }
}
