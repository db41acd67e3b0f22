module.exports = { ...require('../../jest.preset.js'), displayName: 'business-time', rootDir: __dirname };
