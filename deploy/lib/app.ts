/*
 * app.ts — builds both stacks from the app's context; shared by bin/storefront.ts and the
 * tests, so the tests check exactly what `cdk synth` produces.
 */
import { App } from 'aws-cdk-lib';
import { EdgeStack } from './edge-stack.js';
import { StorefrontStack } from './storefront-stack.js';

export function buildApp(app: App): { edge: EdgeStack; main: StorefrontStack } {
  const ctx = (k: string, d: string) => String(app.node.tryGetContext(k) ?? d);
  const account = ctx('account', '111111111111');
  const region = ctx('region', 'eu-west-1');
  const edge = new EdgeStack(app, 'StorefrontEdge', {
    env: { account, region: 'us-east-1' },
    crossRegionReferences: true,
    description: 'Storefront: WAF web ACL of the API distribution (CloudFront scope, us-east-1)',
  });
  const main = new StorefrontStack(app, 'Storefront', {
    env: { account, region },
    crossRegionReferences: true,
    description: 'Storefront: VPC, RDS PostgreSQL, Cognito, ECS Fargate API, CloudFront, clickstream, images, SES, Amplify SPA',
    webAclArn: edge.webAclArn,
    mailFrom: ctx('mailFrom', 'orders@shop.example'),
    shopName: ctx('shopName', 'Storefront'),
    shopAddress: ctx('shopAddress', ''),
    shopUrl: ctx('shopUrl', '').replace(/\/+$/, ''),
    defaultCountry: ctx('defaultCountry', 'DE'),
    spaRepository: ctx('spaRepository', ''),
    spaBranch: ctx('spaBranch', 'main'),
    dbInstanceClass: ctx('dbInstanceClass', 't4g.micro'),
    dbMultiAz: ctx('dbMultiAz', 'false') === 'true',
    apiDesiredCount: Number(ctx('apiDesiredCount', '2')),
    availabilityZones: ctx('azs', `${region}a,${region}b`).split(','),
  });
  main.addStackDependency(edge);
  return { edge, main };
}
