// Makes sure the machine-wide tools `npm test` drives are present: Debian's Chromium for the
// Playwright tests (Playwright's own browser download does not work on these machines), and
// Debian's PyTorch with numpy and PIL in /usr/bin/python3 for the PyTorch job's tests.
// Installs what is missing when running as root; otherwise says exactly what to install.
import { existsSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';

import { CHROMIUM_PATH } from '../src/cli/chromium';

const PYTHON = '/usr/bin/python3';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

interface Tool {
  what: string;
  present: () => boolean;
  /** Debian packages that provide it (--no-install-recommends: nothing more is needed). */
  packages: string[];
  hint?: string;
}

const TOOLS: Tool[] = [
  {
    what: `Chromium at ${CHROMIUM_PATH}`,
    present: () => existsSync(CHROMIUM_PATH),
    packages: ['chromium'],
    hint: 'or set CHROMIUM_PATH to a Chromium/Chrome binary',
  },
  {
    what: `PyTorch, numpy and PIL in ${PYTHON}`,
    present: () => spawnSync(PYTHON, ['-c', 'import torch, numpy, PIL'], { stdio: 'ignore' }).status === 0,
    packages: ['python3-torch', 'python3-pil'],
  },
];

const missing = TOOLS.filter((tool) => !tool.present());
if (missing.length > 0) {
  const packages = missing.flatMap((tool) => tool.packages);
  const command = `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages.join(' ')}`;
  if (!isRoot) {
    for (const tool of missing) console.error(`Missing: ${tool.what}${tool.hint ? ` (${tool.hint})` : ''}.`);
    console.error(`Install with:  sudo sh -c '${command}'`);
    process.exit(1);
  }
  console.log(`Installing Debian's ${packages.join(', ')} for the tests...`);
  execSync(command, { stdio: 'inherit' });
  const still = missing.filter((tool) => !tool.present());
  if (still.length > 0) {
    console.error(`apt-get finished but these are still missing: ${still.map((tool) => tool.what).join('; ')}.`);
    process.exit(1);
  }
}
