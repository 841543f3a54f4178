// Runs the @nestjs/swagger CLI plugin under ts-jest, as `nest build` does, so e2e tests see the same OpenAPI document.
const plugin = require('@nestjs/swagger/plugin');

module.exports = {
  name: 'nestjs-swagger-plugin',
  version: '1',
  factory: (compilerInstance) =>
    plugin.before({ introspectComments: true, classValidatorShim: true, dtoFileNameSuffix: ['.dto.ts'] }, compilerInstance.program),
};
