import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function yamlFile(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-config-'));
  const file = path.join(dir, 'vigil.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('works with no file: 127.0.0.1:8000, ./vigil-data, embedded stores', () => {
    const c = loadConfig({}, {});
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8000);
    expect(c.dataDir).toBe(path.resolve('vigil-data'));
    expect(c.publicUrl).toBe('http://127.0.0.1:8000');
    expect(c.clickhouseUrl).toBeUndefined();
    expect(c.databaseUrl).toBeUndefined();
  });

  it('reads YAML with ${ENV} references, and flags win over the file', () => {
    const file = yamlFile(
      'port: 9100\nhost: 0.0.0.0\ndatabaseUrl: postgres://vigil:${PG_PASS}@db/vigil\nqueue:\n  maxEnvelopes: 5\n',
    );
    const c = loadConfig({ config: file, port: '9200' }, { PG_PASS: 's3cret' });
    expect(c.port).toBe(9200);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBe('postgres://vigil:s3cret@db/vigil');
    expect(c.queue.maxEnvelopes).toBe(5);
    expect(c.publicUrl).toBe('http://0.0.0.0:9200');
  });

  it('reads the spool, memory ceiling, sink bounds and shutdown timeout, with Relay-like defaults', () => {
    const d = loadConfig({}, {});
    expect(d.spool).toEqual({ maxDiskSize: 500 * 1024 * 1024 });
    expect(d.health).toEqual({ maxMemoryPercent: 0.95 });
    expect(d.sinks).toEqual({ maxBufferedRows: 100_000, maxBufferedBytes: 64 * 1024 * 1024 });
    expect(d.limits).toEqual({ shutdownTimeout: 10 });
    const file = yamlFile(
      [
        'spool: { maxDiskSize: 1048576 }',
        'health: { maxMemoryBytes: 2000000000, maxMemoryPercent: 0.5 }',
        'sinks: { maxBufferedRows: 50, maxBufferedBytes: 4096 }',
        'limits: { shutdownTimeout: 3 }',
      ].join('\n'),
    );
    const c = loadConfig({ config: file }, {});
    expect(c.spool.maxDiskSize).toBe(1048576);
    expect(c.health).toEqual({ maxMemoryBytes: 2000000000, maxMemoryPercent: 0.5 });
    expect(c.sinks).toEqual({ maxBufferedRows: 50, maxBufferedBytes: 4096 });
    expect(c.limits.shutdownTimeout).toBe(3);
    expect(() => loadConfig({ config: yamlFile('health: { maxMemoryPercent: 1.5 }') }, {})).toThrow(
      /maxMemoryPercent/,
    );
    expect(() => loadConfig({ config: yamlFile('spool: 12') }, {})).toThrow(/spool must be a mapping/);
    expect(() => loadConfig({ config: yamlFile('limits: { shutdownTimeout: 0 }') }, {})).toThrow(
      /shutdownTimeout/,
    );
  });

  it('rejects a missing environment variable, bad YAML and a bad port with ConfigError', () => {
    expect(() => loadConfig({ config: yamlFile('databaseUrl: ${NOPE_NOT_SET}\n') }, {})).toThrow(
      /NOPE_NOT_SET/,
    );
    expect(() => loadConfig({ config: yamlFile('port: [1,\n') }, {})).toThrow(ConfigError);
    expect(() => loadConfig({ port: 'eighty' }, {})).toThrow(/invalid port/);
    expect(() => loadConfig({ config: '/nonexistent/vigil.yaml' }, {})).toThrow(/cannot read/);
  });

  it('reads per-project configs from `projects:` and validates them', () => {
    expect(loadConfig({}, {}).projects).toEqual([]);
    const file = yamlFile(
      [
        'projects:',
        '  vigil/default:',
        '    quotas:',
        '      - { id: errors, categories: [error], scope: project, limit: 100, window: 60, reasonCode: too_many }',
        '    filterSettings:',
        '      localhost: { isEnabled: true }',
        '      releases: { releases: ["${BAD_RELEASE}"] }',
        '    datascrubbingSettings: { scrubIpAddresses: true }',
        '    piiConfig: { applications: { "$string": ["@email:replace"] } }',
        '    typo: { rules: [] }',
        '  acme/api: {}',
        '',
      ].join('\n'),
    );
    const c = loadConfig({ config: file }, { BAD_RELEASE: '1.0-rc*' });
    expect(c.projects).toEqual([
      {
        organization: 'vigil',
        project: 'default',
        config: {
          quotas: [
            {
              id: 'errors',
              categories: ['error'],
              scope: 'project',
              limit: 100,
              window: 60,
              reasonCode: 'too_many',
            },
          ],
          filterSettings: { localhost: { isEnabled: true }, releases: { releases: ['1.0-rc*'] } },
          datascrubbingSettings: { scrubIpAddresses: true },
          piiConfig: { applications: { $string: ['@email:replace'] } },
        },
        warnings: ['typo: unknown key (ignored)'],
      },
      { organization: 'acme', project: 'api', config: {}, warnings: [] },
    ]);
  });

  it('names the project and the path of an invalid project config', () => {
    const load = (yaml: string) => () => loadConfig({ config: yamlFile(yaml) }, {});
    expect(load('projects:\n  acme/api:\n    quotas: [{ id: q, limit: -1 }]\n')).toThrow(
      /^projects\["acme\/api"\]\.quotas\[0\]: /,
    );
    expect(load('projects:\n  acme/api:\n    filterSettings: { localhost: {} }\n')).toThrow(
      new ConfigError('projects["acme/api"].filterSettings.localhost.isEnabled: required boolean'),
    );
    expect(load('projects:\n  api: {}\n')).toThrow(/"api" must be "<org-slug>\/<project-slug>"/);
    expect(load('projects:\n  acme/api: [1]\n')).toThrow(/projects\["acme\/api"\]: expected a mapping/);
    expect(load('projects: [1]\n')).toThrow(ConfigError);
  });
});
