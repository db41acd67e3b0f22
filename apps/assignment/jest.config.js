module.exports = { ...require('../../jest.preset.js'), displayName: 'assignment', rootDir: __dirname };
