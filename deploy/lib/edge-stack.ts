/*
 * edge-stack.ts — the WAF web ACL for the API's CloudFront distribution. A web ACL with
 * scope CLOUDFRONT must live in us-east-1 whatever region the shop runs in, hence a stack
 * of its own; the main stack reads its ARN through a cross-region reference.
 */
import { Stack, StackProps } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface EdgeStackProps extends StackProps {
  /* Requests per 5 minutes from one IP address before WAF blocks it. */
  rateLimit?: number;
}

export class EdgeStack extends Stack {
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const managed = (name: string, priority: number, countOnly: string[] = []): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides: countOnly.length ? countOnly.map((r) => ({ name: r, actionToUse: { count: {} } })) : undefined,
        },
      },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
    });
    const acl = new wafv2.CfnWebACL(this, 'ApiWebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'storefront-api', sampledRequestsEnabled: true },
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.rateLimit ?? 2000, aggregateKeyType: 'IP' } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'rate-limit-per-ip', sampledRequestsEnabled: true },
        },
        {
          // /metrics is for the operator's scraper inside the VPC, never for the internet.
          name: 'block-metrics',
          priority: 1,
          action: { block: {} },
          statement: {
            byteMatchStatement: {
              fieldToMatch: { uriPath: {} },
              positionalConstraint: 'STARTS_WITH',
              searchString: '/metrics',
              textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'block-metrics', sampledRequestsEnabled: true },
        },
        managed('AWSManagedRulesAmazonIpReputationList', 2),
        // SizeRestrictions_BODY blocks bodies over 8 KB; the API takes up to MAX_BODY_BYTES
        // (1 MiB: clickstream batches, staff product edits) and answers 413 itself above it.
        managed('AWSManagedRulesCommonRuleSet', 3, ['SizeRestrictions_BODY']),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 4),
        managed('AWSManagedRulesSQLiRuleSet', 5),
      ],
    });
    this.webAclArn = acl.attrArn;
  }
}
