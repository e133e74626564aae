/*
 * storefront-stack.ts — the shop in one region: network, database, sign-in, the API on
 * ECS Fargate behind an internal ALB reached only through CloudFront (VPC origin), the
 * clickstream pipeline to Athena, the image bucket, SES, and the SPA on Amplify Hosting.
 *
 * Why the API's AWS calls use an IAM user's access key: the server signs Kinesis, S3 and
 * SES requests itself from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and does not fetch role
 * credentials (docs/aws.md, "Forwarding the clickstream"). So one managed policy, naming the
 * stream, the bucket prefix and the SES identity, is attached to that user (whose key is
 * injected from Secrets Manager) and to the task role (for when the server learns roles).
 *
 * Why DATABASE_URL is "sslmode=require": the server hands it to libpq unchanged, and libpq
 * takes every parameter a conninfo string leaves out from PGHOST, PGPORT, PGUSER,
 * PGPASSWORD and PGDATABASE, which ECS injects from the RDS secret's fields. No password
 * is in a task definition, and the C code needs no change.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomResource, Duration, RemovalPolicy, SecretValue, Stack, StackProps, CfnOutput } from 'aws-cdk-lib';
import * as amplify from 'aws-cdk-lib/aws-amplify';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { IS_COMPLETE, ON_EVENT } from './migrate-handler.js';
import * as S from './settings.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StorefrontStackProps extends StackProps {
  webAclArn: string;
  mailFrom: string;
  /* SHOP_NAME and SHOP_ADDRESS of the order e-mails ('' address = no footer address). */
  shopName: string;
  shopAddress: string;
  /* The shop's own domain for the SPA (https://shop.example), if it has one: e-mail links
   * and CORS use it; '' = the Amplify branch domain. */
  shopUrl: string;
  /* VITE_DEFAULT_COUNTRY: the country the SPA's checkout form starts with. */
  defaultCountry: string;
  /* https URL of the git repository Amplify builds the SPA from ('' = connect it later). */
  spaRepository: string;
  spaBranch: string;
  dbInstanceClass: string;
  dbMultiAz: boolean;
  apiDesiredCount: number;
  availabilityZones: string[];
}

export class StorefrontStack extends Stack {
  private readonly azs: string[];

  /* The AZs from context, so nothing asks AWS for the region's list (synth is offline). */
  override get availabilityZones(): string[] {
    return this.azs;
  }

