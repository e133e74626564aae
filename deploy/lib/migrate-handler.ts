/*
 * migrate-handler.ts — the Lambda code (inline, Node.js 22, AWS SDK v3 from the runtime) of
 * the custom resource that runs `storefront migrate` as a one-off Fargate task.
 *
 * onEvent starts the task on every Create and Update (the resource's properties carry the
 * task definition ARN, so every new image or configuration is an Update); isComplete polls
 * DescribeTasks until the task stops, and fails the deployment unless the container exited
 * with 0. The ECS service depends on this resource, so CloudFormation moves the service to
 * the new task definition only after the migration succeeded, and a failed migration rolls
 * the whole stack back with the old tasks still serving. Delete does nothing: migrations
 * are never undone by a stack operation.
 */
export const ON_EVENT = `
const { ECSClient, RunTaskCommand } = require('@aws-sdk/client-ecs');
const ecs = new ECSClient({});
exports.handler = async (event) => {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const p = event.ResourceProperties;
  const out = await ecs.send(new RunTaskCommand({
    cluster: p.Cluster, taskDefinition: p.TaskDefinition, launchType: 'FARGATE', count: 1,
    startedBy: 'storefront-migrate',
    networkConfiguration: { awsvpcConfiguration: {
      subnets: p.Subnets, securityGroups: p.SecurityGroups, assignPublicIp: 'DISABLED' } },
    overrides: { containerOverrides: [{ name: p.Container, command: ['migrate'] }] },
  }));
  if (!out.tasks || out.tasks.length !== 1)
    throw new Error('RunTask started no task: ' + JSON.stringify(out.failures || []));
  return { PhysicalResourceId: 'storefront-migrate', Data: { TaskArn: out.tasks[0].taskArn } };
};
`;

export const IS_COMPLETE = `
const { ECSClient, DescribeTasksCommand } = require('@aws-sdk/client-ecs');
const ecs = new ECSClient({});
exports.handler = async (event) => {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const p = event.ResourceProperties;
  const out = await ecs.send(new DescribeTasksCommand({ cluster: p.Cluster, tasks: [event.Data.TaskArn] }));
  const task = out.tasks && out.tasks[0];
  if (!task) throw new Error('migration task ' + event.Data.TaskArn + ' not found');
  if (task.lastStatus !== 'STOPPED') return { IsComplete: false };
  const c = (task.containers || []).find((x) => x.name === p.Container) || {};
  if (c.exitCode === 0) return { IsComplete: true, Data: { TaskArn: task.taskArn } };
  throw new Error('storefront migrate failed: exit code ' + c.exitCode + ', ' +
    (c.reason || task.stoppedReason || 'no reason given') + ' (logs: the task ' + task.taskArn + ')');
};
`;
