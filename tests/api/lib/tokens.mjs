// tokens.mjs — JWTs for the auth tests: real ones from cognito-local (InitiateAuth,
// the call the SPA's Amplify library makes) and ones the tests sign with their own RSA
// keys, served from a JWKS endpoint the tests control (to rotate keys, take it down,
// count fetches, and forge every kind of bad token).
import crypto from 'node:crypto';
import http from 'node:http';
import { requireEnv } from './server.mjs';

export const b64url = (data) => Buffer.from(data).toString('base64url');

/** A fresh RSA key pair with its public JWK (kty, n, e, kid, alg, use). */
export function makeKey(kid, bits = 2048) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}

/** Signs header.payload with RS256 using key; header fields can be overridden. */
export function sign(key, payload, header = {}) {
  const h = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header }));
  const p = typeof payload === 'string' ? b64url(payload) : b64url(JSON.stringify(payload));
  const sig = crypto.sign('sha256', Buffer.from(`${h}.${p}`), key.privateKey);
  return `${h}.${p}.${b64url(sig)}`;
}

/** Raw parts joined, for tokens no honest signer would make. */
export function rawToken(headerJson, payloadJson, signature = '') {
  return `${b64url(headerJson)}.${b64url(payloadJson)}.${signature}`;
}

/** Claims of a Cognito access token for issuer/client, valid for an hour. */
export function accessClaims(issuer, clientId, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: crypto.randomUUID(), iss: issuer, client_id: clientId, token_use: 'access',
    scope: 'aws.cognito.signin.user.admin', auth_time: now, iat: now, exp: now + 3600,
    jti: crypto.randomUUID(), username: `user-${crypto.randomUUID().slice(0, 8)}`, ...extra,
  };
}

/**
 * A JWKS endpoint on a loopback port (given, or free) serving `keys`; counts GETs.
 * {url, port, requests(), setKeys(keys), close(), listen()} — listen() re-opens it on
 * the same port after close(), to model an outage.
 */
export async function startJwks(keys, port = 0) {
  let current = keys;
  let count = 0;
  const handler = (req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: current.map((k) => k.jwk) }));
  };
  let server;
  const listen = () => new Promise((resolve, reject) => {
    server = http.createServer(handler);
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => { port = server.address().port; resolve(); });
  });
  await listen();
  return {
    get url() { return `http://127.0.0.1:${port}/.well-known/jwks.json`; },
    get port() { return port; },
    requests: () => count,
    setKeys: (k) => { current = k; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
    listen,
  };
}

/** Signs in to cognito-local with USER_PASSWORD_AUTH; returns {access, id, refresh}. */
export async function cognitoLogin(email, password) {
  const res = await fetch(requireEnv('COGNITO_ENDPOINT'), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: requireEnv('COGNITO_CLIENT_ID'),
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  });
  const body = await res.json();
  if (!res.ok || !body.AuthenticationResult) {
    throw new Error(`cognito-local InitiateAuth failed: ${res.status} ${JSON.stringify(body)}`);
  }
  const r = body.AuthenticationResult;
  return { access: r.AccessToken, id: r.IdToken, refresh: r.RefreshToken };
}

export const shopper = () => cognitoLogin(requireEnv('STOREFRONT_SHOPPER_EMAIL'), requireEnv('STOREFRONT_SHOPPER_PASSWORD'));
export const admin = () => cognitoLogin(requireEnv('STOREFRONT_ADMIN_EMAIL'), requireEnv('STOREFRONT_ADMIN_PASSWORD'));

/** Decodes a JWT part without verifying (for assertions about what a token carries). */
export const decode = (token, part = 1) => JSON.parse(Buffer.from(token.split('.')[part], 'base64url'));
