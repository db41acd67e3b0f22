// One jest run over every project of the workspace (each apps/*, libs/* and e2e has its own jest.config.js).
const fs = require('node:fs');
const path = require('node:path');

const projects = ['apps', 'libs']
  .flatMap((dir) =>
    fs
      .readdirSync(path.join(__dirname, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(__dirname, dir, entry.name)),
  )
  .concat(path.join(__dirname, 'e2e'))
  .filter((project) => fs.existsSync(path.join(project, 'jest.config.js')));

// testTimeout is a global option: the projects cannot set it. Integration tests start services and join groups.
module.exports = { projects, testTimeout: 60_000 };
