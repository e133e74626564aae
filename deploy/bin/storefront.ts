/*
 * storefront.ts — the CDK app: StorefrontEdge (the WAF web ACL, us-east-1) and Storefront
 * (everything else, in the chosen region). Account and region come from context
 * (cdk.json holds dummies, so `cdk synth` works with no AWS account; pass
 * `-c account=… -c region=…` to deploy). Nothing here looks anything up in AWS.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.js';

const app = new App();
buildApp(app);
app.synth();
