/**
 * A small in-memory model of the two AWS APIs the checks' credentials live in, as their API
 * references describe them, for the rotation and token tests:
 * - Secrets Manager: versions with staging labels (AWSCURRENT on exactly one, AWSPENDING on the
 *   one being rotated in), GetSecretValue by stage or version (ResourceNotFoundException when
 *   none), PutSecretValue, UpdateSecretVersionStage, DescribeSecret's VersionIdsToStages;
 * - Cognito: an app client's secrets (at most 2, "Supports up to 2 active secrets per app
 *   client", AddUserPoolClientSecret; the last one cannot be deleted, DeleteUserPoolClientSecret),
 *   ids `<client id>--<epoch>`, the value returned only when Cognito generated it.
 * Errors carry the AWS error code as `name`, as the AWS SDK v3 throws them.
 */

export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

export class FakeSecretsManager {
  public readonly versions = new Map<string, { value?: string; stages: string[] }>();
  public rotationEnabled = true;

  constructor(public readonly secretId: string, initial: string) {
    this.versions.set('v0', { value: initial, stages: ['AWSCURRENT'] });
  }

  public describe = async (secretId: string) => {
    this.check(secretId);
    return {
      RotationEnabled: this.rotationEnabled,
      VersionIdsToStages: Object.fromEntries([...this.versions].map(([id, v]) => [id, [...v.stages]])),
    };
  };

  public getValue = async (secretId: string, stage: string, versionId?: string) => {
    this.check(secretId);
    const found = versionId ? this.versions.get(versionId) : [...this.versions.values()].find((v) => v.stages.includes(stage));
    if (!found || !found.stages.includes(stage) || found.value === undefined) {
      throw awsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`);
    }
    return { SecretString: found.value };
  };

  public putPending = async (secretId: string, versionId: string, value: string) => {
    this.check(secretId);
    for (const v of this.versions.values()) v.stages = v.stages.filter((s) => s !== 'AWSPENDING');
    this.versions.set(versionId, { value, stages: ['AWSPENDING'] });
  };

  public moveCurrent = async (secretId: string, to: string, from: string) => {
    this.check(secretId);
    const old = this.versions.get(from)!;
    old.stages = [...old.stages.filter((s) => s !== 'AWSCURRENT'), 'AWSPREVIOUS'];
    for (const [id, v] of this.versions) if (id !== from) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
    const next = this.versions.get(to)!;
    next.stages = [...next.stages.filter((s) => s !== 'AWSPENDING'), 'AWSCURRENT'];
  };

  /**
   * What Secrets Manager does before calling the rotation function: the new version id is
   * listed with AWSPENDING (DescribeSecret), and has no value until createSecret stores one.
   */
  public startRotation(versionId: string): void {
    for (const v of this.versions.values()) v.stages = v.stages.filter((s) => s !== 'AWSPENDING');
    this.versions.set(versionId, { stages: ['AWSPENDING'] });
  }

  public current(): string {
    return [...this.versions.values()].find((v) => v.stages.includes('AWSCURRENT'))!.value!;
  }

  private check(secretId: string): void {
    if (secretId !== this.secretId) throw awsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret: ${secretId}`);
  }
}

export class FakeCognitoClientSecrets {
  /** id -> value; the first is the one CloudFormation's create generated. */
  public readonly secrets = new Map<string, string>();
  private clock = 1_767_225_600;

  constructor(public readonly userPoolId: string, public readonly clientId: string, initialSecret: string) {
    this.secrets.set(`${clientId}--${this.clock++}`, initialSecret);
  }

  public list = async (userPoolId: string, clientId: string) => {
    this.check(userPoolId, clientId);
    return [...this.secrets.keys()].map((id) => ({ id, createdAt: new Date(Number(id.split('--')[1]) * 1000) }));
  };

  public add = async (userPoolId: string, clientId: string) => {
    this.check(userPoolId, clientId);
    if (this.secrets.size >= 2) throw awsError('LimitExceededException', 'The app client already has the maximum number of client secrets (2).');
    const id = `${clientId}--${this.clock++}`;
    const value = `generated${this.clock}secret${'x'.repeat(40)}`;
    this.secrets.set(id, value);
    return { id, value };
  };

  public remove = async (userPoolId: string, clientId: string, secretId: string) => {
    this.check(userPoolId, clientId);
    if (!this.secrets.has(secretId)) throw awsError('ResourceNotFoundException', `Client secret ${secretId} does not exist.`);
    if (this.secrets.size === 1) throw awsError('InvalidParameterException', 'You cannot delete the last remaining secret for an app client.');
    this.secrets.delete(secretId);
  };

  /** Whether the token endpoint would accept this client id and secret. */
  public accepts(clientId: string, secret: string): boolean {
    return clientId === this.clientId && [...this.secrets.values()].includes(secret);
  }

  private check(userPoolId: string, clientId: string): void {
    if (userPoolId !== this.userPoolId || clientId !== this.clientId) throw awsError('ResourceNotFoundException', 'User pool client does not exist.');
  }
}
