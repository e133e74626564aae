/*
 * stack.test.ts — what must stay true of the synthesized CloudFormation: the database is
 * private and encrypted, each security group admits only the hop before it, CloudFront
 * caches only the public catalog, IAM names its resources, no secret sits in a plain task
 * environment, the load balancer checks /readyz, and `storefront migrate` runs before the
 * service takes a new task definition.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { edge, idOf, main, only, REPO_ROOT, resources, template } from './synth.js';
import * as S from '../lib/settings.js';

const ref = (id: string) => ({ Ref: id });
const sgRef = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });
const apiSg = idOf('AWS::EC2::SecurityGroup', 'ApiSg');
const albSg = idOf('AWS::EC2::SecurityGroup', 'AlbSg');
const dbSg = idOf('AWS::EC2::SecurityGroup', 'DbSg');

/* Every ingress rule of a security group: the inline ones and the separate resources. */
function ingressOf(sg: string): any[] {
  const inline = template.Resources[sg].Properties.SecurityGroupIngress ?? [];
  const separate = resources('AWS::EC2::SecurityGroupIngress')
    .map(([, r]) => r.Properties)
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(sgRef(sg)));
  return [...inline, ...separate];
}

function container(): any {
  const [, td] = only(resources('AWS::ECS::TaskDefinition'), 'task definition');
  return only(td.Properties.ContainerDefinitions, 'container');
}

test('the database is PostgreSQL 15, encrypted, not public, backed up, in isolated subnets', () => {
  const [, db] = only(resources('AWS::RDS::DBInstance'), 'DB instance');
  const p = db.Properties;
  assert.equal(p.Engine, 'postgres');
  assert.match(String(p.EngineVersion), /^15(\.|$)/);
  assert.equal(p.PubliclyAccessible, false);
  assert.equal(p.StorageEncrypted, true);
  assert.ok(p.BackupRetentionPeriod >= 7, `backups kept ${p.BackupRetentionPeriod} days`);
  assert.equal(p.DeletionProtection, true);
  assert.deepEqual(p.VPCSecurityGroups, [sgRef(dbSg)]);
  // The subnet group's subnets are the isolated ones: no route to an internet gateway or NAT.
  const [, group] = only(resources('AWS::RDS::DBSubnetGroup'), 'DB subnet group');
  for (const s of group.Properties.SubnetIds) {
    assert.match(s.Ref, /^Vpcdb/, `${s.Ref} is not an isolated "db" subnet`);
    const routes = resources('AWS::EC2::Route').filter(([, r]) =>
      resources('AWS::EC2::SubnetRouteTableAssociation').some(([, a]) =>
        a.Properties.SubnetId.Ref === s.Ref && a.Properties.RouteTableId.Ref === r.Properties.RouteTableId.Ref));
    assert.deepEqual(routes, [], `${s.Ref} has a route out`);
  }
  // Its credentials are generated into Secrets Manager, never in the template.
  assert.equal(typeof p.MasterUserPassword, 'object');
  assert.match(JSON.stringify(p.MasterUserPassword), /resolve:secretsmanager/);
});

test('PostgreSQL admits only the API tasks; the tasks admit only the ALB; the ALB only CloudFront', () => {
  const dbIn = ingressOf(dbSg);
  assert.equal(dbIn.length, 1);
  assert.deepEqual(dbIn[0].SourceSecurityGroupId, sgRef(apiSg));
  assert.equal(dbIn[0].FromPort, 5432);
  const apiIn = ingressOf(apiSg);
  assert.equal(apiIn.length, 1, `API ingress: ${JSON.stringify(apiIn)}`);
  assert.deepEqual(apiIn[0].SourceSecurityGroupId, sgRef(albSg));
  assert.equal(apiIn[0].FromPort, S.API_PORT);
  const albIn = ingressOf(albSg);
  assert.equal(albIn.length, 1, `ALB ingress: ${JSON.stringify(albIn)}`);
  assert.ok(albIn[0].SourcePrefixListId, 'the ALB admits the CloudFront prefix list');
  for (const rule of [...dbIn, ...apiIn, ...albIn]) {
    assert.equal(rule.CidrIp, undefined);
    assert.equal(rule.CidrIpv6, undefined);
  }
  main.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
  main.hasResourceProperties('AWS::ECS::Service', {
    NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED', SecurityGroups: [sgRef(apiSg)] } },
  });
});

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/* Every operation of openapi.yaml: path, method, and whether it takes a Cognito token.
 * A line reader, not a YAML library (deploy/ installs none): paths sit at two spaces,
 * methods at four, an operation's `security:` at six (the document's default is none). */
