/*
 * synth.ts — synthesizes the app once per test process, exactly as bin/storefront.ts does
 * (same buildApp, cdk.json's context), into a temporary directory; no AWS account needed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../lib/app.js';

export const DEPLOY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(DEPLOY_DIR, '..');

const context = JSON.parse(fs.readFileSync(path.join(DEPLOY_DIR, 'cdk.json'), 'utf8')).context;
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'storefront-cdk-'));
process.on('exit', () => fs.rmSync(outdir, { recursive: true, force: true }));
const app = new App({ context, outdir });
const stacks = buildApp(app);
export const main = Template.fromStack(stacks.main);
export const edge = Template.fromStack(stacks.edge);
export const template = main.toJSON() as { Resources: Record<string, { Type: string; Properties?: any; DependsOn?: string | string[] }> };

/* [logicalId, resource] for every resource of TYPE in the main stack. */
export function resources(type: string, t: { Resources: Record<string, any> } = template): [string, any][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export function only<T>(list: T[], what: string): T {
  if (list.length !== 1) throw new Error(`expected exactly one ${what}, found ${list.length}`);
  return list[0];
}

/* The logical id of the one resource of TYPE whose id starts with PREFIX. */
export function idOf(type: string, prefix: string): string {
  return only(resources(type).filter(([id]) => id.startsWith(prefix)), `${type} ${prefix}*`)[0];
}
