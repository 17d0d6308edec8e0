// The command line: which steps to run (with the steps they need) and how strict to be.

export const STEPS = [
  'manifest',
  'changesets',
  'pack',
  'publint',
  'attw',
  'install',
  'engines',
  'smoke',
  'types',
  'bundles',
] as const;
export type StepName = (typeof STEPS)[number];

/** Steps that need another step's output. */
export const NEEDS: Readonly<Record<StepName, readonly StepName[]>> = {
  manifest: [],
  changesets: [],
  pack: [],
  publint: ['pack'],
  attw: ['pack'],
  install: ['pack'],
  engines: ['install'],
  smoke: ['install'],
  types: ['install'],
  bundles: ['install'],
};

export interface Options {
  readonly only: ReadonlySet<StepName>;
  readonly allowedWarnings: ReadonlySet<string>;
  readonly floors: boolean;
  readonly keep: boolean;
}

export function parseOptions(argv: readonly string[]): Options {
  let only: Set<StepName> = new Set(STEPS);
  const allowedWarnings = new Set<string>();
  let floors = true;
  let keep = false;
  for (const arg of argv) {
    if (arg.startsWith('--only=')) {
      const wanted = arg.slice('--only='.length).split(',').filter(Boolean);
      for (const name of wanted) {
        if (!(STEPS as readonly string[]).includes(name)) usage(`unknown step ${name}`);
      }
      only = withPrerequisites(wanted as StepName[]);
    } else if (arg.startsWith('--allow-warning=')) {
      for (const code of arg.slice('--allow-warning='.length).split(',')) if (code) allowedWarnings.add(code);
    } else if (arg === '--no-floors') {
      floors = false;
    } else if (arg === '--keep') {
      keep = true;
    } else {
      usage(`unknown option ${arg}`);
    }
  }
  return { only, allowedWarnings, floors, keep };
}

export function withPrerequisites(steps: readonly StepName[]): Set<StepName> {
  const all = new Set<StepName>();
  const add = (step: StepName): void => {
    if (all.has(step)) return;
    all.add(step);
    for (const need of NEEDS[step]) add(need);
  };
  for (const step of steps) add(step);
  return all;
}

export function usage(problem: string): never {
  console.error(`check-packages: ${problem}`);
  console.error(`steps: ${STEPS.join(', ')}; options: --only=…, --allow-warning=CODE, --no-floors, --keep`);
  process.exit(2);
}