function openapiOperations(): { path: string; method: string; authorized: boolean }[] {
  const lines = fs.readFileSync(path.join(REPO_ROOT, 'openapi.yaml'), 'utf8').split('\n');
  const ops: { path: string; method: string; authorized: boolean }[] = [];
  let inPaths = false;
  let cur = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l)) inPaths = l.startsWith('paths:');
    if (!inPaths) continue;
    const p = /^  (\/\S*):\s*$/.exec(l);
    if (p) { cur = p[1]; continue; }
    const m = /^    (get|head|post|put|patch|delete|options):/.exec(l);
    if (m) { ops.push({ path: cur, method: m[1].toUpperCase(), authorized: false }); continue; }
    const sec = /^      security:\s*(.*)$/.exec(l);
    if (sec && ops.length) {
      const inline = sec[1].trim();
      ops[ops.length - 1].authorized = inline ? inline !== '[]' : /^\s+- CognitoBearer/.test(lines[i + 1] ?? '');
    }
  }
  return ops;
}

/* The cache behaviour CloudFront picks for a path: the first whose pattern matches (`*` any
 * run of characters, `?` one, case-sensitive), else the default. */
function behaviourFor(cfg: any, urlPath: string): any {
  const glob = (p: string) => new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return (cfg.CacheBehaviors as any[]).find((b) => glob(b.PathPattern).test(urlPath)) ?? cfg.DefaultCacheBehavior;
}

test('CloudFront: every write and every authorized operation of openapi.yaml meets an uncached behaviour that forwards Authorization', () => {
  const [, dist] = only(resources('AWS::CloudFront::Distribution'), 'distribution');
  const cfg = dist.Properties.DistributionConfig;
  const ops = openapiOperations();
  assert.ok(ops.length > 50, `read ${ops.length} operations from openapi.yaml`);
  // The case the audit found: the shopper's review POST sits under the catalog's /v1/products*.
  assert.ok(ops.some((o) => o.path === '/v1/products/{slug}/reviews' && o.method === 'POST' && o.authorized));
  for (const op of ops) {
    if (!op.authorized && ['GET', 'HEAD', 'OPTIONS'].includes(op.method)) continue;
    const url = op.path.replace(/\{[^}]+\}/g, 'x-1');
    const b = behaviourFor(cfg, url);
    const what = `${op.method} ${op.path} (behaviour ${b.PathPattern ?? 'default'})`;
    assert.ok(b.AllowedMethods.includes(op.method), `${what}: CloudFront refuses ${op.method}`);
    assert.equal(b.CachePolicyId, CACHING_DISABLED, `${what}: cached`);
    assert.equal(b.OriginRequestPolicyId, ALL_VIEWER_EXCEPT_HOST, `${what}: Authorization (and every other header) not forwarded`);
  }
  // And the review list itself: its first matching behaviour is ordered ahead of /v1/products*.
  const patterns = (cfg.CacheBehaviors as any[]).map((b) => b.PathPattern);
  const reviews = behaviourFor(cfg, '/v1/products/x-1/reviews');
  assert.ok(reviews.PathPattern && patterns.indexOf(reviews.PathPattern) < patterns.indexOf('/v1/products*'));
});

