/*
 * cognito-matches-provision.test.ts — the deployed pool, client and group are the ones
 * localstack/provision.sh creates for make run / make test (read from the script itself).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { only, resources, REPO_ROOT } from './synth.js';

const sh = fs.readFileSync(path.join(REPO_ROOT, 'localstack/provision.sh'), 'utf8');
const grab = (re: RegExp, what: string): string => {
  const m = sh.match(re);
  assert.ok(m, `provision.sh no longer has ${what}`);
  return m![1];
};

test('user pool: name, e-mail sign-in, auto-verified e-mail, password policy', () => {
  const [, pool] = only(resources('AWS::Cognito::UserPool'), 'user pool');
  const p = pool.Properties;
  assert.equal(p.UserPoolName, grab(/^POOL_NAME="\$\{[A-Z_]+:-([^}]+)\}"/m, 'POOL_NAME'));
  assert.ok(/--username-attributes email/.test(sh));
  assert.deepEqual(p.UsernameAttributes, ['email']);
  assert.ok(/--auto-verified-attributes email/.test(sh));
  assert.deepEqual(p.AutoVerifiedAttributes, ['email']);
  assert.equal(p.UsernameConfiguration.CaseSensitive, /CaseSensitive=false/.test(sh) ? false : true);
  const pol = grab(/PasswordPolicy=\{([^}]+)\}/, 'a password policy');
  const kv = Object.fromEntries(pol.split(',').map((x) => x.split('=')));
  const want = p.Policies.PasswordPolicy;
  assert.equal(want.MinimumLength, Number(kv.MinimumLength));
  for (const k of ['RequireUppercase', 'RequireLowercase', 'RequireNumbers', 'RequireSymbols'])
    assert.equal(want[k], kv[k] === 'true', k);
});

test('app client: name, no secret, auth flows, token lifetimes, revocation', () => {
  const [, c] = only(resources('AWS::Cognito::UserPoolClient'), 'app client');
  const p = c.Properties;
  assert.equal(p.ClientName, grab(/^CLIENT_NAME="\$\{[A-Z_]+:-([^}]+)\}"/m, 'CLIENT_NAME'));
  assert.ok(/--no-generate-secret/.test(sh));
  assert.equal(p.GenerateSecret, false);
  const flows = grab(/--explicit-auth-flows ([A-Z_ ]+)/, '--explicit-auth-flows').trim().split(/\s+/);
  assert.deepEqual([...p.ExplicitAuthFlows].sort(), [...flows].sort());
  assert.ok(p.ExplicitAuthFlows.includes('ALLOW_USER_SRP_AUTH') && p.ExplicitAuthFlows.includes('ALLOW_REFRESH_TOKEN_AUTH'));
  // Compare lifetimes in minutes: CDK writes minutes for all three, provision.sh days for refresh.
  const units = Object.fromEntries(grab(/--token-validity-units (\S+)/, 'token units').split(',').map((x) => x.split('=')));
  const minutes = (n: number, unit: string) => n * ({ seconds: 1 / 60, minutes: 1, hours: 60, days: 1440 } as Record<string, number>)[unit];
  const mine = p.TokenValidityUnits;
  assert.equal(minutes(p.AccessTokenValidity, mine.AccessToken), minutes(Number(grab(/--access-token-validity (\d+)/, 'access token validity')), units.AccessToken));
  assert.equal(minutes(p.IdTokenValidity, mine.IdToken), minutes(Number(grab(/--id-token-validity (\d+)/, 'ID token validity')), units.IdToken));
  assert.equal(minutes(p.RefreshTokenValidity, mine.RefreshToken), minutes(Number(grab(/--refresh-token-validity (\d+)/, 'refresh token validity')), units.RefreshToken));
  assert.equal(p.EnableTokenRevocation, /--enable-token-revocation/.test(sh));
  assert.equal(p.PreventUserExistenceErrors, grab(/--prevent-user-existence-errors (\w+)/, 'prevent-user-existence-errors'));
});

test('admin group: the same name and precedence', () => {
  const [, g] = only(resources('AWS::Cognito::UserPoolGroup'), 'group');
  assert.equal(g.Properties.GroupName, grab(/^ADMIN_GROUP="([^"]+)"/m, 'ADMIN_GROUP'));
  assert.equal(g.Properties.Precedence, Number(grab(/--precedence (\d+)/, '--precedence')));
});

test('the clickstream stream has the name provision.sh gives it', () => {
  const [, s] = only(resources('AWS::Kinesis::Stream'), 'stream');
  assert.equal(s.Properties.Name, grab(/^STREAM_NAME="\$\{[A-Z_]+:-([^}]+)\}"/m, 'STREAM_NAME'));
});
