/*
 * settings.ts — the names and Cognito settings the CDK app shares with
 * localstack/provision.sh. provision.sh is bash and cannot import this file, so
 * test/cognito-matches-provision.test.ts reads provision.sh and checks that each value here
 * is the one it passes to the AWS CLI: the deployed pool behaves like the emulated one.
 */
export const POOL_NAME = 'storefront-shoppers';
export const CLIENT_NAME = 'storefront-web';
export const ADMIN_GROUP = 'admin';
export const ADMIN_GROUP_PRECEDENCE = 1;
export const STREAM_NAME = 'storefront-clickstream';
/* Minutes for access and ID tokens, days for refresh tokens (provision.sh's units). */
export const ACCESS_TOKEN_MINUTES = 60;
export const ID_TOKEN_MINUTES = 60;
export const REFRESH_TOKEN_DAYS = 30;
/* ALLOW_USER_PASSWORD_AUTH (CLI, curl, tests), ALLOW_USER_SRP_AUTH (Amplify), refresh. */
export const AUTH_FLOWS = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'];
/* The appId the SPA's clickstream SDK sends; CLICKSTREAM_APP_IDS admits it. */
export const CLICKSTREAM_APP_ID = 'storefront-web';
/* The image keys the API presigns: products/<id>/<hex>.<ext> (docs/images.md). */
export const IMAGE_PREFIX = 'products/';
/* The public catalog routes CloudFront caches (GET/HEAD only, Cache-Control from the API). */
export const CATALOG_PATHS = ['/v1/products*', '/v1/categories*', '/v1/brands*', '/v1/search/*'];
/* Paths under a catalog pattern that take writes or an Authorization header (POST a
 * review): CloudFront behaviours ahead of the catalog ones, uncached, all methods. */
export const UNCACHED_UNDER_CATALOG = ['/v1/products/*/reviews*'];
export const API_PORT = 8080;
/* The ALB's idle timeout (its default); the API keeps idle connections longer. */
export const ALB_IDLE_TIMEOUT_S = 60;
export const HEALTH_CHECK_PATH = '/readyz';