test('CloudFront: catalog GETs cached by Cache-Control with the query string; the rest uncached with Authorization', () => {
  const [, dist] = only(resources('AWS::CloudFront::Distribution'), 'distribution');
  const cfg = dist.Properties.DistributionConfig;
  assert.ok(cfg.WebACLId, 'a WAF web ACL is attached');
  const def = cfg.DefaultCacheBehavior;
  assert.equal(def.CachePolicyId, CACHING_DISABLED);
  // AllViewerExceptHostHeader forwards every viewer header, Authorization included.
  assert.equal(def.OriginRequestPolicyId, ALL_VIEWER_EXCEPT_HOST);
  assert.deepEqual([...def.AllowedMethods].sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
  assert.equal(def.ViewerProtocolPolicy, 'redirect-to-https');

  const behaviors = cfg.CacheBehaviors as any[];
  for (const p of S.CATALOG_PATHS) {
    const b = behaviors.find((x) => x.PathPattern === p);
    assert.ok(b, `no behaviour for ${p}`);
    assert.deepEqual([...b.AllowedMethods].sort(), ['GET', 'HEAD', 'OPTIONS'], `${p} must not take writes`);
    assert.equal(b.TargetOriginId, def.TargetOriginId, `${p} goes to the API`);
    const policy = template.Resources[b.CachePolicyId.Ref];
    assert.equal(policy?.Type, 'AWS::CloudFront::CachePolicy', `${p} uses the catalog cache policy`);
    const c = policy.Properties.CachePolicyConfig;
    // DefaultTTL 0: nothing is cached unless the API says Cache-Control: max-age.
    assert.equal(c.DefaultTTL, 0);
    assert.equal(c.MinTTL, 0);
    assert.ok(c.MaxTTL > 0);
    const k = c.ParametersInCacheKeyAndForwardedToOrigin;
    assert.equal(k.QueryStringsConfig.QueryStringBehavior, 'all');
    // Origin and nothing else in the key: the API's CORS answer differs by Origin (CloudFront
    // ignores Vary), and without Authorization there is one shared copy per URL and origin.
    assert.equal(k.HeadersConfig.HeaderBehavior, 'whitelist');
    assert.deepEqual(k.HeadersConfig.Headers, ['Origin']);
    assert.equal(k.CookiesConfig.CookieBehavior, 'none');
  }
  // Every other API path is uncached: besides the catalog, only the image paths and the
  // uncached API paths under a catalog pattern have behaviours.
  const uncached = behaviors.filter((b) => S.UNCACHED_UNDER_CATALOG.includes(b.PathPattern));
  assert.deepEqual(uncached.map((b) => b.PathPattern), S.UNCACHED_UNDER_CATALOG);
  for (const b of uncached) {
    assert.equal(b.CachePolicyId, CACHING_DISABLED);
    assert.equal(b.OriginRequestPolicyId, ALL_VIEWER_EXCEPT_HOST);
    assert.equal(b.TargetOriginId, def.TargetOriginId);
  }
  const other = behaviors.filter((b) => !S.CATALOG_PATHS.includes(b.PathPattern) && !S.UNCACHED_UNDER_CATALOG.includes(b.PathPattern));
  assert.deepEqual(other.map((b) => b.PathPattern), [`/${S.IMAGE_PREFIX}*`]);
  assert.notEqual(other[0].TargetOriginId, def.TargetOriginId, 'images come from the bucket');
  // The API origin is the ALB through a VPC origin, with Origin Shield.
  const apiOrigin = cfg.Origins.find((o: any) => o.Id === def.TargetOriginId);
  assert.ok(apiOrigin.VpcOriginConfig, 'the API origin is a VPC origin');
  assert.equal(apiOrigin.OriginShield.Enabled, true);
  const imgOrigin = cfg.Origins.find((o: any) => o.Id === other[0].TargetOriginId);
  assert.ok(imgOrigin.OriginAccessControlId, 'images through origin access control');
});

test('WAF: a rate-based rule and AWS managed rule groups, CloudFront scope', () => {
  const [, acl] = only(resources('AWS::WAFv2::WebACL', edge.toJSON() as { Resources: Record<string, any> }), 'web ACL');
  assert.equal(acl.Properties.Scope, 'CLOUDFRONT');
  const rules = acl.Properties.Rules as any[];
  assert.ok(rules.some((r) => r.Statement.RateBasedStatement && r.Action.Block), 'rate-based block rule');
  const managed = rules.filter((r) => r.Statement.ManagedRuleGroupStatement?.VendorName === 'AWS');
  const common = managed.find((r) => r.Statement.ManagedRuleGroupStatement.Name === 'AWSManagedRulesCommonRuleSet');
  assert.ok(common, 'the common rule set');
  assert.ok(managed.length >= 2);
  // The API takes bodies up to MAX_BODY_BYTES (1 MiB); the common set blocks over 8 KB.
  assert.deepEqual(common.Statement.ManagedRuleGroupStatement.RuleActionOverrides,
    [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
  for (const r of managed.filter((x) => x !== common))
    assert.equal(r.Statement.ManagedRuleGroupStatement.RuleActionOverrides, undefined, `${r.Name} overrides nothing`);
});

/* Services whose actions must name their resources: the ones that hold data, and the ones
 * the deploy machinery uses (ssm parameters of the cross-region references, ecr images,
 * logs, the migration's lambda/states/iam). */
const NAMED_SERVICES = ['kinesis', 's3', 'ses', 'secretsmanager', 'rds', 'rds-db', 'dynamodb', 'sqs', 'firehose', 'kms', 'glue',
  'cognito-idp', 'ecs', 'ssm', 'ecr', 'logs', 'lambda', 'states', 'iam', 'sns', 'sts'];
/* The only actions allowed on Resource "*": AWS has no resource-level permission for them. */
const STAR_ONLY_ACTIONS = ['ecr:GetAuthorizationToken', 'ec2:DescribeManagedPrefixLists'];
/* The only AWS managed policy any role may carry: a Lambda's CloudWatch Logs (CreateLogGroup,
 * CreateLogStream, PutLogEvents), for the migration's and the CDK's provider functions. */
const AWS_MANAGED_OK = ['service-role/AWSLambdaBasicExecutionRole'];

/* [stack/logical id, policy document] of every identity and resource policy of a template. */
function policyDocs(stack: string, t: { Resources: Record<string, any> }): [string, any][] {
  return Object.entries(t.Resources).flatMap(([id, r]): [string, any][] => {
    const at = `${stack}/${id}`;
    switch (r.Type) {
      case 'AWS::IAM::Policy': case 'AWS::IAM::ManagedPolicy': case 'AWS::S3::BucketPolicy':
        return [[at, r.Properties.PolicyDocument]];
      case 'AWS::IAM::Role': case 'AWS::IAM::User': case 'AWS::IAM::Group':
        return (r.Properties.Policies ?? []).map((p: any) => [at, p.PolicyDocument]);
      default:
        return [];
    }
  });
}

const templates: [string, { Resources: Record<string, any> }][] = [['Storefront', template], ['StorefrontEdge', edge.toJSON() as any]];

test('IAM, in every stack: every action is named, and data and deploy actions name their resources', () => {
  const docs = templates.flatMap(([name, t]) => policyDocs(name, t));
  assert.ok(docs.length > 5);
  // The edge stack's cross-region export writer (ssm) is covered, not skipped.
  assert.ok(docs.some(([id]) => id.startsWith('StorefrontEdge/')), 'no policy of the edge stack was checked');
  const seen = new Set<string>();
  for (const [id, doc] of docs) {
    for (const st of doc.Statement) {
      if (st.Effect !== 'Allow') continue;
      assert.equal(st.NotAction, undefined, `${id}: NotAction`);
      assert.equal(st.NotResource, undefined, `${id}: NotResource`);
      const actions = [st.Action].flat();
      const res = [st.Resource].flat();
      for (const a of actions) {
        seen.add(String(a).split(':')[0]);
        assert.notEqual(a, '*', `${id}: Action "*"`);
        const [svc, verb] = String(a).split(':');
        assert.ok(!verb.includes('*'), `${id}: wildcard action ${a}`);
        if (res.includes('*'))
          assert.ok(STAR_ONLY_ACTIONS.includes(a), `${id}: ${a} on Resource "*"`);
        if (NAMED_SERVICES.includes(svc))
          for (const r of res) assert.doesNotMatch(JSON.stringify(r), /^"arn:[^"]*:\*"$/, `${id}: ${a} on a whole service`);
      }
      // ssm: only the CDK's cross-region export parameters.
      if (actions.some((a) => String(a).startsWith('ssm:')))
        for (const r of res) assert.match(JSON.stringify(r), /:parameter\/cdk\/exports\//, `${id}: ssm on ${JSON.stringify(r)}`);
      // logs: only the API's own log group.
      if (actions.some((a) => String(a).startsWith('logs:')))
        for (const r of res) assert.deepEqual(r, { 'Fn::GetAtt': [idOf('AWS::Logs::LogGroup', 'ApiLogs'), 'Arn'] }, `${id}: logs on ${JSON.stringify(r)}`);
      // ecr pulls: only the CDK's asset repository.
      if (actions.some((a) => /^ecr:(BatchGetImage|GetDownloadUrlForLayer|BatchCheckLayerAvailability)$/.test(String(a))))
        for (const r of res) assert.match(JSON.stringify(r), /:repository\/cdk-[a-z0-9]+-container-assets-/, `${id}: ecr on ${JSON.stringify(r)}`);
    }
  }
  for (const svc of ['ssm', 'ecr', 'logs', 's3', 'kinesis', 'ses', 'secretsmanager']) assert.ok(seen.has(svc), `no ${svc} statement was seen`);
  // AWS managed policies are opaque to this test: only the known, logs-only one.
  for (const [name, t] of templates)
    for (const [id, r] of Object.entries(t.Resources))
      for (const arn of r.Properties?.ManagedPolicyArns ?? [])
        if (!('Ref' in arn))
          assert.ok(AWS_MANAGED_OK.some((m) => JSON.stringify(arn).includes(`:iam::aws:policy/${m}`)), `${name}/${id}: managed policy ${JSON.stringify(arn)}`);
});

test('the API identity may only PutRecords on the stream, PUT and HEAD images under products/, send mail', () => {
  const policyId = idOf('AWS::IAM::ManagedPolicy', 'ApiAwsPolicy');
  const st = template.Resources[policyId].Properties.PolicyDocument.Statement;
  const stream = idOf('AWS::Kinesis::Stream', 'Clickstream');
  const images = idOf('AWS::S3::Bucket', 'Images');
  const underPrefix = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [images, 'Arn'] }, `/${S.IMAGE_PREFIX}*`]] };
  assert.deepEqual(st.map((s: any) => s.Action), ['kinesis:PutRecords', 's3:PutObject', 's3:GetObject', 's3:ListBucket', 'ses:SendEmail']);
  assert.deepEqual(st[0].Resource, { 'Fn::GetAtt': [stream, 'Arn'] });
  // Presigned PUTs carry the key's authority: PutObject under the prefix, nothing else.
  assert.deepEqual(st[1].Resource, underPrefix);
  // Confirm HEADs the upload (api/service/s3.c): GetObject under the prefix...
  assert.deepEqual(st[2].Resource, underPrefix);
  // ...and ListBucket so a missing upload is a 404 (not a 403), only for keys under the prefix.
  assert.deepEqual(st[3].Resource, { 'Fn::GetAtt': [images, 'Arn'] });
  assert.deepEqual(st[3].Condition, { StringLike: { 's3:prefix': [`${S.IMAGE_PREFIX}*`] } });
  for (const x of st) assert.equal(x.Condition === undefined, x.Action !== 's3:ListBucket', `${x.Action}: condition ${JSON.stringify(x.Condition)}`);
  assert.match(JSON.stringify(st[4].Resource), /:identity\//);
  // Attached to the API user (whose key the server signs with) and to the task role, nothing else.
  const users = resources('AWS::IAM::User');
  assert.equal(users.length, 1);
  assert.deepEqual(users[0][1].Properties.ManagedPolicyArns, [ref(policyId)]);
  assert.equal(users[0][1].Properties.Policies, undefined);
  const holders = resources('AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties.ManagedPolicyArns ?? []).includes(policyId));
  assert.deepEqual(holders.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')), ['ApiTaskTaskRole']);
  // The image bucket is private; CloudFront reads it with OAC, scoped to this distribution.
  main.hasResourceProperties('AWS::S3::Bucket', {
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
  });
  const [, bp] = only(resources('AWS::S3::BucketPolicy').filter(([, r]) => r.Properties.Bucket.Ref === images), 'image bucket policy');
  const read = bp.Properties.PolicyDocument.Statement.find((s: any) => s.Principal?.Service === 'cloudfront.amazonaws.com');
  assert.ok(read, 'CloudFront may read images');
  assert.ok(read.Condition.StringEquals['AWS:SourceArn'], 'only this distribution');
});

const SECRET_NAMES = ['PGPASSWORD', 'PGUSER', 'PGHOST', 'CURSOR_SECRET', 'MAIL_FROM', 'STRIPE_API_KEY', 'STRIPE_WEBHOOK_SECRET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

test('secrets reach the task from Secrets Manager, never as plain environment', () => {
  const c = container();
  const env = Object.fromEntries(c.Environment.map((e: any) => [e.Name, e.Value]));
  const secrets = Object.fromEntries(c.Secrets.map((s: any) => [s.Name, s.ValueFrom]));
  for (const name of SECRET_NAMES) {
    assert.equal(env[name], undefined, `${name} is in the plain environment`);
    assert.ok(secrets[name], `${name} is not injected from Secrets Manager`);
    // ValueFrom names a Secrets Manager secret of this stack (ECS resolves it at start).
    const refs = [...JSON.stringify(secrets[name]).matchAll(/"Ref":"([A-Za-z0-9]+)"/g)].map((m) => m[1]);
    assert.ok(refs.length > 0 && refs.every((r) => /^AWS::SecretsManager::(Secret|SecretTargetAttachment)$/.test(template.Resources[r]?.Type)),
      `${name} comes from ${JSON.stringify(secrets[name])}, not a Secrets Manager secret`);
  }
  // DATABASE_URL carries no credentials: libpq takes them from PG* (see the stack's header).
  assert.equal(env.DATABASE_URL, 'sslmode=require');
  for (const [k, v] of Object.entries(env)) {
    assert.doesNotMatch(JSON.stringify(v), /password|sk_live|sk_test|whsec_|AKIA/i, `${k} looks like a secret`);
  }
  // The generated CURSOR_SECRET and the access key are resolved by ECS, not templated in.
  assert.doesNotMatch(JSON.stringify(template), /AWS_SECRET_ACCESS_KEY"\s*:\s*"[A-Za-z0-9/+]{40}"/);
});

test('the API configuration: proxies, Cognito, CORS for the Amplify domain, the stream, the bucket', () => {
  const env = Object.fromEntries(container().Environment.map((e: any) => [e.Name, e.Value]));
  assert.equal(env.TRUSTED_PROXY_HOPS, '2');
  assert.equal(env.LISTEN_ADDR, '0.0.0.0');
  // The API must not close an idle connection the ALB may still reuse (a 502).
  const [, lb] = only(resources('AWS::ElasticLoadBalancingV2::LoadBalancer'), 'load balancer');
  const albIdle = Number((lb.Properties.LoadBalancerAttributes ?? [])
    .find((a: any) => a.Key === 'idle_timeout.timeout_seconds')?.Value);
  assert.ok(albIdle > 0, 'the ALB idle timeout is set');
  assert.ok(Number(env.HTTP_CONNECTION_TIMEOUT) > albIdle, `HTTP_CONNECTION_TIMEOUT ${env.HTTP_CONNECTION_TIMEOUT} <= ALB idle ${albIdle}`);
  assert.match(JSON.stringify(env.COGNITO_ISSUER), /cognito-idp\./);
  assert.match(JSON.stringify(env.COGNITO_JWKS_URL), /\.well-known\/jwks\.json/);
  assert.ok(env.COGNITO_CLIENT_IDS);
  assert.equal(env.COGNITO_ALLOW_HTTP, undefined);
  assert.match(JSON.stringify(env.CORS_ALLOWED_ORIGINS), /DefaultDomain/);
  assert.deepEqual(env.KINESIS_STREAM, ref(idOf('AWS::Kinesis::Stream', 'Clickstream')));
  assert.deepEqual(env.S3_BUCKET, ref(idOf('AWS::S3::Bucket', 'Images')));
  assert.equal(env.CLICKSTREAM_APP_IDS, S.CLICKSTREAM_APP_ID);
  for (const k of ['KINESIS_ENDPOINT', 'S3_ENDPOINT', 'SES_ENDPOINT', 'STRIPE_API_BASE', 'WEBHOOK_ALLOW_PRIVATE_TARGETS'])
    assert.equal(env[k], undefined, `${k} must not be set in production`);
  // Order e-mails link to the SPA's order page and name the shop.
  assert.match(JSON.stringify(env.SHOP_URL), /DefaultDomain/);
  assert.equal(env.SHOP_NAME, 'Storefront');
});

/* The README's configuration list, sorted: what the task sets (plain or secret), what keeps
 * its default in production, and what is for development or emulators only. A variable
 * added to the README fails this test until someone decides which it is. */
const CONFIG_DEFAULTS = ['HTTP_THREADS', 'HTTP_MAX_CONNECTIONS', 'HTTP_MAX_CONNECTIONS_PER_ADDRESS',
  'HTTP_REQUEST_HEAD_TIMEOUT', 'SHUTDOWN_GRACE_SECONDS', 'DB_POOL_SIZE', 'DB_ACQUIRE_TIMEOUT_MS',
  'DB_RECONNECT_BACKOFF_MAX_MS', 'DB_STATEMENT_TIMEOUT_MS', 'MAX_BODY_BYTES', 'CATALOG_MAX_AGE',
  'CATALOG_CACHE_BYTES', 'COGNITO_TOKEN_USE', 'JWT_LEEWAY_SECONDS', 'AUTH_TOKEN_CACHE_SIZE',
  'CART_MAX_LINE_QUANTITY', 'CART_MAX_LINES', 'CART_IDLE_TTL_SECONDS', 'STRIPE_WEBHOOK_TOLERANCE_SECONDS',
  'UNPAID_ORDER_TTL_SECONDS', 'UNPAID_SWEEP_INTERVAL_SECONDS', 'IMAGE_UPLOAD_TTL_SECONDS', 'IMAGE_MAX_BYTES',
  'FORWARD_BATCH_MAX', 'FORWARD_POLL_MS', 'FORWARD_BACKOFF_MAX_SECONDS', 'ANALYTICS_REFRESH_SECONDS',
  'EVENTS_QUEUE_MAX', 'EVENTS_FLUSH_MS', 'EVENTS_INSERT_METHOD', 'EVENTS_WRITER_THREADS', 'EVENTS_MAX_AGE_DAYS',
  'EVENTS_RETENTION_DAYS', 'EVENTS_RATE_PER_SECOND', 'EVENTS_RATE_BURST', 'STRIPE_TIMEOUT_MS',
  'REFUND_RESEND_SECONDS', 'REFUND_RESEND_MAX_SECONDS', 'MAIL_POLL_MS', 'MAIL_BACKOFF_MAX_SECONDS',
  'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_BACKOFF_MAX_SECONDS', 'WEBHOOK_MAX_AGE_SECONDS', 'WEBHOOK_POLL_MS',
  // Optional in production: empty address = no footer line; temporary credentials are not used.
  'SHOP_ADDRESS', 'AWS_SESSION_TOKEN'];
const CONFIG_DEV_ONLY = ['COGNITO_ALLOW_HTTP', 'COGNITO_ENDPOINT', 'S3_ENDPOINT', 'KINESIS_ENDPOINT',
  'KINESIS_ALLOW_HTTP', 'STRIPE_API_BASE', 'STRIPE_ALLOW_HTTP', 'SES_ENDPOINT', 'SES_ALLOW_HTTP',
  'WEBHOOK_ALLOW_PRIVATE_TARGETS'];

test('every variable of the README configuration list is set by the task, defaulted, or development-only', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
  const listed = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `')))
    for (const m of line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)) listed.add(m[1]);
  assert.ok(listed.size > 50, `read ${listed.size} variables from the README`);
  const c = container();
  const set = new Set<string>([...c.Environment.map((e: any) => e.Name), ...c.Secrets.map((e: any) => e.Name)]);
  for (const k of CONFIG_DEV_ONLY) assert.ok(!set.has(k), `${k} is for development only`);
  const unsorted = [...listed].filter((k) => !set.has(k) && !CONFIG_DEFAULTS.includes(k) && !CONFIG_DEV_ONLY.includes(k));
  assert.deepEqual(unsorted, [], 'README variables the deployment neither sets nor sorts as default/development-only');
  const stale = [...CONFIG_DEFAULTS, ...CONFIG_DEV_ONLY].filter((k) => !listed.has(k));
  assert.deepEqual(stale, [], 'sorted variables the README no longer lists');
});

test('health: the target group and the container check the server', () => {
  main.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    HealthCheckPath: S.HEALTH_CHECK_PATH, Matcher: { HttpCode: '200' }, Port: S.API_PORT,
    // A database failover (60-120 s) fails /readyz on every task at once: 10 x 15 s rides it out.
    HealthCheckIntervalSeconds: 15, UnhealthyThresholdCount: 10, HealthyThresholdCount: 2,
  });
  assert.equal(S.HEALTH_CHECK_PATH, '/readyz');
  assert.deepEqual(container().HealthCheck.Command, ['CMD', '/usr/local/bin/storefront-healthcheck']);
});

test('autoscaling on CPU and on requests per target', () => {
  const policies = resources('AWS::ApplicationAutoScaling::ScalingPolicy').map(([, r]) =>
    r.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType);
  assert.deepEqual(policies.sort(), ['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
});

test('storefront migrate runs as a one-off task of the new task definition before the service moves', () => {
  const [migrateId, m] = only(resources('Custom::StorefrontMigrate'), 'migration resource');
  const taskDef = only(resources('AWS::ECS::TaskDefinition'), 'task definition')[0];
  assert.deepEqual(m.Properties.TaskDefinition, ref(taskDef));
  assert.deepEqual(m.Properties.SecurityGroups, [sgRef(apiSg)]);
  // The service waits for it: a failed migration fails the deploy before any task moves.
  const [, svc] = only(resources('AWS::ECS::Service'), 'service');
  assert.ok([svc.DependsOn].flat().includes(migrateId), 'the service does not depend on the migration');
  // The migration waits for the database.
  assert.ok([m.DependsOn].flat().some((d) => String(d).startsWith('Db')), 'the migration does not wait for the database');
  // The handler overrides the command with `migrate` and the poller fails on a non-zero exit.
  const code = resources('AWS::Lambda::Function').map(([, r]) => r.Properties.Code?.ZipFile ?? '').join('\n');
  assert.match(code, /command: \['migrate'\]/);
  assert.match(code, /exitCode === 0/);
  main.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ecs:RunTask', Resource: ref(taskDef) })]) },
  });
});

test('clickstream: Firehose reads the stream into S3 by day; Athena has a table', () => {
  const [, d] = only(resources('AWS::KinesisFirehose::DeliveryStream'), 'delivery stream');
  assert.deepEqual(d.Properties.KinesisStreamSourceConfiguration.KinesisStreamARN, { 'Fn::GetAtt': [idOf('AWS::Kinesis::Stream', 'Clickstream'), 'Arn'] });
  assert.match(d.Properties.ExtendedS3DestinationConfiguration.Prefix, /dt=!\{timestamp:yyyy-MM-dd\}\/$/);
  // One JSON event per line, or Athena reads a whole object as one row.
  assert.deepEqual(d.Properties.ExtendedS3DestinationConfiguration.ProcessingConfiguration, {
    Enabled: true,
    Processors: [{ Type: 'AppendDelimiterToRecord', Parameters: [{ ParameterName: 'Delimiter', ParameterValue: '\\n' }] }],
  });
  const [, t] = only(resources('AWS::Glue::Table'), 'Glue table');
  assert.deepEqual(t.Properties.TableInput.PartitionKeys, [{ Name: 'dt', Type: 'string' }]);
  assert.equal(t.Properties.TableInput.Parameters['projection.dt.format'], 'yyyy-MM-dd');
  main.hasResourceProperties('AWS::Kinesis::Stream', { Name: S.STREAM_NAME });
});

test('SPA: Amplify Hosting with the API distribution, the Cognito ids and the clickstream endpoint', () => {
  const [, app] = only(resources('AWS::Amplify::App'), 'Amplify app');
  const [, branch] = only(resources('AWS::Amplify::Branch'), 'Amplify branch');
  assert.deepEqual(branch.Properties.AppId, { 'Fn::GetAtt': [idOf('AWS::Amplify::App', 'Spa'), 'AppId'] });
  const env = Object.fromEntries(branch.Properties.EnvironmentVariables.map((e: any) => [e.Name, e.Value]));
  const dist = idOf('AWS::CloudFront::Distribution', 'ApiDistribution');
  assert.match(JSON.stringify(env.VITE_API_BASE_URL), new RegExp(dist));
  // Exactly the build variables the SPA reads (import.meta.env.VITE_*), minus the two that
  // switch it to cognito-local: a name the SPA does not read would be a silent no-op.
  const spaReads = new Set<string>();
  const walk = (dir: string): void => {
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      const at = path.join(dir, f.name);
      if (f.isDirectory()) walk(at);
      else if (/\.(ts|js|mjs)$/.test(f.name)) for (const m of fs.readFileSync(at, 'utf8').matchAll(/VITE_[A-Z0-9_]+/g)) spaReads.add(m[0]);
    }
  };
  walk(path.join(REPO_ROOT, 'frontend-contract/spa/src'));
  const localOnly = ['VITE_COGNITO_ENDPOINT', 'VITE_COGNITO_AUTH_FLOW'];
  for (const k of localOnly) assert.ok(spaReads.has(k), `the SPA still reads ${k}`);
  assert.deepEqual(Object.keys(env).sort(),
    [...spaReads].filter((k) => !localOnly.includes(k)).sort());
  assert.equal(env.VITE_DEFAULT_COUNTRY, 'DE');
  assert.deepEqual(env.VITE_COGNITO_USER_POOL_ID, ref(idOf('AWS::Cognito::UserPool', 'UserPool')));
  assert.deepEqual(env.VITE_COGNITO_CLIENT_ID, ref(idOf('AWS::Cognito::UserPoolClient', 'UserPool')));
  assert.equal(env.VITE_CLICKSTREAM_APP_ID, S.CLICKSTREAM_APP_ID);
  assert.equal(app.Properties.BuildSpec, undefined, 'the build spec is amplify.yml in the repository');
});

test('image uploads: the bucket takes browser PUTs from the SPA origin only', () => {
  const [, b] = only(resources('AWS::S3::Bucket').filter(([id]) => id.startsWith('Images')), 'image bucket');
  const rules = b.Properties.CorsConfiguration.CorsRules;
  assert.equal(rules.length, 1);
  assert.deepEqual(rules[0].AllowedMethods, ['PUT']);
  assert.match(JSON.stringify(rules[0].AllowedOrigins), /DefaultDomain/);
  assert.doesNotMatch(JSON.stringify(rules[0].AllowedOrigins), /"\*"/);
});

test('the migration handlers are valid JavaScript and answer Delete without calling ECS', async () => {
  const { ON_EVENT, IS_COMPLETE } = await import('../lib/migrate-handler.js');
  const vm = await import('node:vm');
  for (const [name, code] of [['onEvent', ON_EVENT], ['isComplete', IS_COMPLETE]]) {
    // Run the module with a require that serves only the ECS client: a Delete must return
    // before any call (migrations are never undone by a stack operation).
    const calls: string[] = [];
    class ECSClient { send(cmd: unknown) { calls.push(String(cmd)); throw new Error('ECS called on Delete'); } }
    const mod = { exports: {} as any };
    const req = (id: string) => {
      assert.equal(id, '@aws-sdk/client-ecs', `${name} requires ${id}`);
      return { ECSClient, RunTaskCommand: class {}, DescribeTasksCommand: class {} };
    };
    new vm.Script(code, { filename: `${name}.js` }).runInNewContext({ require: req, exports: mod.exports, module: mod });
    const out = await mod.exports.handler({ RequestType: 'Delete', PhysicalResourceId: 'storefront-migrate', ResourceProperties: {} });
    assert.deepEqual(calls, []);
    assert.ok(out.PhysicalResourceId === 'storefront-migrate' || out.IsComplete === true, `${name}: ${JSON.stringify(out)}`);
  }
});

/* Load a handler with a stand-in ECS client that records each command and answers with
 * ANSWER(command name, input). (There is no ECS emulator; this checks the handler's own
 * logic: what it asks ECS for and how it reads the answers.) */
async function loadHandler(code: string, answer: (cmd: string, input: any) => any) {
  const vm = await import('node:vm');
  const sent: [string, any][] = [];
  const command = (name: string) => class { name = name; constructor(public input: any) {} };
  class ECSClient { async send(c: any) { sent.push([c.name, c.input]); return answer(c.name, c.input); } }
  const mod = { exports: {} as any };
  const req = () => ({ ECSClient, RunTaskCommand: command('RunTask'), DescribeTasksCommand: command('DescribeTasks') });
  new vm.Script(code).runInNewContext({ require: req, exports: mod.exports, module: mod });
  // JSON round trip: objects made in the vm context have that context's prototypes.
  const plain = (x: any) => (x === undefined ? x : JSON.parse(JSON.stringify(x)));
  return { handler: async (e: any) => plain(await mod.exports.handler(e)), sent };
}

test('the migration handlers run `migrate` on Create/Update and fail the deploy on a non-zero exit', async () => {
  const { ON_EVENT, IS_COMPLETE } = await import('../lib/migrate-handler.js');
  const props = { Cluster: 'c', TaskDefinition: 'td:7', Container: 'api', Subnets: ['s1'], SecurityGroups: ['sg'] };
  const on = await loadHandler(ON_EVENT, () => ({ tasks: [{ taskArn: 'arn:task/1' }], failures: [] }));
  const r = await on.handler({ RequestType: 'Update', ResourceProperties: props });
  assert.deepEqual(r, { PhysicalResourceId: 'storefront-migrate', Data: { TaskArn: 'arn:task/1' } });
  const [name, input] = JSON.parse(JSON.stringify(only(on.sent, 'RunTask call')));
  assert.equal(name, 'RunTask');
  assert.equal(input.taskDefinition, 'td:7');
  assert.equal(input.launchType, 'FARGATE');
  assert.deepEqual(input.overrides.containerOverrides, [{ name: 'api', command: ['migrate'] }]);
  assert.equal(input.networkConfiguration.awsvpcConfiguration.assignPublicIp, 'DISABLED');
  const none = await loadHandler(ON_EVENT, () => ({ tasks: [], failures: [{ reason: 'RESOURCE:ENI' }] }));
  await assert.rejects(none.handler({ RequestType: 'Create', ResourceProperties: props }), /RESOURCE:ENI/);

  const poll = (task: any) => loadHandler(IS_COMPLETE, () => ({ tasks: [task] }));
  const ev = { RequestType: 'Update', ResourceProperties: props, Data: { TaskArn: 'arn:task/1' } };
  assert.deepEqual(await (await poll({ lastStatus: 'RUNNING', containers: [] })).handler(ev), { IsComplete: false });
  const done = await (await poll({ taskArn: 'arn:task/1', lastStatus: 'STOPPED', containers: [{ name: 'api', exitCode: 0 }] })).handler(ev);
  assert.equal(done.IsComplete, true);
  await assert.rejects((await poll({ taskArn: 'arn:task/1', lastStatus: 'STOPPED', containers: [{ name: 'api', exitCode: 1 }] })).handler(ev),
    /storefront migrate failed: exit code 1/);
  // Stopped before the container ran (image pull, secrets): no exit code is a failure too.
  await assert.rejects((await poll({ taskArn: 'arn:task/1', lastStatus: 'STOPPED', stoppedReason: 'CannotPullContainerError', containers: [{ name: 'api' }] })).handler(ev),
    /CannotPullContainerError/);
});
