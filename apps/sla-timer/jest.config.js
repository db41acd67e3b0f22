module.exports = { ...require('../../jest.preset.js'), displayName: 'sla-timer', rootDir: __dirname };
