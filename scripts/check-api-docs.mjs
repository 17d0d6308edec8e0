// After typedoc: the site carries every guide in docs/ and its sidebar holds only what users call
// (functions, classes, constants), under each package. Part of `pnpm docs:api`, so CI checks it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { ReflectionKind } from 'typedoc';

const root = join(import.meta.dirname, '..');
const script = readFileSync(join(root, 'docs/api/assets/navigation.js'), 'utf8');
const encoded = /"([^"]+)"/.exec(script)?.[1] ?? '';
const navigation = JSON.parse(inflateSync(Buffer.from(encoded, 'base64')).toString('utf8'));

const problems = [];
const kinds = new Map();
const walk = (elements, trail) => {
  for (const element of elements) {
    const where = [...trail, element.text].join(' › ');
    if (element.kind !== undefined) {
      const name = ReflectionKind[element.kind] ?? String(element.kind);
      kinds.set(name, (kinds.get(name) ?? 0) + 1);
      if (!['Module', 'Document', 'Function', 'Class', 'Variable', 'Namespace'].includes(name))
        problems.push(`sidebar lists ${where}, a ${name}`);
    }
    if (element.children) walk(element.children, [...trail, element.text]);
  }
};
walk(navigation, []);

const guides = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'));
const pages = new Set(readdirSync(join(root, 'docs/api/documents')));
for (const guide of guides) {
  if (!pages.has(guide.replace(/\.md$/, '.html')))
    problems.push(`guide docs/${guide} has no page in the site`);
}
for (const needed of ['Function', 'Class', 'Document']) {
  if (!kinds.has(needed)) problems.push(`sidebar has no ${needed} at all`);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(
  `API docs: ${guides.length} guides; sidebar: ${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ')}`,
);
