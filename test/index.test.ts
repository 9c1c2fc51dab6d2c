import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lib from '../src';

// The package's entry point exports exactly the classes and enums API.md documents (structs are types only): a
// construct or class added without an export, or an export API.md does not list, fails here.
test('src/index.ts exports every construct, class and enum API.md documents, and nothing else', () => {
  const api = fs.readFileSync(path.join(__dirname, '..', 'API.md'), 'utf8');
  const documented = ['Constructs', 'Classes', 'Enums'].flatMap((section) => {
    const body = api.split(`\n## ${section} `)[1]?.split('\n## ')[0] ?? '';
    return [...body.matchAll(/^### (\w+) /gm)].map((m) => m[1]);
  });
  expect(documented).toEqual(expect.arrayContaining(['ClerkJwtAuthorizer', 'ClerkLambdaAuthorizer', 'ClaimPredicate', 'ClerkTokenType']));
  expect(Object.keys(lib).sort()).toEqual(documented.sort());
});
