// `npm run demo`: build the emulated LAN (network namespaces, needs root and iproute2), scan it with the real
// CLI from inside the lab's scanner namespace, print the table, and leave the inventory in a SQLite file.
// Nothing here sends a packet outside the lab's own namespaces.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { labAvailable, startLab } from '../test/lab/lab.js';

const databasePath = resolve(process.env.CAMAUDIT_DEMO_DB ?? 'camaudit-demo.sqlite');
/** The ONVIF login the lab's cameras know (profiles' onvif.users), given for the first segment only, as a user would. */
const LAB_LOGIN = { cidr: '10.231.1.0/24', username: 'admin', password: 'Lab-Onvif-1' };

async function main(): Promise<number> {
  const available = labAvailable();
  if (!available.ok) {
    console.error(`demo: the lab cannot start here: ${available.reason}\nThe demo needs root and iproute2 (it builds network namespaces).`);
    return 1;
  }
  console.error('demo: building the lab (network namespaces, emulated devices)…');
  const lab = await startLab();
  const secrets = mkdtempSync(join(tmpdir(), 'camaudit-demo-'));
  const credentialsPath = join(secrets, 'onvif-logins.json');
  writeFileSync(credentialsPath, JSON.stringify([LAB_LOGIN]), { mode: 0o600 });
  try {
    const ranges = lab.segments.map((segment) => segment.cidr);
    console.error(`demo: lab ${lab.prefix} up with ${lab.devices.length} devices on ${ranges.join(', ')}`);
    console.error(`demo: camaudit scan ${ranges.map((range) => `--cidr ${range}`).join(' ')} --credentials ${credentialsPath} --db ${databasePath}\n`);
    const argv = [process.execPath, resolve('dist/src/cli/main.js'), 'scan', ...ranges.flatMap((range) => ['--cidr', range]), '--credentials', credentialsPath, '--db', databasePath];
    const result = await lab.runInScanner(argv, { timeoutMs: 120_000 });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    if (result.code !== 0) {
      console.error(`demo: scan exited with ${result.code}`);
      return 1;
    }
    console.error(`\ndemo: the inventory is in ${databasePath}`);
    console.error(`demo: serve it with   node dist/src/cli/main.js serve --db ${databasePath}   then open http://127.0.0.1:7370/docs`);
    console.error(`demo: export it with  node dist/src/cli/main.js export --format csv --db ${databasePath} --out cameras.csv`);
    return 0;
  } finally {
    rmSync(secrets, { recursive: true, force: true });
    await lab.stop();
    console.error('demo: lab torn down');
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('demo failed:', error);
    process.exitCode = 1;
  },
);
