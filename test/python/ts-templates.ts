/**
 * Synthesizes the TypeScript example app (examples/app.ts) for test/python/test_app.py, which requires the Python
 * app's templates to equal these: `ts-node test/python/ts-templates.ts '<context JSON>' <out.json>` writes
 * `{ "<stack name>": <template>, ... }` for every stack of the app, built with exactly that CDK context.
 */
import * as fs from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { main } from '../../examples/app';

const [context, out] = process.argv.slice(2);
if (context === undefined || out === undefined) {
  throw new Error('usage: ts-templates.ts <context JSON> <out.json>');
}
const app = main(new App({ context: JSON.parse(context) }));
const templates: Record<string, unknown> = {};
for (const stack of app.node.findAll().filter(Stack.isStack)) {
  templates[stack.stackName] = Template.fromStack(stack).toJSON();
}
fs.writeFileSync(out, JSON.stringify(templates, null, 1));
