// Sign-in through aws-amplify v6 Auth. On AWS: SRP (USER_SRP_AUTH, the default). Against
// cognito-local: USER_PASSWORD_AUTH and userPoolEndpoint (cognito-local refuses SRP), both
// from build-time config (config.ts, docs/frontend.md).
//
// Token refresh: Amplify 6.22 refreshes with Cognito's GetTokensFromRefreshToken, which
// cognito-local does not implement. With VITE_COGNITO_ENDPOINT set, the SPA installs its
// own refresher that calls InitiateAuth with AuthFlow REFRESH_TOKEN_AUTH (an API that real
// Cognito offers as well, and that cognito-local implements); on AWS Amplify's own is used.
import { Amplify } from 'aws-amplify';
import type { JWT } from 'aws-amplify/auth';
import {
  confirmSignUp, fetchAuthSession, getCurrentUser, signIn, signOut, signUp,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { config } from './config';

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: config.cognito.userPoolId,
      userPoolClientId: config.cognito.userPoolClientId,
      ...(config.cognito.endpoint ? { userPoolEndpoint: config.cognito.endpoint } : {}),
      loginWith: { email: true },
    },
  },
});

/** How many times the session was refreshed (shown on the account page; the journey test reads it). */
export let refreshCount = 0;

if (config.cognito.endpoint) {
  const endpoint = config.cognito.endpoint;
  cognitoUserPoolsTokenProvider.tokenOrchestrator.setTokenRefresher(async ({ tokens, username }) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: config.cognito.userPoolClientId,
        AuthParameters: { REFRESH_TOKEN: tokens.refreshToken },
      }),
    });
    const body = await res.json() as { AuthenticationResult?: { AccessToken: string; IdToken?: string; RefreshToken?: string }; message?: string };
    const result = body.AuthenticationResult;
    if (!res.ok || !result) throw new Error(`token refresh failed: ${res.status} ${body.message ?? ''}`);
    const accessToken = decodeJWT(result.AccessToken);
    refreshCount++;
    return {
      accessToken,
      idToken: result.IdToken ? decodeJWT(result.IdToken) : undefined,
      clockDrift: (accessToken.payload.iat ?? 0) * 1000 - Date.now(),
      refreshToken: result.RefreshToken ?? tokens.refreshToken,
      username,
    };
  });
}

/** A JWT as Amplify keeps it: the payload decoded, toString() the compact form. */
function decodeJWT(token: string): JWT {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
  return { payload: JSON.parse(json) as JWT['payload'], toString: () => token };
}

const authFlowType = config.cognito.authFlow;

/** The current access token (Amplify refreshes it when it is about to expire), or undefined. */
export async function accessToken(forceRefresh = false): Promise<string | undefined> {
  try {
    const session = await fetchAuthSession({ forceRefresh });
    return session.tokens?.accessToken?.toString();
  } catch {
    return undefined;
  }
}

export async function currentUser(): Promise<{ username: string; userId: string } | null> {
  try {
    return await getCurrentUser();
  } catch {
    return null;
  }
}

export async function doSignIn(email: string, password: string): Promise<string> {
  const out = await signIn({ username: email, password, options: { authFlowType } });
  return out.isSignedIn ? 'signed-in' : out.nextStep.signInStep;
}

export async function doSignUp(email: string, password: string): Promise<string> {
  const out = await signUp({ username: email, password, options: { userAttributes: { email } } });
  return out.isSignUpComplete ? 'done' : out.nextStep.signUpStep;
}

export async function doConfirm(email: string, code: string): Promise<void> {
  await confirmSignUp({ username: email, confirmationCode: code });
}

export async function doSignOut(): Promise<void> {
  await signOut();
}