  constructor(scope: Construct, id: string, props: StorefrontStackProps) {
    super(scope, id, props);
    this.azs = props.availabilityZones;

    // ---- network: public subnets hold only the NAT gateway; the ALB and the tasks are
    // in private subnets with egress (Cognito JWKS, Stripe, Kinesis, SES), the database in
    // isolated ones (no route out at all).
    const vpc = new ec2.Vpc(this, 'Vpc', {
      // Named, not looked up: synth needs no AWS account (override with -c azs=a,b).
      availabilityZones: props.availabilityZones,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const albSg = new ec2.SecurityGroup(this, 'AlbSg', { vpc, allowAllOutbound: false, description: 'API load balancer: CloudFront VPC origin only' });
    const apiSg = new ec2.SecurityGroup(this, 'ApiSg', { vpc, allowAllOutbound: true, description: 'API tasks: the ALB only' });
    const dbSg = new ec2.SecurityGroup(this, 'DbSg', { vpc, allowAllOutbound: false, description: 'PostgreSQL: the API tasks only' });
    apiSg.addIngressRule(albSg, ec2.Port.tcp(S.API_PORT), 'from the ALB');
    albSg.addEgressRule(apiSg, ec2.Port.tcp(S.API_PORT), 'to the API tasks');
    dbSg.addIngressRule(apiSg, ec2.Port.tcp(5432), 'from the API tasks (serve and migrate)');
    // CloudFront's VPC origin reaches the internal ALB from the addresses of its managed
    // prefix list; its id differs per region, so it is read at deploy time (not a synth lookup).
    const prefixList = new cr.AwsCustomResource(this, 'CloudFrontPrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.global.cloudfront.origin-facing'] }] },
        physicalResourceId: cr.PhysicalResourceId.of('cloudfront-origin-facing'),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
    });
    albSg.addIngressRule(ec2.Peer.prefixList(prefixList.getResponseField('PrefixLists.0.PrefixListId')), ec2.Port.tcp(80), 'CloudFront origin-facing');

    // ---- data: RDS PostgreSQL 15 (why not Aurora Serverless v2: docs/aws.md).
    const db = new rds.DatabaseInstance(this, 'Db', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_15 }),
      instanceType: new ec2.InstanceType(props.dbInstanceClass),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [dbSg],
      publiclyAccessible: false,
      storageEncrypted: true,
      multiAz: props.dbMultiAz,
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      databaseName: 'storefront',
      credentials: rds.Credentials.fromGeneratedSecret('storefront', { secretName: 'storefront/db' }),
      backupRetention: Duration.days(7),
      deleteAutomatedBackups: false,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      enablePerformanceInsights: false,
      cloudwatchLogsExports: ['postgresql'],
      parameters: { 'rds.force_ssl': '1' },
    });
    const dbSecret = db.secret!;

    // ---- auth: the same pool, client and group as localstack/provision.sh.
    const pool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: S.POOL_NAME,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      selfSignUpEnabled: true,
      passwordPolicy: { minLength: 8, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const client = pool.addClient('WebClient', {
      userPoolClientName: S.CLIENT_NAME,
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(S.ACCESS_TOKEN_MINUTES),
      idTokenValidity: Duration.minutes(S.ID_TOKEN_MINUTES),
      refreshTokenValidity: Duration.days(S.REFRESH_TOKEN_DAYS),
    });
    new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: pool.userPoolId,
      groupName: S.ADMIN_GROUP,
      precedence: S.ADMIN_GROUP_PRECEDENCE,
      description: 'Storefront administrators: may use the /v1/admin API',
    });
    const issuer = `https://cognito-idp.${this.region}.amazonaws.com/${pool.userPoolId}`;

    // ---- clickstream: stream -> Firehose -> S3 (one prefix per day) -> Glue table.
    const stream = new kinesis.Stream(this, 'Clickstream', {
      streamName: S.STREAM_NAME,
      shardCount: 1,
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
    });
    const lake = new s3.Bucket(this, 'ClickstreamLake', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ prefix: 'errors/', expiration: Duration.days(30) }],
    });
    const firehoseRole = new iam.Role(this, 'FirehoseRole', { assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com') });
    firehoseRole.addToPolicy(new iam.PolicyStatement({
      actions: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
      resources: [stream.streamArn],
    }));
    firehoseRole.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:PutObject'],
      resources: [lake.bucketArn, lake.arnForObjects('*')],
    }));
    const delivery = new firehose.CfnDeliveryStream(this, 'ClickstreamDelivery', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: stream.streamArn, roleArn: firehoseRole.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: lake.bucketArn,
        roleArn: firehoseRole.roleArn,
        prefix: 'events/dt=!{timestamp:yyyy-MM-dd}/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        bufferingHints: { intervalInSeconds: 300, sizeInMBs: 64 },
        compressionFormat: 'GZIP',
        // The forwarder puts one JSON event per record with no newline; without a delimiter
        // Firehose concatenates them and Athena's JSON SerDe reads each object as one row.
        processingConfiguration: {
          enabled: true,
          processors: [{ type: 'AppendDelimiterToRecord', parameters: [{ parameterName: 'Delimiter', parameterValue: '\\n' }] }],
        },
      },
    });
    delivery.node.addDependency(firehoseRole);
    const glueDb = new glue.CfnDatabase(this, 'AnalyticsDb', {
      catalogId: this.account,
      databaseInput: { name: 'storefront_analytics', description: 'Storefront clickstream (Firehose output)' },
    });
    const col = (name: string, type: string) => ({ name, type });
    const eventsTable = new glue.CfnTable(this, 'EventsTable', {
      catalogId: this.account,
      databaseName: 'storefront_analytics',
      tableInput: {
        name: 'events',
        tableType: 'EXTERNAL_TABLE',
        // Partition projection: Athena derives dt from the prefix, no crawler or MSCK needed.
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2026-01-01,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `s3://${lake.bucketName}/events/dt=\${dt}/`,
        },
        partitionKeys: [col('dt', 'string')],
        storageDescriptor: {
          location: `s3://${lake.bucketName}/events/`,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
          // The events row as the forwarder sends it (docs/clickstream.md: to_jsonb of the row).
          columns: [
            col('event_id', 'string'), col('event_time', 'string'), col('received_at', 'string'),
            col('event_type', 'string'), col('source', 'string'), col('app_id', 'string'),
            col('anonymous_id', 'string'), col('session_id', 'string'), col('user_id', 'string'),
            col('page_url', 'string'), col('referrer', 'string'), col('product_id', 'bigint'),
            col('sku', 'string'), col('order_number', 'string'), col('search_query', 'string'),
            col('props', 'map<string,string>'), col('user_agent', 'string'), col('client_ip', 'string'),
          ],
        },
      },
    });
    eventsTable.addResourceDependency(glueDb);

    // ---- images: private bucket, read through CloudFront (OAC), written by presigned PUTs.
    const images = new s3.Bucket(this, 'Images', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- e-mail: the sending identity (its DNS records: `cdk deploy` outputs, docs/aws.md).
    const mailDomain = props.mailFrom.replace(/^.*<|>$/g, '').split('@')[1] ?? props.mailFrom;
    const identity = new ses.EmailIdentity(this, 'MailIdentity', { identity: ses.Identity.domain(mailDomain) });
    const identityArn = `arn:${this.partition}:ses:${this.region}:${this.account}:identity/${mailDomain}`;

    // ---- the API's AWS permissions: these actions on these resources, nothing else.
    // What the server does with S3 (api/service/s3.c, images.c): it presigns PUTs under
    // products/ (S3 checks the signer's s3:PutObject when the browser uses the URL), and on
    // confirm it HEADs the object to learn whether it arrived and its size and type. HEAD
    // needs s3:GetObject; for a key not uploaded yet S3 answers 404 only to a caller that may
    // also s3:ListBucket, else 403, which the server must report as "S3 unavailable, check
    // permissions" (503) instead of "nothing uploaded yet" (409). S3 evaluates that
    // ListBucket with the object key as s3:prefix, so the condition keeps it to products/:
    // the key can list nothing outside the prefix. No GET of bodies, no DELETE (deleting an
    // image removes its row; the object stays, see docs/images.md).
    const apiPolicy = new iam.ManagedPolicy(this, 'ApiAwsPolicy', {
      description: 'Storefront API: clickstream PutRecords, image PUTs and HEADs under products/, order e-mail',
      statements: [
        new iam.PolicyStatement({ sid: 'Clickstream', actions: ['kinesis:PutRecords'], resources: [stream.streamArn] }),
        new iam.PolicyStatement({ sid: 'ImageUploads', actions: ['s3:PutObject'], resources: [images.arnForObjects(`${S.IMAGE_PREFIX}*`)] }),
        new iam.PolicyStatement({ sid: 'ImageConfirmHead', actions: ['s3:GetObject'], resources: [images.arnForObjects(`${S.IMAGE_PREFIX}*`)] }),
        new iam.PolicyStatement({
          sid: 'ImageConfirmMissingIs404', actions: ['s3:ListBucket'], resources: [images.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${S.IMAGE_PREFIX}*`] } },
        }),
        new iam.PolicyStatement({ sid: 'OrderMail', actions: ['ses:SendEmail'], resources: [identityArn] }),
      ],
    });
    const apiUser = new iam.User(this, 'ApiUser', { managedPolicies: [apiPolicy] });
    const apiKey = new iam.AccessKey(this, 'ApiUserKey', { user: apiUser });
    const awsKeySecret = new secretsmanager.Secret(this, 'ApiAwsKey', {
      secretName: 'storefront/aws-key',
      description: 'The API user access key (the server signs its own AWS calls)',
      secretObjectValue: {
        AWS_ACCESS_KEY_ID: SecretValue.unsafePlainText(apiKey.accessKeyId),
        AWS_SECRET_ACCESS_KEY: apiKey.secretAccessKey,
      },
    });
    // CURSOR_SECRET generated; MAIL_FROM and the Stripe keys set by the operator (docs/aws.md).
    const appSecret = new secretsmanager.Secret(this, 'AppSecret', {
      secretName: 'storefront/app',
      description: 'Storefront API: CURSOR_SECRET, MAIL_FROM, STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ MAIL_FROM: props.mailFrom, STRIPE_API_KEY: '', STRIPE_WEBHOOK_SECRET: '' }),
        generateStringKey: 'CURSOR_SECRET',
        passwordLength: 64,
        excludePunctuation: true,
      },
    });

    // ---- the API: ECS Fargate behind an internal ALB.
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const taskDef = new ecs.FargateTaskDefinition(this, 'ApiTask', {
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    taskDef.taskRole.addManagedPolicy(apiPolicy);
    const logGroup = new logs.LogGroup(this, 'ApiLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });

    // The SPA's origin(s): Amplify's default domain for the branch.
    const spa = new amplify.CfnApp(this, 'Spa', {
      name: 'storefront-spa',
      platform: 'WEB',
      repository: props.spaRepository || undefined,
      // Amplify clones the repository with a GitHub token the operator stores first
      // (docs/aws.md); resolved by CloudFormation at deploy time, never in the template.
      accessToken: props.spaRepository
        ? SecretValue.secretsManager('storefront/amplify-github-token').unsafeUnwrap()
        : undefined,
      // No buildSpec: Amplify reads amplify.yml at the repository root
      // (npm ci && npm run spa:build, artifacts in frontend-contract/spa/dist).
      customRules: [{ source: '/<*>', target: '/index.html', status: '404-200' }],
    });
    const spaOrigin = `https://${props.spaBranch}.${spa.attrDefaultDomain}`;
    // The staff pages upload images straight to S3 with the presigned PUT: only from the SPA.
    images.addCorsRule({ allowedMethods: [s3.HttpMethods.PUT], allowedOrigins: [spaOrigin], allowedHeaders: ['Content-Type', 'Content-Length'] });


    const container = taskDef.addContainer('api', {
      containerName: 'api',
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, { file: 'Dockerfile' }),
      command: ['serve'],
      portMappings: [{ containerPort: S.API_PORT }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'api' }),
      environment: {
        LISTEN_ADDR: '0.0.0.0',
        PORT: String(S.API_PORT),
        DATABASE_URL: 'sslmode=require',
        TRUSTED_PROXY_HOPS: '2', // CloudFront + ALB each append to X-Forwarded-For
        // Longer than the ALB's idle timeout (below): the ALB reuses idle connections to
        // its targets and answers 502 if the target closed one first (docs/http.md).
        HTTP_CONNECTION_TIMEOUT: String(S.ALB_IDLE_TIMEOUT_S + 15),
        AWS_REGION: this.region,
        COGNITO_ISSUER: issuer,
        COGNITO_JWKS_URL: `${issuer}/.well-known/jwks.json`,
        COGNITO_CLIENT_IDS: client.userPoolClientId,
        ADMIN_GROUP: S.ADMIN_GROUP,
        KINESIS_STREAM: stream.streamName,
        S3_BUCKET: images.bucketName,
        CLICKSTREAM_APP_IDS: S.CLICKSTREAM_APP_ID,
        CORS_ALLOWED_ORIGINS: props.shopUrl ? `${spaOrigin},${props.shopUrl}` : spaOrigin,
        LOG_LEVEL: 'info',
        // Order e-mails link <SHOP_URL>/orders/<number>?token=…: the SPA's order page.
        SHOP_URL: props.shopUrl || spaOrigin,
        SHOP_NAME: props.shopName,
        ...(props.shopAddress ? { SHOP_ADDRESS: props.shopAddress } : {}),
      },
      secrets: {
        PGHOST: ecs.Secret.fromSecretsManager(dbSecret, 'host'),
        PGPORT: ecs.Secret.fromSecretsManager(dbSecret, 'port'),
        PGUSER: ecs.Secret.fromSecretsManager(dbSecret, 'username'),
        PGPASSWORD: ecs.Secret.fromSecretsManager(dbSecret, 'password'),
        PGDATABASE: ecs.Secret.fromSecretsManager(dbSecret, 'dbname'),
        CURSOR_SECRET: ecs.Secret.fromSecretsManager(appSecret, 'CURSOR_SECRET'),
        MAIL_FROM: ecs.Secret.fromSecretsManager(appSecret, 'MAIL_FROM'),
        STRIPE_API_KEY: ecs.Secret.fromSecretsManager(appSecret, 'STRIPE_API_KEY'),
        STRIPE_WEBHOOK_SECRET: ecs.Secret.fromSecretsManager(appSecret, 'STRIPE_WEBHOOK_SECRET'),
        AWS_ACCESS_KEY_ID: ecs.Secret.fromSecretsManager(awsKeySecret, 'AWS_ACCESS_KEY_ID'),
        AWS_SECRET_ACCESS_KEY: ecs.Secret.fromSecretsManager(awsKeySecret, 'AWS_SECRET_ACCESS_KEY'),
      },
      healthCheck: {
        command: ['CMD', '/usr/local/bin/storefront-healthcheck'],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(20),
      },
    });

    const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      internetFacing: false,
      securityGroup: albSg,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      idleTimeout: Duration.seconds(S.ALB_IDLE_TIMEOUT_S),
    });
    const listener = alb.addListener('Http', { port: 80, open: false });
    const service = new ecs.FargateService(this, 'ApiService', {
      cluster,
      taskDefinition: taskDef,
      desiredCount: props.apiDesiredCount,
      securityGroups: [apiSg],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(30),
    });
    const target = listener.addTargets('Api', {
      port: S.API_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [service],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: S.HEALTH_CHECK_PATH, healthyHttpCodes: '200', interval: Duration.seconds(15), healthyThresholdCount: 2,
        // 10 x 15 s: /readyz fails while PostgreSQL is unreachable, so a short database
        // failover (RDS Multi-AZ: 60-120 s) must not drain every task at once (docs/aws.md).
        unhealthyThresholdCount: 10 },
    });
    const scaling = service.autoScaleTaskCount({ minCapacity: props.apiDesiredCount, maxCapacity: Math.max(10, props.apiDesiredCount * 4) });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget: 1000, targetGroup: target });

    // ---- the migration: one-off task with the new task definition, before the service moves.
    const onEvent = new lambda.Function(this, 'MigrateOnEvent', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(ON_EVENT), timeout: Duration.minutes(1),
    });
    const isComplete = new lambda.Function(this, 'MigrateIsComplete', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(IS_COMPLETE), timeout: Duration.minutes(1),
    });
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:RunTask'], resources: [taskDef.taskDefinitionArn],
      conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
    }));
    onEvent.addToRolePolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'], resources: [taskDef.taskRole.roleArn, taskDef.executionRole!.roleArn],
    }));
    isComplete.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeTasks'], resources: [`arn:${this.partition}:ecs:${this.region}:${this.account}:task/${cluster.clusterName}/*`],
    }));
    const provider = new cr.Provider(this, 'MigrateProvider', {
      onEventHandler: onEvent, isCompleteHandler: isComplete,
      queryInterval: Duration.seconds(15), totalTimeout: Duration.minutes(30),
    });
    const migration = new CustomResource(this, 'Migrate', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::StorefrontMigrate',
      properties: {
        Cluster: cluster.clusterName,
        TaskDefinition: taskDef.taskDefinitionArn,
        Container: container.containerName,
        Subnets: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
        SecurityGroups: [apiSg.securityGroupId],
      },
    });
    migration.node.addDependency(db);
    service.node.addDependency(migration);

    // ---- edge: CloudFront in front of the ALB (VPC origin) and of the image bucket (OAC).
    const apiOrigin = origins.VpcOrigin.withApplicationLoadBalancer(alb, {
      httpPort: 80,
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      originShieldEnabled: true,
      originShieldRegion: this.region,
    });
    // Catalog: TTLs from the API's Cache-Control (0 default = nothing cached without it),
    // the whole query string and the Origin header in the key, no cookies and no other
    // header (so no Authorization: the catalog is the same for everyone). CloudFront answers
    // If-None-Match from its copy's ETag and revalidates with the origin using that ETag.
    // Why Origin: the API's CORS headers differ by Origin (Access-Control-Allow-Origin names
    // the caller, or is absent for an origin it refuses) and it says Vary: Origin, but
    // CloudFront ignores Vary: without Origin in the key, the first caller's CORS answer
    // would be served to every origin (the SPA blocked after a curl warmed the cache).
    const catalogCache = new cloudfront.CachePolicy(this, 'CatalogCache', {
      cachePolicyName: `storefront-catalog-${this.region}`,
      comment: 'Public catalog GETs: origin Cache-Control, query string and Origin in the key',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(1),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Origin'),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const catalogBehavior: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: catalogCache,
      originRequestPolicy: cloudfront.OriginRequestPolicy.CORS_CUSTOM_ORIGIN,
      compress: true,
    };
    // Never cached, every viewer header (Authorization, Content-Type, Idempotency-Key,
    // Stripe-Signature…), query string and cookie forwarded, all methods.
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: true,
    };
    // Behaviours match on the path only and the first match in this order wins, so paths
    // under a catalog pattern that take writes or a token come first: a shopper's
    // POST /v1/products/{slug}/reviews would otherwise meet the catalog behaviour, which
    // refuses POST (403 from CloudFront) and would not forward Authorization or
    // Content-Type. The review list loses the edge cache (browsers still cache it by its
    // Cache-Control, and their If-None-Match reaches the API, which answers 304).
    const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
    for (const p of S.UNCACHED_UNDER_CATALOG) additionalBehaviors[p] = apiBehavior;
    for (const p of S.CATALOG_PATHS) additionalBehaviors[p] = catalogBehavior;
    additionalBehaviors[`/${S.IMAGE_PREFIX}*`] = {
      origin: origins.S3BucketOrigin.withOriginAccessControl(images),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      compress: true,
    };
    const distribution = new cloudfront.Distribution(this, 'ApiDistribution', {
      comment: 'Storefront API (and product images)',
      webAclId: props.webAclArn,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Everything else: the uncached API behaviour.
      defaultBehavior: apiBehavior,
      additionalBehaviors,
    });
    const apiUrl = `https://${distribution.distributionDomainName}`;
    container.addEnvironment('IMAGE_BASE_URL', apiUrl);

    // ---- SPA build environment (Vite reads VITE_* at build time). On the branch, not the
    // app: the app's domain is in the image bucket's CORS rule, which the distribution
    // (an origin of it) precedes, so app-level variables naming the distribution would loop.
    new amplify.CfnBranch(this, 'SpaBranch', {
      appId: spa.attrAppId,
      branchName: props.spaBranch,
      stage: 'PRODUCTION',
      enableAutoBuild: true,
      environmentVariables: [
        { name: 'VITE_API_BASE_URL', value: apiUrl },
        { name: 'VITE_COGNITO_USER_POOL_ID', value: pool.userPoolId },
        { name: 'VITE_COGNITO_CLIENT_ID', value: client.userPoolClientId },
        { name: 'VITE_CLICKSTREAM_APP_ID', value: S.CLICKSTREAM_APP_ID },
        { name: 'VITE_DEFAULT_COUNTRY', value: props.defaultCountry },
      ],
    });

    new CfnOutput(this, 'ApiUrl', { value: apiUrl });
    new CfnOutput(this, 'SpaUrl', { value: spaOrigin });
    new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: service.serviceName });
    new CfnOutput(this, 'ImagesBucket', { value: images.bucketName });
    new CfnOutput(this, 'ClickstreamLakeBucket', { value: lake.bucketName });
    new CfnOutput(this, 'MailDomain', { value: identity.emailIdentityName });
    new CfnOutput(this, 'AppSecretArn', { value: appSecret.secretArn });
  }
}
