import { LOCAL_ISSUER_PORT } from './local-issuer';

/**
 * `npx projen token` (or `npx projen app:token` at the root) while `npx projen app:dev` runs:
 * prints an access token of the local issuer for a named client with the given scopes, asked of
 * its token endpoint with the client-credentials grant, as a client asks Cognito.
 *
 *   npx projen app:token --client orders --scope transactions/read [--scope transactions/write]
 *
 * --client: the client id (default local-dev); --scope: repeatable, or space-separated (default:
 * transactions/read and transactions/write); --issuer: the issuer's URL (default
 * http://127.0.0.1:<LOCAL_ISSUER_PORT, 8081>). Only the token goes to stdout.
 */
async function main(args: readonly string[]): Promise<void> {
  let client = 'local-dev';
  const scopes: string[] = [];
  let issuer = `http://127.0.0.1:${process.env.LOCAL_ISSUER_PORT ?? LOCAL_ISSUER_PORT}`;
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${args[i]} needs a value`);
    switch (args[i]) {
      case '--client': client = value; break;
      case '--scope': scopes.push(...value.split(/\s+/).filter(Boolean)); break;
      case '--issuer': issuer = value.replace(/\/+$/, ''); break;
      default: throw new Error(`unknown option ${args[i]}: use --client <id>, --scope <scope> (repeatable), --issuer <url>`);
    }
    i += 1;
  }
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}) });
  const res = await fetch(`${issuer}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'authorization': `Basic ${Buffer.from(`${client}:`).toString('base64')}` },
    body: form,
  }).catch((err: unknown) => {
    throw new Error(`no local issuer answers at ${issuer} (${err instanceof Error ? err.message : String(err)}): start it with npx projen app:dev`);
  });
  const body = await res.json() as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(`${issuer}/oauth2/token answered ${res.status}: ${body.error ?? ''} ${body.error_description ?? ''}`);
  process.stdout.write(`${body.access_token}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
