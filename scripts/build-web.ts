// Builds the planning page (web/) into dist/web: one ES module bundled and minified by esbuild (preact inside),
// the stylesheet and the HTML document, nothing fetched from elsewhere at run time. Prints the gzipped size, which
// must stay under 200 kB. Run by `npm run build`; tests and the bench call buildWeb() directly.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_OUT_DIRECTORY = join(repositoryRoot, 'dist', 'web');
export const BUNDLE_BUDGET_BYTES = 200 * 1024;

export interface WebBuild {
  files: { name: string; bytes: number; gzipBytes: number }[];
  gzipTotal: number;
}

export async function buildWeb(outDirectory = WEB_OUT_DIRECTORY): Promise<WebBuild> {
  const source = join(repositoryRoot, 'web');
  mkdirSync(outDirectory, { recursive: true });
  await build({
    entryPoints: [join(source, 'main.tsx')],
    outfile: join(outDirectory, 'app.js'),
    bundle: true,
    format: 'esm',
    minify: true,
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'eof',
    // The page shares the export's columns (src/export/columns.ts), whose limits come from src/config.ts, which
    // reads CAMAUDIT_* variables: in the browser there are none, so the defaults apply.
    define: { 'process.env': '{}' },
    tsconfig: join(source, 'tsconfig.json'),
    logLevel: 'warning',
  });
  copyFileSync(join(source, 'app.css'), join(outDirectory, 'app.css'));
  copyFileSync(join(source, 'index.html'), join(outDirectory, 'index.html'));
  const files = ['index.html', 'app.js', 'app.css'].map((name) => {
    const bytes = readFileSync(join(outDirectory, name));
    return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
  const gzipTotal = files.reduce((sum, file) => sum + file.gzipBytes, 0);
  if (gzipTotal > BUNDLE_BUDGET_BYTES) throw new Error(`the page is ${gzipTotal} bytes gzipped, over its ${BUNDLE_BUDGET_BYTES}-byte budget`);
  return { files, gzipTotal };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildWeb().then(
    (result) => {
      const parts = result.files.map((file) => `${file.name} ${(file.bytes / 1024).toFixed(1)} kB (${(file.gzipBytes / 1024).toFixed(1)} kB gzipped)`);
      process.stdout.write(`web: dist/web ${parts.join(', ')}; total ${(result.gzipTotal / 1024).toFixed(1)} kB gzipped (budget ${BUNDLE_BUDGET_BYTES / 1024} kB)\n`);
    },
    (error: unknown) => {
      process.stderr.write(`web: build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
