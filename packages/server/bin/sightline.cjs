#!/usr/bin/env node
'use strict';
// chDB runs its queries on libuv's thread pool; with the default 4 threads, file reads and DNS wait behind queries
// (CHDB-NOTES gotcha 8). libuv sizes the pool on first use, so this must happen before anything async: this file is
// CommonJS because the ESM loader itself would use the pool to read the next module.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';

import('../dist/cli/index.js')
  .then(({ runCli, explainFailure }) =>
    runCli(process.argv.slice(2)).then(
      (code) => {
        if (code !== 0) process.exitCode = code;
      },
      (error) => {
        console.error(`sightline: ${explainFailure(error)}`);
        process.exitCode = 1;
      },
    ),
  )
  .catch((error) => {
    console.error(
      `sightline: could not load the server (${error.message}). Run \`npm install\` (it builds Sightline) first.`,
    );
    process.exitCode = 1;
  });
